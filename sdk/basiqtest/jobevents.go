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
		s.emit("account.updated", c.userID, s.baseURL(r)+"/users/"+c.userID+"/accounts?filter=connection.id.eq('"+c.id+"')", s.connectionJSON(r, c), x.end)
	case x.title == stepTransactions:
		s.emit("transactions.updated", c.userID, s.baseURL(r)+"/users/"+c.userID+"/transactions?filter=connection.id.eq('"+c.id+"')", s.connectionJSON(r, c), x.end)
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
	s.emit(typ, c.userID, s.baseURL(r)+"/users/"+c.userID+"/connections/"+c.id, s.connectionJSON(r, c), at)
}
