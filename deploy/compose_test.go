package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/worker/admin"
)

type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Profiles    []string          `yaml:"profiles"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// published returns the host port and container port of a short-syntax port mapping
// ("8080:8080", "127.0.0.1:8081:8080/tcp").
func published(mapping string) (host, container string) {
	parts := strings.Split(strings.TrimSuffix(mapping, "/tcp"), ":")
	if len(parts) < 2 {
		return "", parts[0]
	}
	return parts[len(parts)-2], parts[len(parts)-1]
}

func hasPort(s service, host, container string) bool {
	for _, p := range s.Ports {
		if h, c := published(p); h == host && c == container {
			return true
		}
	}
	return false
}

func TestCompose_services(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"redis", "worker", "basiq-api", "asynqmon", "basiq-mock"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %s is missing", name)
		}
	}
	redis := c.Services["redis"]
	if !strings.HasPrefix(redis.Image, "redis:7") {
		t.Errorf("redis image = %q, want redis:7", redis.Image)
	}
	if !strings.Contains(strings.Join(redis.Command, " "), "--appendonly yes") {
		t.Errorf("redis command = %q, want --appendonly yes", redis.Command)
	}
	if len(redis.Volumes) == 0 || !strings.HasSuffix(redis.Volumes[0], ":/data") {
		t.Errorf("redis volumes = %q, want a volume on /data", redis.Volumes)
	}
	if redis.Healthcheck == nil || len(redis.Healthcheck.Test) == 0 {
		t.Error("redis has no healthcheck")
	}

	worker := c.Services["worker"]
	if worker.Build == nil {
		t.Error("worker is not built from the Dockerfile")
	}
	if got := worker.DependsOn["redis"].Condition; got != "service_healthy" {
		t.Errorf("worker depends_on redis condition = %q, want service_healthy", got)
	}
	if !hasPort(worker, "8080", "8080") {
		t.Errorf("worker ports = %q, want 8080:8080", worker.Ports)
	}

	ui := c.Services["asynqmon"]
	if !strings.HasPrefix(ui.Image, "hibiken/asynqmon") {
		t.Errorf("asynqmon image = %q, want hibiken/asynqmon", ui.Image)
	}
	if !hasPort(ui, "8081", "8080") {
		t.Errorf("asynqmon ports = %q, want 8081:8080", ui.Ports)
	}
	if !strings.Contains(strings.Join(ui.Command, " "), "--redis-url") {
		t.Errorf("asynqmon command = %q, want --redis-url", ui.Command)
	}

	mock := c.Services["basiq-mock"]
	if !slices.Contains(mock.Profiles, "sandbox") {
		t.Errorf("basiq-mock profiles = %q, want sandbox", mock.Profiles)
	}
	if want := []string{"basiq-mock", "-addr", "0.0.0.0:8090"}; !slices.Equal(mock.Command, want) {
		t.Errorf("basiq-mock command = %q, want %q", mock.Command, want)
	}
	for name, s := range c.Services {
		if name != "basiq-mock" && len(s.Profiles) > 0 && !slices.Equal(s.Profiles, []string{"sentinel"}) {
			t.Errorf("service %s has profiles %q: it would not start by default", name, s.Profiles)
		}
	}
}

// workerVars returns the environment variables of config.Worker by name.
func workerVars(t *testing.T) map[string]config.Variable {
	t.Helper()
	vars := map[string]config.Variable{}
	for _, v := range config.Variables(config.DefaultWorker()) {
		vars[v.Name] = v
	}
	if len(vars) == 0 {
		t.Fatal("config.Worker declares no variables")
	}
	return vars
}

func TestCompose_workerEnvironment(t *testing.T) {
	env := loadCompose(t).Services["worker"].Environment
	vars := workerVars(t)
	for name, value := range env {
		f, ok := vars[name]
		if !ok {
			t.Errorf("worker environment: %s is not a variable of config.Worker", name)
			continue
		}
		if f.Secret && !strings.HasPrefix(value, "${") {
			t.Errorf("worker environment: secret %s is written in the file; take it from ${%s:?}", name, name)
		}
	}
	required := []string{"REDIS_URL", "HTTP_ADDR"}
	for name, f := range vars {
		if f.Required {
			required = append(required, name)
		}
	}
	if admin.RequireAuth(env["HTTP_ADDR"]) {
		required = append(required, "UI_USERNAME", "UI_PASSWORD")
	}
	for _, name := range required {
		if env[name] == "" {
			t.Errorf("worker environment: %s is missing", name)
		}
	}
}

// TestCompose_workerConfigLoads fills in the ${VAR} references of the worker's environment
// as docker compose would, and loads the result with config.LoadWorker.
func TestCompose_workerConfigLoads(t *testing.T) {
	shell := map[string]string{
		"BASIQ_API_KEY":    "test-api-key",
		"BASIQ_SECRET_KEY": "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"UI_USERNAME":      "ops",
		"UI_PASSWORD":      "test-password",
	}
	env := map[string]string{}
	for name, value := range loadCompose(t).Services["worker"].Environment {
		v, err := interpolate(value, shell)
		if err != "" {
			t.Errorf("%s: %s", name, err)
		}
		env[name] = v
	}
	w, err := config.LoadWorker(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config.LoadWorker(compose worker environment): %v", err)
	}
	if w.RedisURL != "redis://redis:6379/0" || w.HTTPAddr != "0.0.0.0:8080" {
		t.Errorf("RedisURL, HTTPAddr = %q, %q; want redis://redis:6379/0, 0.0.0.0:8080", w.RedisURL, w.HTTPAddr)
	}
}

var reference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// interpolate replaces ${VAR}, ${VAR:-default} and ${VAR:?message} as docker compose does,
// taking VAR from shell; problem is non-empty when a ${VAR:?} has no value.
func interpolate(s string, shell map[string]string) (out, problem string) {
	out = reference.ReplaceAllStringFunc(s, func(ref string) string {
		m := reference.FindStringSubmatch(ref)
		if v := shell[m[1]]; v != "" {
			return v
		}
		switch m[2] {
		case ":-", "-":
			return m[3]
		case ":?", "?":
			problem = "${" + m[1] + "} has no value: " + m[3]
		}
		return ""
	})
	return out, problem
}

// TestCompose_api: basiq-api runs the image's basiq-api binary beside the
// worker, on the same Redis once it is healthy, publishing the port its
// API_ADDR listens on; every variable is one of config.API, secrets come
// from the environment, and the required ones are set.
func TestCompose_api(t *testing.T) {
	c := loadCompose(t)
	api, ok := c.Services["basiq-api"]
	if !ok {
		t.Fatal("service basiq-api is missing")
	}
	if want := []string{"basiq-api"}; !slices.Equal(api.Command, want) {
		t.Errorf("basiq-api command = %q, want %q", api.Command, want)
	}
	if api.Image != c.Services["worker"].Image || api.Build == nil {
		t.Errorf("basiq-api image = %q (built: %v), want the worker's image %q, built", api.Image, api.Build != nil, c.Services["worker"].Image)
	}
	if len(api.Profiles) != 0 {
		t.Errorf("basiq-api profiles = %q: it would not start by default", api.Profiles)
	}
	if got := api.DependsOn["redis"].Condition; got != "service_healthy" {
		t.Errorf("basiq-api depends_on redis condition = %q, want service_healthy", got)
	}
	vars := map[string]config.Variable{}
	for _, v := range config.Variables(config.DefaultAPI()) {
		vars[v.Name] = v
	}
	for name, value := range api.Environment {
		f, ok := vars[name]
		if !ok {
			t.Errorf("basiq-api environment: %s is not a variable of config.API", name)
			continue
		}
		if f.Secret && !strings.HasPrefix(value, "${") {
			t.Errorf("basiq-api environment: secret %s is written in the file; take it from ${%s}", name, name)
		}
	}
	for name, f := range vars {
		if f.Required && api.Environment[name] == "" {
			t.Errorf("basiq-api environment: %s is missing", name)
		}
	}
	if api.Environment["BASIQ_SECRET_KEY"] != c.Services["worker"].Environment["BASIQ_SECRET_KEY"] ||
		api.Environment["REDIS_URL"] != c.Services["worker"].Environment["REDIS_URL"] {
		t.Error("basiq-api and the worker must share BASIQ_SECRET_KEY and REDIS_URL (sealed credentials, one Redis)")
	}

	shell := map[string]string{
		"API_TOKENS":       "test-api-token-0123456789",
		"BASIQ_SECRET_KEY": "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}
	env := map[string]string{}
	for name, value := range api.Environment {
		v, problem := interpolate(value, shell)
		if problem != "" {
			t.Errorf("%s: %s", name, problem)
		}
		env[name] = v
	}
	a, err := config.LoadAPI(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config.LoadAPI(compose basiq-api environment): %v", err)
	}
	_, port, _ := strings.Cut(a.Addr, ":")
	if !strings.HasPrefix(a.Addr, "0.0.0.0:") || !hasPort(api, port, port) {
		t.Errorf("API_ADDR %q, ports %q: want 0.0.0.0:PORT published as PORT:PORT", a.Addr, api.Ports)
	}
	if a.RedisNamespace != config.DefaultWorker().Namespace || a.Queue != "default" {
		t.Errorf("namespace %q, queue %q: want the worker's defaults", a.RedisNamespace, a.Queue)
	}
}

// TestCompose_workerOnly: Compose interpolates the whole file whatever
// services a command names, so a variable required (${VAR:?...}) anywhere
// is required for `docker compose up -d worker` too. Every required one
// must be a variable the worker itself takes: a worker-only user sets the
// worker's variables and no other service's (API_TOKENS is basiq-api's).
func TestCompose_workerOnly(t *testing.T) {
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	worker := loadCompose(t).Services["worker"].Environment
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range reference.FindAllStringSubmatch(line, -1) {
			if m[2] != ":?" && m[2] != "?" {
				continue
			}
			if _, ok := worker[m[1]]; !ok {
				t.Errorf("${%s} is required (%s) but the worker does not take it: `docker compose up worker` fails without it", m[1], strings.TrimSpace(line))
			}
		}
	}
}
