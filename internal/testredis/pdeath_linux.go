package testredis

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when the test process exits,
// however it exits: a test binary that panics or times out skips TestMain's
// Stop and would leave its servers running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
