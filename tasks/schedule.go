package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// RefreshSchedule registers a user's connections, or one connection, for a
// refresh every Interval. Workers running package worker/schedule enqueue
// the refreshes (TypeRefreshAll, or TypeRefreshConnection when ConnectionID
// is set), once per interval however many workers run.
type RefreshSchedule struct {
	// ID is set by ScheduleRefresh: RefreshScheduleID(UserID, ConnectionID).
	ID           string `json:"id"`
	UserID       string `json:"userId"`
	ConnectionID string `json:"connectionId,omitempty"`
	// Interval between refreshes, at least MinRefreshInterval.
	Interval time.Duration `json:"interval"`
	// Queue of the refresh tasks (default: the client's default queue).
	Queue     string    `json:"queue,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// RefreshScheduleID is the id of the schedule of a user ("user:U") or of one
// connection ("user:U:connection:C"): registering the same target again
// replaces its schedule.
func RefreshScheduleID(userID, connectionID string) string {
	if connectionID == "" {
		return "user:" + userID
	}
	return "user:" + userID + ":connection:" + connectionID
}

// WithMinRefreshInterval lowers (or raises) the shortest interval that
// ScheduleRefresh accepts (default MinRefreshInterval); tests use seconds.
func WithMinRefreshInterval(d time.Duration) ClientOption {
	return clientOptionFunc(func(c *Client) { c.minRefresh = d })
}

// Task returns the refresh task the schedule enqueues: its payload carries
// no enqueue time, so it is the same at every tick. It is marked
// scheduled: the worker skips it (outcome skipped) for a connection whose
// daily refresh budget is spent or that was refreshed within its minimum
// interval.
func (s RefreshSchedule) Task() (*asynq.Task, error) {
	var taskType string
	var p any
	if s.ConnectionID != "" {
		taskType, p = TypeRefreshConnection, wire.RefreshConnectionPayload{V: wire.PayloadVersion, UserID: s.UserID,
			ConnectionID: s.ConnectionID, Scheduled: true}
	} else {
		taskType, p = TypeRefreshAll, wire.RefreshAllPayload{V: wire.PayloadVersion, UserID: s.UserID, Scheduled: true}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", s.ID, err)
	}
	return asynq.NewTask(taskType, b), nil
}

// ScheduleRefresh stores s (replacing the schedule of the same target) and
// returns its id. Workers pick it up within their sync interval (see
// package worker/schedule); its first refresh is due one Interval later.
func (c *Client) ScheduleRefresh(ctx context.Context, s RefreshSchedule) (string, error) {
	min := MinRefreshInterval
	if c.minRefresh > 0 {
		min = c.minRefresh
	}
	if err := wire.FirstErr(wire.Required("UserID", s.UserID)); err != nil {
		return "", fmt.Errorf("schedule refresh: %w", err)
	}
	if s.Interval < min {
		return "", fmt.Errorf("schedule refresh: field Interval: must be at least %s, got %s", min, s.Interval)
	}
	s.ID = RefreshScheduleID(s.UserID, s.ConnectionID)
	if s.Queue == "" {
		s.Queue = c.defaultQueue
	}
	s.CreatedAt = time.Now().UTC()
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("schedule refresh: %w", err)
	}
	if err := c.rdb.HSet(ctx, wire.SchedulesKey(c.namespace), s.ID, b).Err(); err != nil {
		return "", fmt.Errorf("schedule refresh %s: %w", s.ID, err)
	}
	return s.ID, nil
}

// UnscheduleRefresh deletes schedule id; workers stop enqueuing it within
// a second. An unknown id is ErrNoSchedule.
func (c *Client) UnscheduleRefresh(ctx context.Context, id string) error {
	n, err := c.rdb.HDel(ctx, wire.SchedulesKey(c.namespace), id).Result()
	if err != nil {
		return fmt.Errorf("unschedule refresh %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("unschedule refresh %s: %w", id, ErrNoSchedule)
	}
	return nil
}

// RefreshSchedule returns schedule id; an unknown id is ErrNoSchedule.
func (c *Client) RefreshSchedule(ctx context.Context, id string) (RefreshSchedule, error) {
	v, err := c.rdb.HGet(ctx, wire.SchedulesKey(c.namespace), id).Result()
	if errors.Is(err, redis.Nil) {
		return RefreshSchedule{}, fmt.Errorf("read refresh schedule %s: %w", id, ErrNoSchedule)
	}
	if err != nil {
		return RefreshSchedule{}, fmt.Errorf("read refresh schedule %s: %w", id, err)
	}
	var s RefreshSchedule
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return RefreshSchedule{}, fmt.Errorf("read refresh schedule %s: %w", id, err)
	}
	return s, nil
}

// ListRefreshSchedules returns the schedules sorted by id, skipping entries
// that cannot be decoded.
func (c *Client) ListRefreshSchedules(ctx context.Context) ([]RefreshSchedule, error) {
	m, err := c.rdb.HGetAll(ctx, wire.SchedulesKey(c.namespace)).Result()
	if err != nil {
		return nil, fmt.Errorf("read refresh schedules: %w", err)
	}
	out := make([]RefreshSchedule, 0, len(m))
	for _, v := range m {
		var s RefreshSchedule
		if json.Unmarshal([]byte(v), &s) == nil && s.ID != "" && s.UserID != "" && s.Interval > 0 {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
