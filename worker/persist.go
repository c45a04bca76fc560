package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// persistFor bounds how long persist keeps trying one Redis write: long
// enough to ride out a Redis restart or failover, short enough that a
// handler does not hold its slot for long.
const persistFor = 15 * time.Second

// persistDelay is the wait before try n+1 of a Redis write: 50ms doubling,
// at most 1s.
func persistDelay(n int) time.Duration {
	return min(50*time.Millisecond<<min(n, 5), time.Second)
}

// persist runs op, a Redis write whose loss would drop what the handler
// knows (a job id Basiq answered with, the proof that a call was not sent),
// until it succeeds or persistFor has passed. It goes on after ctx ends (a
// shutdown): the knowledge is worth the short wait.
func (h *handlers) persist(ctx context.Context, what string, op func(context.Context) error) error {
	wctx := context.WithoutCancel(ctx)
	end := time.Now().Add(h.persistFor)
	for n := 0; ; n++ {
		err := op(wctx)
		if err == nil {
			if n > 0 {
				zerolog.Ctx(ctx).Info().Int("tries", n+1).Msg(what + ": saved after retries")
			}
			return nil
		}
		d := persistDelay(n)
		if time.Now().Add(d).After(end) {
			return fmt.Errorf("%s: %d tries: %w", what, n+1, err)
		}
		zerolog.Ctx(ctx).Warn().Err(err).Dur("delay", d).Msg(what + ": retrying")
		time.Sleep(d)
	}
}
