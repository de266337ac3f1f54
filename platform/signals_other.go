//go:build !unix && !windows

package platform

import "os"

// ShutdownSignals returns the signals that ask a process to shut down
// gracefully: SIGINT and SIGTERM on Unix, os.Interrupt on Windows and on
// every other system. Each call returns a new slice, so the caller may modify
// it. lifecycle and server pass it to [os/signal.NotifyContext].
func ShutdownSignals() []os.Signal {
	return []os.Signal{os.Interrupt}
}
