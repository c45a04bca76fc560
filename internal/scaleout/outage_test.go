package scaleout

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// outage records, from a probe writing through a client every 20ms, when
// Redis first failed and when it last failed.
type outage struct {
	mu          sync.Mutex
	first, last time.Time
	errs        int
	sample      string
	stop        context.CancelFunc
	done        chan struct{}
}

// probe writes a key of ns through rdb until stopped.
func probe(rdb redis.UniversalClient, ns string) *outage {
	ctx, cancel := context.WithCancel(context.Background())
	o := &outage{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(o.done)
		for t := time.NewTicker(20 * time.Millisecond); ctx.Err() == nil; <-t.C {
			cctx, c := context.WithTimeout(ctx, time.Second)
			err := rdb.Set(cctx, "{"+ns+"}:probe", time.Now().UnixNano(), time.Minute).Err()
			c()
			if err != nil && ctx.Err() == nil {
				o.mu.Lock()
				if o.first.IsZero() {
					o.first, o.sample = time.Now(), err.Error()
				}
				o.last, o.errs = time.Now(), o.errs+1
				o.mu.Unlock()
			}
		}
	}()
	return o
}

// window stops the probe and returns how long writes failed (0 if never)
// and the first error.
func (o *outage) window() (time.Duration, int, string) {
	o.stop()
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.first.IsZero() {
		return 0, 0, ""
	}
	return o.last.Sub(o.first), o.errs, o.sample
}

// logSummary logs how many warn and error lines the workers wrote, and a
// few distinct ones.
func logSummary(t testing.TB, logs string) {
	t.Helper()
	seen := map[string]bool{}
	n := 0
	for _, l := range strings.Split(logs, "\n") {
		if !strings.Contains(l, `"level":"warn"`) && !strings.Contains(l, `"level":"error"`) {
			continue
		}
		n++
		msg := l
		if i := strings.Index(l, `"message":`); i >= 0 {
			msg = l[i:]
		}
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if !seen[msg] && len(seen) < 8 {
			seen[msg] = true
			t.Logf("worker log: %s", l[:min(len(l), 400)])
		}
	}
	t.Logf("workers logged %d warn/error lines", n)
}
