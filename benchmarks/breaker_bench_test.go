package benchmarks

import (
	"context"
	"errors"
	"testing"

	"github.com/greynewell/mist-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"
)

// A circuit breaker in the Closed state wrapping a call that succeeds:
// circuitbreaker.Breaker.Do next to sony/gobreaker/v2's Execute. Both run
// the same function, which does nothing and returns nil; the floor calls
// that function directly, through the same func value, so the rows measure
// what the breaker adds around a call.

// succeed is the protected call. It is a variable so that no side can
// inline it.
var succeed = func(context.Context) error { return nil }

func breakers() []struct {
	name string
	call func(context.Context) error
} {
	ours := circuitbreaker.New(circuitbreaker.Config{})
	gb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
	return []struct {
		name string
		call func(context.Context) error
	}{
		{"mist", func(ctx context.Context) error { return ours.Do(ctx, succeed) }},
		{"gobreaker", func(ctx context.Context) error {
			_, err := gb.Execute(func() (struct{}, error) { return struct{}{}, succeed(ctx) })
			return err
		}},
		{"floor", succeed},
	}
}

func BenchmarkBreakerDo(b *testing.B) {
	ctx := context.Background()
	for _, bm := range breakers() {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.call(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBreakerDoParallel(b *testing.B) {
	ctx := context.Background()
	for _, bm := range breakers() {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := bm.call(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestBreakerPeersAgree checks that both breakers are measured in the
// Closed state letting the call through, and that both open after their
// default number of consecutive failures (5 for ours, more than 5 for
// gobreaker), so the benchmark compares breakers that are really watching.
func TestBreakerPeersAgree(t *testing.T) {
	ctx := context.Background()
	for _, bm := range breakers() {
		for range 100 {
			if err := bm.call(ctx); err != nil {
				t.Fatalf("%s: %v", bm.name, err)
			}
		}
	}
	boom := errors.New("boom")
	ours := circuitbreaker.New(circuitbreaker.Config{})
	gb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
	for range 6 {
		_ = ours.Do(ctx, func(context.Context) error { return boom })
		_, _ = gb.Execute(func() (struct{}, error) { return struct{}{}, boom })
	}
	if got := ours.State(); got != circuitbreaker.Open {
		t.Errorf("ours after 6 failures: %v, want open", got)
	}
	if got := gb.State(); got != gobreaker.StateOpen {
		t.Errorf("gobreaker after 6 failures: %v, want open", got)
	}
}
