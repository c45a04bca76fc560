package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// enqueueFlags are the options every enqueue command takes.
type enqueueFlags struct {
	key, queue, deadline string
}

func (f *enqueueFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.key, "idempotency-key", "", "make the enqueue idempotent: the same key gives the same task")
	fs.StringVar(&f.queue, "queue", "", "asynq queue (default \"default\")")
	fs.StringVar(&f.deadline, "deadline", "", "Basiq job deadline: a duration from now (10m) or an RFC 3339 time")
}

func (f *enqueueFlags) options() ([]tasks.Enqueue, error) {
	var opts []tasks.Enqueue
	if f.key != "" {
		opts = append(opts, tasks.Enqueue{IdempotencyKey: f.key})
	}
	if f.queue != "" {
		opts = append(opts, tasks.Enqueue{Queue: f.queue})
	}
	d, err := parseDeadline(f.deadline)
	if err != nil {
		return nil, err
	}
	if !d.IsZero() {
		opts = append(opts, tasks.Enqueue{Deadline: d})
	}
	return opts, nil
}

// enqueueCmd parses args, then calls enqueue with a client and prints the task id.
func enqueueCmd(ctx context.Context, e env, name, usage string, args []string, withKeys bool,
	define func(fs *flag.FlagSet) (check func() error), enqueue func(ctx context.Context, c *tasks.Client, opts []tasks.Enqueue) (string, error)) error {
	fs, asJSON := newFlags(e, name, usage)
	var ef enqueueFlags
	ef.register(fs)
	check := define(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(name, pos); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	opts, err := ef.options()
	if err != nil {
		return err
	}
	c, rdb, err := newClient(e, withKeys)
	if err != nil {
		return err
	}
	defer rdb.Close()
	id, err := enqueue(ctx, c, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, map[string]string{"taskId": id, "type": name})
	}
	fmt.Fprintln(e.stdout, id)
	return nil
}

func runCreate(ctx context.Context, e env, args []string) error {
	var user, inst, login string
	var pw secretSource
	return enqueueCmd(ctx, e, "create", "--user U --institution I --login L (--password-stdin | --password-env NAME)", args, true,
		func(fs *flag.FlagSet) func() error {
			fs.StringVar(&user, "user", "", "Basiq user id")
			fs.StringVar(&inst, "institution", "", "institution id, e.g. AU00000")
			fs.StringVar(&login, "login", "", "the user's bank login id")
			pw.register(fs, "password")
			return func() error { return requireFlags("create", "user", user, "institution", inst, "login", login) }
		},
		func(ctx context.Context, c *tasks.Client, opts []tasks.Enqueue) (string, error) {
			secret, err := pw.read(e, "create", "password")
			if err != nil {
				return "", err
			}
			return c.CreateConnection(ctx, tasks.CreateConnection{UserID: user, InstitutionID: inst,
				Credentials: tasks.Credentials{LoginID: login, Password: secret}}, opts...)
		})
}

func runUpdate(ctx context.Context, e env, args []string) error {
	var user, conn, inst, login string
	var pw secretSource
	return enqueueCmd(ctx, e, "update", "--user U --connection C (--password-stdin | --password-env NAME)", args, true,
		func(fs *flag.FlagSet) func() error {
			fs.StringVar(&user, "user", "", "Basiq user id")
			fs.StringVar(&conn, "connection", "", "connection id")
			fs.StringVar(&inst, "institution", "", "institution id (optional)")
			fs.StringVar(&login, "login", "", "new login id (optional)")
			pw.register(fs, "password")
			return func() error { return requireFlags("update", "user", user, "connection", conn) }
		},
		func(ctx context.Context, c *tasks.Client, opts []tasks.Enqueue) (string, error) {
			secret, err := pw.read(e, "update", "password")
			if err != nil {
				return "", err
			}
			return c.UpdateConnection(ctx, tasks.UpdateConnection{UserID: user, ConnectionID: conn, InstitutionID: inst,
				Credentials: tasks.Credentials{LoginID: login, Password: secret}}, opts...)
		})
}

func runRefresh(ctx context.Context, e env, args []string) error {
	var user, conn string
	return enqueueCmd(ctx, e, "refresh", "--user U --connection C", args, false,
		func(fs *flag.FlagSet) func() error {
			fs.StringVar(&user, "user", "", "Basiq user id")
			fs.StringVar(&conn, "connection", "", "connection id")
			return func() error { return requireFlags("refresh", "user", user, "connection", conn) }
		},
		func(ctx context.Context, c *tasks.Client, opts []tasks.Enqueue) (string, error) {
			return c.RefreshConnection(ctx, tasks.RefreshConnection{UserID: user, ConnectionID: conn}, opts...)
		})
}

func runRefreshAll(ctx context.Context, e env, args []string) error {
	var user string
	return enqueueCmd(ctx, e, "refresh-all", "--user U", args, false,
		func(fs *flag.FlagSet) func() error {
			fs.StringVar(&user, "user", "", "Basiq user id")
			return func() error { return requireFlags("refresh-all", "user", user) }
		},
		func(ctx context.Context, c *tasks.Client, opts []tasks.Enqueue) (string, error) {
			return c.RefreshAll(ctx, tasks.RefreshAll{UserID: user}, opts...)
		})
}
