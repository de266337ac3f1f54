package resource_test

import (
	"context"
	"testing"

	"github.com/greynewell/mist-go/resource"
)

func BenchmarkLimiterAcquireRelease(b *testing.B) {
	l := resource.NewLimiter("bench", 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Acquire(ctx); err != nil {
			b.Fatal(err)
		}
		l.Release()
	}
}

func BenchmarkLimiterAcquireReleaseParallel(b *testing.B) {
	l := resource.NewLimiter("bench", 4)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Acquire(ctx); err != nil {
				b.Error(err)
				return
			}
			l.Release()
		}
	})
}

func BenchmarkLimiterTryAcquire(b *testing.B) {
	l := resource.NewLimiter("bench", 1)
	b.ReportAllocs()
	for b.Loop() {
		if l.TryAcquire() {
			l.Release()
		}
	}
}

func BenchmarkLimiterTryAcquireFull(b *testing.B) {
	l := resource.NewLimiter("bench", 1)
	l.TryAcquire()
	b.ReportAllocs()
	for b.Loop() {
		if l.TryAcquire() {
			b.Fatal("TryAcquire on a full limiter succeeded")
		}
	}
}

func BenchmarkMemoryBudgetReserveRelease(b *testing.B) {
	m := resource.NewMemoryBudget("bench", 1<<30)
	b.ReportAllocs()
	for b.Loop() {
		if m.Reserve(1024) {
			m.Release(1024)
		}
	}
}

func BenchmarkMemoryBudgetReserveReleaseParallel(b *testing.B) {
	m := resource.NewMemoryBudget("bench", 1<<30)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if m.Reserve(1024) {
				m.Release(1024)
			}
		}
	})
}

func BenchmarkHeapUsage(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		resource.HeapUsage()
	}
}
