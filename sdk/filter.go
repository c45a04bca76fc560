package sdk

import (
	"fmt"
	"net/url"
	"strings"
)

// FilterBuilder writes Basiq filters, like the Node SDK's FilterBuilder:
//
//	sdk.Filter().Eq("connection.id", "c-1").Bt("transaction.postDate", "2026-01-01", "2026-01-31")
//
// String gives connection.id.eq('c-1'),transaction.postDate.bt('2026-01-01','2026-01-31').
// Terms are joined by commas (AND).
//
// Escaping: inside a quoted value a backslash is written as \\ and a
// single quote as \', so no value can close its quotes and start a second
// term. On the wire the whole filter is URL-encoded as the filter query
// parameter. A field must match [A-Za-z][A-Za-z0-9_.]*; an invalid field
// makes Err report an error and the request that uses it fails.
// A nil *FilterBuilder means no filter.
type FilterBuilder struct {
	terms []string
	err   error
}

// Filter starts an empty filter.
func Filter() *FilterBuilder { return &FilterBuilder{} }

// Filter returns a copy of f to extend, so that a base filter can be shared.
func (f *FilterBuilder) Filter() *FilterBuilder {
	if f == nil {
		return Filter()
	}
	return &FilterBuilder{terms: append([]string(nil), f.terms...), err: f.err}
}

// Eq adds field = value.
func (f *FilterBuilder) Eq(field, value string) *FilterBuilder { return f.add(field, "eq", value) }

// Gt adds field > value.
func (f *FilterBuilder) Gt(field, value string) *FilterBuilder { return f.add(field, "gt", value) }

// Gteq adds field >= value.
func (f *FilterBuilder) Gteq(field, value string) *FilterBuilder {
	return f.add(field, "gteq", value)
}

// Lt adds field < value.
func (f *FilterBuilder) Lt(field, value string) *FilterBuilder { return f.add(field, "lt", value) }

// Lteq adds field <= value.
func (f *FilterBuilder) Lteq(field, value string) *FilterBuilder {
	return f.add(field, "lteq", value)
}

// Bt adds from <= field <= to.
func (f *FilterBuilder) Bt(field, from, to string) *FilterBuilder {
	return f.add(field, "bt", from, to)
}

// isDottedName reports whether field is a filter field, dotted names
// ^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$ such as connection.id. A
// loop, not a regexp: the worker filters on every job it finishes.
func isDottedName(field string) bool {
	start := true // at the start of a name: a letter must come
	for i := 0; i < len(field); i++ {
		c := field[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		switch {
		case start && !letter:
			return false
		case start:
			start = false
		case c == '.':
			start = true
		case !letter && !('0' <= c && c <= '9') && c != '_':
			return false
		}
	}
	return !start
}

func (f *FilterBuilder) add(field, op string, values ...string) *FilterBuilder {
	if f == nil {
		f = Filter()
	}
	if !isDottedName(field) {
		if f.err == nil {
			f.err = fmt.Errorf("sdk: filter field %q is not a dotted name", field)
		}
		return f
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = quote(v)
	}
	f.terms = append(f.terms, field+"."+op+"("+strings.Join(quoted, ",")+")")
	return f
}

var escaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

func quote(v string) string { return "'" + escaper.Replace(v) + "'" }

// String writes the filter as the Node SDK's toString does.
func (f *FilterBuilder) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(f.terms, ",")
}

// Err reports an invalid field given to the builder.
func (f *FilterBuilder) Err() error {
	if f == nil {
		return nil
	}
	return f.err
}

// query returns the filter as query parameters.
func (f *FilterBuilder) query() (url.Values, error) {
	q := url.Values{}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if s := f.String(); s != "" {
		q.Set("filter", s)
	}
	return q, nil
}
