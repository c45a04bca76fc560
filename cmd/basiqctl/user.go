package main

import (
	"context"
	"fmt"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/sdk"
)

const userCreateUsage = "create (--email E | --mobile M) [--first-name F] [--last-name L]"

// runUser manages Basiq users: create makes the user whose id create,
// refresh and the others take as --user.
func runUser(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("user: want create")
	}
	switch args[0] {
	case "create":
		return userCreate(ctx, e, args[1:])
	}
	return usagef("user: unknown subcommand %q (want create)", args[0])
}

func userCreate(ctx context.Context, e env, args []string) error {
	fs, asJSON := newFlags(e, "user", userCreateUsage,
		"Creates a Basiq user (POST /users) and prints its id, the --user of create, refresh and the others.",
		"Calls Basiq directly: needs BASIQ_API_KEY, and BASIQ_BASE_URL and BASIQ_API_VERSION like the worker.")
	var p sdk.UserParams
	fs.StringVar(&p.Email, "email", "", "the user's email address")
	fs.StringVar(&p.Mobile, "mobile", "", "the user's mobile number, e.g. +61410888999")
	fs.StringVar(&p.FirstName, "first-name", "", "first name (optional)")
	fs.StringVar(&p.LastName, "last-name", "", "last name (optional)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("user create", pos); err != nil {
		return err
	}
	if p.Email == "" && p.Mobile == "" {
		return usagef("user create: --email or --mobile is required (Basiq needs one of them)")
	}
	cfg, err := config.LoadBasiqAPI(e.getenv)
	if err != nil {
		return exitError{exitUsage, fmt.Errorf("configuration: %w", err)}
	}
	api, err := sdk.New(cfg.APIKey, cfg.SDKOptions()...)
	if err != nil {
		return exitError{exitUsage, fmt.Errorf("configuration: %w", err)}
	}
	u, err := api.Users.Create(ctx, p)
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	if *asJSON {
		return printJSON(e.stdout, u)
	}
	_, err = fmt.Fprintln(e.stdout, u.ID)
	return err
}
