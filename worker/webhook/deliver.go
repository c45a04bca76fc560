package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// Payload is the payload of wire.TypeDeliverWebhook.
type Payload struct {
	V       int    `json:"v"`
	EventID string `json:"eventId"`
	// Event is the event JSON as stored on the results stream: the body.
	Event json.RawMessage `json:"event"`
}

// Validate checks the version and required fields.
func (p Payload) Validate() error {
	switch {
	case p.V != wire.PayloadVersion:
		return fmt.Errorf("field v: unsupported payload version %d", p.V)
	case p.EventID == "" || len(p.Event) == 0:
		return errors.New("fields eventId and event are required")
	case len(p.EventID) > maxEventIDLen:
		return fmt.Errorf("field eventId: %d bytes, longer than %d", len(p.EventID), maxEventIDLen)
	}
	return nil
}

// maxEventIDLen bounds an event id ("result:<job id>[:<task id>]"): it is
// sent as the webhook-id header and logged with every delivery.
const maxEventIDLen = 256

// TaskID is the delivery task id of an event: "webhook:" + event id.
func TaskID(eventID string) string { return "webhook:" + eventID }

// Deliverer handles wire.TypeDeliverWebhook: one signed POST.
type Deliverer struct {
	URL    string
	Secret []byte
	Client *http.Client
	Logger zerolog.Logger
	// Now is the clock of the webhook-timestamp header (default time.Now).
	Now func() time.Time
}

// StatusError is a delivery answered with a status other than 2xx.
type StatusError struct {
	Status int
	// RetryAfter is the wait a 429 or 503 asked for, if any.
	RetryAfter time.Duration
}

// Error names the status the endpoint answered.
func (e *StatusError) Error() string { return "webhook: endpoint answered " + strconv.Itoa(e.Status) }

// ProcessTask POSTs the event: nil on 2xx, an error wrapping
// asynq.SkipRetry on a 4xx other than 408 and 429, else an error to retry.
func (d *Deliverer) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[Payload](t)
	if err != nil {
		return err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(p.Event))
	if err != nil {
		return fmt.Errorf("webhook %s: %v: %w", p.EventID, err, asynq.SkipRetry)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "basiq-worker-webhooks")
	wire.SetWebhookHeaders(req.Header, d.Secret, p.EventID, now(), p.Event)
	start := time.Now()
	resp, err := d.Client.Do(req)
	if err != nil {
		d.Logger.Warn().Err(err).Str("event_id", p.EventID).Msg("webhook not delivered")
		return fmt.Errorf("webhook %s: %w", p.EventID, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	log := d.Logger.Info().Str("event_id", p.EventID).Int("status", resp.StatusCode).Dur("duration", time.Since(start))
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		log.Msg("webhook delivered")
		return nil
	case s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests:
		log.Msg("webhook refused, archived")
		return fmt.Errorf("webhook %s: %w: %w", p.EventID, &StatusError{Status: s}, asynq.SkipRetry)
	default:
		log.Msg("webhook failed, will retry")
		return fmt.Errorf("webhook %s: %w", p.EventID, &StatusError{Status: s, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))})
	}
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// DefaultRetryDelay is the delay before retry n (1-based): 5s, 5m, 30m, 2h, 5h, then 10h.
func DefaultRetryDelay(n int) time.Duration {
	schedule := [...]time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}
	return schedule[min(max(n, 1), len(schedule))-1]
}

// retryDelay is the asynq RetryDelayFunc: the schedule with 10% jitter,
// never shorter than a Retry-After.
func retryDelay(custom func(int) time.Duration) asynq.RetryDelayFunc {
	return func(n int, err error, _ *asynq.Task) time.Duration {
		var d time.Duration
		if custom != nil {
			d = custom(n + 1)
		} else {
			d = DefaultRetryDelay(n + 1)
			d += time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
		}
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > d {
			d = se.RetryAfter
		}
		return d
	}
}
