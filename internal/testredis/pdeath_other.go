//go:build !linux

package testredis

import "os/exec"

// dieWithParent does nothing off Linux: Stop is the only cleanup there.
func dieWithParent(*exec.Cmd) {}
