package basiqtest

import (
	"net/http"
	"strings"
)

type credentialsBody struct {
	LoginID          string `json:"loginId"`
	Password         string `json:"password"`
	SecurityCode     string `json:"securityCode"`
	SecondaryLoginID string `json:"secondaryLoginId"`
	Institution      *struct {
		ID string `json:"id"`
	} `json:"institution"`
}

func (b *credentialsBody) validate(create bool) *apiError {
	b.LoginID, b.Password = strings.TrimSpace(b.LoginID), strings.TrimSpace(b.Password)
	if !create {
		if b.Password == "" {
			return errNotSupplied("/password")
		}
		return nil
	}
	switch {
	case b.LoginID == "":
		return errNotSupplied("/loginId")
	case b.Password == "":
		return errNotSupplied("/password")
	case b.Institution == nil || strings.TrimSpace(b.Institution.ID) == "":
		return errNotSupplied("/institution/id")
	}
	return nil
}

func (s *Server) createConnection(w http.ResponseWriter, r *http.Request) *apiError {
	if err := s.refuseCredentials3(r); err != nil {
		return err
	}
	var b credentialsBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if err := b.validate(true); err != nil {
		return err
	}
	if s.institution(strings.TrimSpace(b.Institution.ID)) == nil {
		return errNotValid(pointer("/institution/id"), "Requested institution does not exist.")
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	c := s.addConnection(r, u, strings.TrimSpace(b.Institution.ID), "", b.LoginID, b.Password)
	j := s.newJob(c, u)
	writeJSON(w, 202, s.stub(r, j.id))
	return nil
}

// addConnection makes a new connection of u (its job follows) and emits connection.created.
// Call with store.mu held for writing.
func (s *Server) addConnection(r *http.Request, u *user, inst, method, loginID, password string) *connection {
	c := &connection{id: s.store.newID(), userID: u.id, institution: inst,
		loginID: loginID, password: password, created: s.now()}
	if method != "" {
		s.store.cext(c).method = method
	}
	s.genAccounts(c)
	s.store.conns[c.id] = c
	u.conns = append(u.conns, c.id)
	s.record(r, "connection.created", u.id, "/users/"+u.id+"/connections/"+c.id, s.connEventData(r, c))
	return c
}

func (s *Server) updateConnection(w http.ResponseWriter, r *http.Request) *apiError {
	if err := s.refuseCredentials3(r); err != nil {
		return err
	}
	var b credentialsBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if err := b.validate(false); err != nil {
		return err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	c, err := s.store.userConn(r.PathValue("uid"), r.PathValue("cid"))
	if err != nil {
		return err
	}
	c.password = b.Password
	if b.LoginID != "" {
		c.loginID = b.LoginID
	}
	j := s.newJob(c, s.store.users[c.userID])
	writeJSON(w, 202, s.stub(r, j.id))
	return nil
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	c, err := s.store.userConn(r.PathValue("uid"), r.PathValue("cid"))
	if err != nil {
		return err
	}
	s.record(r, "connection.deleted", c.userID, "/users/"+c.userID+"/connections/"+c.id, s.connEventData(r, c))
	c.deleted = true
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) refreshConnection(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	c, err := s.store.userConn(r.PathValue("uid"), r.PathValue("cid"))
	if err != nil {
		return err
	}
	id, status, err := s.refresh(c)
	if err != nil {
		return err
	}
	writeJSON(w, status, s.stub(r, id))
	return nil
}

// refresh starts a job on c, or returns its running one (200). Call with store.mu held for writing.
func (s *Server) refresh(c *connection) (jobID string, status int, err *apiError) {
	if id := s.runningJob(c); id != "" {
		return id, 200, nil
	}
	if s.connStatus(c) == "invalid" {
		return "", 0, errNotValid(param("connectionId"), "Connection "+c.id+" is invalid: update its credentials before refreshing.")
	}
	if s.store.cget(c).method == "pdf" || s.store.cget(c).method == "csv" {
		return "", 0, errNotValid(param("connectionId"), "Connection "+c.id+" was made from a statement upload: upload a new statement instead.")
	}
	if s.store.cget(c).method == "openbanking" {
		if ok, wait := s.refreshLimit.allow(c.id, s.now()); !ok {
			return "", 0, limitReached("Open Banking refresh limit of "+itoa(s.cfg.refreshLimit)+" per day reached for connection "+c.id+".", wait)
		}
	}
	return s.newJob(c, s.store.users[c.userID]).id, 202, nil
}

func (s *Server) refreshAll(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	out := list{Type: "list", Data: []any{}}
	for _, cid := range u.conns {
		c := s.store.conns[cid]
		if c.deleted {
			continue
		}
		if id, _, err := s.refresh(c); err == nil {
			out.Data = append(out.Data, s.stub(r, id))
		}
	}
	out.Count = len(out.Data)
	writeJSON(w, 202, out)
	return nil
}

// runningJob returns the id of c's last job if it has not ended.
func (s *Server) runningJob(c *connection) string {
	if len(c.jobs) == 0 {
		return ""
	}
	j, _ := s.store.job(c.jobs[len(c.jobs)-1])
	if overall(s.snapshot(j)) == "in-progress" {
		return j.id
	}
	return ""
}

// connStatus derives a connection's status from its jobs, newest first: the newest job that
// settled the credentials decides (active, or invalid on a user-side failure); jobs that failed
// institution-side or are still verifying leave the decision to older jobs; none -> pending.
func (s *Server) connStatus(c *connection) string {
	if s.store.cget(c).consentEnded {
		return "invalid"
	}
	for i := len(c.jobs) - 1; i >= 0; i-- {
		j, _ := s.store.job(c.jobs[i])
		if v := credentialsVerdict(s.snapshot(j)); v != "" {
			return v
		}
	}
	return "pending"
}

func credentialsVerdict(st []stepState) string {
	for _, x := range st {
		switch {
		case x.title != stepCredentials && x.title != stepMFA:
			return "active"
		case x.status == "failed" && userSide[x.fail]:
			return "invalid"
		case x.status != "success":
			return ""
		}
	}
	return "active"
}
