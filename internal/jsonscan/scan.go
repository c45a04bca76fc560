// Package jsonscan reads a subset of JSON without reflection, for the
// hot paths that decode one small document per look (the follower's poll
// state, Basiq's job answers). A reader built on it returns false for
// anything outside the subset it knows, and its caller falls back to
// encoding/json: Str refuses escapes, control and non-ASCII bytes, so
// every string it returns is one json.Unmarshal would give byte for byte.
package jsonscan

import (
	"bytes"
	"strconv"
	"time"
)

// Scanner reads JSON from a byte slice, value by value.
type Scanner struct {
	b []byte
	i int
}

// New returns a Scanner at the start of b.
func New(b []byte) *Scanner { return &Scanner{b: b} }

// End skips white space and reports whether all of b was read.
func (s *Scanner) End() bool {
	s.WS()
	return s.i == len(s.b)
}

// WS skips white space.
func (s *Scanner) WS() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// Next skips white space and consumes c.
func (s *Scanner) Next(c byte) bool {
	s.WS()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// Null consumes a null.
func (s *Scanner) Null() bool {
	s.WS()
	if bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// Object reads an object, calling member for each key with the scanner
// at its value.
func (s *Scanner) Object(member func(key []byte) bool) bool {
	if !s.Next('{') {
		return false
	}
	if s.Next('}') {
		return true
	}
	for {
		key, ok := s.Str()
		if !ok || !s.Next(':') || !member(key) {
			return false
		}
		if s.Next('}') {
			return true
		}
		if !s.Next(',') {
			return false
		}
	}
}

// Array reads an array, calling item for each element.
func (s *Scanner) Array(item func() bool) bool {
	if !s.Next('[') {
		return false
	}
	if s.Next(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if s.Next(']') {
			return true
		}
		if !s.Next(',') {
			return false
		}
	}
}

// Str reads a string without escapes, control or non-ASCII bytes and
// returns its bytes (within b).
func (s *Scanner) Str() ([]byte, bool) {
	if !s.Next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// String reads a string of Str's subset into dst.
func (s *Scanner) String(dst *string) bool {
	v, ok := s.Str()
	if ok {
		*dst = string(v)
	}
	return ok
}

// Time reads a time as time.Time's UnmarshalJSON does.
func (s *Scanner) Time(dst *time.Time) bool {
	s.WS()
	start := s.i
	if _, ok := s.Str(); !ok {
		return false
	}
	var t time.Time
	if t.UnmarshalJSON(s.b[start:s.i]) != nil {
		return false
	}
	*dst = t
	return true
}

// SkipUnknown skips the value of key, one json.Unmarshal ignores: false
// when key matches one of fields but for case (json.Unmarshal would take
// it) or the value is not valid JSON.
func (s *Scanner) SkipUnknown(key []byte, fields ...string) bool {
	for _, f := range fields {
		if bytes.EqualFold(key, []byte(f)) {
			return false
		}
	}
	return s.skip(0)
}

// Skip skips a valid JSON value, at most 64 levels deep.
func (s *Scanner) Skip() bool { return s.skip(0) }

func (s *Scanner) skip(depth int) bool {
	if depth > 64 {
		return false
	}
	s.WS()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.Object(func([]byte) bool { return s.skip(depth + 1) })
	case c == '[':
		return s.Array(func() bool { return s.skip(depth + 1) })
	case c == '"':
		return s.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.skipNumber()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
			s.i += len(lit)
			return true
		}
	}
	return false
}

// skipString skips a string, escapes and any bytes from 0x20 up allowed
// (json.Unmarshal replaces invalid UTF-8 rather than fail).
func (s *Scanner) skipString() bool {
	s.i++ // the quote
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 >= len(s.b) {
					return false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				s.i += 4
			default:
				return false
			}
		}
		s.i++
	}
	return false
}

// skipNumber skips a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) skipNumber() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	start := s.i
	n := digits()
	if n == 0 || (n > 1 && s.b[start] == '0') {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// Int reads an integer as json.Unmarshal does into an int.
func (s *Scanner) Int(dst *int) bool {
	s.WS()
	start := s.i
	if s.i >= len(s.b) || !(s.b[s.i] == '-' || (s.b[s.i] >= '0' && s.b[s.i] <= '9')) || !s.skipNumber() {
		return false
	}
	v, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil { // a fraction, an exponent, out of range
		return false
	}
	*dst = v
	return true
}

// Bool reads true or false.
func (s *Scanner) Bool(dst *bool) bool {
	s.WS()
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		*dst, s.i = true, s.i+4
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		*dst, s.i = false, s.i+5
	default:
		return false
	}
	return true
}
