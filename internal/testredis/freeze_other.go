//go:build !unix

package testredis

import "errors"

var errNoFreeze = errors.New("testredis: Freeze needs SIGSTOP (Unix)")

// Freeze is not available off Unix.
func (n *Node) Freeze() error { return errNoFreeze }

// Thaw is not available off Unix.
func (n *Node) Thaw() error { return errNoFreeze }
