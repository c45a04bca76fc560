package basiqtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
)

type transactionOut struct {
	Type            string   `json:"type"`
	ID              string   `json:"id"`
	Status          string   `json:"status"`
	Description     string   `json:"description"`
	Amount          string   `json:"amount"`
	Account         string   `json:"account"`
	Balance         string   `json:"balance"`
	Direction       string   `json:"direction"`
	Class           string   `json:"class"`
	Institution     string   `json:"institution"`
	Connection      string   `json:"connection"`
	TransactionDate string   `json:"transactionDate"`
	PostDate        *string  `json:"postDate"`
	SubClass        subClass `json:"subClass"`
	Links           txLinks  `json:"links"`
}

type subClass struct {
	Title string `json:"title"`
	Code  string `json:"code"`
}

type txLinks struct {
	Self        string `json:"self"`
	Account     string `json:"account"`
	Institution string `json:"institution"`
}

func (t *transaction) direction() string {
	if t.amount < 0 {
		return "debit"
	}
	return "credit"
}

func (t *transaction) field(name string) string {
	switch name {
	case "connection.id":
		return t.connID
	case "account.id":
		return t.accountID
	case "institution.id":
		return t.institution
	case "transaction.status":
		return t.status
	case "transaction.direction":
		return t.direction()
	case "transaction.class":
		return t.class
	case "transaction.postDate":
		if t.postDate.IsZero() {
			return ""
		}
		return rfc3339(t.postDate)
	}
	return t.id
}

var txFields = map[string]bool{"connection.id": true, "account.id": true, "institution.id": true,
	"transaction.postDate": true, "transaction.status": true, "transaction.direction": true, "transaction.class": true}

func (s *Server) transactionJSON(base, uid string, t *transaction) transactionOut {
	o := transactionOut{Type: "transaction", ID: t.id, Status: t.status, Description: t.description, Amount: money(t.amount),
		Account: t.accountID, Balance: money(t.balance), Direction: t.direction(), Class: t.class, Institution: t.institution,
		Connection: t.connID, TransactionDate: rfc3339(t.transactionDate), SubClass: subClass{Title: t.subTitle, Code: t.subCode},
		Links: txLinks{Self: base + "/users/" + uid + "/transactions/" + t.id, Account: base + "/users/" + uid + "/accounts/" + t.accountID,
			Institution: base + "/institutions/" + t.institution}}
	if t.status == "posted" {
		p := rfc3339(t.postDate)
		o.PostDate = &p
	}
	return o
}

// cursor is the state carried by a next link.
type cursor struct {
	Filter string `json:"f,omitempty"`
	Limit  int    `json:"l"`
	Offset int    `json:"o"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageRequest reads limit and filter, or a next cursor, from the query.
func pageRequest(r *http.Request) (cursor, *apiError) {
	q := r.URL.Query()
	if n := q.Get("next"); n != "" || q.Has("next") {
		var c cursor
		b, err := base64.RawURLEncoding.DecodeString(n)
		if err != nil || json.Unmarshal(b, &c) != nil || c.Limit < 1 || c.Limit > 500 || c.Offset < 0 {
			return cursor{}, errNotValid(param("next"), "Cursor '"+n+"' is not valid.")
		}
		return c, nil
	}
	c := cursor{Filter: q.Get("filter"), Limit: 500}
	if l := q.Get("limit"); l != "" || q.Has("limit") {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return cursor{}, errNotValid(param("limit"), "limit must be a number from 1 to 500.")
		}
		c.Limit = n
	}
	return c, nil
}

func (s *Server) listTransactions(w http.ResponseWriter, r *http.Request) *apiError {
	pg, err := pageRequest(r)
	if err != nil {
		return err
	}
	f, err := parseFilter(pg.Filter, txFields)
	if err != nil {
		return err
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	uid := r.PathValue("uid")
	txs, err := s.userTransactions(uid)
	if err != nil {
		return err
	}
	var match []*transaction
	for _, t := range txs {
		if f.match(t.field) {
			match = append(match, t)
		}
	}
	writeJSON(w, 200, s.txPage(r, uid, pg, match))
	return nil
}

func (s *Server) txPage(r *http.Request, uid string, pg cursor, match []*transaction) list {
	base := s.baseURL(r)
	size := len(match)
	lo, hi := min(pg.Offset, size), min(pg.Offset+pg.Limit, size)
	out := list{Type: "list", Size: &size, Data: make([]any, 0, hi-lo), Links: &listLinks{Self: base + r.URL.RequestURI()}}
	for _, t := range match[lo:hi] {
		out.Data = append(out.Data, s.transactionJSON(base, uid, t))
	}
	out.Count = len(out.Data)
	if hi < size {
		next := pg
		next.Offset = hi
		out.Links.Next = base + "/users/" + uid + "/transactions?next=" + next.encode()
	}
	return out
}

// userTransactions lists the retrieved transactions of a user. Call with store.mu held.
func (s *Server) userTransactions(uid string) ([]*transaction, *apiError) {
	u, err := s.store.liveUser(uid)
	if err != nil {
		return nil, err
	}
	var out []*transaction
	for _, cid := range u.conns {
		c := s.store.conns[cid]
		if _, ok := s.stepDone(c, stepTransactions); ok {
			out = append(out, s.txsOf(c)...)
		}
	}
	return out, nil
}

func (s *Server) getTransaction(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	uid := r.PathValue("uid")
	txs, err := s.userTransactions(uid)
	if err != nil {
		return err
	}
	for _, t := range txs {
		if t.id == r.PathValue("tid") {
			writeJSON(w, 200, s.transactionJSON(s.baseURL(r), uid, t))
			return nil
		}
	}
	return errNotFound("transaction")
}
