// Package clip bounds strings that come from outside (task payloads, task
// types, library log lines) before they reach a log line, an error or a
// result: a 5 MB value is shown as its first bytes and its size. It is the
// one style for such values (String in log fields, Quote in errors);
// secrets are not shown at all but masked (internal/redact).
package clip

import (
	"strconv"
	"unicode/utf8"
)

// Max is the default bound of String: longer than any id we accept.
const Max = 128

// String returns s when it has at most max bytes, else its first max bytes
// (cut on a rune boundary) followed by "…(N bytes)". max <= 0 means Max.
func String(s string, max int) string {
	if max <= 0 {
		max = Max
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// Quote is String for an error message: the value quoted (strconv.Quote),
// cut as String cuts it, e.g. "abcde"…(6 bytes).
func Quote(s string, max int) string {
	if max <= 0 {
		max = Max
	}
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…(" + strconv.Itoa(len(s)) + " bytes)"
}
