package worker

// Rate-aware scheduled refresh. Basiq allows an Open Banking connection
// about 20 refreshes in a day (then 429 for hours); a refresh of a
// connection just refreshed fetches nothing new. So a scheduled refresh
// (tasks.RefreshSchedule's, marked Scheduled in its payload) of a
// connection is not sent when the connection already had
// Config.RefreshBudget refreshes in the last 24 hours, or one within
// Config.RefreshMinInterval: its result is skipped, with the reason
// (CodeRefreshBudgetSpent, CodeRefreshTooSoon) and when the next may go.
//
// Every refresh the worker sends of a known connection is counted in a
// ledger per connection (keys.Refreshes: a sorted set of the last 24
// hours, one member per task, so a re-run counts once): the scheduled
// ones, the application's refresh-connection tasks and the worker's own
// refreshes after an institution-side failure. Only scheduled refreshes
// are held back; the others are the application's explicit asks. An
// application's refresh-all is not counted per connection: Basiq's answer
// names no connection. The budget applies to every connection (the worker
// does not know which are Open Banking); Basiq counts only those.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// refreshWindow is the window of the daily budget (sliding, as Basiq's).
const refreshWindow = 24 * time.Hour

// refreshScript counts a refresh in a connection's ledger, first checking
// the budget and interval in "check" mode. A member already counted (a
// re-run of the same task) is allowed again.
// KEYS[1] the ledger; ARGV now ms, window ms, budget (<= 0: none),
// min interval ms (<= 0: none), member, mode ("check" or "record").
// Returns {"ok"} or {"budget"|"soon", refreshes in the window, the time
// (ms) the reason is about: the oldest refresh, or the last one}.
var refreshScript = redis.NewScript(`
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZSCORE', KEYS[1], ARGV[5]) then return {'ok'} end
if ARGV[6] == 'check' then
  local n = redis.call('ZCARD', KEYS[1])
  local budget = tonumber(ARGV[3])
  if budget > 0 and n >= budget then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {'budget', tostring(n), oldest[2]}
  end
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if tonumber(ARGV[4]) > 0 and last[2] and now - tonumber(last[2]) < tonumber(ARGV[4]) then
    return {'soon', tostring(n), last[2]}
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'ok'}
`)

// countRefresh counts refresh member of connID in its ledger. When check
// is set (a scheduled refresh) and the budget or the interval holds it
// back, it counts nothing and returns a *refusal with outcome skipped.
func (h *handlers) countRefresh(ctx context.Context, connID, member string, check bool) error {
	mode := "record"
	if check {
		mode = "check"
	}
	now := h.now()
	res, err := refreshScript.Run(ctx, h.rdb, []string{keys.Refreshes(h.ns, connID)}, now.UnixMilli(),
		refreshWindow.Milliseconds(), h.refreshBudget, h.refreshMin.Milliseconds(), member, mode).StringSlice()
	if err != nil {
		return fmt.Errorf("refresh ledger of connection %s: %w", connID, err)
	}
	if res[0] == "ok" {
		return nil
	}
	n, _ := strconv.Atoi(res[1])
	ms, _ := strconv.ParseInt(res[2], 10, 64)
	return &refusal{outcome: tasks.OutcomeSkipped, connectionID: connID,
		info: h.skippedError(res[0], connID, n, time.UnixMilli(ms))}
}

// skippedError is the reason a scheduled refresh was skipped: its daily
// budget spent (the oldest counted refresh at), or refreshed too recently
// (the last one at).
func (h *handlers) skippedError(reason, connID string, n int, at time.Time) *tasks.ErrorInfo {
	if reason == "budget" {
		return &tasks.ErrorInfo{Code: tasks.CodeRefreshBudgetSpent, Title: "The connection's daily refresh budget is spent",
			Detail: fmt.Sprintf("connection %s had %d refreshes in the last 24 hours, its budget (REFRESH_DAILY_BUDGET) is %d; "+
				"the scheduled refresh was not sent to Basiq. The next may go at %s.", connID, n, h.refreshBudget, stamp(at.Add(refreshWindow)))}
	}
	return &tasks.ErrorInfo{Code: tasks.CodeRefreshTooSoon, Title: "The connection was refreshed too recently",
		Detail: fmt.Sprintf("connection %s was last refreshed at %s, within the minimum interval (REFRESH_MIN_INTERVAL) of %s; "+
			"the scheduled refresh was not sent to Basiq. The next may go at %s.", connID, stamp(at), h.refreshMin, stamp(at.Add(h.refreshMin)))}
}
