package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// newFlags returns a flag set that reports errors to stderr and has --json.
// Lines of about, if any, are printed by --help between usage and flags.
func newFlags(e env, name, args string, about ...string) (*flag.FlagSet, *bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: basiqctl %s %s\n", name, args)
		if len(about) > 0 {
			fmt.Fprintf(e.stderr, "\n%s\n\n", strings.Join(about, "\n"))
		}
		fs.PrintDefaults()
	}
	return fs, fs.Bool("json", false, "print JSON for scripts")
}

// parse parses flags and positional arguments in any order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// requireFlags returns a usage error naming the first empty flag.
func requireFlags(name string, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			return usagef("%s: --%s is required", name, kv[i])
		}
	}
	return nil
}

func noArgs(name string, pos []string) error {
	if len(pos) > 0 {
		return usagef("%s: unexpected arguments %q", name, pos)
	}
	return nil
}

// loadConfig reads the client configuration from the environment.
func loadConfig(e env) (*config.Client, error) {
	c, err := config.LoadClient(e.getenv)
	if err != nil {
		return nil, exitError{exitUsage, fmt.Errorf("configuration: %w", err)}
	}
	return c, nil
}

// newClient returns an enqueue client and its Redis handle, which the
// caller closes; withKeys loads BASIQ_SECRET_KEY.
func newClient(e env, withKeys bool) (*tasks.Client, redis.UniversalClient, error) {
	c, err := loadConfig(e)
	if err != nil {
		return nil, nil, err
	}
	var k *tasks.Keyring
	if withKeys {
		if k, err = c.Keyring(); err != nil {
			return nil, nil, exitError{exitUsage, err}
		}
	}
	rdb := c.RedisClient()
	return tasks.NewClient(rdb, k, tasks.WithNamespace(c.RedisNamespace)), rdb, nil
}

// newInspector returns asynq's Inspector of REDIS_URL; the caller closes it.
func newInspector(e env) (*asynq.Inspector, error) {
	c, err := loadConfig(e)
	if err != nil {
		return nil, err
	}
	return asynq.NewInspector(c.RedisConnOpt()), nil
}

// secretSource reads a secret from stdin or from an environment variable,
// so that it never shows in ps or the shell history.
type secretSource struct {
	stdin bool
	env   string
	plain string
}

func (s *secretSource) register(fs *flag.FlagSet, what string) {
	fs.BoolVar(&s.stdin, what+"-stdin", false, "read the "+what+" from the first line of stdin")
	fs.StringVar(&s.env, what+"-env", "", "read the "+what+" from this environment variable")
	fs.StringVar(&s.plain, what, "", "the "+what+" itself: visible in ps and shell history, avoid")
}

func (s *secretSource) read(e env, name, what string) (string, error) {
	n := 0
	for _, set := range []bool{s.stdin, s.env != "", s.plain != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return "", usagef("%s: one of --%s-stdin or --%s-env NAME is required", name, what, what)
	case n > 1:
		return "", usagef("%s: give only one of --%s-stdin, --%s-env, --%s", name, what, what, what)
	case s.plain != "":
		fmt.Fprintf(e.stderr, "basiqctl: warning: --%s is visible to other users in ps and in shell history; use --%s-stdin or --%s-env\n", what, what, what)
		return s.plain, nil
	case s.env != "":
		v := e.getenv(s.env)
		if v == "" {
			return "", usagef("%s: environment variable %s is empty", name, s.env)
		}
		return v, nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s from stdin: %w", what, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("%s: empty %s on stdin", name, what)
	}
	return line, nil
}

// parseDeadline reads a duration from now ("10m") or an RFC 3339 time.
func parseDeadline(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--deadline: want a duration (10m) or an RFC 3339 time, got %q", s)
	}
	return t, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

// contextWithTimeout is context.WithTimeout that treats d <= 0 as no timeout.
func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
