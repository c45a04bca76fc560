package deploy

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/config"
)

// The "sentinel" profile: a master, a replica, three sentinels monitoring
// the master by name, and two workers on redis-sentinel:// naming those
// sentinels and that master.
var (
	sentinels        = []string{"sentinel-1", "sentinel-2", "sentinel-3"}
	sentinelWorkers  = []string{"worker-sentinel-1", "worker-sentinel-2"}
	sentinelServices = append(append([]string{"redis-master", "redis-replica"}, sentinels...), sentinelWorkers...)
)

func TestCompose_sentinelProfile(t *testing.T) {
	c := loadCompose(t)
	for _, name := range sentinelServices {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("service %s is missing", name)
		}
		if !slices.Equal(s.Profiles, []string{"sentinel"}) {
			t.Errorf("%s profiles = %q, want [sentinel]", name, s.Profiles)
		}
	}
	if cmd := strings.Join(c.Services["redis-replica"].Command, " "); !strings.Contains(cmd, "--replicaof redis-master 6379") {
		t.Errorf("redis-replica command = %q, want --replicaof redis-master 6379", cmd)
	}
	for _, name := range sentinels {
		s := c.Services[name]
		script := strings.Join(s.Command, " ")
		for _, want := range []string{"sentinel monitor mymaster redis-master 6379 2", "sentinel resolve-hostnames yes",
			"sentinel announce-hostnames yes", "redis-sentinel /tmp/sentinel.conf"} {
			if !strings.Contains(script, want) {
				t.Errorf("%s command lacks %q: %s", name, want, script)
			}
		}
		if s.Healthcheck == nil || !strings.Contains(strings.Join(s.Healthcheck.Test, " "), "get-master-addr-by-name mymaster") {
			t.Errorf("%s has no healthcheck asking for mymaster", name)
		}
	}
}

// TestCompose_sentinelWorkers loads each sentinel worker's environment with
// config.LoadWorker and checks that its REDIS_URL names the three
// sentinels of the profile and the master they monitor.
func TestCompose_sentinelWorkers(t *testing.T) {
	c := loadCompose(t)
	shell := map[string]string{"BASIQ_API_KEY": "k", "BASIQ_SECRET_KEY": "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"UI_USERNAME": "ops", "UI_PASSWORD": "pw"}
	ports := map[string]bool{}
	for _, name := range sentinelWorkers {
		s := c.Services[name]
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k], _ = interpolate(v, shell)
		}
		w, err := config.LoadWorker(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			t.Fatalf("%s: config.LoadWorker: %v", name, err)
		}
		u, err := url.Parse(w.RedisURL)
		if err != nil || u.Scheme != "redis-sentinel" || u.Query().Get("master") != "mymaster" {
			t.Errorf("%s REDIS_URL = %q, want redis-sentinel://...?master=mymaster", name, w.RedisURL)
			continue
		}
		var hosts []string
		for _, addr := range strings.Split(u.Host, ",") {
			host, port, _ := strings.Cut(addr, ":")
			if port != "26379" {
				t.Errorf("%s REDIS_URL: sentinel %s not on port 26379", name, addr)
			}
			hosts = append(hosts, host)
		}
		if !slices.Equal(hosts, sentinels) {
			t.Errorf("%s REDIS_URL sentinels = %q, want %q", name, hosts, sentinels)
		}
		for _, sn := range sentinels {
			if s.DependsOn[sn].Condition != "service_healthy" {
				t.Errorf("%s does not wait for %s to be healthy", name, sn)
			}
		}
		if len(s.Ports) != 1 {
			t.Errorf("%s ports = %q, want one", name, s.Ports)
			continue
		}
		if host, _ := published(s.Ports[0]); ports[host] {
			t.Errorf("%s publishes host port %s twice", name, host)
		} else {
			ports[host] = true
		}
	}
}
