// Package schedule enqueues the periodic refreshes that applications
// register with tasks.Client.ScheduleRefresh.
//
// Run drives an asynq PeriodicTaskManager whose config provider reads the
// schedules from Redis (tasks.SchedulesKey) every SyncInterval, so a new
// schedule starts, a changed one is replaced and a deleted one stops within
// SyncInterval. Every worker process may run it: before each enqueue a
// manager takes a per-schedule tick lock in Redis (a script that keeps the
// first tick id for 90% of the interval, comparing times itself so that it
// also works on miniredis) and gives the task a per-tick id; a manager that finds the
// lock taken reuses the winner's id, so asynq rejects its enqueue
// (ErrTaskIDConflict) and each interval refreshes once.
//
// asynq's Unique option is not enough here: its lock is released as soon as
// the task succeeds, and a refresh task finishes in one Basiq call, so a
// second manager ticking a moment later would enqueue again.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/asynqlog"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// DefaultSyncInterval is how often Run re-reads the schedules by default.
const DefaultSyncInterval = 30 * time.Second

// Options configures Run.
type Options struct {
	// RedisConnOpt is asynq's connection. Required.
	RedisConnOpt asynq.RedisConnOpt
	// Redis holds the schedules and the tick locks. Required.
	Redis redis.UniversalClient
	// Namespace of the schedules (default tasks.DefaultNamespace).
	Namespace string
	// SyncInterval is how often the schedules are re-read (default 30s).
	SyncInterval time.Duration
	// Logger receives enqueue errors; the zero Logger logs nothing.
	Logger zerolog.Logger
}

// Run enqueues the registered refreshes until ctx is done.
func Run(ctx context.Context, opts Options) error {
	if opts.RedisConnOpt == nil || opts.Redis == nil {
		return errors.New("schedule: RedisConnOpt and Redis are required")
	}
	if opts.Namespace == "" {
		opts.Namespace = tasks.DefaultNamespace
	}
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = DefaultSyncInterval
	}
	p := &Provider{rdb: opts.Redis, ns: opts.Namespace}
	l := &locker{rdb: opts.Redis, ns: opts.Namespace, log: opts.Logger}
	mgr, err := asynq.NewPeriodicTaskManager(asynq.PeriodicTaskManagerOpts{
		RedisConnOpt: opts.RedisConnOpt, PeriodicTaskConfigProvider: p, SyncInterval: opts.SyncInterval,
		SchedulerOpts: &asynq.SchedulerOpts{PreEnqueueFunc: l.preEnqueue, PostEnqueueFunc: l.postEnqueue,
			LogLevel: asynq.WarnLevel, Logger: asynqlog.New(opts.Logger)},
	})
	if err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	if err := mgr.Start(); err != nil {
		return fmt.Errorf("schedule: start: %w", err)
	}
	opts.Logger.Info().Dur("sync_interval", opts.SyncInterval).Msg("refresh scheduler started")
	<-ctx.Done()
	mgr.Shutdown()
	return nil
}

// Provider is the asynq.PeriodicTaskConfigProvider of the refresh schedules.
type Provider struct {
	rdb redis.UniversalClient
	ns  string
}

// NewProvider returns the provider of the schedules of namespace ns.
func NewProvider(rdb redis.UniversalClient, ns string) *Provider { return &Provider{rdb: rdb, ns: ns} }

// GetConfigs returns one "@every <interval>" config per schedule. Configs
// are identical from one call to the next while a schedule is unchanged, so
// the manager keeps its entry.
func (p *Provider) GetConfigs() ([]*asynq.PeriodicTaskConfig, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := tasks.ReadRefreshSchedules(ctx, p.rdb, p.ns)
	if err != nil {
		return nil, err
	}
	out := make([]*asynq.PeriodicTaskConfig, 0, len(list))
	for _, s := range list {
		t, err := s.Task()
		if err != nil {
			return nil, err
		}
		iv := s.Interval.Truncate(time.Second)
		opts := []asynq.Option{asynq.TaskID(baseID(iv, s.ID)), asynq.Retention(iv)}
		if s.Queue != "" {
			opts = append(opts, asynq.Queue(s.Queue))
		}
		out = append(out, &asynq.PeriodicTaskConfig{Cronspec: "@every " + iv.String(), Task: t, Opts: opts})
	}
	return out, nil
}

// baseID is the placeholder task id of a schedule, "schedule:<ms>:<id>",
// replaced before each enqueue by a tick id "<base>@tick:<unix ms>".
func baseID(iv time.Duration, id string) string {
	return "schedule:" + strconv.FormatInt(iv.Milliseconds(), 10) + ":" + id
}

// parseID splits a base or tick id into interval and schedule id.
func parseID(taskID string) (time.Duration, string, bool) {
	rest, ok := strings.CutPrefix(taskID, "schedule:")
	if !ok {
		return 0, "", false
	}
	rest = stripTick(rest)
	msText, id, ok := strings.Cut(rest, ":")
	ms, err := strconv.ParseInt(msText, 10, 64)
	if !ok || err != nil || ms <= 0 {
		return 0, "", false
	}
	return time.Duration(ms) * time.Millisecond, id, true
}

const tickSep = "@tick:"

// stripTick removes a trailing "@tick:<ms>".
func stripTick(s string) string {
	at := strings.LastIndex(s, tickSep)
	if at < 0 {
		return s
	}
	if _, err := strconv.ParseInt(s[at+len(tickSep):], 10, 64); err != nil {
		return s
	}
	return s[:at]
}
