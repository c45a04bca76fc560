package basiqtest

import (
	"net/http"
	"net/url"
	"strconv"
)

// pageParams reads limit (1..500, default 500) and next (an offset cursor) of a paged list.
func pageParams(r *http.Request) (limit, offset int, err *apiError) {
	q := r.URL.Query()
	limit = 500
	if v := q.Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > 500 {
			return 0, 0, errNotValid(param("limit"), "limit must be between 1 and 500.")
		}
		limit = n
	}
	if v := q.Get("next"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			return 0, 0, errNotValid(param("next"), "next cursor '"+v+"' is not valid.")
		}
		offset = n
	}
	return limit, offset, nil
}

// pagedList is one page of data (newest first, already filtered) with size = the total and an
// absolute links.next that keeps the request's other parameters.
func (s *Server) pagedList(r *http.Request, data []any, limit, offset int) list {
	total := len(data)
	end := min(offset+limit, total)
	page := []any{}
	if offset < total {
		page = data[offset:end]
	}
	out := list{Type: "list", Count: len(page), Size: &total, Data: page,
		Links: &listLinks{Self: s.baseURL(r) + r.URL.RequestURI()}}
	if end < total {
		q := r.URL.Query()
		q.Set("next", strconv.Itoa(end))
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		out.Links.Next = s.baseURL(r) + u.RequestURI()
	}
	return out
}
