package worker

// The follower: how the Basiq jobs being followed wait between looks.
//
//	{ns}:worker:followed        ZSET: member the job id (jobID:taskID for a
//	                            chain of an earlier version, see chain.Shared),
//	                            score when the job is next due (unix ms), or
//	                            when its lease ends while a process looks at it
//	{ns}:worker:followed:state  hash: member -> the chain's poll state (pollPayload JSON)
//
// Each worker process runs one follower loop per namespace. It claims the
// due jobs in batches (followed_claim.lua: one call re-scores them to
// now+lease and returns their state), looks at each (lookAt: one GET, the
// pure decision, the result or the next due time) with at most
// Config.FollowConcurrency looks at once, and writes back what the looks
// decided, many jobs in one call (followed_write.lua), applied only while
// the job still holds the lease it was claimed with. A process that dies
// holding jobs loses nothing: their leases end and any process claims them
// again, and a look is safe to run twice (the publisher's dedupe keys, the
// follower record's first outcome). The loop sleeps until the next due time
// it knows of: its own writes and what a claim returns as the set's earliest
// score, woken at least every Config.FollowPeek for what other processes add.
//
// Why not a job:poll asynq task per look, as before: see "Waiting" in doc.go
// for the figures.

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

//go:embed followed_claim.lua
var claimLua string

//go:embed followed_write.lua
var writeLua string

var claimScript, writeScript = redis.NewScript(claimLua), redis.NewScript(writeLua)

// Follower settings that are not in Config: claimBatch bounds one claim
// (and the arguments of one script call), writeBatch one write-back, and
// claimGap is the least time between two claims that found less than a
// batch, so that looks due within a few milliseconds share one claim, and
// writeLinger the longest a write-back waits for more looks to end (see
// writeLoop).
const (
	claimBatch  = 256
	writeBatch  = 512
	claimGap    = 5 * time.Millisecond
	writeLinger = 10 * time.Millisecond
)

// member is the follower's name for the chain of p: its job id.
func (p pollPayload) member() string {
	if p.Shared {
		return p.JobID + ":" + p.TaskID
	}
	return p.JobID
}

// lookOps collects what a look scheduled (schedulePoll inside lookAt):
// written back by the follower with the claimed job's update.
type lookOps struct {
	scheduled []scheduled
	progress  []byte // the progress event of the look's step change, if any
}

type scheduled struct {
	p   pollPayload
	due time.Time
}

type lookOpsKey struct{}

func lookOpsOf(ctx context.Context) *lookOps {
	ops, _ := ctx.Value(lookOpsKey{}).(*lookOps)
	return ops
}

// follower runs the looks of one namespace's followed jobs in this process.
type follower struct {
	h       *handlers
	rdb     redis.UniversalClient
	keys    []string // followed, state, progress
	channel string   // the live channel of the namespace
	log     zerolog.Logger
	lease   time.Duration
	peek    time.Duration
	slots   chan struct{} // one token per look running
	looks   chan claimed  // to the looking goroutines (run)
	now     func() time.Time

	// lag is how late after its due time the earliest job of the last
	// claim was claimed (ns; 0 when that claim found nothing due), lagAt
	// when (unix ns): admit holds new work while a recent lag is over behind.
	lag, lagAt atomic.Int64
	behind     time.Duration // Config.FollowBehind; 0: admit never holds
	hold       time.Duration // admitHold

	mu      sync.Mutex
	next    time.Time // earliest due time known to this process (zero: none)
	wake    chan struct{}
	writes  chan update
	running sync.WaitGroup
}

// update is what one look decided for the job it claimed.
type update struct {
	member string
	token  string    // the lease end the job was claimed with
	due    time.Time // zero: stop following
	state  []byte    // nil: keep the stored state
	adds   []scheduled
	// task is the chain's task: its progress field is removed when the job
	// is no longer followed. progress is the look's progress event, if any.
	task     string
	progress []byte
}

