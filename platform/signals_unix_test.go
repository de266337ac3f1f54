//go:build unix

package platform_test

import (
	"os"
	"syscall"
)

var wantShutdownSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}
