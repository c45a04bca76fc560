// Package wire is the Redis wire format that tasks (the apps' side) and the
// worker share, and that no app needs to name: the task type names, one
// versioned JSON payload per task type with its single decode path
// ([Decode], errors as [PayloadError] wrapping asynq.SkipRetry), the bounds
// of every id in them ([ValidateID], [MaxIDLen], [InstitutionIDPattern]),
// sealed values ([Sealed]), the Redis keys of the results and schedules
// (all of a namespace under one Redis Cluster hash tag "{ns}"), the task id
// of an idempotency key ([TaskID]), the dedupe ids of result events, and the
// Standard Webhooks signature the worker sends ([SignWebhook]).
//
// Payloads are what tasks.Client writes and the worker decodes: a change
// here is a change of the stored format, so add fields and types, never
// rename or repurpose them.
package wire