func newFollower(h *handlers, cfg Config) *follower {
	return &follower{
		h: h, rdb: cfg.Redis, channel: wire.ResultsChannel(cfg.Namespace),
		keys: []string{keys.Followed(cfg.Namespace), keys.FollowedState(cfg.Namespace), wire.ProgressHash(cfg.Namespace)},
		log:  cfg.Logger, lease: cfg.FollowLease, peek: cfg.FollowPeek,
		slots: make(chan struct{}, cfg.FollowConcurrency), looks: make(chan claimed, cfg.FollowConcurrency), now: time.Now,
		wake: make(chan struct{}, 1), writes: make(chan update, writeBatch), behind: cfg.FollowBehind, hold: admitHold,
	}
}

// add starts following p's job at due, unless it is followed already (a
// re-run of the task that started it): one round trip, two commands.
func (f *follower) add(ctx context.Context, p pollPayload, due time.Time) error {
	b, err := marshalState(p)
	if err != nil {
		return fmt.Errorf("encode poll state: %w", err)
	}
	m := p.member()
	_, err = f.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSetNX(ctx, f.keys[1], m, b)
		pipe.ZAddNX(ctx, f.keys[0], redis.Z{Score: float64(dueScore(due)), Member: m})
		return nil
	})
	if err != nil {
		return fmt.Errorf("follow job %s: %w", p.JobID, err)
	}
	f.dueAt(due)
	return nil
}

// admitHold bounds how long admit holds one task: a follower that stays
// behind (more looks due than it can make) lets new work through slowly
// rather than not at all.
const admitHold = 2 * time.Second

