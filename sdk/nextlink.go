package sdk

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// nextURL resolves a page's next link for reading: exactly as the server
// gave it (a cursor may not survive url.Values), with limit=N appended when
// the link has no limit. It refuses a link to the page just read, the one
// read from the URL read.
func (c *Client) nextURL(next, read string, limit int) (*url.URL, error) {
	u, err := c.resolve(next)
	if err != nil {
		return nil, err
	}
	if limit > 0 {
		u.RawQuery = withLimit(u.RawQuery, limit)
	}
	if u.String() == read {
		return nil, fmt.Errorf("sdk: next link %s points at the page just read", snippet([]byte(next), 200))
	}
	return u, nil
}

// withLimit appends limit=n to a raw query that has no limit, leaving
// the rest exactly as it is.
func withLimit(raw string, n int) string {
	for _, kv := range strings.Split(raw, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if k, err := url.QueryUnescape(k); err == nil && k == "limit" {
			return raw
		}
	}
	if raw != "" {
		raw += "&"
	}
	return raw + "limit=" + strconv.Itoa(n)
}

// firstURL is the URL of a collection's first page: path on the base URL
// with the query q.
func (c *Client) firstURL(path string, q url.Values) (*url.URL, error) {
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	u.RawQuery = q.Encode()
	return u, nil
}
