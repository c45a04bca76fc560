// Package httpapi is the HTTP API over tasks.Client, for applications
// written in any language: JSON over HTTP to enqueue connection work,
// read a task's state and result (with a bounded long poll), and follow
// the results stream as Server-Sent Events, resumable with Last-Event-ID.
//
// Every request needs a bearer API token (Options.TokenHashes holds only
// their SHA-256 hashes). Credentials in request bodies are sealed by
// tasks.Client at once; they are never logged, echoed or stored in
// plaintext: the Idempotency-Key check keeps only an HMAC of the
// canonical body. Errors are RFC 9457 problem+json documents whose
// invalid-params member names each bad field. The OpenAPI 3.1 document of
// the whole API is served at /v1/openapi.json (OpenAPI).
//
// cmd/basiq-api serves it on its own; basiq-dev mounts it beside the fake
// Basiq server.
package httpapi
