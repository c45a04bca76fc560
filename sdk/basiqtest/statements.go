package basiqtest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
)

const stepStatements = "retrieve-statements"

// maxStatement is the largest statement file accepted.
const maxStatement = 10 << 20

// statementKind is pdf or csv from a part's Content-Type or else its file name.
func statementKind(h *multipart.FileHeader) string {
	ct, _, _ := mime.ParseMediaType(h.Header.Get("Content-Type"))
	switch {
	case ct == "application/pdf":
		return "pdf"
	case ct == "text/csv":
		return "csv"
	}
	switch strings.ToLower(path.Ext(h.Filename)) {
	case ".pdf":
		return "pdf"
	case ".csv":
		return "csv"
	}
	return ""
}

// readStatement reads and checks the multipart upload: the institution and the file's kind.
func (s *Server) readStatement(r *http.Request) (inst, kind string, err *apiError) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return "", "", newError(415, "unsupported-content-type", "Content-Type must be multipart/form-data.", param("Content-Type"))
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxStatement+1<<20)
	if perr := r.ParseMultipartForm(maxStatement); perr != nil {
		return "", "", errInvalidContent("Body is not valid multipart form data, or is over 10 MB.")
	}
	inst = strings.TrimSpace(r.FormValue("institutionId"))
	if inst == "" {
		return "", "", newError(400, "parameter-not-supplied", "institutionId is required.", param("institutionId"))
	}
	if s.institution(inst) == nil {
		return "", "", errNotValid(param("institutionId"), "Requested institution does not exist.")
	}
	files := r.MultipartForm.File["statement"]
	if len(files) == 0 {
		return "", "", newError(400, "parameter-not-supplied", "statement (a PDF or CSV file) is required.", param("statement"))
	}
	kind = statementKind(files[0])
	if kind == "" {
		return "", "", errNotValid(param("statement"), "statement must be a PDF or CSV file.")
	}
	f, ferr := files[0].Open()
	if ferr != nil {
		return "", "", errInvalidContent("statement cannot be read.")
	}
	defer f.Close()
	head, _ := io.ReadAll(io.LimitReader(f, 5))
	if kind == "pdf" && !bytes.Equal(head, []byte("%PDF-")) {
		return "", "", errNotValid(param("statement"), "statement is not a PDF file (no %PDF- header).")
	}
	return inst, kind, nil
}

func (s *Server) uploadStatement(w http.ResponseWriter, r *http.Request) *apiError {
	inst, kind, err := s.readStatement(r)
	if err != nil {
		return err
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, err := s.store.liveUser(r.PathValue("uid"))
	if err != nil {
		return err
	}
	c := s.addConnection(r, u, inst, kind, "statement", "")
	j := &job{id: s.store.newID(), userID: u.id, connID: c.id, created: s.now()}
	d := s.cfg.steps
	j.steps = []stepPlan{{title: stepCredentials, dur: d.Credentials}, {title: stepAccounts, dur: d.Accounts},
		{title: stepTransactions, dur: d.Transactions}, {title: stepStatements, dur: d.Statements}}
	s.addJob(c, u, j)
	writeJSON(w, 202, s.stub(r, j.id))
	return nil
}

func (s *Server) purgeConnection(w http.ResponseWriter, r *http.Request) *apiError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	c, err := s.store.userConn(r.PathValue("uid"), r.PathValue("cid"))
	if err != nil {
		return err
	}
	if st := s.connStatus(c); st != "active" {
		return errNotValid(param("connectionId"), "Connection "+c.id+" is "+st+": only an active connection can be purged.")
	}
	s.store.cext(c).purgedAt = s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
