package basiqtest

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
)

type list struct {
	Type  string     `json:"type"`
	Count int        `json:"count"`
	Size  *int       `json:"size,omitempty"`
	Data  []any      `json:"data"`
	Links *listLinks `json:"links,omitempty"`
}

type listLinks struct {
	Self string `json:"self"`
	Next string `json:"next,omitempty"`
}

// serveList answers a filtered collection: it parses the filter parameter against fields,
// then, with store.mu held for reading, writes what collect returns as a list.
func (s *Server) serveList(w http.ResponseWriter, r *http.Request, fields map[string]bool,
	collect func(f filter) ([]any, *apiError)) *apiError {
	wrap := func(data []any, self string) any {
		return list{Type: "list", Count: len(data), Data: data, Links: &listLinks{Self: self}}
	}
	return s.serveListAs(w, r, fields, wrap, collect)
}

// serveListAs is serveList with the envelope that wrap builds from the data and the self link.
func (s *Server) serveListAs(w http.ResponseWriter, r *http.Request, fields map[string]bool,
	wrap func(data []any, self string) any, collect func(f filter) ([]any, *apiError)) *apiError {
	f, err := parseFilter(r.URL.Query().Get("filter"), fields)
	if err != nil {
		return err
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	data, err := collect(f)
	if err != nil {
		return err
	}
	if data == nil {
		data = []any{}
	}
	writeJSON(w, 200, wrap(data, s.baseURL(r)+r.URL.RequestURI()))
	return nil
}

type ref struct {
	Type  string   `json:"type"`
	ID    string   `json:"id"`
	Links selfLink `json:"links"`
}

type userBody struct {
	Email     *string `json:"email"`
	Mobile    *string `json:"mobile"`
	FirstName *string `json:"firstName"`
	LastName  *string `json:"lastName"`
}

type userOut struct {
	Type        string    `json:"type"`
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Mobile      string    `json:"mobile"`
	FirstName   string    `json:"firstName,omitempty"`
	LastName    string    `json:"lastName,omitempty"`
	Connections *list     `json:"connections,omitempty"`
	Accounts    *list     `json:"accounts,omitempty"`
	Links       userLinks `json:"links"`
}

type userLinks struct {
	Self         string `json:"self"`
	Accounts     string `json:"accounts,omitempty"`
	Connections  string `json:"connections,omitempty"`
	Transactions string `json:"transactions,omitempty"`
}

// decodeJSON reads a JSON body sent as application/json (or without Content-Type); an empty
// body decodes as {}.
func decodeJSON(r *http.Request, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return newError(415, "unsupported-content-type", "Content-Type must be application/json.", param("Content-Type"))
		}
	}
	return decodeBody(r, v)
}

// decodeBody reads a JSON body whatever its Content-Type.
func decodeBody(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return errInvalidContent("Request body is not valid JSON: " + err.Error())
	}
	return nil
}

var mobileRE = regexp.MustCompile(`^\+?[0-9]{8,15}$`)

func validateUser(b userBody, create bool) *apiError {
	email, mobile := trimmed(b.Email), trimmed(b.Mobile)
	if create && email == "" && mobile == "" {
		return newError(400, "parameter-not-supplied", "One of email or mobile is required.", pointer("/email"))
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
			return errNotValid(pointer("/email"), "Email '"+email+"' is not valid.")
		}
	}
	if mobile != "" && !mobileRE.MatchString(strings.ReplaceAll(mobile, " ", "")) {
		return errNotValid(pointer("/mobile"), "Mobile '"+mobile+"' is not valid.")
	}
	return nil
}

func trimmed(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

func (u *user) apply(b userBody) {
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	set(&u.email, b.Email)
	set(&u.mobile, b.Mobile)
	set(&u.firstName, b.FirstName)
	set(&u.lastName, b.LastName)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) *apiError {
	var b userBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if err := validateUser(b, true); err != nil {
		return err
	}
	s.store.mu.Lock()
	u := &user{id: s.store.newID()}
	u.apply(b)
	s.store.users[u.id] = u
	out := s.userJSON(r, u, false)
	s.record(r, "user.created", u.id, "/users/"+u.id, out)
	s.store.mu.Unlock()
	writeJSON(w, 201, out)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.userJSON(r, u, true))
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) *apiError {
	var b userBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if err := validateUser(b, false); err != nil {
		return err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	u.apply(b)
	out := s.userJSON(r, u, true)
	s.record(r, "user.updated", u.id, "/users/"+u.id, s.userJSON(r, u, false))
	writeJSON(w, 200, out)
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	s.record(r, "user.deleted", u.id, "/users/"+u.id, s.userJSON(r, u, false))
	u.deleted = true
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// userJSON renders a user. Call with store.mu held.
func (s *Server) userJSON(r *http.Request, u *user, full bool) userOut {
	self := s.baseURL(r) + "/users/" + u.id
	out := userOut{Type: "user", ID: u.id, Email: u.email, Mobile: u.mobile, FirstName: u.firstName, LastName: u.lastName,
		Links: userLinks{Self: self}}
	if !full {
		return out
	}
	out.Links.Accounts, out.Links.Connections, out.Links.Transactions = self+"/accounts", self+"/connections", self+"/transactions"
	conns, accts := &list{Type: "list", Data: []any{}}, &list{Type: "list", Data: []any{}}
	for _, cid := range u.conns {
		c := s.store.conns[cid]
		if !c.deleted {
			conns.Data = append(conns.Data, ref{Type: "connection", ID: c.id, Links: selfLink{Self: self + "/connections/" + c.id}})
		}
		visible, _ := s.visibleAccounts(c)
		for _, a := range visible {
			accts.Data = append(accts.Data, ref{Type: "account", ID: a.id, Links: selfLink{Self: self + "/accounts/" + a.id}})
		}
	}
	conns.Count, accts.Count = len(conns.Data), len(accts.Data)
	out.Connections, out.Accounts = conns, accts
	return out
}
