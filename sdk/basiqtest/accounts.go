package basiqtest

import (
	"net/http"
	"time"
)

type accountOut struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	AccountNo string `json:"accountNo"`
	Name      string `json:"name"`
	Currency  string `json:"currency"`
	Class     struct {
		Type    string `json:"type"`
		Product string `json:"product"`
	} `json:"class"`
	Balance              string     `json:"balance"`
	AvailableFunds       string     `json:"availableFunds"`
	LastUpdated          string     `json:"lastUpdated"`
	Status               string     `json:"status"`
	Institution          string     `json:"institution"`
	Connection           string     `json:"connection"`
	TransactionIntervals []interval `json:"transactionIntervals"`
	Links                acctLinks  `json:"links"`
}

type interval struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type acctLinks struct {
	Self         string `json:"self"`
	Institution  string `json:"institution"`
	Transactions string `json:"transactions"`
}

// stepDone reports whether any job of c has finished the titled step with success.
func (s *Server) stepDone(c *connection, title string) (time.Time, bool) {
	for _, id := range c.jobs {
		j, _ := s.store.job(id)
		for _, x := range s.snapshot(j) {
			if x.title == title && x.status == "success" && x.end.After(s.store.cget(c).purgedAt) {
				return x.end, true
			}
		}
	}
	return time.Time{}, false
}

// visibleAccounts are c's accounts once a job has retrieved them, and when the first did.
func (s *Server) visibleAccounts(c *connection) ([]*account, time.Time) {
	if upd, ok := s.stepDone(c, stepAccounts); ok {
		return c.accounts, upd
	}
	return nil, time.Time{}
}

// accountJSON renders account a of c, retrieved at upd.
func (s *Server) accountJSON(r *http.Request, c *connection, a *account, upd time.Time) accountOut {
	base := s.baseURL(r)
	o := accountOut{Type: "account", ID: a.id, AccountNo: a.accountNo, Name: a.name, Currency: "AUD",
		Balance: money(a.balance), AvailableFunds: money(a.balance), LastUpdated: rfc3339(upd), Status: "available",
		Institution: a.institution, Connection: a.connID,
		Links: acctLinks{Self: base + "/users/" + a.userID + "/accounts/" + a.id, Institution: base + "/institutions/" + a.institution,
			Transactions: base + "/users/" + a.userID + "/transactions?filter=account.id.eq('" + a.id + "')"}}
	o.Class.Type, o.Class.Product = a.class, a.product
	day := c.created.UTC().Truncate(24 * time.Hour)
	o.TransactionIntervals = []interval{{From: day.AddDate(0, 0, -(s.cfg.txPerAcct/3)-1).Format("2006-01-02"), To: day.Format("2006-01-02")}}
	return o
}

var accountFields = map[string]bool{"connection.id": true, "institution.id": true, "account.id": true, "id": true}

func (a *account) field(name string) string {
	switch name {
	case "connection.id":
		return a.connID
	case "institution.id":
		return a.institution
	}
	return a.id
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) *apiError {
	return s.serveList(w, r, accountFields, func(f filter) ([]any, *apiError) {
		u, err := s.store.liveUser(r.PathValue("uid"))
		if err != nil {
			return nil, err
		}
		var data []any
		for _, cid := range u.conns {
			c := s.store.conns[cid]
			accts, upd := s.visibleAccounts(c)
			for _, a := range accts {
				if f.match(a.field) {
					data = append(data, s.accountJSON(r, c, a, upd))
				}
			}
		}
		return data, nil
	})
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	for _, cid := range u.conns {
		c := s.store.conns[cid]
		accts, upd := s.visibleAccounts(c)
		for _, a := range accts {
			if a.id == r.PathValue("aid") {
				writeJSON(w, 200, s.accountJSON(r, c, a, upd))
				return nil
			}
		}
	}
	return errNotFound("account")
}
