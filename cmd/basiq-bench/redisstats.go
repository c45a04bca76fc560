package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// commandStats returns the calls of every Redis command (INFO commandstats).
func commandStats(ctx context.Context, rdb *redis.Client) (map[string]int64, error) {
	s, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, fmt.Errorf("redis info commandstats: %w", err)
	}
	m := map[string]int64{}
	for _, line := range strings.Split(s, "\n") {
		// cmdstat_get:calls=10,usec=20,...
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				m[strings.TrimPrefix(name, "cmdstat_")] = n
			}
		}
	}
	return m, nil
}

// diffStats returns after-before for every command that was called in between.
func diffStats(before, after map[string]int64) map[string]int64 {
	d := map[string]int64{}
	for k, v := range after {
		if v -= before[k]; v > 0 {
			d[k] = v
		}
	}
	return d
}

// redisVersion returns redis_version from INFO server, or "".
func redisVersion(ctx context.Context, url string) string {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return ""
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	s, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v
		}
	}
	return ""
}

// redisMemory returns used_memory of the Redis server, in bytes.
func redisMemory(ctx context.Context, rdb *redis.Client) int64 {
	return int64(infoField(ctx, rdb, "memory", "used_memory"))
}

func infoField(ctx context.Context, rdb *redis.Client, section, field string) float64 {
	s, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// redisCPU returns used_cpu_sys+used_cpu_user of the Redis server, in seconds.
func redisCPU(ctx context.Context, rdb *redis.Client) float64 {
	return infoField(ctx, rdb, "cpu", "used_cpu_sys") + infoField(ctx, rdb, "cpu", "used_cpu_user")
}

// machineCPU returns the CPU time, in seconds, every process of the machine
// has used since boot (/proc/stat: all but idle and iowait); 0 where there
// is no /proc/stat.
func machineCPU() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		if i != 3 && i != 4 && i < 8 { // idle, iowait; guest time is in user already
			busy += n
		}
	}
	return float64(busy) / 100 // USER_HZ
}

// selfCPU returns this process's user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// waitLazyFree waits (up to 10 s) until Redis has no object left to free in the background.
func waitLazyFree(ctx context.Context, rdb *redis.Client) {
	for range 100 {
		if infoField(ctx, rdb, "memory", "lazyfree_pending_objects") == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
