package basiqtest

import (
	"net/http"
	"time"
)

type jobOut struct {
	Type    string    `json:"type"`
	ID      string    `json:"id"`
	Created string    `json:"created"`
	Updated string    `json:"updated"`
	Steps   []stepOut `json:"steps"`
	Links   jobLinks  `json:"links"`
}

type stepOut struct {
	Title  string `json:"title"`
	Status string `json:"status"`
	Result any    `json:"result"`
}

type jobLinks struct {
	Self   string `json:"self"`
	Source string `json:"source,omitempty"`
}

type linkResult struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type failResult struct {
	Type   string `json:"type"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

type mfaResult struct {
	Type        string   `json:"type"`
	Method      string   `json:"method"`
	Description string   `json:"description"`
	Input       []string `json:"input"`
	ExpiryMs    int64    `json:"expiryMs"`
	Links       struct {
		Response string `json:"response"`
	} `json:"links"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) jobJSON(r *http.Request, j *job) jobOut {
	st := s.snapshot(j)
	base := s.baseURL(r)
	connPath := "/users/" + j.userID + "/connections/" + j.connID
	out := jobOut{Type: "job", ID: j.id, Created: rfc3339(j.created), Updated: rfc3339(updated(j.created, st)),
		Steps: make([]stepOut, len(st)),
		Links: jobLinks{Self: base + "/jobs/" + j.id, Source: base + connPath}}
	for i, x := range st {
		out.Steps[i] = stepOut{Title: x.title, Status: x.status, Result: s.stepResult(base, j, x)}
	}
	return out
}

func (s *Server) stepResult(base string, j *job, x stepState) any {
	switch {
	case x.challenge:
		return s.challenge(base, j)
	case x.status == "failed":
		d := x.detail
		if d == "" {
			d = failureDetail(x.fail)
		}
		return failResult{Type: "error", Code: x.fail, Title: failureTitles[x.fail], Detail: d}
	case x.status != "success":
		return nil
	}
	filter := "?filter=connection.id.eq('" + j.connID + "')"
	switch x.title {
	case stepAccounts:
		return linkResult{Type: "link", URL: "/users/" + j.userID + "/accounts" + filter}
	case stepStatements:
		return linkResult{Type: "link", URL: "/users/" + j.userID + "/statements"}
	case stepTransactions:
		return linkResult{Type: "link", URL: "/users/" + j.userID + "/transactions" + filter}
	}
	return linkResult{Type: "link", URL: "/users/" + j.userID + "/connections/" + j.connID}
}

func (s *Server) challenge(base string, j *job) mfaResult {
	m := mfaResult{Type: "mfa", Method: j.mfaMethod, ExpiryMs: s.cfg.mfaExpiry.Milliseconds()}
	if j.mfaMethod == "token" {
		m.Description, m.Input = "Enter the one-time code sent to your phone.", []string{"One-time code"}
	} else {
		m.Description, m.Input = "Answer your security question.", []string{"What is the name of your first employer?"}
	}
	m.Links.Response = base + "/jobs/" + j.id + "/mfa"
	return m
}

func failureDetail(code string) string {
	switch code {
	case "invalid-credentials":
		return "Cannot login to target institution using supplied credentials. Please check credentials and try again."
	case "maintenance", "service-unavailable":
		return "The institution is temporarily unavailable. Try again later."
	case "job-timed-out":
		return "No MFA answer arrived in time."
	}
	return failureTitles[code]
}
