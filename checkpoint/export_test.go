package checkpoint

import (
	"context"
	"os"
	"time"
)

// SetClock replaces the clock that stamps records.
func SetClock(t *Tracker, now func() time.Time) { t.now = now }

// SetWait replaces the backoff wait of StepRetry, so tests record the
// waits instead of sleeping.
func SetWait(t *Tracker, wait func(ctx context.Context, d time.Duration) error) { t.wait = wait }

// SwapLog replaces the open log file, so tests can make appends fail. It
// returns the previous file.
func SwapLog(t *Tracker, f *os.File) *os.File {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.f
	t.f = f
	return old
}

// Backoff exposes the wait after failed attempt n.
var Backoff = backoff
