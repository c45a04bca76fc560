package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/worker/schedule"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
	"golang.org/x/sync/errgroup"
)

// adminShutdown bounds the admin server's graceful shutdown.
const adminShutdown = 5 * time.Second

// Run runs the worker, the refresh scheduler, the webhook deliveries (when
// Webhook.URL is set) and the admin server (when Listener is set) until ctx
// is done, then shuts them down gracefully: the admin server last, once
// the others have stopped, so /metrics and the probes answer during the
// drain. The first of them to fail stops the others, and Run returns its
// error, naming it; after ctx is done Run returns nil.
func (p *Process) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	var running sync.WaitGroup
	start := func(name string, run func(context.Context) error) {
		running.Add(1)
		g.Go(func() error {
			defer running.Done()
			if err := run(gctx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	start("worker", p.worker.Run)
	start("refresh scheduler", p.runSchedule)
	if p.o.Webhook.URL != "" {
		start("webhooks", p.runWebhooks)
	}
	if p.admin != nil {
		p.serveAdmin(gctx, g, &running)
	}
	return g.Wait()
}

func (p *Process) runSchedule(ctx context.Context) error {
	so := p.o.Schedule
	so.Redis, so.Namespace, so.Logger = p.o.Redis, p.o.Worker.Namespace, p.o.component("schedule")
	return schedule.Run(ctx, so)
}

func (p *Process) runWebhooks(ctx context.Context) error {
	wo := p.o.Webhook
	wo.Redis, wo.Namespace, wo.Logger = p.o.Redis, p.o.Worker.Namespace, p.o.component("webhook")
	return webhook.Run(ctx, wo)
}

// serveAdmin serves the admin routes on Listener until ctx is done and the
// other components have stopped.
func (p *Process) serveAdmin(ctx context.Context, g *errgroup.Group, running *sync.WaitGroup) {
	srv := &http.Server{Handler: p.admin, ReadHeaderTimeout: 10 * time.Second}
	log := p.o.component("admin")
	g.Go(func() error {
		log.Info().Str("addr", p.o.Listener.Addr().String()).Msg("admin server listening")
		if err := srv.Serve(p.o.Listener); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("admin server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		running.Wait()
		sctx, cancel := context.WithTimeout(context.Background(), adminShutdown)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn().Err(err).Msg("admin server shutdown")
		}
		return nil
	})
}
