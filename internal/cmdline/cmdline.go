// Package cmdline parses the command line of the binaries configured only
// from the environment (basiq-worker, basiq-api): -h prints the usage, and
// any other flag or argument is a usage error (exit status 2).
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/basiq-worker/basiq-worker/internal/exitcode"
)

// Parse parses args (args[0] is the program) for a binary that takes no
// flags but -h. help reports that -h was given and usage written to stdout;
// err is an exitcode.Usage error for anything else on the command line.
func Parse(args []string, stdout, stderr io.Writer, usage func(io.Writer)) (help bool, err error) {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stdout) }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, exitcode.Usage(err)
	}
	if fs.NArg() > 0 {
		return false, exitcode.Usage(fmt.Errorf("unexpected arguments %q (configuration comes from the environment; see -h)", fs.Args()))
	}
	return false, nil
}
