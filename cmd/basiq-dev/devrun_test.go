package main

import (
	"context"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/syncbuf"
)

// devRun is basiq-dev run in the test's process until its context ends.
type devRun struct {
	stdout, stderr syncbuf.Buffer
	errc           chan error
}

// startInProcess runs basiq-dev with args (after the program's name) and no
// environment until ctx ends.
func startInProcess(ctx context.Context, args ...string) *devRun {
	d := &devRun{errc: make(chan error, 1)}
	go func() { d.errc <- run(ctx, append([]string{"basiq-dev"}, args...), noenv, &d.stdout, &d.stderr) }()
	return d
}

// wait waits for run to return (after ctx was cancelled), failing the test
// on its error.
func (d *devRun) wait(t *testing.T) {
	t.Helper()
	if err := <-d.errc; err != nil {
		t.Fatalf("run: %v\n%s", err, d.stderr.String())
	}
}
