package benchmarks

import (
	"context"
	"testing"

	"github.com/greynewell/mist-go/resource"
	"golang.org/x/sync/semaphore"
)

// Acquire and release one slot of a limiter of 8 that is free:
// resource.Limiter next to golang.org/x/sync/semaphore.Weighted. Both honour
// ctx while waiting and count nothing else we use here. The floor is a
// send to and a receive from a buffered channel of 8, the least a counting
// semaphore that can wait does.

func limiters() []struct {
	name    string
	acquire func(context.Context) error
	release func()
} {
	ours := resource.NewLimiter("bench", 8)
	sem := semaphore.NewWeighted(8)
	ch := make(chan struct{}, 8)
	return []struct {
		name    string
		acquire func(context.Context) error
		release func()
	}{
		{"mist", ours.Acquire, ours.Release},
		{"x-sync", func(ctx context.Context) error { return sem.Acquire(ctx, 1) }, func() { sem.Release(1) }},
		{"floor", func(ctx context.Context) error {
			select {
			case ch <- struct{}{}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}, func() { <-ch }},
	}
}

func BenchmarkLimiter(b *testing.B) {
	ctx := context.Background()
	for _, l := range limiters() {
		b.Run(l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := l.acquire(ctx); err != nil {
					b.Fatal(err)
				}
				l.release()
			}
		})
	}
}

// TestLimiterPeersAgree checks that each limiter admits 8 holders and
// makes the ninth wait until its ctx ends.
func TestLimiterPeersAgree(t *testing.T) {
	for _, l := range limiters() {
		for i := range 8 {
			if err := l.acquire(context.Background()); err != nil {
				t.Fatalf("%s: acquire %d: %v", l.name, i+1, err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.acquire(ctx); err == nil {
			t.Errorf("%s: a ninth acquire with a cancelled ctx succeeded", l.name)
			l.release()
		}
		for range 8 {
			l.release()
		}
	}
}
