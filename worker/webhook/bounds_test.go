package webhook

import (
	"errors"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/hibiken/asynq"
)

func TestPayload_hugeEventID(t *testing.T) {
	b := []byte(`{"v":1,"eventId":"` + strings.Repeat("e", 5<<20) + `","event":{}}`)
	_, err := wire.Decode[Payload](asynq.NewTask(wire.TypeDeliverWebhook, b))
	if !errors.Is(err, asynq.SkipRetry) || len(err.Error()) > 300 || !strings.Contains(err.Error(), "field eventId: 5242880 bytes") {
		t.Errorf("got %.200v, want a bounded SkipRetry naming eventId and its size", err)
	}
}
