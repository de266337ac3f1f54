package circuitbreaker

import "time"

// SetNow replaces the clock of b. Call it before b is shared.
func SetNow(b *Breaker, now func() time.Time) { b.now = now }

// Probes returns the number of half-open probe slots in use.
func Probes(b *Breaker) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.probes
}
