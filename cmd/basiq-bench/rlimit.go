package main

import (
	"fmt"
	"io"
	"syscall"
)

// wantFiles is the open-file limit the benchmark asks for: a blocking
// baseline or node peer of 10,000 slots opens 10,000 connections to the
// fake at once in the worker and as many in this process (the fake), more
// while the first ones are still being accepted.
const wantFiles = 200_000

// raiseFileLimit raises this process's open-file limit (inherited by the
// workers and the node peer) towards wantFiles: the hard limit too where
// allowed (root), else the soft one to the hard. It warns on w when the
// limit stays below what n slots need.
func raiseFileLimit(w io.Writer, slots int) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < wantFiles {
		want := l
		want.Cur, want.Max = wantFiles, max(l.Max, wantFiles)
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) != nil {
			want.Cur, want.Max = l.Max, l.Max
			syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
		}
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	if need := uint64(3*slots + 1000); l.Cur < need {
		fmt.Fprintf(w, "basiq-bench: open-file limit %d, below the ~%d that %d slots at once may need (raise it: ulimit -n)\n", l.Cur, need, slots)
	}
}
