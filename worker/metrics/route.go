package metrics

import (
	"regexp"
	"strings"
)

// OtherRoute is the route label of a call whose path has no known Basiq shape.
const OtherRoute = "other"

// maxSegments bounds the depth of a known route; Basiq's deepest is
// /users/{id}/connections/{id}/refresh.
const maxSegments = 6

// words are the fixed path segments of the Basiq API. The value tells whether an id may
// follow the segment (a collection such as "users"), or not (an action such as "refresh").
var words = map[string]bool{
	"token": false, "auth_link": false, "refresh": false, "mfa": false, "enrich": false,
	"users": true, "connections": true, "accounts": true, "transactions": true, "jobs": true,
	"institutions": true, "income": true, "expenses": true, "affordability": true,
	"consents": true, "events": true, "statements": true, "identities": true,
	"reports": true, "payments": true, "webhooks": true, "notifications": true,
}

// idPattern is what an id in a Basiq path looks like: a UUID, an institution id
// (AU00000) or a short opaque token. Anything else makes the route "other".
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)

var methods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true,
}

// Route returns the metric label of a Basiq call: the method and the path with ids replaced
// by {id}, e.g. "GET /jobs/{id}" or "POST /users/{id}/connections". Paths of unknown shape
// give OtherRoute, so the label set stays bounded whatever the caller sends.
func Route(method, path string) string {
	path = strings.Trim(path, "/")
	if path == "" {
		return OtherRoute
	}
	segs := strings.Split(path, "/")
	if len(segs) > maxSegments {
		return OtherRoute
	}
	idAllowed := false
	for i, s := range segs {
		if takesID, ok := words[s]; ok {
			idAllowed = takesID
			continue
		}
		if !idAllowed || !idPattern.MatchString(s) {
			return OtherRoute
		}
		segs[i] = "{id}"
		idAllowed = false
	}
	method = strings.ToUpper(method)
	if !methods[method] {
		method = "OTHER"
	}
	return method + " /" + strings.Join(segs, "/")
}
