package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// DelayError is a call that the limiter sent back: its turn is more than
// MaxWait away. Nothing was sent to Basiq.
type DelayError struct {
	// Limit is the limit that was full: "api" or "token".
	Limit string
	// Delay is when to try again.
	Delay time.Duration
}

func (e *DelayError) Error() string {
	return fmt.Sprintf("ratelimit: Basiq %s limit reached; try again in %s", e.Limit, e.Delay.Round(time.Millisecond))
}

// NotSent reports true: the request never left the process (sdk.IsNotSent
// reads it), so even a POST may be sent again.
func (e *DelayError) NotSent() bool { return true }

// Delay returns the wait asked by a *DelayError in err's chain.
func Delay(err error) (time.Duration, bool) {
	var de *DelayError
	if !errors.As(err, &de) {
		return 0, false
	}
	return de.Delay, true
}

// Wait takes the turn of one call that is not POST /token: it returns
// after sleeping at most MaxWait, or a *DelayError at once when the turn is
// further away, or ctx's error. Redis errors let the call go.
func (l *Limiter) Wait(ctx context.Context) error { return l.wait(ctx, l.api) }

// WaitToken takes the turn of one POST /token: the token limit, then the
// API limit.
func (l *Limiter) WaitToken(ctx context.Context) error {
	if err := l.wait(ctx, l.token); err != nil {
		return err
	}
	return l.wait(ctx, l.api)
}

func (l *Limiter) wait(ctx context.Context, b *bucket) error {
	if b.limit.Rate == 0 {
		return nil
	}
	d, err := l.reserve(ctx, b)
	if err != nil {
		return err
	}
	if d > 0 {
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
	l.obs.LimiterWaited(b.name, d)
	return nil
}

// reserve takes the next turn of b when it is at most MaxWait away and
// returns how far away it is; otherwise it takes nothing and returns a
// *DelayError. The GCRA's burst is widened by the turns that fit in
// MaxWait, so that redis_rate grants them, and the wait is read back from
// the answer's ResetAfter.
func (l *Limiter) reserve(ctx context.Context, b *bucket) (time.Duration, error) {
	rate := b.limit.Rate * l.factor(ctx, b)
	lim := redis_rate.Limit{Rate: max(1, int(math.Round(rate*1000))), Period: 1000 * time.Second}
	interval := lim.Period / time.Duration(lim.Rate)
	lim.Burst = b.limit.Burst + int(l.maxWait/interval)
	res, err := l.gcra.Allow(ctx, b.key, lim)
	if err != nil {
		return 0, nil // Redis away: Basiq's 429s still protect it
	}
	if res.Allowed == 0 {
		d := res.RetryAfter + rand.N(l.maxWait) // spread the ones sent back
		l.obs.LimiterDeferred(b.name, d)
		return 0, &DelayError{Limit: b.name, Delay: d}
	}
	return max(res.ResetAfter-time.Duration(b.limit.Burst)*interval, 0), nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
