package sdk

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Page is one page of a paged collection (a user's jobs, events): Basiq's
// list envelope. Links.Next is empty on the last page.
type Page[T any] struct {
	Type  string    `json:"type"`
	Count int       `json:"count,omitempty"`
	Size  int       `json:"size,omitempty"`
	Data  []T       `json:"data"`
	Links PageLinks `json:"links"`

	limit int    // the Limit asked for, kept for the next pages
	url   string // the URL this page was read from
}

// HasNext reports whether another page follows.
func (p *Page[T]) HasNext() bool { return p != nil && p.Links.Next != "" }

// getPage reads the first page of the collection at path; Limit sets
// its size.
func getPage[T any](ctx context.Context, c *Client, path string, f *FilterBuilder, opts ...PageOption) (*Page[T], error) {
	q, err := f.query()
	if err != nil {
		return nil, err
	}
	var po pageOptions
	for _, o := range opts {
		o(&po)
	}
	if po.limit > 0 {
		q.Set("limit", strconv.Itoa(po.limit))
	}
	u, err := c.firstURL(path, q)
	if err != nil {
		return nil, err
	}
	return readPage[T](ctx, c, u, po.limit)
}

// nextPage follows p's next link as the server gave it, adding the first
// page's limit when the link has none; nil, nil after the last page, and
// an error when the link points at the page just read.
func nextPage[T any](ctx context.Context, c *Client, p *Page[T]) (*Page[T], error) {
	if !p.HasNext() {
		return nil, nil
	}
	u, err := c.nextURL(p.Links.Next, p.url, p.limit)
	if err != nil {
		return nil, err
	}
	return readPage[T](ctx, c, u, p.limit)
}

func readPage[T any](ctx context.Context, c *Client, u *url.URL, limit int) (*Page[T], error) {
	pg := &Page[T]{limit: limit, url: u.String()}
	if err := c.call(ctx, http.MethodGet, pg.url, nil, nil, pg); err != nil {
		return nil, err
	}
	return pg, nil
}

// all iterates over every item of the pages that start with first,
// fetching each page when needed. An error is yielded once and ends it.
func all[T any](ctx context.Context, c *Client, first func() (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		page, err := first()
		for page != nil || err != nil {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, v := range page.Data {
				if !yield(v, nil) {
					return
				}
			}
			page, err = nextPage(ctx, c, page)
		}
	}
}

// collect gathers an iterator's items, or its error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// check says what is wrong with a page as an answer: not a list, or an
// item that is not the resource asked for.
func (p *Page[T]) check() string { return checkList(p.Type, p.Data) }
