//go:build unix

package platform

import (
	"os"
	"syscall"
)

// ShutdownSignals returns the signals that ask a process to shut down
// gracefully: SIGINT and SIGTERM on Unix, os.Interrupt on Windows. Each call
// returns a new slice, so the caller may modify it. lifecycle and server pass
// it to [os/signal.NotifyContext].
func ShutdownSignals() []os.Signal {
	return []os.Signal{syscall.SIGINT, syscall.SIGTERM}
}
