package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

const (
	consentURLUsage = "--user U [--state S] [--institution I] [--connection C --action update]"
	followUsage     = "--user U --job J [--job J2]"
)

// runConsentURL prints the Consent UI link of a user (API 3.0). It calls
// Basiq itself for the user's CLIENT_ACCESS token, like user create;
// BASIQ_CONSENT_URL points the link at another Consent UI (basiq-mock's
// /consent). The link holds a token: it goes to stdout only.
func runConsentURL(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "consent-url", consentURLUsage,
		"Prints the Consent UI link where user U connects a bank (Basiq API 3.0); follow the job ids it hands back with basiqctl follow.",
		"Calls Basiq directly: needs BASIQ_API_KEY, BASIQ_BASE_URL and BASIQ_API_VERSION like the worker; BASIQ_CONSENT_URL overrides the Consent UI.")
	var user string
	var o sdk.ConsentOptions
	fs.StringVar(&user, "user", "", "Basiq user id")
	fs.StringVar(&o.State, "state", "", "handed back untouched on the redirect")
	fs.StringVar(&o.InstitutionID, "institution", "", "skip the institution picker")
	fs.StringVar(&o.ConnectionID, "connection", "", "the connection to update or re-authorise")
	fs.StringVar(&o.Action, "action", "", "Consent UI action (e.g. update, manage); empty: consent then connect")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("consent-url", pos); err != nil {
		return err
	}
	if err := requireFlags("consent-url", "user", user); err != nil {
		return err
	}
	api, err := consentClient(e)
	if err != nil {
		return err
	}
	u, err := api.Users.For(user).ConsentURL(ctx, o)
	if err != nil {
		return fmt.Errorf("consent-url: %w", err)
	}
	if *asJSON {
		return printJSON(e.stdout, map[string]string{"url": u, "userId": user})
	}
	_, err = fmt.Fprintln(e.stdout, u)
	return err
}

func consentClient(e env) (*sdk.Client, error) {
	cfg, err := config.LoadBasiqAPI(e.getenv)
	if err != nil {
		return nil, exitError{exitUsage, fmt.Errorf("configuration: %w", err)}
	}
	opts := cfg.SDKOptions()
	if u := e.getenv("BASIQ_CONSENT_URL"); u != "" {
		opts = append(opts, sdk.WithConsentURL(u))
	}
	api, err := sdk.New(cfg.APIKey, opts...)
	if err != nil {
		return nil, exitError{exitUsage, fmt.Errorf("configuration: %w", err)}
	}
	return api, nil
}

// runFollow enqueues a follow of the jobs the Consent UI handed back.
func runFollow(ctx context.Context, e env, args []string) error {
	var user string
	var jobs stringList
	return enqueueCmd(ctx, e, "follow", followUsage, args, false,
		func(fs *flag.FlagSet) func() error {
			fs.StringVar(&user, "user", "", "Basiq user id")
			fs.Var(&jobs, "job", "a Basiq job id (repeat for several)")
			return func() error {
				if err := requireFlags("follow", "user", user); err != nil {
					return err
				}
				if len(jobs) == 0 {
					return usagef("follow: --job is required")
				}
				return nil
			}
		},
		func(ctx context.Context, c *tasks.Client, opts []tasks.Enqueue) (string, error) {
			return c.FollowJobs(ctx, tasks.FollowJobs{UserID: user, JobIDs: jobs}, opts...)
		})
}