// admit holds a task that starts new work (a create, a refresh, a follow)
// while the follower's looks run more than f.behind late, up to
// admitHold: on a saturated machine the looks at running jobs go first and
// new work starts a little later ("Polls ahead of new work", doc.go).
func (f *follower) admit(ctx context.Context) {
	if f == nil || f.behind <= 0 || !f.lagging() {
		return
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	until := f.now().Add(f.hold)
	for f.lagging() && f.now().Before(until) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// lagFresh is how long a claim's lag stands for the follower's: a
// follower that has caught up claims nothing until its next due time.
const lagFresh = 100 * time.Millisecond

// lagging reports whether the last claim, recent, was over f.behind late.
func (f *follower) lagging() bool {
	return time.Duration(f.lag.Load()) > f.behind && f.now().Sub(time.Unix(0, f.lagAt.Load())) < lagFresh
}

// dueAt makes the loop wake at t if that is earlier than it would.
func (f *follower) dueAt(t time.Time) {
	if f == nil {
		return
	}
	f.mu.Lock()
	earlier := f.next.IsZero() || t.Before(f.next)
	if earlier {
		f.next = t
	}
	f.mu.Unlock()
	if earlier {
		select {
		case f.wake <- struct{}{}:
		default:
		}
	}
}

// run claims and looks at due jobs until ctx is done, then waits for the
// looks under way and writes them back. The looks run on a fixed set of
// goroutines, one per slot: a goroutine per look cost 7-8 % of the
// worker's CPU (its start, and its stack grown again by every look: a
// look's calls need far more than a new goroutine's stack), see doc.go.
func (f *follower) run(ctx context.Context) {
	wrote := make(chan struct{})
	go func() { defer close(wrote); f.writeLoop() }()
	var lookers sync.WaitGroup
	for range cap(f.slots) {
		lookers.Go(func() {
			for c := range f.looks {
				u := f.look(ctx, c)
				<-f.slots // before the send: writeLoop reads the slots as the looks still running
				f.writes <- u
				f.running.Done()
			}
		})
	}
	defer func() {
		f.running.Wait()
		close(f.looks)
		lookers.Wait()
		close(f.writes)
		<-wrote
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		case <-timer.C:
		}
		wait := f.claimDue(ctx)
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// claimDue claims what is due while there are free slots, starts the looks
// and returns how long to sleep.
func (f *follower) claimDue(ctx context.Context) time.Duration {
	backlog := false // the last claim took a whole batch: more is due now
	for {
		if ctx.Err() != nil {
			return f.peek
		}
		f.mu.Lock()
		next, now := f.next, f.now()
		if !backlog && !next.IsZero() && next.After(now) {
			f.mu.Unlock()
			return min(next.Sub(now), f.peek)
		}
		f.next = time.Time{} // what dueAt registers from here on is kept: see setNext
		f.mu.Unlock()
		// One free slot at least: wait for it rather than claim what
		// cannot be looked at yet. In a backlog, let a few more free up
		// first, so that one claim serves several looks.
		select {
		case f.slots <- struct{}{}:
			<-f.slots
		case <-ctx.Done():
			return f.peek
		}
		if backlog && cap(f.slots)-len(f.slots) < cap(f.slots)/8 {
			time.Sleep(claimGap)
		}
		now = f.now()
		n := min(cap(f.slots)-len(f.slots), claimBatch)
		got, nextScore, err := f.claim(ctx, now, n)
		if err != nil {
			if ctx.Err() == nil {
				f.log.Warn().Err(err).Msg("claim of due jobs failed; trying again")
			}
			backlog = false
			f.setNext(now.Add(min(time.Second, f.peek)))
			continue
		}
		for _, c := range got {
			f.slots <- struct{}{}
			f.running.Add(1)
			f.looks <- c // never blocks: it holds at most one look per slot
		}
		if backlog = len(got) == n; backlog {
			continue
		}
		if nextScore.IsZero() || nextScore.After(now.Add(f.peek)) {
			nextScore = now.Add(f.peek)
		}
		f.setNext(latest(nextScore, now.Add(claimGap)))
	}
}

// dueScore is t's score in the set of due jobs: its Unix millisecond,
// rounded up, so that a claim (due up to now's millisecond) never takes a
// job before t: a look due 2 s after a 429 whose Retry-After is 2 s ran up
// to 1 ms early when the score was truncated.
func dueScore(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Sub(time.UnixMilli(ms)) > 0 {
		ms++
	}
	return ms
}

// setNext sets when the loop next claims: t, or a due time registered by
// dueAt since the claim, when earlier.
func (f *follower) setNext(t time.Time) {
	f.mu.Lock()
	if f.next.IsZero() || t.Before(f.next) {
		f.next = t
	}
	f.mu.Unlock()
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// claimed is one job a claim returned.
type claimed struct {
	member, token string
	state         []byte
}

// claim claims at most n due jobs and returns them with the set's earliest
// score after the claim.
func (f *follower) claim(ctx context.Context, now time.Time, n int) ([]claimed, time.Time, error) {
	res, err := claimScript.Run(ctx, f.rdb, f.keys[:2], now.UnixMilli(), f.lease.Milliseconds(), n).StringSlice()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("claim due jobs: %w", err)
	}
	next := scoreTime(res[1])
	lag := time.Duration(0)
	if due := scoreTime(res[2]); !due.IsZero() {
		lag = now.Sub(due)
	}
	f.lag.Store(int64(lag))
	f.lagAt.Store(now.UnixNano())
	got := make([]claimed, 0, (len(res)-3)/2)
	for i := 3; i+1 < len(res); i += 2 {
		got = append(got, claimed{member: res[i], token: res[0], state: []byte(res[i+1])})
	}
	return got, next, nil
}

// scoreTime is the time of a score the claim script returns (unix ms,
// as Redis formats a ZSET score); zero for "" (none).
func scoreTime(score string) time.Time {
	ms, err := strconv.ParseFloat(score, 64)
	if score == "" || err != nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms))
}

// look runs one look at a claimed job and returns what to write back.
func (f *follower) look(ctx context.Context, c claimed) update {
	u := update{member: c.member, token: c.token}
	p, err := decodeState(c.state)
	if err != nil {
		f.log.Error().Err(err).Str("member", c.member).Msg("followed job with an unusable state, no longer followed")
		f.h.obs.TaskRejected(RejectInvalidPayload)
		return u // zero due: stop following
	}
	log := f.log.With().Str("task_id", p.TaskID).Str("job_id", p.JobID).Str("user_id", p.UserID).Logger()
	ops := &lookOps{}
	lctx := log.WithContext(context.WithValue(ctx, lookOpsKey{}, ops))
	// A look under way is finished on shutdown, as a handler is: the
	// Basiq call and the write-back are short.
	lctx = context.WithoutCancel(lctx)
	a := attempt{taskID: p.pollID(), retry: p.Errs, last: p.Errs >= f.h.pollRetry}
	err = f.h.lookAt(lctx, p, a)
	u.task, u.progress = p.TaskID, ops.progress
	var re *retryError
	if err != nil && !errors.As(err, &re) && !errors.Is(err, asynq.SkipRetry) {
		_ = errors.As(f.h.retry(lctx, a, err), &re) // not one the handlers classified: retried
	}
	if re != nil {
		if re.class != classThrottled { // as asynq's isFailure: a 429 is not a failed attempt
			p.Errs++
		}
		u.due, u.state = f.now().Add(re.delay), mustJSON(p)
		return u
	}
	for _, s := range ops.scheduled {
		if s.p.member() == c.member {
			s.p.Errs = 0
			u.due, u.state = s.due, mustJSON(s.p)
			continue
		}
		u.adds = append(u.adds, s)
	}
	return u
}

func decodeState(b []byte) (pollPayload, error) {
	if len(b) == 0 {
		return pollPayload{}, errors.New("no state stored")
	}
	p, err := unmarshalState(b)
	if err != nil {
		return p, fmt.Errorf("decode poll state: %w", err)
	}
	return p, p.Validate()
}

func mustJSON(p pollPayload) []byte {
	b, err := marshalState(p)
	if err != nil {
		panic(err) // a pollPayload always encodes
	}
	return b
}

// writeLoop writes back the looks' updates, many in one call: a batch is
// written once writeBatch updates are in, or no look is running that could
// add one, or writeLinger after its first update (group commit: the looks
// that end within a few milliseconds share one script call, whose cost is
// the same for one update as for hundreds). Lingering delays nothing a
// reader sees: a look publishes its result and progress itself; only the
// next due time of the job, at least a poll delay away, waits.
func (f *follower) writeLoop() {
	batch := make([]update, 0, writeBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for u := range f.writes {
		batch = append(batch[:0], u)
		linger.Reset(writeLinger)
		open := true
	fill:
		for open && len(batch) < writeBatch {
			select {
			case u, ok := <-f.writes:
				if !ok {
					open = false
					break fill
				}
				batch = append(batch, u)
				continue
			default:
			}
			if len(f.slots) == 0 { // no look running: nothing more to wait for
				break
			}
			select {
			case u, ok := <-f.writes:
				if !ok {
					open = false
					break fill
				}
				batch = append(batch, u)
			case <-linger.C:
				break fill
			}
		}
		linger.Stop()
		f.write(batch)
		if !open {
			return
		}
	}
}

// write applies batch, retrying for as long as persist does: an update
// lost here only costs a look again once the lease ends.
func (f *follower) write(batch []update) {
	args := make([]any, 2, 2+6*len(batch))
	args[0], args[1] = len(batch), f.channel
	var adds []scheduled
	for _, u := range batch {
		due := ""
		if !u.due.IsZero() {
			due = strconv.FormatInt(dueScore(u.due), 10)
			f.dueAt(u.due)
		}
		args = append(args, u.member, u.token, due, string(u.state), u.task, string(u.progress))
		adds = append(adds, u.adds...)
	}
	ctx := f.log.WithContext(context.Background())
	for _, s := range adds { // a chain gone on to another job (refresh): rare
		err := f.h.persist(ctx, "follow job "+s.p.JobID, func(ctx context.Context) error { return f.add(ctx, s.p, s.due) })
		if err != nil {
			f.log.Error().Err(err).Str("job_id", s.p.JobID).Msg("job not followed; the look runs again when its lease ends")
			return // the claimed job's lease ends: it is looked at again, and adds it again
		}
	}
	var stale int64
	err := f.h.persist(ctx, "write back looks", func(ctx context.Context) error {
		var err error
		stale, err = writeScript.Run(ctx, f.rdb, f.keys, args...).Int64()
		return err
	})
	switch {
	case err != nil:
		f.log.Error().Err(err).Int("jobs", len(batch)).Msg("looks not written back; they run again when their leases end")
	case stale > 0:
		f.log.Warn().Int64("jobs", stale).Msg("looks not written back: their lease had ended and another process took them")
	}
}

// adopt handles a job:poll task of an earlier version still in a queue
// after an upgrade: its chain is followed from now on.
func (h *handlers) adopt(ctx context.Context, t *asynq.Task) error {
	p, err := wire.Decode[pollPayload](t)
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("malformed poll payload, archived")
		return err
	}
	if err := h.schedulePoll(ctx, p, h.now()); err != nil {
		return h.retry(ctx, attemptOf(ctx), err)
	}
	zerolog.Ctx(ctx).Info().Str("job_id", p.JobID).Msg("poll task of an earlier version: its job is followed")
	return nil
}

// Followed is the operator's view of the Basiq jobs a namespace follows
// (asynq's UI no longer shows them: they are not tasks).
type Followed struct {
	// Count is the number of jobs followed.
	Count int64 `json:"count"`
	// Late counts the jobs due more than a second ago that no process has
	// claimed: a follower that falls behind (or none running).
	Late int64 `json:"late"`
	// NextDue is the earliest due time (or lease end) of the set; zero when empty.
	NextDue time.Time `json:"nextDue,omitzero"`
	// Jobs are the first jobs by due time, with their state.
	Jobs []FollowedJob `json:"jobs"`
}

// FollowedJob is one followed job.
type FollowedJob struct {
	JobID     string    `json:"jobId"`
	TaskID    string    `json:"taskId"`
	Kind      string    `json:"kind"`
	UserID    string    `json:"userId"`
	Step      string    `json:"step,omitempty"`
	Looks     int       `json:"looks"`
	Polls     int       `json:"polls"`
	Errs      int       `json:"errs,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	Deadline  time.Time `json:"deadline"`
	// Due is when the job is next looked at, or when the lease of the
	// process looking at it ends.
	Due time.Time `json:"due"`
}

// ListFollowed returns the jobs namespace ns follows: the figures and the
// first n jobs by due time (none when n is 0). It costs four commands and
// one hash read of n fields.
func ListFollowed(ctx context.Context, rdb redis.UniversalClient, ns string, n int) (Followed, error) {
	set, state := keys.Followed(ns), keys.FollowedState(ns)
	late := strconv.FormatInt(time.Now().Add(-time.Second).UnixMilli(), 10)
	var count, lateN *redis.IntCmd
	var first *redis.ZSliceCmd
	_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		count = pipe.ZCard(ctx, set)
		lateN = pipe.ZCount(ctx, set, "-inf", late)
		first = pipe.ZRangeWithScores(ctx, set, 0, int64(max(n, 1))-1)
		return nil
	})
	if err != nil {
		return Followed{}, fmt.Errorf("followed jobs of %s: %w", ns, err)
	}
	f := Followed{Count: count.Val(), Late: lateN.Val(), Jobs: []FollowedJob{}}
	zs := first.Val()
	if len(zs) > 0 {
		f.NextDue = time.UnixMilli(int64(zs[0].Score))
	}
	if n == 0 || len(zs) == 0 {
		return f, nil
	}
	members := make([]string, len(zs))
	for i, z := range zs {
		members[i], _ = z.Member.(string)
	}
	states, err := rdb.HMGet(ctx, state, members...).Result()
	if err != nil {
		return f, fmt.Errorf("followed jobs of %s: %w", ns, err)
	}
	for i, s := range states {
		j := FollowedJob{JobID: members[i], Due: time.UnixMilli(int64(zs[i].Score))}
		if b, ok := s.(string); ok {
			var p pollPayload
			if json.Unmarshal([]byte(b), &p) == nil {
				j = FollowedJob{JobID: p.JobID, TaskID: p.TaskID, Kind: p.Kind, UserID: p.UserID, Step: p.Step, Looks: p.Looks,
					Polls: p.Polls, Errs: p.Errs, StartedAt: p.StartedAt, Deadline: p.Deadline, Due: j.Due}
			}
		}
		f.Jobs = append(f.Jobs, j)
	}
	return f, nil
}
