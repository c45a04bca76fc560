// Package worker is the basiq-worker pipeline: asynq handlers that call
// Basiq, follow each Basiq job to its end without holding a worker slot
// while waiting, and publish one result per job.
//
// # Flow
//
// An application enqueues a task with tasks.Client (connection:create,
// connection:update, connection:refresh, user:refresh-all). Its handler
// decodes the payload, opens the sealed credentials, records in Redis that
// the task is calling Basiq, makes the one call that starts the Basiq job,
// records the job id, hands the job to the follower and returns. A
// re-delivered task finds the record and resumes following the same job: a
// create is never sent twice when it may have reached Basiq: a create whose
// answer was lost is looked up at Basiq (the user's new connections of the
// institution, reconcile.go) and the job found is adopted. A task whose
// deadline passed while it waited in the queue sends nothing: its result is
// timed_out with code deadline-exceeded-before-send.
//
// # One follower per Basiq job
//
// A Basiq job is followed by one poll chain, whatever the number of tasks
// that lead to it (a refresh-all and a refresh that Basiq answered with the
// running job). The first task to attach to the job's follower record in
// Redis owns the chain; the others wait on it, and the chain's deadline is
// the latest of theirs. When the job ends, its outcome is stored and every
// waiting task gets a result with that outcome (follow.go): one outcome per
// Basiq job, one result per task and job.
//
// A look at a followed job makes one GET /jobs/{id}, then a pure decision
// (decide.go: the chain's state, the job, the time, the policy in; the new
// state and one action out) chooses what it does. When every step succeeded it
// lists the connection's accounts and publishes a completed result; when a
// step failed it publishes a failed result (or, for an institution-side
// failure, refreshes the connection later: see below); when the job is past
// its deadline it publishes a timed_out result; otherwise it schedules the
// next poll and returns. While the job waits on an MFA challenge it
// publishes one mfa_required event; the application answers with
// tasks.Client.AnswerMFA and the job:mfa-answer handler sends the answer.
//
// A follow (tasks.TypeFollowJobs) reads each of its jobs once before it
// attaches (GET /jobs/{id}) and fails with job-not-of-user when Basiq's
// links name another user than the task's: one user's job, and its
// result, are never handed to another. A follow started by Basiq's
// connection.created webhook skips the check (its job was found among the
// user's own). An application's follow that comes after the webhook's
// follow of the same job ended attaches to the stored outcome: no new poll,
// the same outcome, steps and polls, under its own task id. The job then
// has two results on the stream, the webhook follow's and the
// application's: one result per task wins over one per job, since the
// application waits on its own task id; consumers of the stream that count
// jobs dedupe by jobId.
//
// # Consent and Basiq's refresh limits (API 3.0)
//
// A refresh (one connection, all of a user's, scheduled, or the worker's
// own after an institution-side failure) of a user whose consent was
// revoked or expired is not sent: a failed result with consent-revoked or
// consent-expired (consent.go). The worker learns it from Basiq's consent
// events, recorded per user in Redis, at no Basiq call; with
// Config.ConsentLookup also from GET /users/{id}/consents, at most once
// per user per interval. With Config.PurgeOnConsentEnd the consent event
// also deletes the user's connections at Basiq, and consent_revoked lists
// them (consentevents.go).
//
// A scheduled refresh (tasks.RefreshSchedule) of a connection that had
// Config.RefreshBudget refreshes in the last 24 hours (Basiq allows about
// 20 a day for Open Banking), or one within Config.RefreshMinInterval, is
// not sent: its result is skipped, with the reason and when the next may
// go (budget.go). The application's own refreshes are counted, never held
// back.
//
// # Waiting: the follower, not a task per poll
//
// A followed job waits in a due-time set of its namespace, not in asynq
// (followed.go): {ns}:worker:followed, a ZSET of job ids scored by when
// each is next due, in milliseconds, and {ns}:worker:followed:state, the
// chain's state (steps seen and when, looks, MFA sent, deadline, root task)
// by job id. Every worker process runs a follower loop that claims the due
// jobs in batches with one script (each claimed job is re-scored to
// now+Config.FollowLease: its lease), looks at each (lookAt: one GET, the
// pure decision, the result or the next due time; at most
// Config.FollowConcurrency at once) and writes back many jobs' next due
// times and states in one script call, which applies an update only while
// the job still holds the lease it was claimed with. A process that dies
// holding jobs loses none: their leases end and any process claims them; a
// look is safe to run twice. The loop sleeps until the next due time it
// knows (what it wrote, and the set's earliest score, which each claim
// returns), peeking at least every Config.FollowPeek for jobs other
// processes added; a job is looked at within a few milliseconds of its due
// time, not rounded to asynq's second. Creates and other asynq tasks keep
// asynq's slots (Config.Concurrency) to themselves, so a burst of new work
// does not take the looks' slots ("Polls ahead of new work").
//
// Slots are not CPU: on a machine the burst saturates, the looks ran late
// behind the creates all the same. Each claim measures how late it is
// (its earliest job's due time, which the claim script returns), and
// while a recent claim was over Config.FollowBehind (100 ms) late, a task
// that starts new work (a create, a refresh, a follow) waits before it
// reads its start record, at most 2 s (admit in followed.go): the looks
// go first, new work starts a little later. basiq-bench -mode scheduled,
// the same binary with -follow-behind 0 (never wait) and the default, one
// run each, back to back, quiet machine:
//
//	                          n=100,000 (CPU-bound)   n=10,000 (twice each)
//	                          never     100 ms        never       100 ms
//	detection p50 (ms)        511       375           -           -
//	detection p95 (ms)        1163      912           844-857     854
//	detection p99 (ms)        1453      1044          947-977     953-984
//	makespan                  72.8 s    77.5 s        10.0-10.2 s 10.1 s
//	results/s                 1373      1290          -           -
//	polls/job                 3.44      3.57          3.63-3.66   3.63
//	worker CPU ms/job         0.62      0.67          0.57-0.64   0.57-0.65
//
// At 100,000 in flight the looks' p99 holds near 1 s for 6 % of the
// throughput: looks on time see less progress each (more polls), and the
// creates wait. A burst of 10,000 does not saturate the looks and is
// unchanged. FOLLOW_BEHIND=0 puts throughput first.
//
// The operator's view of what is followed is ListFollowed: the admin
// server's /followed page and the basiq_worker_followed_* gauges (count,
// late, lag of the earliest due); asynq's UI shows the tasks that started
// the jobs, and the results stream what they ended with.
//
// A job:poll task of an earlier version still in a queue after an upgrade
// is adopted: its chain is followed from then on (adopt).
//
// Why not one asynq task per poll, as before. Measured with basiq-bench
// (fake steps 1 s/2 s/3 s ±20%, one process, 20 slots, a private
// redis-server; the machine shared with other work, so the two designs ran
// alternately at the same load and only their ratios count):
//
//	                            asynq task per poll   follower
//	n=500, load 9-19
//	  Redis commands/job        168-201               56-71
//	  detection p99 (all steps) 0.86-0.91 s           0.79-0.83 s
//	n=2000, load 17
//	  Redis commands/job        75.8                  48.8
//	  detection p99 (all steps) 9.4 s                 0.87 s
//	  polls/job                 1.10                  5.34
//	  Redis memory kept/job     8.1 KB                7.0 KB
//	n=10000, load 11 (follower alone)
//	  Redis commands/job                              48.0
//	  detection p99 (all steps)                       1.41 s
//	  Redis memory kept/job                           6.3 KB
//
// At n=2000 the poll tasks waited behind the burst of creates in the same
// queue (each look came seconds late, so it found the step long done: 1.1
// polls/job); the follower is not in the queue. Of the 6.3 KB kept per job,
// the worker's own records are the follower record (1.2 KB: it keeps the
// job's outcome for tasks that attach later, as long as the dedupe key)
// and the start record (0.2 KB); the rest is the results (stream entry and
// result key, 2.8 KB), the task's progress (no longer kept: see "Redis
// cost per job") and the retained create task.
//
// A poll task costs about 30 commands (enqueue, forward of the scheduled
// set, RunTask for sub-second time, dequeue, lease, done, retention,
// processed counters) and keeps ~1.7 KB for the retention; a claim costs
// four commands and a write-back three to five, each shared by every job
// of the batch, so the per-look cost falls as the load grows. Lighter asynq
// options were weighed and left: without retention and RunTask a poll task
// still costs ~20 commands, and the "not ready" retry of one task per job
// ((a) of DESIGN.md) keeps asynq's whole-second retry times and its
// retry-set churn. The follower's cost is a second set of leases to
// reason about; it reuses the follower record, the waiters and the finish
// script unchanged, so one result per task holds as before.
//
// # Polling: when to look next
//
// The next look is chosen by PollPolicy (policy.go; decide.go keeps the
// step's bounds). When the institution publishes its average step times,
// the looks cover the current step's expected end: the first PollPolicy.Near
// (900 ms) after its earliest end (the average less PollPolicy.Spread, 20%,
// from the earliest the step can have begun), then one every Near until its
// latest end (the last of them at the latest end itself, unless that is
// under a quarter of Near away), then after Factor-1 of the overrun. A
// step's start is bounded
// by the look before the one that saw it (and Basiq's updated, whole
// seconds), and from below by the earliest end of the step before, so a
// look seeing one step end and the next begin narrows the next window.
// Each step then costs one look when its whole spread is under Near (1 s
// ±20%), two or three when it is wider, and its end waits at most about
// Near to be seen. With no average known the looks back off exponentially
// from Initial with jitter.
//
// Spread is only where the window starts: each process learns, per
// institution and step, how far below and above the average the durations
// it sees fall (expect.go, learn), from the bounds a look puts on a step's
// duration, and widens the window on that side when steps surely end
// outside it (about 1% do at equilibrium). Jobs of ±20% keep the 20%
// window; ±40% or log-normal steps widen it, trading looks for latency.
//
// Why the default (Near 900 ms, Spread 20%), measured with basiq-bench
// -sweep -n 1000 -rate 200 at f605c8e, a fresh worker process per row, the
// machine shared (load 13-23), two runs; polls/job and detection p99 of all
// steps (bench/results/sweep-policy-f605c8e.txt):
//
//	fake steps               500ms/1.5/5s/0.2   .../900ms/0.2 (default)   .../900ms/0.3
//	                         (one aimed look)
//	1s/2s/3s ±20% (6 s)      5.59   830 ms      3.74-3.72   899-951 ms    4.15  947 ms
//	3s/8s/15s ±40% (26 s)    9.10  3949 ms     15.83-16.55 1948-1899 ms  15.75 1630 ms
//	8.2s/3.8s/7.1s ln σ 0.6  8.10  4180 ms     13.34-13.48 3313-3171 ms  13.89 3136 ms
//
// In the burst (-n 2000 -mode both, load 24-27): 3.71 polls/job, p99 929
// ms (5.56 and 813 ms at 7d1cc0b); blocking at 1 s takes 7.46 polls/job on
// a quieter machine (6.41 in that run, starved, p99 2.2 s). On 6 s jobs the
// window halves the polls of a blocking worker at p99 under 1 s, where the
// single aimed look then a back-off took three quarters; 800 ms gave 3.86
// polls and p99 813 ms, 950 ms is too close to 1 s under load. A 30% start
// costs those jobs 0.4 polls (over half of blocking's) and buys the wider
// jobs little: the learning widens a window anyway. On wide jobs p99 stays
// 1.6-3.3 s in these runs: a fresh process has learned nothing when a
// burst of jobs schedules its first looks, and looks already scheduled do
// not move; a long-lived process has learned. Against the single aimed look
// their p99 is halved (26 s) or cut by a quarter (log-normal) for 1.7x its
// polls: a step whose duration varies by ±40% or more cannot be seen within
// a second without looking about every second across its spread (blocking
// at 1 s: about one poll per second of job, 26 and 19 per job there).
//
// The last look of a window at its latest end, not Near after the look
// before (a4f3db4 against the same binary with it, -n 10000 -mode scheduled,
// quiet, twice each, back to back): the same polls (3.64/3.68 and
// 3.63/3.64 per job), detection p50 368/373 to 322/319 ms and p99
// 1074/1011 to 1032/980 ms: a step that ends after the window's last Near
// look is seen at its latest end. It costs a look where a step runs past
// its latest end (the learning should make that rare in a process that
// has seen many steps: not measured): paired -sweep runs (-n 1000 -rate 200, fresh processes,
// quiet, default policy) gave 13.31 to 13.92 polls/job on log-normal
// steps (p99 3171 to 3212 ms) and 16.59 to 16.56 on 26 s ±40% (p99 1876
// to 1976 ms); bench/results/sweep-{,long-}a113ab3 has the whole sweep
// with it (6 s jobs: 3.72 polls/job, p99 882 ms). Near against polls and
// p99 at n=10,000 with it (one run each, quiet):
//
//	Near    700 ms   800 ms   900 ms (default)   1 s
//	polls   4.03     3.81     3.63-3.64          3.48
//	p99     717 ms   833 ms   980-1032 ms        1131 ms
//
// Issue 14's pair of targets, at most half of blocking's 6.6 polls (3.3)
// with p99 under 1 s in the burst, is off this curve: the 3 s ±20% step
// alone has a 1.2 s window, widened by how late the step before was seen
// (Basiq's answer has no step times, and updated only whole seconds), so
// an end wait under 1 s costs it about 1.5 looks, and 3.3 looks per job
// means windows of a whole Near each.
//
// A look that fails (5xx, Redis away) is retried by the follower after the
// policy's back-off (no sooner than a 503's Retry-After), Config.PollMaxRetry
// times (chain.Errs). A throttled look (429, or the shared rate limiter's
// sending back) is retried no sooner than its Retry-After and not counted:
// only the task's deadline ends a throttling that does not stop.
//
// # Dequeuers: creates start in parallel
//
// asynq's processor takes tasks from Redis one at a time: it dequeues
// (one script call), hands the task to a slot, then dequeues the next. On
// 2 shared cores with 10,000 creates queued, a create held its slot for
// 9.7 ms on average (start record, the POST, the attach, the follower
// add), so 128 slots could start 13,000 a second, but the one loop
// started about 1,300 (enqueue -> first Basiq call p99 5.5-7.6 s): each
// dequeue waited about 0.75 ms for Redis and for a core. Dequeuers
// (WORKER_DEQUEUERS, default 4) runs that many asynq servers in the process,
// sharing Concurrency's slots, so as many dequeues are under way at once;
// they serve the same queues with the same handlers. Only the first
// forwards scheduled and retried tasks every DelayedTaskCheckInterval and
// runs the janitor at asynq's pace; the others do both once a minute, a
// backstop, so the extra cost while idle is their empty dequeues (one per
// TaskCheckInterval each) and their heartbeats. The web UI lists each as a
// server. Shutdown stops them together, so ShutdownTimeout still bounds it.
//
// Measured with basiq-bench -n 10000 -mode scheduled -dequeuers 1 and 4,
// three pairs back to back on a quiet machine (the other processes 0.3 s
// of CPU at most per run), 2026-12-02 13:19 UTC:
//
//	dequeuers                    1                   4
//	makespan                     16.60/15.80/16.28 s 12.92/13.74/14.26 s
//	enqueue -> first call p99    7.81/7.09/8.17 s    3.84/4.69/5.41 s
//	detection p99, all steps     1052/1120/1094 ms   1044/957/1025 ms
//	worker CPU                   1.06/1.05/1.04 ms   0.90/0.93/1.02 ms/job
//	worker peak RSS              60.4/54.7/58.8 MB   54.4/55.5/58.4 MB
//
// 0.84x the makespan with detection no later. On the same machine while
// two other benchmarks and test runs held 1-3 cores (load 2.7-4.7), 4 came
// out slower three times in a row (21-24 s against 13-16 s): with the
// cores taken, more creates at once crowd the looks. Set
// WORKER_DEQUEUERS=1 where the worker shares its cores with heavy work.
//
// # Redis cost per job
//
// Measured with basiq-bench -n 2000 -mode scheduled against -mode blocking
// -blocking-concurrency n (a private redis-server 7.0.15, the same binary,
// minutes apart, load 19-20 on the shared 2 cores; INFO commandstats, a
// script's inner calls counted one by one, a multi-member command once):
//
//	                          before (7d1cc0b)  now    blocking  asynq no-op
//	Redis commands/job        53.9              42.1   25.4      18.5
//	Redis memory kept/job     7.0 KB            6.4    6.2
//
// What a job costs now: the create task in asynq, about 21 commands
// (enqueue, dequeue, lease, done with retention, counters, the task
// result), as blocking's; the result, 5 (publish.lua: dedupe SET NX, XADD,
// result SET, PUBLISH), as blocking's; the start, 8 (SET NX GET of the
// start record, which writes "sending" on a first run; SET "started";
// follow_attach.lua: HMGET, HSET, PEXPIRE; the follower add: HSETNX, ZADD;
// since a4f3db4 a first attach is HSETNX and PEXPIRE without the script,
// 6 in all: 38.8 to 36.9 commands/job at n=10,000);
// the end, 4 (follow_finish.lua: HSETNX, HGETALL, PEXPIRE); and the looks,
// about 5 for 3.6 looks, because a claim (5 inner commands) and a
// write-back (ZMSCORE, one HSET of the states, one ZADD of the due times,
// one HSET and one PUBLISH of the progress, HDEL/ZREM of the jobs that
// ended) serve a whole batch. Two choices make the batches large: the
// write-back is a group commit (writeLinger: it waits up to 10 ms for the
// looks still running; 0.56 write-backs per job where there were 1.87),
// and a look's progress goes out with its write-back: one HSET into the
// hash {ns}:progress and one PUBLISH (an array of events) per batch, where
// each step change cost a SET of a key per task and a PUBLISH (2.5 of
// each per job). That key was kept for the result's 7 days (0.8 KB per
// job); the hash field is removed when the job ends, and
// tasks.Client.Progress then reads the result's steps.
//
// What is kept per job after a run (basiq-bench's kept memory by kind of
// key: MEMORY USAGE of 200 keys of each kind, scaled to their count, KB per
// job; -n 2000 -mode scheduled, before and after twice each, back to back,
// on a private redis-server 7.0.15, load 3.0-3.6 on the 2 cores; the two
// runs of each agree to 0.01 KB, used_memory's growth to 0.5):
//
//	                                          before (64caf42)  after
//	result key {ns}:result:<task>             1.33 KB           1.12
//	results stream entry                      1.32              1.32
//	follower record {ns}:worker:follow:<job>  1.18              0.83
//	create task retained by asynq             0.86              0.86
//	its entry in asynq's completed set        0.13              0.13
//	start record                              0.23              0.23
//	dedupe key                                0.12              0.12
//	sum of the keys                           5.16              4.61
//	used_memory growth per job                6.1, 6.6          5.7, 5.6
//
// The result key (Wait reads it, 7 days) and the stream entry (Results;
// capped at 100,000 entries) hold the same result: the Publisher stores
// it with its times to the millisecond (internal/results compactResult;
// Go writes nanoseconds, 30 characters where 24 do, seven times in a
// three-step job), its fields those of tasks.Result, so any reader, older
// ones too, decodes it unchanged. The JSON comes to about 980 bytes, within
// jemalloc's 1 KB size class instead of the 1.25 KB one (most keys: a
// result with longer ids or more steps stays above it). The stream entry
// does not shrink with it: a stream node holds up to 4 KB
// (stream-node-max-bytes), three events of 1.08 KB or of 1.04 KB alike (a
// fourth would fit below about 1,000 bytes).
// The follower record keeps the job's outcome for a task that attaches
// after the end and for a re-run (the first outcome wins): it is stored as
// a JSON array, the steps as [title, status, unix ms] (outcome.go: 468
// bytes where jobOutcome's JSON object took 765); decodeOutcome reads the
// object older workers stored, and an older worker fails on the array (its
// task retries) instead of reading an empty outcome; the finish does not
// decode the outcome it has just stored (the array's decode takes 25 us,
// the object's took 15.5). The record stays a hashtable (its done field
// is above hash-max-listpack-value, 64 bytes): as a listpack it would take
// 0.1 KB less, the server's setting to raise.
// The create task retained by asynq is 1.0 KB (tasks.Client's Retention,
// 24 h by default: the UI's completed list, and the task id stays taken);
// it is a user-visible setting and stays.
//
// The target of 2 KB is out of reach while both the result key (1.1 KB)
// and asynq's retained task (1.0 KB) are kept. Left, each a candidate with
// its catch: the stream entry as a pointer to the result key (-1.2 KB),
// decided against: the result key expires after 7 days while the stream
// keeps 100,000 entries (months for a small deployment), so Results read
// from "0" would lose the older bodies; the result key is per task, so a
// re-run's result would overwrite what an earlier entry points to; and
// apps' older tasks.Client would read result events without a result. The
// follower record's outcome as a pointer to the published result instead
// of a copy (-0.7 KB): a webhook follow's own result is not published when
// an application's task waits, the result key may be kept for less than
// the record's 7 days (WithResultTTL), and the pointer can replace the
// copy only once the result is published (one more command per job, or
// the finish and the publish in one script). The finish and the publish
// in one script, the record's first outcome being the dedupe (-2
// commands; needs an upgrade path for records whose outcome an older
// worker stored before it published); the finish without renewing the
// record's TTL (-1, once every record is known to carry one from attach).
//
// # Worker CPU per job
//
// On 2 cores the makespan and results/s are bound by CPU: at n=10,000 the
// whole system cost 2.27 ms per job, 1.22 of it in the worker. A look's
// own work is small next to its encoding, so the follower's hot path does
// without reflection and per-look goroutines (basiq-bench -n 5000 -mode
// scheduled, quiet machine, back to back with the same binary otherwise):
//
//	                                   before (8c4fedd)   now
//	worker CPU ms/job, run 1 / run 2   1.21 / 0.95        1.10 / 0.85
//	profile: encoding/json.Unmarshal   17.6 / 15.8 %      7.8 / 4.8 %
//	profile: poll state decode         9.2 / 8.4 %        2.3 / 3.7 %
//	profile: job answer decode         6.5 / 5.3 %        4.3 / 2.4 %
//	profile: follower.look (all)       45.8 / 40.7 %      35.1 / 33.3 %
//
// The poll state (statecodec.go): each look decoded the state its claim
// returned and encoded the next with encoding/json (a validity scan of the
// whole state, then reflection per field; 8-10 % of the worker). It is
// read in one pass and appended by hand now (BenchmarkDecodeState 9.0 to
// 2.1 µs, BenchmarkEncodeState 6.8 to 2.4 µs), in the same JSON, byte for
// byte json.Marshal's, anything outside the subset the worker writes
// going through encoding/json: no format version to migrate, an older
// worker reads what this one writes (a rolling upgrade, a rollback), and
// the fuzz tests hold both paths to encoding/json's results. A binary
// state would have saved a little more but broken that.
//
// The job answer (sdk/jobdecode.go): GET /jobs/{id} once per look, and
// the create's answer. A body holding only Job's fields is read without
// reflection (BenchmarkJobDecode 10.1 to 2.6 µs); any other (an MFA
// challenge, a field Basiq adds) goes through encoding/json as before.
// The accounts list of a completed job likewise: only type and id are
// read, the accounts' other fields skipped and validated
// (BenchmarkAccountRefsDecode 9.3 to 1.8 µs; its decode 1.9-4.8 % of the
// profile to 0.2 %, under the noise of the ms/job: 1.15/1.09 before,
// 1.14/1.13 after, n=5000).
//
// The looks run on a fixed set of goroutines, one per follower slot,
// instead of one new goroutine per look, whose stack every look grew
// again (runtime.newstack under the looks 2.0 % of the worker to 0.3-0.6
// %; measured alone it is within the noise: 1.10/1.17 ms/job without it,
// 1.09/0.96 with it). What is left: asynq's goroutine per task and its
// stack growth (3-5 %), go-redis and net/http I/O (the syscalls are a
// quarter of the profile), allocation (10-12 %).
//
// # Worker memory
//
// At 10,000 connections at once the worker's peak RSS was set by go-redis's
// connection buffers, not by the jobs (their state is in Redis): a heap
// profile at the peak (basiq-bench -n 10000 -mode scheduled, 128 slots)
// showed 10.8 of the 12.6 MB live heap in bufio readers and writers, 32 KiB
// each way per connection (128 KiB in go-redis's pipeline pool) on the
// 150-odd connections that the slots, the follower's looks and asynq's
// loops keep open. Commands here are about 1 KiB (a poll state, a result);
// a larger argument or reply passes the buffer straight to or from the
// socket. config.RedisBufferSize sets 4 KiB (basiq-bench's children use
// it too, in both modes). Same binary, back to back, quiet machine:
//
//	buffers            peak RSS        worker CPU ms/job   detection p99
//	32 KiB (default)   60.1, 55.0 MB   0.63, 0.57          985, 1035 ms
//	8 KiB              43.2 MB         0.66                1052 ms
//	4 KiB              40.3 MB         0.62                968 ms
//
// Of the 40 MB, about 19 are the binary's pages (basiq-bench's, which
// holds the fake Basiq too) and 13 the heap at its peak, twice the live
// heap as GOGC=100 lets it grow; GOGC=50 took 8 MB more off for 12 % more
// CPU (45.9 against 53.9 MB, 0.68 against 0.61 ms/job, before the buffer
// change), left to the operator (GOGC, GOMEMLIMIT).
//
// # Failure classes (classify.go)
//
//   - Rejected on arrival: a task type the worker does not serve (asynq's
//     ServeMux would retry "handler not found" MaxRetry times, and route a
//     type by prefix), and a payload that does not decode or holds an id
//     out of bounds (wire.Decode, wire.PayloadError), are archived on
//     their first delivery with the reason, logged with bounded fields and
//     counted by Observer.TaskRejected; a refused connection task also gets
//     a failed invalid-payload result.
//   - Permanent: bad payload, 4xx answers other than 408/429, and failed
//     steps with user-side codes (invalid-credentials, user-action-required,
//     ...): a failed result with Basiq's code, title, detail and correlation
//     id; the task is archived (asynq.SkipRetry) and never retried.
//   - Transient: 5xx, 408, network errors: asynq retries with the policy's
//     back-off (no sooner than a 503's Retry-After); the last attempt
//     publishes a failed result.
//   - Throttled: 429, or 403 too-many-requests, or a call the shared rate
//     limiter sent back: retried no sooner than Retry-After or the
//     limiter's delay (not counted as a failure, so never final, even on
//     the last attempt).
//   - Outcome unknown: a create that failed without proof that it had no
//     effect (sdk.IsNotApplied) is reconciled, never blindly sent twice.
//   - Institution-side step failures (maintenance, system-unavailable,
//     institution-not-available, connector-error): the connection is
//     refreshed after Config.StepRetryDelay (doubling), up to
//     Config.StepRetries times, then the failed result is published.
//   - service-unavailable: Basiq retries the job itself (every 2 hours,
//     for days), so the worker neither refreshes it (a second job, and a
//     refresh of the connection's budget) nor looks at it at the poll
//     policy's pace: it looks again every Config.UnavailablePoll
//     (UNAVAILABLE_POLL_INTERVAL, 5m), the last look at the task's
//     deadline, and then publishes a failed result with Basiq's code and a
//     detail naming the interval, the first failure seen, the deadline and
//     the looks (decide.go, actWaitBasiq).
//   - Deadline: a job still running at its deadline gets a timed_out result.
//
// # Rate limit: waits in the handler, the longest ones in asynq
//
// Every call to Basiq passes one limiter shared by all processes of the API
// key through Redis (internal/ratelimit, set by Config.RateLimit and
// TokenRateLimit; the outermost layer of the Basiq client New builds). A call
// whose turn is at most 10 s away (ratelimit.DefaultMaxWait) sleeps in the
// handler until then: the fleet cannot call Basiq faster anyway, and a
// call sent round asynq's retry set comes back, often too early, at a
// dozen Redis commands each time (a limited run cost 464 Redis commands
// per connection with a 1 s bound, 111 with 10 s). A call whose turn is
// further away takes nothing and fails at once with a
// *ratelimit.DelayError; nothing reached Basiq (sdk.IsNotSent), so a
// create is not reconciled but given back to asynq as a throttled retry
// after that delay, and the slot serves other tasks meanwhile.
//
// A 429 does not stop the fleet. The request that got it is retried no
// sooner than its Retry-After; the limiter lowers the shared rate of every
// process by a quarter (at most once per Retry-After, never below a tenth)
// and lets it grow back by 5% of the configured rate per second once 429s
// stop. Without a configured rate (BASIQ_RATE_LIMIT=0) nothing is limited
// and a 429 delays only its own request. (Before, a Redis key kept every
// worker away from Basiq for each 429's Retry-After: under 5% sporadic
// 429s the whole fleet spent most of its time waiting.)
//
// # Exactly once
//
// Results go through results.Publisher, whose dedupe key per event id
// ("result:"+jobID for the chain's task, "result:"+jobID+":"+taskID for a
// task waiting on it) makes a re-run publish nothing new; the result is also
// written where Wait reads it (the task's result key). The Basiq access token
// is shared by all processes through Redis, sealed with the keyring.
//
// # Redis topologies
//
// The worker runs on one Redis node, Redis Sentinel or Redis Cluster (the
// process's one client, built by config from REDIS_URL; internal/scaleout
// tests each with real servers). Every key of the worker's own carries the
// namespace's hash tag "{ns}", so its scripts work on a cluster, and all
// of them live on one master; asynq's keys are tagged per queue, so spread
// the load over several queues. Delivery stays at least once across a
// failover: a task whose completion was lost runs again after asynq's lease
// recovery (60-120 s). A forced Sentinel failover with the old master alive
// discards the writes the old master takes in the second before clients
// switch: with Config.WaitReplicas (REDIS_WAIT_REPLICAS, 1 by default on
// redis-sentinel://) a task is marked done, and a create sent, only once
// its writes are on the replicas (durable.go), so none of them is lost.
// Without it, fail over as a switchover (CLIENT PAUSE ... WRITE, then
// SENTINEL FAILOVER). A followed job cannot fall out of its chain either
// way: a lost write-back leaves it in the set at its previous due time or
// lease, and it is looked at again (a replica holds a prefix of the
// master's writes, so a job is never removed there without its published
// result). On Redis Cluster asynq's scripts touch keys they do not declare (hibiken/asynq#951),
// always within the queue's slot: Redis Cluster runs them, cluster proxies
// that demand declared keys do not. README "Scaling out" has the figures.
package worker
