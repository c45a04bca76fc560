package worker

import (
	"reflect"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// TestConfig_withDefaults_fillsFromDefaultConfig: New's defaults are
// DefaultConfig's, so the two cannot disagree.
func TestConfig_withDefaults_fillsFromDefaultConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	t.Cleanup(func() { rdb.Close() })
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": make([]byte, tasks.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	required := Config{Redis: rdb, Basiq: newFakeBasiq(), Keyring: kr}
	got, err := required.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Redis, want.Basiq, want.Keyring = required.Redis, required.Basiq, required.Keyring
	if !reflect.DeepEqual(got, want) {
		t.Errorf("withDefaults of the required fields:\ngot  %+v\nwant %+v", got, want)
	}
	again, err := want.withDefaults()
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("withDefaults changed DefaultConfig: got %+v, %v", again, err)
	}
}

// TestDefaultConfig_documentedValues: the values basiq-worker documents
// (-h, README, docker-compose) where the sources used to disagree.
func TestDefaultConfig_documentedValues(t *testing.T) {
	d := DefaultConfig()
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"Concurrency", d.Concurrency, 20},
		{"APIVersion", d.APIVersion, "3.0"},
		{"ShutdownTimeout", d.ShutdownTimeout, 25 * time.Second},
		{"DelayedTaskCheckInterval", d.DelayedTaskCheckInterval, 250 * time.Millisecond},
		{"TaskCheckInterval", d.TaskCheckInterval, 200 * time.Millisecond},
		{"Policy", d.Policy, PollPolicy{Initial: 500 * time.Millisecond, Factor: 1.5, Max: 5 * time.Second, Jitter: 0.2}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	d.Queues["other"] = 1
	if len(DefaultConfig().Queues) != 1 {
		t.Error("DefaultConfig shares its Queues map between calls")
	}
}
