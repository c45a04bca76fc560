package main

import (
	"context"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/worker/schedule"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// startExtras runs, next to the worker, the refresh scheduler and, when
// WEBHOOK_URL is set, the webhook deliveries. Both stop when ctx is done;
// the returned wait blocks until they have.
func startExtras(ctx context.Context, cfg *config.Worker, rdb redis.UniversalClient, secret []byte, log zerolog.Logger) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		err := schedule.Run(ctx, schedule.Options{Redis: rdb,
			Namespace: cfg.Namespace, Logger: log.With().Str("component", "schedule").Logger()})
		if err != nil && ctx.Err() == nil {
			log.Error().Err(err).Msg("refresh scheduler stopped")
		}
	})
	if cfg.WebhookURL != "" {
		wg.Go(func() {
			err := webhook.Run(ctx, webhook.Options{Redis: rdb, Namespace: cfg.Namespace,
				URL: cfg.WebhookURL, Secret: secret, Logger: log.With().Str("component", "webhook").Logger()})
			if err != nil && ctx.Err() == nil {
				log.Error().Err(err).Msg("webhook deliveries stopped")
			}
		})
	}
	return func() {
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			log.Warn().Msg("scheduler or webhooks did not stop within 30s")
		}
	}
}
