// Package redact is the one way secrets are masked before they are printed,
// logged or put in an error: a set secret shows as Mask ("****"), an unset
// one as "", and a URL keeps everything but its password. Values that are
// not secret but come from outside (ids, task types, library lines) are
// bounded instead, by internal/clip.
//
// The SDK (package sdk) imports nothing of this module and masks with its
// own copy of Secret, the same "****".
package redact

import (
	"net/url"
	"strings"
)

// Mask is what a set secret shows as.
const Mask = "****"

// Secret returns Mask for a set secret and "" for an unset one, so that a
// printed configuration still tells the two apart.
func Secret(s string) string {
	if s == "" {
		return ""
	}
	return Mask
}

// URL returns u with its password masked. A value that does not parse as a
// URL is masked whole (it may be a password that broke the syntax).
func URL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return Secret(u)
	}
	if p.User != nil {
		if _, ok := p.User.Password(); ok {
			p.User = url.UserPassword(p.User.Username(), "xxxxx")
			return strings.Replace(p.String(), "xxxxx", Mask, 1)
		}
	}
	return p.String()
}
