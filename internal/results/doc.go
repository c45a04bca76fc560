// Package results is the worker's side of the results layout that apps read
// with tasks.Client (Wait, Follow, Results): the [Publisher] that publishes
// each outcome exactly once per event id, a durable entry on the namespace's
// stream, a per-task result key and a live copy on Pub/Sub, all in one
// atomic script, and the constructors of the events with their dedupe ids
// ([NewResultEvent], [NewMFAEvent], [NewProgressEvent], [NewBasiqEvent]). Apps do not import
// it; the keys are built by package wire.
package results
