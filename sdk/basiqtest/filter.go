package basiqtest

import (
	"strings"
	"time"
)

// filter is a parsed filter= parameter: terms joined by AND.
type filter []term

type term struct {
	field, op string
	values    []string
}

var opArity = map[string]int{"eq": 1, "gt": 1, "gteq": 1, "lt": 1, "lteq": 1, "bt": 2}

func badFilter(detail string) *apiError { return errNotValid(param("filter"), detail) }

// parseFilter parses `FIELD.OP('V')[,FIELD.OP('A','B')...]`, allowing only the given fields.
// A quote is a value's end only when followed by ',' or ')' (spaces allowed), so quotes inside
// values need no escaping; \' is also understood.
func parseFilter(s string, fields map[string]bool) (filter, *apiError) {
	var f filter
	for rest := strings.TrimSpace(s); rest != ""; {
		t, tail, err := parseTerm(rest)
		if err != nil {
			return nil, err
		}
		if !fields[t.field] {
			return nil, badFilter("Filter field '" + t.field + "' is not supported here.")
		}
		if err := t.validate(); err != nil {
			return nil, err
		}
		f = append(f, t)
		rest = strings.TrimSpace(tail)
		if rest != "" {
			if rest[0] != ',' {
				return nil, badFilter("Filter terms must be separated by commas.")
			}
			rest = strings.TrimSpace(rest[1:])
		}
	}
	return f, nil
}

func parseTerm(s string) (term, string, *apiError) {
	open := strings.IndexByte(s, '(')
	dot := strings.LastIndexByte(s[:max(open, 0)], '.')
	if open < 0 || dot <= 0 {
		return term{}, "", badFilter("Filter '" + s + "' is not valid; expected field.op('value').")
	}
	t := term{field: strings.TrimSpace(s[:dot]), op: s[dot+1 : open]}
	if _, ok := opArity[t.op]; !ok {
		return term{}, "", badFilter("Filter operator '" + t.op + "' is not supported.")
	}
	rest := s[open+1:]
	for {
		v, tail, err := parseValue(rest)
		if err != nil {
			return term{}, "", err
		}
		t.values = append(t.values, v)
		tail = strings.TrimSpace(tail)
		if strings.HasPrefix(tail, ")") {
			return t, tail[1:], nil
		}
		rest = tail[1:] // a ','
	}
}

// parseValue reads one quoted value and returns what follows it.
func parseValue(s string) (string, string, *apiError) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "'") {
		return "", "", badFilter("Filter values must be quoted: '" + s + "'.")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '\\'):
			b.WriteByte(s[i+1]) // \' is a quote, \\ a backslash
			i++
		case s[i] == '\'' && closes(s[i+1:]):
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", badFilter("Filter value is not terminated: " + s)
}

func closes(after string) bool {
	after = strings.TrimSpace(after)
	return after != "" && (after[0] == ')' || after[0] == ',')
}

func (t term) validate() *apiError {
	if len(t.values) != opArity[t.op] {
		return badFilter("Filter operator '" + t.op + "' takes a different number of values.")
	}
	if t.field != "transaction.postDate" {
		return nil
	}
	for _, v := range t.values {
		if _, err := time.Parse("2006-01-02", v); err != nil {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				return badFilter("Filter value '" + v + "' is not a date (YYYY-MM-DD).")
			}
		}
	}
	return nil
}

// match reports whether a record, read through get, satisfies every term.
func (f filter) match(get func(field string) string) bool {
	for _, t := range f {
		if !t.match(get(t.field)) {
			return false
		}
	}
	return true
}

func (t term) match(v string) bool {
	if t.field == "transaction.postDate" {
		if v == "" {
			return false
		}
		if len(t.values[0]) == 10 && len(v) > 10 {
			v = v[:10]
		}
	}
	a := t.values[0]
	switch t.op {
	case "eq":
		return v == a
	case "gt":
		return v > a
	case "gteq":
		return v >= a
	case "lt":
		return v < a
	case "lteq":
		return v <= a
	}
	return v >= a && v <= t.values[1]
}
