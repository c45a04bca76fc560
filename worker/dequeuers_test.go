package worker

import (
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// TestDequeuerConfigs: the servers share the slots exactly, the first
// takes the remainder, and only the first forwards and cleans at the
// configured pace.
func TestDequeuerConfigs(t *testing.T) {
	base := asynq.Config{Concurrency: 10, DelayedTaskCheckInterval: 250 * time.Millisecond}
	for _, tc := range []struct {
		name string
		conc int
		n    int
		want []int
	}{
		{"one", 10, 1, []int{10}},
		{"even", 12, 4, []int{3, 3, 3, 3}},
		{"remainder first", 10, 4, []int{3, 3, 2, 2}},
		{"capped at the slots", 3, 4, []int{1, 1, 1}},
		{"zero is one", 5, 0, []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			c.Concurrency = tc.conc
			got := dequeuerConfigs(c, tc.n)
			var conc []int
			for _, g := range got {
				conc = append(conc, g.Concurrency)
			}
			if !slices.Equal(conc, tc.want) {
				t.Fatalf("concurrencies = %v, want %v", conc, tc.want)
			}
			if got[0].DelayedTaskCheckInterval != base.DelayedTaskCheckInterval || got[0].JanitorInterval != 0 {
				t.Errorf("first server forwards every %v and cleans every %v, want %v and asynq's default",
					got[0].DelayedTaskCheckInterval, got[0].JanitorInterval, base.DelayedTaskCheckInterval)
			}
			for i, g := range got[1:] {
				if g.DelayedTaskCheckInterval != backstopInterval || g.JanitorInterval != backstopInterval {
					t.Errorf("server %d forwards every %v, cleans every %v; want %v", i+1, g.DelayedTaskCheckInterval, g.JanitorInterval, backstopInterval)
				}
			}
		})
	}
}

// TestWorker_dequeuers: a worker of 7 slots in 3 dequeuers shows 3 asynq
// servers of 3+2+2 slots, and tasks spread over them all complete.
func TestWorker_dequeuers(t *testing.T) {
	h := newHarness(t)
	h.cfg.Concurrency, h.cfg.Dequeuers = 7, 3
	stop := h.start()
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: redisAddr})
	t.Cleanup(func() { insp.Close() })
	var conc []int
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		servers, err := insp.Servers()
		if err != nil {
			t.Fatal(err)
		}
		conc = conc[:0]
		for _, s := range servers {
			if _, ok := s.Queues[h.queue]; ok {
				conc = append(conc, s.Concurrency)
			}
		}
		if len(conc) == 3 {
			break
		}
	}
	slices.Sort(conc)
	if !slices.Equal(conc, []int{2, 2, 3}) {
		t.Fatalf("servers of the queue have concurrencies %v, want [2 2 3]", conc)
	}
	user := h.user()
	var ids []string
	for range 6 {
		ids = append(ids, h.create(user, "AU00000", "gavinBelson", "hooli2016"))
	}
	for _, id := range ids {
		if r := h.wait(id, 20*time.Second); r.Outcome != "completed" {
			t.Errorf("task %s: %+v, want completed", id, r)
		}
	}
	stop()
	servers, err := insp.Servers()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range servers {
		if _, ok := s.Queues[h.queue]; ok {
			t.Errorf("server %s still registered after shutdown", s.ID)
		}
	}
}
