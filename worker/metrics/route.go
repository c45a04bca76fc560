package metrics

import "strings"

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

// isID reports whether s looks like an id in a Basiq path, ^[A-Za-z0-9_.:-]{1,128}$:
// a UUID, an institution id (AU00000) or a short opaque token. Anything else makes
// the route "other". A loop, not a regexp: it runs for every Basiq call (the regexp
// was 2 % of the worker's CPU in basiq-bench's profile).
func isID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

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
		if !idAllowed || !isID(s) {
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
