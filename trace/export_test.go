package trace

import "time"

// Seams for the external tests.

// Exited reports whether the registration's goroutine has exited.
func (r *Registration) Exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// Config returns the settings the registration runs with.
func (r *Registration) Config() (batchSize int, flushInterval time.Duration, queueSize int) {
	return r.cfg.batchSize, r.cfg.flushInterval, r.cfg.queueSize
}

// ActiveRegistrations returns how many registrations take spans.
func ActiveRegistrations() int {
	return len(activeRegistrations())
}

// ParseTracestate exposes parseTracestate to the fuzz target.
var ParseTracestate = parseTracestate
