package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
)

// maxStatement bounds the size of an uploaded statement.
const maxStatement = 32 << 20

// Statement is a bank statement file to upload: a PDF or a CSV export of
// an account at InstitutionID.
type Statement struct {
	// InstitutionID is the statement's institution, such as "AU00000".
	InstitutionID string
	// FileName names the file; its extension (.pdf or .csv) tells its
	// kind.
	FileName string
	// Content is the file, read to its end (at most 32 MiB).
	Content io.Reader
}

// UploadStatement uploads a statement for the user (multipart POST
// /users/{id}/statements) and returns the job that reads it; its steps
// include retrieve-statements. Follow it like a connection's job.
func (h *UserHandle) UploadStatement(ctx context.Context, st Statement) (*Job, error) {
	p, err := pathf("/users/%s/statements", h.id)
	if err != nil {
		return nil, err
	}
	body, err := st.multipart()
	if err != nil {
		return nil, err
	}
	j := new(Job)
	if err := h.c.callBody(ctx, http.MethodPost, p, nil, body, j); err != nil {
		return nil, err
	}
	return j, nil
}

// multipart encodes the statement as the form Basiq reads: institutionId
// and the file as statement.
func (st Statement) multipart() (*payload, error) {
	inst := strings.TrimSpace(st.InstitutionID)
	if inst == "" {
		return nil, errors.New("sdk: statement: empty InstitutionID")
	}
	ctype, err := statementType(st.FileName)
	if err != nil {
		return nil, err
	}
	if st.Content == nil {
		return nil, errors.New("sdk: statement: nil Content")
	}
	file, err := io.ReadAll(io.LimitReader(st.Content, maxStatement+1))
	if err != nil {
		return nil, fmt.Errorf("sdk: statement: read %s: %w", st.FileName, err)
	}
	if len(file) > maxStatement {
		return nil, fmt.Errorf("sdk: statement: %s is over %d bytes", st.FileName, maxStatement)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("institutionId", inst); err != nil {
		return nil, err
	}
	part, err := w.CreatePart(fileHeader(filepath.Base(st.FileName), ctype))
	if err != nil {
		return nil, err
	}
	if _, err := part.Write(file); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &payload{data: buf.Bytes(), contentType: w.FormDataContentType()}, nil
}

// statementType is the content type a statement's name calls for.
func statementType(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pdf":
		return "application/pdf", nil
	case ".csv":
		return "text/csv", nil
	}
	return "", fmt.Errorf("sdk: statement: file name %q: want a .pdf or .csv file", name)
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

func fileHeader(name, ctype string) map[string][]string {
	return map[string][]string{
		"Content-Disposition": {`form-data; name="statement"; filename="` + quoteEscaper.Replace(name) + `"`},
		"Content-Type":        {ctype},
	}
}
