package lograte

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(5*time.Second, func() time.Time { return now })
	admitted := map[string]int{}
	for i := 0; i < 50; i++ {
		for _, k := range []string{"a", "b"} {
			if _, ok := l.Admit(k); ok {
				admitted[k]++
			}
		}
		now = now.Add(60 * time.Millisecond) // 50 lines of each kind in 3 s
	}
	if admitted["a"] != 1 || admitted["b"] != 1 {
		t.Errorf("admitted = %v, want one of each kind", admitted)
	}
	now = now.Add(5 * time.Second)
	if n, ok := l.Admit("a"); !ok || n != 49 {
		t.Errorf("after the interval: Admit = %d, %v; want 49 suppressed, true", n, ok)
	}
	if n, ok := l.Admit("a"); ok || n != 0 {
		t.Errorf("right after: Admit = %d, %v; want 0, false", n, ok)
	}
}

func TestLimiter_boundedKinds(t *testing.T) {
	l := New(time.Hour, nil)
	for i := 0; i < 10*maxKinds; i++ {
		l.Admit(time.Duration(i).String())
	}
	if n := len(l.kinds); n > maxKinds {
		t.Errorf("kinds remembered = %d, want at most %d", n, maxKinds)
	}
}
