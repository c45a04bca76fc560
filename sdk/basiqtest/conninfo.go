package basiqtest

import "net/http"

type connectionOut struct {
	Type        string    `json:"type"`
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	Method      string    `json:"method,omitempty"`
	CreatedDate string    `json:"createdDate"`
	ExpiryDate  string    `json:"expiryDate,omitempty"`
	LastUsed    string    `json:"lastUsed"`
	Institution instRef   `json:"institution"`
	Accounts    list      `json:"accounts"`
	Links       connLinks `json:"links"`
}

type instRef struct {
	Type  string   `json:"type"`
	ID    string   `json:"id"`
	Links selfLink `json:"links"`
}

type connLinks struct {
	Self         string `json:"self"`
	User         string `json:"user"`
	Accounts     string `json:"accounts"`
	Transactions string `json:"transactions"`
}

// connectionJSON renders a connection. Call with store.mu held.
func (s *Server) connectionJSON(r *http.Request, c *connection) connectionOut {
	o := s.connectionHead(r, c)
	accts, upd := s.visibleAccounts(c)
	for _, a := range accts {
		o.Accounts.Data = append(o.Accounts.Data, s.accountJSON(r, c, a, upd))
	}
	o.Accounts.Count = len(o.Accounts.Data)
	return o
}

// connectionHead renders a connection with an empty accounts list, as its events carry it.
// Call with store.mu held.
func (s *Server) connectionHead(r *http.Request, c *connection) connectionOut {
	base := s.baseURL(r)
	user := base + "/users/" + c.userID
	flt := "?filter=connection.id.eq('" + c.id + "')"
	o := connectionOut{Type: "connection", ID: c.id, Status: s.connStatus(c), CreatedDate: rfc3339(c.created),
		LastUsed:    rfc3339(c.created),
		Institution: instRef{Type: "institution", ID: c.institution, Links: selfLink{Self: base + "/institutions/" + c.institution}},
		Accounts:    list{Type: "list", Data: []any{}},
		Links: connLinks{Self: user + "/connections/" + c.id, User: user, Accounts: user + "/accounts" + flt,
			Transactions: user + "/transactions" + flt}}
	o.Method = s.store.cget(c).method
	if cs := s.connConsent(c); cs != nil {
		o.ExpiryDate = rfc3339(cs.expires)
	}
	if len(c.jobs) > 0 {
		if j, ok := s.store.job(c.jobs[len(c.jobs)-1]); ok {
			o.LastUsed = rfc3339(j.created)
		}
	}
	return o
}

var connectionFields = map[string]bool{"id": true, "connection.id": true, "status": true,
	"connection.status": true, "institution.id": true}

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request) *apiError {
	return s.serveList(w, r, connectionFields, func(f filter) ([]any, *apiError) {
		u, err := s.store.liveUser(r.PathValue("uid"))
		if err != nil {
			return nil, err
		}
		var data []any
		for _, cid := range u.conns {
			if c := s.store.conns[cid]; !c.deleted {
				if o := s.connectionJSON(r, c); f.match(o.field) {
					data = append(data, o)
				}
			}
		}
		return data, nil
	})
}

func (o connectionOut) field(name string) string {
	switch name {
	case "status", "connection.status":
		return o.Status
	case "institution.id":
		return o.Institution.ID
	}
	return o.ID
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	c, err := s.store.userConn(r.PathValue("uid"), r.PathValue("cid"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.connectionJSON(r, c))
	return nil
}

// connConsent is the consent c was made or re-authorised under, or nil. Call with store.mu held.
func (s *Server) connConsent(c *connection) *consent {
	if s.store.cget(c).consentID == "" {
		return nil
	}
	for _, cs := range s.store.uget(s.store.users[c.userID]).consents {
		if cs.id == s.store.cget(c).consentID {
			return cs
		}
	}
	return nil
}
