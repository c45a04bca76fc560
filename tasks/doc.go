// Package tasks is the contract between applications and basiq-worker.
//
// It defines the asynq task type names (constants that never change after
// release), one versioned JSON payload per task type with a single decode path
// ([Decode]), an enqueue [Client] for applications, the result events the
// worker publishes ([Event], [Result], [MFARequired]) together with their Redis
// layout ([Publisher], [Subscriber]), and the Standard Webhooks signing helpers
// ([SignWebhook], [VerifyWebhook]).
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
// by [Decode] when the worker takes the task. User, connection and job ids
// are 1 to [MaxIDLen] ASCII letters, digits, '-' and '_' (Basiq's ids are
// UUIDs or shorter hex strings; nothing that could change a URL path or a
// Redis key); institution ids match [InstitutionIDPattern] (AU00000);
// idempotency keys are at most [MaxIdempotencyKeyLen] bytes of printable
// ASCII without spaces; credential fields and MFA answers at most
// [MaxCredentialLen] bytes; sealed values at most [MaxSealedLen]. A task
// outside them is refused with an error that names the field and quotes at
// most a few bytes of the value ([PayloadError]), and the worker archives it.
//
// # Idempotency
//
// An idempotency key becomes the asynq task id ([TaskID]): enqueuing the same
// key twice yields the same task id and no second task, for as long as asynq
// keeps the first task (pending, active, scheduled, retrying or retained).
//
// # Results
//
// The worker publishes each outcome exactly once per event id: a durable entry
// on a Redis Stream ([ResultsStreamKey]), a live copy on Pub/Sub
// ([ResultsChannel]) and, for results, a per-task key ([ResultKey]) that
// [Client.Wait] reads. All keys of one namespace share a Redis Cluster hash
// tag, so the publishing script is valid on a cluster too.
package tasks
