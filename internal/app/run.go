package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
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
	if p.o.BasiqHooksURL != "" {
		if err := p.registerBasiqHooks(ctx); err != nil {
			if p.o.Listener != nil {
				p.o.Listener.Close()
			}
			return fmt.Errorf("BASIQ_WEBHOOK_URL: %w", err)
		}
	}
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

// registerBasiqHooks makes sure Basiq delivers its webhooks to
// BasiqHooksURL, before anything starts, and hands the receiver the
// subscription's secret.
func (p *Process) registerBasiqHooks(ctx context.Context) error {
	api := p.worker.BasiqWebhooks()
	if api == nil {
		return errors.New("registering the webhook subscription needs the worker's own Basiq client (Config.Basiq is set)")
	}
	sub, err := basiqhooks.Register(ctx, basiqhooks.Registration{URL: p.o.BasiqHooksURL, Events: basiqhooks.Events,
		Basiq: api, Redis: p.o.Redis, Namespace: p.o.Worker.Namespace, Keyring: p.o.Worker.Keyring})
	if err != nil {
		return fmt.Errorf("register the webhook subscription: %w", err)
	}
	log := p.o.component("basiq-webhooks")
	switch {
	case sub.Secret != "":
		if err := p.hooks.AddSecrets(sub.Secret); err != nil {
			return err
		}
	case len(p.o.BasiqHooks.Secrets) == 0:
		return fmt.Errorf("Basiq's subscription %s for %s was not made by a worker of namespace %q, so its secret is "+
			"unknown: set BASIQ_WEBHOOK_SECRET to it, or delete the subscription for the worker to create one",
			sub.ID, p.o.BasiqHooksURL, p.o.Worker.Namespace)
	}
	log.Info().Str("subscription_id", sub.ID).Bool("created", sub.Created).Str("url", p.o.BasiqHooksURL).
		Msg("Basiq webhook subscription in place")
	return nil
}
