// Package tasks is what applications import to use basiq-worker: one
// [Client] that enqueues work and reads its results on the application's
// one Redis handle.
//
//	c := tasks.NewClient(rdb, keyring)                     // rdb: the app's redis.UniversalClient
//	id, err := c.CreateConnection(ctx, tasks.CreateConnection{...})
//	res, err := c.Wait(ctx, id)                            // *tasks.Result
//
// [Client.Follow] yields a task's live progress and MFA events and then its
// result; [Client.Results] follows the durable results stream of every task,
// resumable from an [Event.StreamID]. The requests ([CreateConnection],
// [UpdateConnection], [RefreshConnection], [RefreshAll], [AnswerMFA],
// [FollowJobs]) take an optional [Enqueue]; refresh schedules are registered with
// [Client.ScheduleRefresh]. A result's [Outcome] and [ErrorCode] are typed
// constants. Package tasks/webhook verifies the webhooks the worker sends.
//
// The wire format (task payloads, Redis keys, the publishing script) is the
// worker's concern and lives in its internal packages.
//
// # Credentials
//
// Plaintext [Credentials] exist only in the application. The [Client] seals
// them with AES-256-GCM ([Keyring]) before they reach Redis, so neither Redis,
// the asynq web UI, logs nor archived tasks ever hold a plaintext password.
// The ciphertext is bound to its user id (GCM additional data), so a sealed
// blob cannot be replayed into another user's task.
//
// # Bounds
//
// Ids are checked where they enter: by the [Client] before it enqueues and
// by the worker when it takes the task. User, connection and job ids are 1
// to 64 ASCII letters, digits, '-' and '_' (Basiq's ids are UUIDs or
// shorter hex strings; nothing that could change a URL path or a Redis key);
// institution ids are two capital letters and five digits (AU00000);
// idempotency keys are at most 128 bytes of printable ASCII without spaces;
// credential fields and MFA answers at most 512 bytes. A request outside
// them is refused with an error that names the field and quotes at most a
// few bytes of the value; a task outside them that reaches the worker anyway
// is archived with a failed result (code [CodeInvalidPayload]).
//
// # Idempotency
//
// An idempotency key ([Enqueue].IdempotencyKey) becomes the asynq task id
// "<type>:<key>": enqueuing the same key twice yields the same task id and
// no second task, for as long as asynq keeps the first task (pending,
// active, scheduled, retrying or retained).
//
// # Results
//
// The worker publishes each outcome exactly once per event id: a durable
// entry on the namespace's Redis Stream (read by [Client.Results]), a live
// copy on Pub/Sub (read by [Client.Follow]) and, for results, a per-task key
// that [Client.Wait] and [Client.Result] read. All keys of one namespace
// share a Redis Cluster hash tag, so this works on a cluster too.
package tasks
