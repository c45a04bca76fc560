package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/redis/go-redis/v9"
)

// keptSamples is how many keys of each kind keptByKind measures.
const keptSamples = 200

// keptKind is the kind of a key of run id that keptByKind reports, or "".
// The stream and asynq's completed set are one key each, counted whole;
// the others are a key per job (or per task), sampled. The worker's keys
// are matched by the prefixes internal/keys and internal/wire build (an
// empty id), so a change of layout there changes them here too.
func keptKind(id, key string) string {
	q := "asynq:{" + id + "}:" // asynq's own layout: its queue is the run's id
	switch {
	case key == wire.ResultsStreamKey(id):
		return "stream"
	case key == q+"completed":
		return "asynq completed set"
	case strings.HasPrefix(key, q+"t:"):
		return "asynq task"
	case strings.HasPrefix(key, wire.ResultKey(id, "")):
		return "result key"
	case strings.HasPrefix(key, wire.PublishedKey(id, "")):
		return "dedupe key"
	case strings.HasPrefix(key, keys.Start(id, "")):
		return "start record"
	case strings.HasPrefix(key, keys.Follow(id, "")) && strings.HasSuffix(key, strings.TrimPrefix(keys.Waiters(id, ""), keys.Follow(id, ""))):
		return "follower waiters"
	case strings.HasPrefix(key, keys.Follow(id, "")):
		return "follower record"
	}
	return ""
}

// keptByKind is what the run's keys of each kind keep, in KB per job: the
// MEMORY USAGE of up to keptSamples keys of the kind, scaled to their
// count and divided by n. Errors leave the kinds out: the figure is an
// aid, used_memory's growth is the measure.
func keptByKind(ctx context.Context, rdb redis.UniversalClient, id string, n int) map[string]float64 {
	count := map[string]int{}
	samples := map[string][]string{}
	iter := rdb.Scan(ctx, 0, "*{"+id+"}:*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		kind := keptKind(id, k)
		if kind == "" {
			continue
		}
		if count[kind]++; len(samples[kind]) < keptSamples {
			samples[kind] = append(samples[kind], k)
		}
	}
	if iter.Err() != nil || n <= 0 {
		return nil
	}
	kinds := make([]string, 0, len(samples))
	for kind := range samples {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	pipe := rdb.Pipeline()
	cmds := map[string][]*redis.IntCmd{}
	for _, kind := range kinds {
		for _, k := range samples[kind] {
			cmds[kind] = append(cmds[kind], pipe.MemoryUsage(ctx, k))
		}
	}
	_, _ = pipe.Exec(ctx) // each command's error is read below
	out := map[string]float64{}
	for _, kind := range kinds {
		var sum int64
		for _, c := range cmds[kind] {
			sum += c.Val()
		}
		if len(cmds[kind]) > 0 {
			out[kind] = float64(sum) / float64(len(cmds[kind])) * float64(count[kind]) / float64(n) / 1024
		}
	}
	return out
}

// keptString is kept by kind, largest first: "result key 1.12, ...".
func keptString(kept map[string]float64) string {
	kinds := make([]string, 0, len(kept))
	for k := range kept {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		return kept[kinds[i]] > kept[kinds[j]] || kept[kinds[i]] == kept[kinds[j]] && kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	var sum float64
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %.2f", k, kept[k])
		sum += kept[k]
	}
	return fmt.Sprintf("%s (sum %.2f)", strings.Join(parts, ", "), sum)
}
