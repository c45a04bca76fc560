package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dockerfile is the Dockerfile's instructions, stage by stage (continuation
// lines joined).
type dockerfile struct {
	stages [][]string // each stage's instructions, the first being its FROM
}

func loadDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d dockerfile
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		cur += line
		if strings.HasPrefix(strings.ToUpper(cur), "FROM ") {
			d.stages = append(d.stages, nil)
		}
		if len(d.stages) == 0 {
			t.Fatalf("Dockerfile: %q before the first FROM", cur)
		}
		d.stages[len(d.stages)-1] = append(d.stages[len(d.stages)-1], cur)
		cur = ""
	}
	return d
}

// instr returns the arguments of the stage's instructions named op.
func instr(stage []string, op string) []string {
	var out []string
	for _, in := range stage {
		if name, args, _ := strings.Cut(in, " "); strings.EqualFold(name, op) {
			out = append(out, args)
		}
	}
	return out
}

// TestDockerfile checks the image: a multi-stage build that compiles every
// binary of cmd/ statically, and a final stage that runs the worker as a
// user other than root.
func TestDockerfile(t *testing.T) {
	d := loadDockerfile(t)
	if len(d.stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a multi-stage build", len(d.stages))
	}
	build, final := d.stages[0], d.stages[len(d.stages)-1]
	buildName := strings.Fields(build[0])[len(strings.Fields(build[0]))-1]
	runs := strings.Join(instr(build, "RUN"), "\n")
	for _, want := range []string{"go build", "./cmd/...", "CGO_ENABLED=0"} {
		if !strings.Contains(runs, want) {
			t.Errorf("build stage RUN lacks %q (every binary of cmd/, static for a distroless image):\n%s", want, runs)
		}
	}
	copies := instr(final, "COPY")
	if !slices.ContainsFunc(copies, func(c string) bool { return strings.Contains(c, "--from="+buildName) }) {
		t.Errorf("final stage COPY = %q, want a copy --from=%s", copies, buildName)
	}
	users := instr(final, "USER")
	if len(users) == 0 {
		t.Fatal("final stage has no USER: it would run as root")
	}
	if u, _, _ := strings.Cut(users[len(users)-1], ":"); u == "root" || u == "0" {
		t.Errorf("final stage USER = %q, want a user other than root", users[len(users)-1])
	}
	if cmd := instr(final, "CMD"); len(cmd) == 0 || !strings.Contains(cmd[0], `"basiq-worker"`) {
		t.Errorf("final stage CMD = %q, want basiq-worker", cmd)
	}

	// Every binary the compose file runs is a directory of cmd/.
	c := loadCompose(t)
	for name, s := range c.Services {
		if s.Build == nil || len(s.Command) == 0 {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", "cmd", s.Command[0], "main.go")); err != nil {
			t.Errorf("service %s runs %q, which is not a binary of cmd/: %v", name, s.Command[0], err)
		}
	}
}

// TestDockerignore checks that the build context keeps every file that the
// binaries of cmd/ are compiled from (Go sources, embedded files, go.mod).
func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}`, "./cmd/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, _ := filepath.Abs("..")
	needed := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		dir, _ := filepath.Rel(root, fields[0])
		for _, f := range fields[1:] {
			needed = append(needed, filepath.ToSlash(filepath.Join(dir, f)))
		}
	}
	if len(needed) < 10 {
		t.Fatalf("go list found only %q", needed)
	}
	for _, f := range needed {
		if p := ignoredBy(patterns, f); p != "" {
			t.Errorf(".dockerignore pattern %q drops %s, which the image's binaries need", p, f)
		}
	}
}

// ignoredBy returns the pattern of .dockerignore that excludes path, or "".
// It knows the forms the file uses: a path (which excludes what is below it
// too) and "**/" followed by a base-name glob; "!" exceptions are honoured.
func ignoredBy(patterns []string, path string) string {
	hit := ""
	for _, p := range patterns {
		negate := strings.HasPrefix(p, "!")
		glob := strings.TrimPrefix(p, "!")
		var m bool
		if base, ok := strings.CutPrefix(glob, "**/"); ok {
			for _, seg := range strings.Split(path, "/") {
				ok, _ := filepath.Match(base, seg)
				m = m || ok
			}
		} else {
			for prefix := path; prefix != "." && prefix != "/"; prefix = filepath.Dir(prefix) {
				ok, _ := filepath.Match(glob, prefix)
				m = m || ok
			}
		}
		switch {
		case m && negate:
			hit = ""
		case m:
			hit = p
		}
	}
	return hit
}

func TestIgnoredBy(t *testing.T) {
	patterns := []string{".git", "**/*_test.go", "**/testdata", "*.md", "deploy", "!deploy/keep.go"}
	tests := []struct {
		path, want string
	}{
		{"cmd/basiq-worker/main.go", ""},
		{"cmd/basiq-worker/main_test.go", "**/*_test.go"},
		{"sdk/basiqtest/testdata/x.json", "**/testdata"},
		{"README.md", "*.md"},
		{"sdk/README.md", ""},
		{"deploy/doc.go", "deploy"},
		{"deploy/keep.go", ""},
		{".git/HEAD", ".git"},
	}
	for _, tt := range tests {
		if got := ignoredBy(patterns, tt.path); got != tt.want {
			t.Errorf("ignoredBy(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
