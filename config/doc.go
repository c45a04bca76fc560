// Package config loads the configuration of each binary from the
// environment. [Worker] is worker.Config, starting from
// worker.DefaultConfig (the one source of the worker's defaults), with the
// variables parsed onto it, plus the process's own settings; [Client] is
// what apps and the CLI need; [API] is basiq-api's (the HTTP API; API_TOKENS kept
// as hashes only); [BasiqAPI] the Basiq settings of a program
// that calls Basiq itself (basiqctl user create). This package only parses and names the
// variables: one table per configuration binds each name to the field it
// sets, and [Usage] lists them with the defaults read from the same
// values. A bad configuration stops the process at start with an [Error]
// naming every bad variable. Secret values never appear in errors or in the
// String / zerolog form of a configuration.
package config
