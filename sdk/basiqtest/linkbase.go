package basiqtest

import (
	"net/http"
	"net/url"
)

// noteBase remembers the link base of a request that changes state, for the links of events
// that settle later without a request.
func (s *Server) noteBase(r *http.Request) {
	if s.cfg.baseURL == "" {
		b := s.baseURL(r)
		s.lastBase.Store(&b)
	}
}

// baseRequest is a request whose baseURL is the server's link base, for rendering without one.
// It is made once per base (settle asks for one per event) and must not be changed.
func (s *Server) baseRequest() *http.Request {
	b := s.cfg.baseURL
	if b == "" {
		if p := s.lastBase.Load(); p != nil {
			b = *p
		} else {
			b = "http://localhost"
		}
	}
	if p := s.baseReq.Load(); p != nil && p.base == b {
		return p.r
	}
	u, _ := url.Parse(b)
	r := &http.Request{Host: u.Host, URL: &url.URL{Path: "/"}, Header: http.Header{}}
	if u.Scheme == "https" {
		r.Header.Set("X-Forwarded-Proto", "https")
	}
	s.baseReq.Store(&linkRequest{base: b, r: r})
	return r
}

// linkRequest is the request baseRequest made for a link base.
type linkRequest struct {
	base string
	r    *http.Request
}
