package config

import (
	"strings"
	"testing"
	"time"
)

// REDIS_WAIT_REPLICAS: auto waits for one replica on Sentinel only; a
// number applies on any topology; anything else, and a timeout out of
// range, is an error naming the variable. The worker's and the
// applications' configurations read the same variables.
func TestLoad_redisWait(t *testing.T) {
	const sentinel = "redis-sentinel://127.0.0.1:26379?master=m"
	tests := []struct {
		name    string
		vars    map[string]string
		want    int
		timeout time.Duration
		err     string
	}{
		{"auto on one node", map[string]string{}, 0, time.Second, ""},
		{"auto on Sentinel", map[string]string{"REDIS_URL": sentinel}, 1, time.Second, ""},
		{"auto on Cluster", map[string]string{"REDIS_URL": "redis-cluster://127.0.0.1:7000", "REDIS_WAIT_REPLICAS": "auto"}, 0, time.Second, ""},
		{"off on Sentinel", map[string]string{"REDIS_URL": sentinel, "REDIS_WAIT_REPLICAS": "0"}, 0, time.Second, ""},
		{"two, with a timeout", map[string]string{"REDIS_WAIT_REPLICAS": "2", "REDIS_WAIT_TIMEOUT": "250ms"}, 2, 250 * time.Millisecond, ""},
		{"negative", map[string]string{"REDIS_WAIT_REPLICAS": "-1"}, 0, 0, `REDIS_WAIT_REPLICAS: must be auto or a number of replicas >= 0, got "-1"`},
		{"a word", map[string]string{"REDIS_WAIT_REPLICAS": "all"}, 0, 0, "REDIS_WAIT_REPLICAS: must be auto"},
		{"zero timeout", map[string]string{"REDIS_WAIT_TIMEOUT": "0s"}, 0, 0, "REDIS_WAIT_TIMEOUT: must be > 0 and <= 30s"},
		{"timeout too long", map[string]string{"REDIS_WAIT_TIMEOUT": "1m"}, 0, 0, "REDIS_WAIT_TIMEOUT: must be > 0 and <= 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"BASIQ_API_KEY": "k", "BASIQ_SECRET_KEY": "k1:" + testKey}
			for k, v := range tt.vars {
				vars[k] = v
			}
			w, err := LoadWorker(env(vars))
			c, cerr := LoadClient(func(k string) string { return vars[k] })
			if tt.err != "" {
				for who, err := range map[string]error{"LoadWorker": err, "LoadClient": cerr} {
					if err == nil || !strings.Contains(err.Error(), tt.err) {
						t.Errorf("%s: %v, want an error containing %q", who, err, tt.err)
					}
				}
				return
			}
			if err != nil || cerr != nil {
				t.Fatalf("LoadWorker: %v; LoadClient: %v", err, cerr)
			}
			if w.WaitReplicas != tt.want || w.WaitTimeout != tt.timeout {
				t.Errorf("worker: WaitReplicas %d, WaitTimeout %s; want %d, %s", w.WaitReplicas, w.WaitTimeout, tt.want, tt.timeout)
			}
			if got := c.RedisWait.Count(c.RedisURL); got != tt.want || c.RedisWait.Timeout != tt.timeout {
				t.Errorf("client: %d replicas within %s; want %d, %s", got, c.RedisWait.Timeout, tt.want, tt.timeout)
			}
		})
	}
}
