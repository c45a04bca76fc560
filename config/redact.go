package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/redact"
	"github.com/rs/zerolog"
)

// Redacted returns a copy with every secret masked as "****" (including a
// password inside REDIS_URL), safe to print or log.
func (w Worker) Redacted() Worker {
	w.RedisURL = redactURL(w.RedisURL)
	w.APIKey = mask(w.APIKey)
	w.BasiqSecretKey = mask(w.BasiqSecretKey)
	w.UIPassword = mask(w.UIPassword)
	w.WebhookSecret = mask(w.WebhookSecret)
	w.BasiqWebhookSecret = mask(w.BasiqWebhookSecret)
	return w
}

// String prints every variable of the redacted configuration, NAME=value.
func (w Worker) String() string {
	r := w.Redacted()
	return listVars(r.variables())
}

// GoString prints the redacted configuration.
func (w Worker) GoString() string { return w.String() }

// Format prints String for every verb (rather than the embedded
// worker.Config's Format), so that no verb shows a secret.
func (w Worker) Format(f fmt.State, _ rune) { fmt.Fprint(f, w.String()) }

// MarshalZerologObject logs every variable of the redacted configuration.
func (w Worker) MarshalZerologObject(e *zerolog.Event) {
	r := w.Redacted()
	logVars(e, r.variables())
}

func listVars(vars []variable) string {
	parts := make([]string, len(vars))
	for i, v := range vars {
		parts[i] = v.name + "=" + format(v.value)
	}
	return strings.Join(parts, " ")
}

func logVars(e *zerolog.Event, vars []variable) {
	for _, v := range vars {
		switch p := v.value.(type) {
		case *int:
			e.Int(v.name, *p)
		case *int64:
			e.Int64(v.name, *p)
		case *float64:
			e.Float64(v.name, *p)
		case *bool:
			e.Bool(v.name, *p)
		case *time.Duration:
			e.Str(v.name, formatDuration(*p))
		default:
			e.Str(v.name, format(p))
		}
	}
}

// redactURL masks the password of a Redis URL (redact.URL).
func redactURL(s string) string { return redact.URL(s) }

// mask masks a secret (redact.Secret): "****", or "" when unset.
func mask(s string) string { return redact.Secret(s) }

// urlErr drops the URL from url.Parse errors, which would print a password.
func urlErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
