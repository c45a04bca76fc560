// Package exitcode gives the binaries one mapping from the error their run
// function returns to the process's exit status: 0 without an error, 2 for
// a usage error (a bad flag or configuration variable, wrapped by Usage), 1
// for anything else.
package exitcode

import "errors"

// usageError marks a configuration or command-line error.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Usage marks err as a usage error (exit status 2); nil stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// Of returns the exit status for err.
func Of(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.As(err, new(usageError)):
		return 2
	}
	return 1
}
