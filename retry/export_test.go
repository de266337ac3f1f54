package retry

import (
	"context"
	"time"
)

// Run is the retry loop behind Do, DoWithClassifier and DoAuto, with the
// wait and the random source injected so tests record waits without
// sleeping.
func Run(ctx context.Context, p Policy, classify Classifier, fn func(context.Context) error,
	wait func(context.Context, time.Duration) error, random func() float64) error {
	return run(ctx, p, classify, fn, wait, random)
}

// Delay returns the wait before retry i for the random value r in [0, 1).
func Delay(p Policy, i int, r float64) time.Duration { return p.delay(i, r) }

// Sleep is the real, ctx-aware wait.
var Sleep = sleep
