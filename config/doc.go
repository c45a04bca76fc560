// Package config loads the configuration of each binary from the
// environment: one struct per binary ([Worker], [Client]) with envconfig tags,
// defaults and descriptions, validated when loaded so that a bad value stops
// the process at start with an error naming its variable. Secret values never
// appear in errors or in the String / zerolog form of a struct.
package config
