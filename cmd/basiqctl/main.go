// Command basiqctl is the command line of basiq-worker for people: it
// enqueues connection work, follows it live, tails the results and shows
// the queues.
//
//	basiqctl user create --email gavin@hooli.com        # prints the user id
//	basiqctl create --user U --institution AU00000 --login gavinBelson --password-stdin
//	basiqctl wait TASK_ID
//	basiqctl tail --from 0 --json
//	basiqctl stats
//
// Configuration comes from the environment: REDIS_URL, REDIS_NAMESPACE and,
// to enqueue credentials or MFA answers, BASIQ_SECRET_KEY; user create
// calls Basiq itself with BASIQ_API_KEY, BASIQ_BASE_URL and
// BASIQ_API_VERSION. Every command takes --json for scripts. Exit codes: 0 success (wait: completed),
// 1 error (wait: failed; mfa: answer refused), 2 usage error, 3 wait:
// timed_out, 4 wait --timeout or mfa --wait reached first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitTimedOut = 3
	exitWaitOver = 4
)

func main() {
	// go-redis logs every failed dial on stderr; basiqctl reports the error once itself.
	redis.SetLogger(quietRedis{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// quietRedis drops go-redis's own log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// env is what every command gets.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name, args, help string
	run              func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"user", userCreateUsage, "create a Basiq user: prints the id that --user takes", runUser},
		{"create", "--user U --institution I --login L (--password-stdin | --password-env NAME)", "enqueue a new connection", runCreate},
		{"update", "--user U --connection C (--password-stdin | --password-env NAME)", "enqueue new credentials for a connection", runUpdate},
		{"refresh", "--user U --connection C", "enqueue a refresh of one connection", runRefresh},
		{"refresh-all", "--user U", "enqueue a refresh of all of a user's connections", runRefreshAll},
		{"consent-url", consentURLUsage, "print the Consent UI link of a user (API 3.0)", runConsentURL},
		{"follow", followUsage, "enqueue a follow of the Basiq jobs the Consent UI handed back", runFollow},
		{"mfa", "--user U --job J --answer A [--answer A2] [--wait 30s]", "answer an MFA challenge, and wait until the worker sent it to Basiq", runMFA},
		{"wait", "TASK_ID [--timeout 10m] [--unserved 5s]", "follow a task's Basiq job live until its result", runWait},
		{"tail", tailUsage, "follow the results stream; --count N: print its last N events and exit", runTail},
		{"stats", "[--queue Q]", "show the queues", runStats},
		{"schedule", "add --user U [--connection C] --every 6h | list | rm ID", "manage periodic refreshes", runSchedule},
	}
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// exitError carries an exit code other than 1 with its message.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }

// run runs one command and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 || args[1] == "-h" || args[1] == "--help" || args[1] == "help" {
		printUsage(stderr)
		if len(args) < 2 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[1] {
			return exitCode(stderr, c.run(ctx, e, args[2:]))
		}
	}
	fmt.Fprintf(stderr, "basiqctl: unknown command %q\n\n", args[1])
	printUsage(stderr)
	return exitUsage
}

func exitCode(stderr io.Writer, err error) int {
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "basiqctl:", err)
		return exitUsage
	case errors.As(err, &ee):
		if ee.err.Error() != "" {
			fmt.Fprintln(stderr, "basiqctl:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "basiqctl:", err)
	return exitFailed
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: basiqctl COMMAND [flags]   (every command takes --json; --help for its flags)")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n  %-12s   %s\n", c.name, c.help, "", c.args)
	}
	fmt.Fprintln(w, "\nenvironment: REDIS_URL, REDIS_NAMESPACE, BASIQ_SECRET_KEY (to seal credentials and MFA answers);")
	fmt.Fprintln(w, "  user create calls Basiq itself: BASIQ_API_KEY, BASIQ_BASE_URL, BASIQ_API_VERSION (as for the worker)")
	fmt.Fprintln(w, "exit codes: 0 ok, 1 error, failed or refused, 2 usage, 3 timed_out, 4 wait --timeout or mfa --wait reached")
}
