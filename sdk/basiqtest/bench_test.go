package basiqtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
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

// BenchmarkServer_manyJobs measures the cost of a request with many jobs in flight: N slots,
// each of which creates a user and a connection, polls its job over real HTTP until it ends,
// lists the user's accounts and starts again with a new user, from 64 keep-alive clients.
// Steps take 100, 200 and 300 ms (±20%), so about N jobs run at any time. An op is one
// request; its allocations and cpu-ns/op (the process's CPU time, which a machine shared with
// other work disturbs less than ns/op) are those of client and server together. Give it a
// -benchtime of at least 10 requests per slot (100000x), or the larger N measures mostly creates.
func BenchmarkServer_manyJobs(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run("jobs="+strconv.Itoa(n), func(b *testing.B) { benchManyJobs(b, n) })
	}
}

func benchManyJobs(b *testing.B, n int) {
	srv := NewServer(WithJitter(0.2), WithStepDurations(StepDurations{Credentials: 100 * time.Millisecond,
		Accounts: 200 * time.Millisecond, Transactions: 300 * time.Millisecond}))
	defer srv.Close()
	slots := make([]benchUser, n)
	tok := (&client{t: &testing.T{}, srv: srv}).newToken()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	bc := benchClient{hc: &http.Client{Transport: tr}, base: srv.URL, auth: "Bearer " + tok}
	var next atomic.Int64
	par := 32
	goroutines := par * runtime.GOMAXPROCS(0)
	b.SetParallelism(par)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		g := int(next.Add(1) - 1)
		for i := g % n; pb.Next(); {
			if err := bc.step(&slots[i]); err != nil {
				b.Error(err)
				return
			}
			if i += goroutines; i >= n {
				i = g % n
			}
		}
	})
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	b.StopTimer()
	jobs := srv.Jobs()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(jobs), "jobs")
	b.ReportMetric(float64(srv.track.evals.Load())/float64(max(jobs, 1)), "evals/job")
}

// benchUser is one slot of BenchmarkServer_manyJobs: its user ("" before it makes one), the
// user's job ("" before it makes one) and whether the job ended (then it lists the accounts).
type benchUser struct {
	id, job string
	ended   bool
}

type benchClient struct {
	hc         *http.Client
	base, auth string
}

// step makes u's next request.
func (c benchClient) step(u *benchUser) error {
	switch {
	case u.id == "":
		id, err := c.create("/users", `{"email":"gavin@hooli.com"}`, 201)
		u.id = id
		return err
	case u.job == "":
		id, err := c.create("/users/"+u.id+"/connections", `{"loginId":"gavinBelson","password":"hooli2016","institution":{"id":"AU00000"}}`, 202)
		u.job = id
		return err
	case u.ended:
		_, err := c.do("GET", "/users/"+u.id+"/accounts", "", 200)
		*u = benchUser{}
		return err
	}
	body, err := c.do("GET", "/jobs/"+u.job, "", 200)
	u.ended = !bytes.Contains(body, []byte(`"in-progress"`))
	return err
}

// create posts body to path and returns the id answered.
func (c benchClient) create(path, body string, want int) (string, error) {
	b, err := c.do("POST", path, body, want)
	if err != nil {
		return "", err
	}
	var v struct{ ID string }
	if err := json.Unmarshal(b, &v); err != nil || v.ID == "" {
		return "", fmt.Errorf("POST %s: %s: no id (%v)", path, b, err)
	}
	return v.ID, nil
}

func (c benchClient) do(method, path, body string, want int) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != want {
		err = fmt.Errorf("%s %s: got %d %s, want %d", method, path, res.StatusCode, b, want)
	}
	return b, err
}

// BenchmarkServer_settle measures what settle does under store.mu for one job that runs to its
// end: its evaluations and its events (connection.activated, account.updated,
// transactions.updated), in rounds of 10,000 jobs whose steps all end at once.
func BenchmarkServer_settle(b *testing.B) {
	clk := newFakeClock()
	srv := New(WithClock(clk.Now), WithJitter(0.2))
	b.ReportAllocs()
	var cpu time.Duration
	for done := 0; done < b.N; {
		b.StopTimer()
		n := min(10_000, b.N-done)
		srv.store.mu.Lock()
		for i := 0; i < n; i++ {
			u := &user{id: srv.store.newID()}
			c := &connection{id: srv.store.newID(), userID: u.id, institution: "AU00000", loginID: "gavinBelson",
				password: "hooli2016", created: srv.now()}
			srv.genAccounts(c)
			srv.store.users[u.id], srv.store.conns[c.id] = u, c
			u.conns = append(u.conns, c.id)
			srv.newJob(c, u)
		}
		srv.settle()
		srv.store.mu.Unlock()
		clk.Advance(time.Hour)
		b.StartTimer()
		cpu0 := processCPU()
		srv.settleNow()
		cpu += processCPU() - cpu0
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(srv.track.evals.Load())/float64(b.N), "evals/job")
}
