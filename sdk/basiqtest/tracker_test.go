package basiqtest

import (
	"testing"
	"time"
)

// TestServer_now_wallClock: the tracker's heap keys on Unix nanoseconds, so the server's times
// must compare the same way; with a monotonic reading settle could loop on a job forever.
func TestServer_now_wallClock(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithClock(time.Now)}} {
		srv := New(opts...)
		if got := srv.now(); got != got.Round(0) {
			t.Errorf("now() = %v carries a monotonic reading, want wall time only", got)
		}
	}
}

// TestTracker_evaluationsPerJob: settle evaluates a job once per milestone (its creation, the
// end of each step, an MFA answer), however often it runs.
func TestTracker_evaluationsPerJob(t *testing.T) {
	tests := []struct {
		name, inst, login, answer string
		want                      uint64
	}{
		{"threeSteps", "AU00000", "gavinBelson", "", 4},
		{"credentialsFail", "AU00000", "bighead", "", 2},
		{"mfaAnswered", "AU00001", "gavinBelson", "1234", 5},
		{"mfaWrong", "AU00001", "gavinBelson", "nope", 3},
		{"mfaTimesOut", "AU00001", "gavinBelson", "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, clk := setup(t, WithJitter(0.2))
			password := map[string]string{"gavinBelson": "hooli2016", "bighead": "password"}[tt.login]
			_, _, jid := c.connect(tt.inst, tt.login, password)
			for i := 0; i < 3000; i++ { // 5 minutes in steps of 100ms, past the 2m MFA expiry
				clk.Advance(100 * time.Millisecond)
				if i == 20 && tt.answer != "" {
					c.must(202, "POST", "/jobs/"+jid+"/mfa", `{"mfa-response":["`+tt.answer+`"]}`)
				}
				srv.settleNow()
			}
			if js, _ := srv.Job(jid); js.Status == "in-progress" {
				t.Fatalf("job still in progress after 5 minutes")
			}
			if got := srv.track.evals.Load(); got != tt.want {
				t.Errorf("evaluations: got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestDeliveryHeap: deliveries come out by next attempt, then creation order; drop removes
// some and keeps the order of the rest.
func TestDeliveryHeap(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var h minHeap[*delivery]
	for i, off := range []int{5, 1, 3, 1, 0, 5, 2, 1} {
		d := &delivery{id: string(rune('a' + i)), next: t0.Add(time.Duration(off) * time.Second), seq: uint64(i + 1)}
		h.push(d.entry())
	}
	h.drop(func(d *delivery) bool { return d.id == "g" || d.id == "a" })
	var got string
	for _, ok := h.peek(); ok; _, ok = h.peek() {
		got += h.pop().v.id
	}
	if want := "ebdhcf"; got != want {
		t.Errorf("order: got %s, want %s", got, want)
	}
}
