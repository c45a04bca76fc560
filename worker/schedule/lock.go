package schedule

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// locker decides, at each tick, which manager's enqueue counts.
type locker struct {
	rdb redis.UniversalClient
	ns  string
	log zerolog.Logger
}

func (l *locker) lockKey(id string) string { return "{" + l.ns + "}:schedules:tick:" + id }

// preEnqueue replaces the task id option (opts[0], see Provider.GetConfigs)
// with this tick's id. asynq v0.26 passes the job's own option slice, so the
// replacement is what Enqueue uses; were it ever a copy, the placeholder id
// would still keep a second enqueue out while the previous task is retained.
func (l *locker) preEnqueue(_ *asynq.Task, opts []asynq.Option) {
	if len(opts) == 0 || opts[0].Type() != asynq.TaskIDOpt {
		return
	}
	base, _ := opts[0].Value().(string)
	iv, id, ok := parseID(base)
	if !ok {
		return
	}
	opts[0] = asynq.TaskID(l.tickID(base, iv, id))
}

// tickScript takes the tick lock: KEYS[1] lock, ARGV[1] my tick id,
// ARGV[2] now (unix ms), ARGV[3] hold (ms). The value is "<ms> <tick id>";
// a value younger than hold wins, else mine replaces it. It compares times
// itself rather than trusting key expiry alone, so it also works on
// miniredis (dev mode), which does not expire keys by the wall clock.
var tickScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then
  local sp = string.find(v, ' ', 1, true)
  if sp and tonumber(string.sub(v, 1, sp - 1)) > tonumber(ARGV[2]) - tonumber(ARGV[3]) then
    return string.sub(v, sp + 1)
  end
end
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. ARGV[1], 'PX', ARGV[3])
return ARGV[1]`)

// tickID takes the tick lock of schedule id for 90% of its interval and
// returns a new tick id, or the id of the tick that holds the lock. cur is
// the placeholder or the previous tick's id.
func (l *locker) tickID(cur string, iv time.Duration, id string) string {
	now := time.Now().UnixMilli()
	mine := stripTick(cur) + tickSep + strconv.FormatInt(now, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	hold := max((iv * 9 / 10).Milliseconds(), 1)
	got, err := tickScript.Run(ctx, l.rdb, []string{l.lockKey(id)}, mine, now, hold).Text()
	if err != nil {
		l.log.Warn().Err(err).Str("schedule", id).Msg("tick lock failed; enqueuing without it")
		return mine
	}
	return got
}

// postEnqueue logs enqueue errors other than the expected conflict of the
// managers that lost a tick.
func (l *locker) postEnqueue(info *asynq.TaskInfo, err error) {
	switch {
	case err == nil:
		l.log.Info().Str("task_id", info.ID).Str("task_type", info.Type).Str("queue", info.Queue).Msg("scheduled refresh enqueued")
	case errors.Is(err, asynq.ErrTaskIDConflict):
	default:
		l.log.Error().Err(err).Msg("scheduled refresh not enqueued")
	}
}
