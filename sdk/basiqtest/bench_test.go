package basiqtest

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// addJobs creates n users, each with one AU00000 connection and its job, without HTTP.
func addJobs(s *Server, n int) []string {
	ids := make([]string, 0, n)
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	for i := 0; i < n; i++ {
		u := &user{id: s.store.newID(), email: "u" + strconv.Itoa(i) + "@example.com"}
		c := &connection{id: s.store.newID(), userID: u.id, institution: "AU00000", loginID: "gavinBelson",
			password: "hooli2016", created: s.now()}
		s.store.users[u.id], s.store.conns[c.id] = u, c
		u.conns = append(u.conns, c.id)
		ids = append(ids, s.newJob(c, u).id)
	}
	return ids
}

// BenchmarkGetJob measures GET /jobs/{id} over real HTTP against 100,000 jobs with parallel
// keep-alive clients, and the heap each job (with its user and connection) takes. Measured on
// the 2-core dev machine shared with other test runs: 17,500 to 33,900 req/s, about 1 KB per job.
func BenchmarkGetJob(b *testing.B) {
	srv := NewServer(WithJitter(0.2))
	defer srv.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ids := addJobs(srv, 100_000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heapPerJob := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(ids))
	c := &client{t: &testing.T{}, srv: srv}
	tok := c.newToken()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var next atomic.Uint64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := ids[next.Add(7919)%uint64(len(ids))]
			req, _ := http.NewRequest("GET", srv.URL+"/jobs/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("got %d, want 200", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	b.ReportMetric(heapPerJob, "heapB/job")
}
