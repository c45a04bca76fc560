package sdk

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Transaction is one transaction of an account. Money is kept as the
// API's decimal strings.
type Transaction struct {
	Type            string            `json:"type"`
	ID              string            `json:"id"`
	Status          string            `json:"status"`
	Description     string            `json:"description"`
	Amount          string            `json:"amount"`
	Account         string            `json:"account"`
	Balance         string            `json:"balance"`
	Direction       string            `json:"direction"`
	Class           string            `json:"class"`
	Institution     string            `json:"institution"`
	Connection      string            `json:"connection"`
	TransactionDate string            `json:"transactionDate"`
	PostDate        string            `json:"postDate"`
	SubClass        *SubClass         `json:"subClass,omitempty"`
	Links           map[string]string `json:"links,omitempty"`
}

// SubClass is a finer classification of a transaction.
type SubClass struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// TransactionPage is one page of a user's transactions, like the Node
// SDK's TransactionList.
type TransactionPage struct {
	Type  string         `json:"type"`
	Count int            `json:"count"`
	Size  int            `json:"size"`
	Data  []*Transaction `json:"data"`
	Links PageLinks      `json:"links"`

	limit int    // the Limit asked for, kept on the next pages
	url   string // the URL this page was read from
}

// PageLinks are a page's links; Next is empty on the last page.
type PageLinks struct {
	Self string `json:"self,omitempty"`
	Next string `json:"next,omitempty"`
}

// HasNext reports whether another page follows.
func (p *TransactionPage) HasNext() bool { return p != nil && p.Links.Next != "" }

// PageOption tunes a paged list.
type PageOption func(*pageOptions)

type pageOptions struct{ limit int }

// Limit sets the page size (Basiq's default and maximum is 500). The next
// pages keep it: it is added to a next link that has no limit, and the
// link is otherwise followed exactly as the server gave it.
func Limit(n int) PageOption { return func(o *pageOptions) { o.limit = n } }

// ListTransactions reads the first page of the user's transactions.
func (h *UserHandle) ListTransactions(ctx context.Context, f *FilterBuilder, opts ...PageOption) (*TransactionPage, error) {
	var po pageOptions
	for _, o := range opts {
		o(&po)
	}
	p, err := pathf("/users/%s/transactions", h.id)
	if err != nil {
		return nil, err
	}
	q, err := f.query()
	if err != nil {
		return nil, err
	}
	if po.limit > 0 {
		q.Set("limit", strconv.Itoa(po.limit))
	}
	u, err := h.c.firstURL(p, q)
	if err != nil {
		return nil, err
	}
	return h.page(ctx, u, po.limit)
}

// NextTransactions reads the page after page by following its next link
// as the server gave it, adding the page's Limit only when the link has
// no limit. It returns nil, nil after the last page, and an error when the
// link points at the page just read (the URL it was read from).
func (h *UserHandle) NextTransactions(ctx context.Context, page *TransactionPage) (*TransactionPage, error) {
	if !page.HasNext() {
		return nil, nil
	}
	u, err := h.c.nextURL(page.Links.Next, page.url, page.limit)
	if err != nil {
		return nil, err
	}
	return h.page(ctx, u, page.limit)
}

func (h *UserHandle) page(ctx context.Context, u *url.URL, limit int) (*TransactionPage, error) {
	pg := &TransactionPage{limit: limit, url: u.String()}
	if err := h.c.call(ctx, http.MethodGet, pg.url, nil, nil, pg); err != nil {
		return nil, err
	}
	return pg, nil
}

// TransactionPages iterates over the pages of the user's transactions,
// fetching each when needed. An error is yielded once and ends it.
func (h *UserHandle) TransactionPages(ctx context.Context, f *FilterBuilder, opts ...PageOption) iter.Seq2[*TransactionPage, error] {
	return func(yield func(*TransactionPage, error) bool) {
		page, err := h.ListTransactions(ctx, f, opts...)
		for page != nil || err != nil {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) {
				return
			}
			page, err = h.NextTransactions(ctx, page)
		}
	}
}

// Transactions iterates over all the user's transactions, page by page:
//
//	for tx, err := range c.Users.For(id).Transactions(ctx, sdk.Filter().Eq("connection.id", cid)) {
//		if err != nil { return err }
//		...
//	}
func (h *UserHandle) Transactions(ctx context.Context, f *FilterBuilder, opts ...PageOption) iter.Seq2[*Transaction, error] {
	return func(yield func(*Transaction, error) bool) {
		for page, err := range h.TransactionPages(ctx, f, opts...) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, tx := range page.Data {
				if !yield(tx, nil) {
					return
				}
			}
		}
	}
}

// Transaction reads one of the user's transactions.
func (h *UserHandle) Transaction(ctx context.Context, id string) (*Transaction, error) {
	p, err := pathf("/users/%s/transactions/%s", h.id, id)
	if err != nil {
		return nil, err
	}
	return getOne[Transaction](ctx, h.c, p)
}
