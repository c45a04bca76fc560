package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/httpapi"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// apiLoadToken is the bench's API token.
const apiLoadToken = "bench-api-load-token-0123456789"

// parseRate reads "1000/s" (or "1000") as requests per second.
func parseRate(s string) (float64, error) {
	n, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("-api-load: want a rate such as 1000/s, got %q", s)
	}
	return n, nil
}

// apiLoadReport is what the API load test measured.
type apiLoadReport struct {
	Rate         float64
	Duration     time.Duration
	Sent         int
	Accepted     int
	Failed       int
	Lost         int
	Achieved     float64
	P50, P90     time.Duration
	P99, Max     time.Duration
	FirstFailure string
	// CPU is the process's CPU time (API, sender and Redis client together).
	CPU time.Duration
}

// runAPILoad serves the HTTP API (internal/httpapi) on loopback over the
// bench's Redis and sends POST /v1/connections at o.apiRate for
// o.apiDuration, open loop (each request at its planned time, its latency
// counted from then, so a slow server cannot hide behind a slow sender).
// Nothing is lost when every accepted task id is in the queue afterwards.
// No worker serves the run's queue: this measures the API and the enqueue.
func runAPILoad(ctx context.Context, o options, stdout, stderr io.Writer) error {
	e, err := newLoadEnv(ctx, o)
	if err != nil {
		return err
	}
	defer e.rdb.Close()
	defer e.cleanup(stderr)
	base, stop, err := e.serveAPI()
	if err != nil {
		return err
	}
	defer stop()
	cpu0 := cpuTime()
	rep, ids := sendLoad(ctx, base, o.apiRate, o.apiDuration)
	rep.CPU = cpuTime() - cpu0
	if rep.Lost, err = e.countLost(ids); err != nil {
		return err
	}
	printLoad(stdout, rep)
	if rep.Failed > 0 || rep.Lost > 0 {
		return fmt.Errorf("api load: %d failed, %d lost", rep.Failed, rep.Lost)
	}
	return nil
}

func newLoadEnv(ctx context.Context, o options) (*env, error) {
	ropt, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	ropt.PoolSize = 64
	e := &env{o: o, id: "bench-api-" + strconv.FormatInt(time.Now().UnixNano(), 36), rdb: redis.NewClient(ropt)}
	if err := e.rdb.Ping(ctx).Err(); err != nil {
		e.rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", o.redisURL, err)
	}
	return e, nil
}

// serveAPI serves the API on a loopback port; stop shuts it down.
func (e *env) serveAPI() (base string, stop func(), err error) {
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	kr, err := tasks.NewKeyring("bench", map[string][]byte{"bench": key})
	if err != nil {
		return "", nil, err
	}
	api, err := httpapi.New(httpapi.Options{
		Tasks:     tasks.NewClient(e.rdb, kr, tasks.WithNamespace(e.id), tasks.WithDefaultQueue(e.id)),
		Inspector: asynq.NewInspectorFromRedisClient(e.rdb), Redis: e.rdb, Namespace: e.id,
		TokenHashes: []httpapi.TokenHash{httpapi.HashToken(apiLoadToken)}, IdempotencySecret: key,
		Logger: zerolog.Nop()})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// sendLoad sends rate requests per second for d and returns the figures
// and the task ids of the accepted ones.
func sendLoad(ctx context.Context, base string, rate float64, d time.Duration) (*apiLoadReport, []string) {
	// At most 256 connections: requests beyond wait for one (their latency
	// still counts from their planned time) instead of exhausting file descriptors.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	n := int(rate * d.Seconds())
	lat := make([]time.Duration, n)
	ids := make([]string, n)
	errs := make([]string, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if wait := time.Until(at); wait > 0 {
			select {
			case <-ctx.Done():
				n = i
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			n = i
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = enqueueOne(client, base, i)
			lat[i] = time.Since(at)
		}()
	}
	wg.Wait()
	return summarize(rate, time.Since(start), lat[:n], ids[:n], errs[:n])
}

// enqueueOne sends create i with its own Idempotency-Key; it returns the task id or why not.
func enqueueOne(client *http.Client, base string, i int) (string, string) {
	body := fmt.Sprintf(`{"userId":"bench-user-%d","institutionId":"AU00000","credentials":{"loginId":"gavinBelson","password":"hooli2016"}}`, i%1000)
	req, _ := http.NewRequest("POST", base+"/v1/connections", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiLoadToken)
	req.Header.Set("Idempotency-Key", "load-"+strconv.Itoa(i))
	resp, err := client.Do(req)
	if err != nil {
		return "", err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct{ TaskID string }
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(b, &out) != nil || out.TaskID == "" {
		return "", fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	return out.TaskID, ""
}

func summarize(rate float64, took time.Duration, lat []time.Duration, ids, errs []string) (*apiLoadReport, []string) {
	rep := &apiLoadReport{Rate: rate, Duration: took, Sent: len(lat)}
	var accepted []string
	for i, id := range ids {
		if id != "" {
			accepted = append(accepted, id)
		} else if rep.Failed++; rep.FirstFailure == "" {
			rep.FirstFailure = errs[i]
		}
	}
	rep.Accepted = len(accepted)
	rep.Achieved = float64(rep.Sent) / took.Seconds()
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	pct := func(p float64) time.Duration {
		if len(sorted) == 0 {
			return 0
		}
		return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
	}
	rep.P50, rep.P90, rep.P99 = pct(0.50), pct(0.90), pct(0.99)
	if len(sorted) > 0 {
		rep.Max = sorted[len(sorted)-1]
	}
	return rep, accepted
}

// countLost counts the accepted ids that are not pending in the run's queue.
func (e *env) countLost(ids []string) (int, error) {
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	present := make(map[string]bool, len(ids))
	for page := 1; ; page++ {
		infos, err := insp.ListPendingTasks(e.id, asynq.PageSize(1000), asynq.Page(page))
		if err != nil {
			return 0, fmt.Errorf("list pending: %w", err)
		}
		for _, t := range infos {
			present[t.ID] = true
		}
		if len(infos) == 0 {
			break
		}
	}
	lost := 0
	for _, id := range ids {
		if !present[id] {
			lost++
		}
	}
	return lost, nil
}

func printLoad(w io.Writer, r *apiLoadReport) {
	fmt.Fprintf(w, "API load: POST /v1/connections at %.0f/s for %s (open loop, loopback, one process)\n", r.Rate, r.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  sent %d, accepted %d, failed %d, lost %d (accepted but not in the queue), achieved %.0f/s\n",
		r.Sent, r.Accepted, r.Failed, r.Lost, r.Achieved)
	fmt.Fprintf(w, "  latency from the planned send: p50 %s, p90 %s, p99 %s, max %s\n",
		r.P50.Round(10*time.Microsecond), r.P90.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
	fmt.Fprintf(w, "  CPU of this process (API + sender): %s, %s per request; load average at the end: %s\n",
		r.CPU.Round(time.Millisecond), (r.CPU / time.Duration(max(r.Sent, 1))).Round(time.Microsecond), loadAverage())
	if r.FirstFailure != "" {
		fmt.Fprintf(w, "  first failure: %s\n", r.FirstFailure)
	}
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the first field of /proc/loadavg ("?" elsewhere): the
// machine's load, since other processes share its cores.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
