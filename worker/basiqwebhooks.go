package worker

import "github.com/basiq-worker/basiq-worker/sdk"

// BasiqWebhooks is the webhook subscriptions API of the worker's Basiq
// client (c.Webhooks: its shared token and rate limiter), for
// basiqhooks.Register at start; nil when Config.Basiq is not NewBasiq's.
func (w *Worker) BasiqWebhooks() *sdk.WebhooksService {
	if b, ok := w.cfg.Basiq.(sdkBasiq); ok {
		return b.c.Webhooks
	}
	return nil
}
