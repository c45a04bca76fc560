// Package schedule enqueues the periodic refreshes that applications
// register with tasks.Client.ScheduleRefresh.
//
// Run re-reads the schedules from Redis (tasks.Client.ListRefreshSchedules) every
// SyncInterval and checks them every second. A schedule's ticks are counted
// from its CreatedAt: tick n falls at CreatedAt + n×Interval, and its
// refresh task has the id "schedule:<id>:<created ms>:<n>". Every worker
// process may run Run: they all compute the same id for a tick, so asynq
// accepts the first enqueue and rejects the others (ErrTaskIDConflict), and
// each interval refreshes once. The task is retained for one interval after
// it completes, so a process started mid-tick cannot enqueue it again.
// Before enqueuing a due tick Run checks that the schedule still exists, so
// an unregistered schedule stops at once.
//
// Why not asynq's PeriodicTaskManager: its @every ticks are counted from
// each process's start, so processes tick at different moments and no task
// option can tell their enqueues of one interval apart; Unique releases its
// lock when the task completes, which a refresh does in one Basiq call; and
// changing a task id from PreEnqueueFunc writes a slice that asynq's
// heartbeat reads concurrently (a data race).
package schedule

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// DefaultSyncInterval is how often Run re-reads the schedules by default.
const DefaultSyncInterval = 30 * time.Second

// checkEvery is how often Run looks for due ticks (at most SyncInterval).
const checkEvery = time.Second

// Options configures Run.
type Options struct {
	// Redis holds the schedules; the refreshes are enqueued on it too
	// (asynq.NewClientFromRedisClient). Required; Run does not close it.
	Redis redis.UniversalClient
	// Namespace of the schedules (default tasks.DefaultNamespace).
	Namespace string
	// SyncInterval is how often the schedules are re-read: a new or changed
	// schedule takes effect within it (default 30s).
	SyncInterval time.Duration
	// Logger receives one line per enqueued refresh and enqueue errors; the
	// zero Logger logs nothing.
	Logger zerolog.Logger
}

// Run enqueues the registered refreshes until ctx is done.
func Run(ctx context.Context, opts Options) error {
	if opts.Redis == nil {
		return errors.New("schedule: Redis is required")
	}
	if opts.Namespace == "" {
		opts.Namespace = tasks.DefaultNamespace
	}
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = DefaultSyncInterval
	}
	client := asynq.NewClientFromRedisClient(opts.Redis) // shared: not closed
	schedules := tasks.NewClient(opts.Redis, nil, tasks.WithNamespace(opts.Namespace))
	s := &scheduler{client: client, schedules: schedules, log: opts.Logger, last: map[string]int64{}}
	s.sync(ctx)
	opts.Logger.Info().Dur("sync_interval", opts.SyncInterval).Msg("refresh scheduler started")
	syncT, check := time.NewTicker(opts.SyncInterval), time.NewTicker(min(checkEvery, opts.SyncInterval))
	defer syncT.Stop()
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-syncT.C:
			s.sync(ctx)
		case now := <-check.C:
			s.enqueueDue(ctx, now)
		}
	}
}

// Tick is the number of whole intervals of s elapsed at now: 0 until the
// first refresh is due.
func Tick(s tasks.RefreshSchedule, now time.Time) int64 {
	if s.Interval <= 0 || now.Before(s.CreatedAt) {
		return 0
	}
	return int64(now.Sub(s.CreatedAt) / s.Interval)
}

// TickTaskID is the task id of tick n of s, the same in every process.
func TickTaskID(s tasks.RefreshSchedule, n int64) string {
	return "schedule:" + s.ID + ":" + strconv.FormatInt(s.CreatedAt.UnixMilli(), 10) + ":" + strconv.FormatInt(n, 10)
}

// scheduler is the state of one Run: the schedules last read and the last
// tick handled per schedule (by TickTaskID's prefix, so a replaced schedule
// starts afresh).
type scheduler struct {
	client    *asynq.Client
	schedules *tasks.Client
	log       zerolog.Logger
	list      []tasks.RefreshSchedule
	last      map[string]int64
}

// sync re-reads the schedules; on error it keeps the previous list.
func (s *scheduler) sync(ctx context.Context) {
	list, err := s.schedules.ListRefreshSchedules(ctx)
	if err != nil {
		s.log.Warn().Err(err).Msg("refresh schedules not read; keeping the previous ones")
		return
	}
	s.list = list
	keep := make(map[string]int64, len(list))
	for _, sc := range list {
		if n, ok := s.last[TickTaskID(sc, 0)]; ok {
			keep[TickTaskID(sc, 0)] = n
		}
	}
	s.last = keep
}

// enqueueDue enqueues the refresh of every schedule whose tick has come and
// was not handled yet by this process.
func (s *scheduler) enqueueDue(ctx context.Context, now time.Time) {
	for _, sc := range s.list {
		n, key := Tick(sc, now), TickTaskID(sc, 0)
		if n < 1 || s.last[key] >= n {
			continue
		}
		if !s.stillScheduled(ctx, sc) {
			continue
		}
		if s.enqueue(ctx, sc, n) {
			s.last[key] = n
		}
	}
}

// stillScheduled reports whether sc is still registered as read (not
// removed or replaced since the last sync).
func (s *scheduler) stillScheduled(ctx context.Context, sc tasks.RefreshSchedule) bool {
	cur, err := s.schedules.RefreshSchedule(ctx, sc.ID)
	if err != nil && !errors.Is(err, tasks.ErrNoSchedule) {
		s.log.Warn().Err(err).Str("schedule", sc.ID).Msg("refresh schedule not read")
		return false
	}
	return err == nil && cur.CreatedAt.Equal(sc.CreatedAt) && cur.Interval == sc.Interval
}

// enqueue enqueues tick n of sc and reports whether the tick is handled
// (enqueued here, or already by another process).
func (s *scheduler) enqueue(ctx context.Context, sc tasks.RefreshSchedule, n int64) bool {
	t, err := sc.Task()
	if err != nil {
		s.log.Error().Err(err).Str("schedule", sc.ID).Msg("refresh schedule unusable")
		return false
	}
	opts := []asynq.Option{asynq.TaskID(TickTaskID(sc, n)), asynq.Retention(sc.Interval)}
	if sc.Queue != "" {
		opts = append(opts, asynq.Queue(sc.Queue))
	}
	info, err := s.client.EnqueueContext(ctx, t, opts...)
	switch {
	case err == nil:
		s.log.Info().Str("schedule", sc.ID).Int64("tick", n).Str("task_id", info.ID).Str("task_type", info.Type).
			Str("queue", info.Queue).Msg("scheduled refresh enqueued")
		return true
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return true // another process enqueued this tick
	default:
		s.log.Error().Err(err).Str("schedule", sc.ID).Int64("tick", n).Msg("scheduled refresh not enqueued; retrying")
		return false
	}
}
