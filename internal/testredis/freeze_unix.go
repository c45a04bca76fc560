//go:build unix

package testredis

import "syscall"

// Freeze stops the process (SIGSTOP) without killing it: a replica frozen
// takes nothing from its master and acknowledges nothing until Thaw.
func (n *Node) Freeze() error { return n.cmd.Process.Signal(syscall.SIGSTOP) }

// Thaw resumes a frozen process (SIGCONT).
func (n *Node) Thaw() error { return n.cmd.Process.Signal(syscall.SIGCONT) }
