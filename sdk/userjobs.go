package sdk

import (
	"context"
	"iter"
)

// List returns all of a user's jobs, newest first as Basiq lists them,
// following the pages; filter by connection.id. Basiq keeps a user's jobs
// for 7 days.
func (s *JobsService) List(ctx context.Context, userID string, f *FilterBuilder) ([]*Job, error) {
	return collect(s.All(ctx, userID, f))
}

// ListPage reads the first page of a user's jobs, newest first; Limit
// sets the page size (Basiq's default and maximum is 500).
func (s *JobsService) ListPage(ctx context.Context, userID string, f *FilterBuilder, opts ...PageOption) (*Page[*Job], error) {
	p, err := pathf("/users/%s/jobs", userID)
	if err != nil {
		return nil, err
	}
	return getPage[*Job](ctx, s.c, p, f, opts...)
}

// Next reads the page of jobs after p; nil, nil after the last page.
func (s *JobsService) Next(ctx context.Context, p *Page[*Job]) (*Page[*Job], error) {
	return nextPage(ctx, s.c, p)
}

// All iterates over a user's jobs, newest first, page by page. An error
// is yielded once and ends it.
func (s *JobsService) All(ctx context.Context, userID string, f *FilterBuilder, opts ...PageOption) iter.Seq2[*Job, error] {
	return all(ctx, s.c, func() (*Page[*Job], error) { return s.ListPage(ctx, userID, f, opts...) })
}

// AllJobs iterates over the user's jobs, newest first, page by page.
func (h *UserHandle) AllJobs(ctx context.Context, f *FilterBuilder, opts ...PageOption) iter.Seq2[*Job, error] {
	return h.c.Jobs.All(ctx, h.id, f, opts...)
}
