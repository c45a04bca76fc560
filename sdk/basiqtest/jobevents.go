package basiqtest

import (
	"net/http"
	"time"
)

// stepEvents emits what the end of step x of job j means for its connection.
func (s *Server) stepEvents(j *job, x stepState) {
	c := s.store.conns[j.connID]
	if c == nil || c.deleted {
		return
	}
	r := s.baseRequest()
	switch {
	case x.status == "failed" && userSide[x.fail]:
		s.connStatusEvent(r, c, "invalid", x.end)
	case x.status == "failed":
	case x.title == stepCredentials && !j.hasStep(stepMFA), x.title == stepMFA:
		s.connStatusEvent(r, c, "active", x.end)
	case x.title == stepAccounts:
		s.emit("account.updated", c.userID, s.baseURL(r)+"/users/"+c.userID+"/accounts?filter=connection.id.eq('"+c.id+"')", s.connEventData(r, c), x.end)
	case x.title == stepTransactions:
		s.emit("transactions.updated", c.userID, s.baseURL(r)+"/users/"+c.userID+"/transactions?filter=connection.id.eq('"+c.id+"')", s.connEventData(r, c), x.end)
	}
}

func (j *job) hasStep(title string) bool {
	for _, p := range j.steps {
		if p.title == title {
			return true
		}
	}
	return false
}

// connStatusEvent emits connection.activated or connection.invalidated when c's reported status
// changes to status. Call with store.mu held for writing.
func (s *Server) connStatusEvent(r *http.Request, c *connection, status string, at time.Time) {
	rep, typ := reportedActive, "connection.activated"
	if status == "invalid" {
		rep, typ = reportedInvalid, "connection.invalidated"
	}
	if c.reported == rep {
		return
	}
	c.reported = rep
	s.emit(typ, c.userID, s.baseURL(r)+"/users/"+c.userID+"/connections/"+c.id, s.connEventData(r, c), at)
}

// connEvent is a connection as Basiq's connection events carry it: no accounts list.
type connEvent struct {
	Type        string    `json:"type"`
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	Method      string    `json:"method,omitempty"`
	CreatedDate string    `json:"createdDate"`
	LastUsed    string    `json:"lastUsed"`
	MFAEnabled  bool      `json:"mfaEnabled"`
	Institution instRef   `json:"institution"`
	Links       connLinks `json:"links"`
}

// connEventData is the data of c's events. Call with store.mu held.
func (s *Server) connEventData(r *http.Request, c *connection) connEvent {
	o := s.connectionHead(r, c)
	inst := s.institution(c.institution)
	return connEvent{Type: o.Type, ID: o.ID, Status: o.Status, Method: o.Method, CreatedDate: o.CreatedDate,
		LastUsed: o.LastUsed, MFAEnabled: inst != nil && inst.mfa != "", Institution: o.Institution, Links: o.Links}
}
