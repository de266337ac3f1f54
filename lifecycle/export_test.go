package lifecycle

import (
	"os"
	"time"
)

// Signals returns the signal list Run would subscribe to with opts.
func Signals(opts ...Option) []os.Signal { return newState(opts).signals }

// Timeouts returns the drain and shutdown budgets Run would use with opts.
func Timeouts(opts ...Option) (drain, shutdown time.Duration) {
	s := newState(opts)
	return s.drainTimeout, s.shutdownTimeout
}

// WithSignalFuncs replaces signal.Notify and signal.Stop for one Run, so a
// test can observe the subscription without sending real signals.
func WithSignalFuncs(notify func(chan<- os.Signal, ...os.Signal), stop func(chan<- os.Signal)) Option {
	return func(s *state) {
		s.notify = notify
		s.stop = stop
	}
}
