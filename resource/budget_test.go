package resource_test

import (
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/greynewell/mist-go/resource"
)

func TestNewMemoryBudget(t *testing.T) {
	tests := []struct {
		limit, want int64
	}{
		{-1, 0},
		{math.MinInt64, 0},
		{0, 0},
		{1024, 1024},
		{math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		b := resource.NewMemoryBudget("mem", tt.limit)
		if got := b.Limit(); got != tt.want {
			t.Errorf("NewMemoryBudget(mem, %d).Limit() = %d, want %d", tt.limit, got, tt.want)
		}
		if got := b.Available(); got != tt.want {
			t.Errorf("NewMemoryBudget(mem, %d).Available() = %d, want %d", tt.limit, got, tt.want)
		}
		if got := b.Name(); got != "mem" {
			t.Errorf("Name() = %q, want %q", got, "mem")
		}
	}
}

func TestMemoryBudgetReserve(t *testing.T) {
	b := resource.NewMemoryBudget("eval-results", 100)
	steps := []struct {
		name     string
		reserve  int64
		ok       bool
		reserved int64
	}{
		{"zero", 0, true, 0},
		{"negative", -1, false, 0},
		{"part", 60, true, 60},
		{"too much", 41, false, 60},
		{"exactly the rest", 40, true, 100},
		{"zero when full", 0, true, 100},
		{"one more byte", 1, false, 100},
		{"huge", math.MaxInt64, false, 100},
	}
	for _, s := range steps {
		if got := b.Reserve(s.reserve); got != s.ok {
			t.Errorf("%s: Reserve(%d) = %v, want %v", s.name, s.reserve, got, s.ok)
		}
		if got := b.Reserved(); got != s.reserved {
			t.Errorf("%s: Reserved() = %d, want %d", s.name, got, s.reserved)
		}
		if got, want := b.Available(), 100-s.reserved; got != want {
			t.Errorf("%s: Available() = %d, want %d", s.name, got, want)
		}
	}
	b.Release(30)
	if got := b.Reserved(); got != 70 {
		t.Errorf("after Release(30): Reserved() = %d, want 70", got)
	}
	b.Release(0)
	b.Release(70)
	if got := b.Available(); got != 100 {
		t.Errorf("after releasing everything: Available() = %d, want 100", got)
	}
}

func TestMemoryBudgetMaxLimit(t *testing.T) {
	b := resource.NewMemoryBudget("big", math.MaxInt64)
	if !b.Reserve(math.MaxInt64 - 1) {
		t.Fatal("Reserve(MaxInt64-1) = false, want true")
	}
	if !b.Reserve(1) {
		t.Fatal("Reserve(1) up to MaxInt64 = false, want true")
	}
	if b.Reserve(1) {
		t.Error("Reserve(1) past MaxInt64 = true, want false (no overflow)")
	}
}

func TestMemoryBudgetReleasePanics(t *testing.T) {
	tests := []struct {
		name     string
		reserved int64
		release  int64
	}{
		{"negative", 10, -1},
		{"more than reserved", 10, 11},
		{"nothing reserved", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := resource.NewMemoryBudget("cache", 100)
			b.Reserve(tt.reserved)
			v := recoverPanic(func() { b.Release(tt.release) })
			msg, ok := v.(string)
			if !ok || !strings.HasPrefix(msg, "resource cache: ") {
				t.Errorf("Release(%d) panicked with %v, want a message naming budget cache", tt.release, v)
			}
			if got := b.Reserved(); got != tt.reserved {
				t.Errorf("Reserved() after the panic = %d, want %d", got, tt.reserved)
			}
		})
	}
}

func TestMemoryBudgetConcurrent(t *testing.T) {
	const (
		limit   = 1000
		workers = 16
		rounds  = 500
	)
	b := resource.NewMemoryBudget("mem", limit)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			n := int64(w%7 + 1)
			for range rounds {
				if b.Reserve(n) {
					if r := b.Reserved(); r < n || r > limit {
						t.Errorf("Reserved() = %d while holding %d, want %d..%d", r, n, n, limit)
					}
					b.Release(n)
				}
			}
		})
	}
	wg.Wait()
	if got := b.Reserved(); got != 0 {
		t.Errorf("Reserved() = %d, want 0", got)
	}
}

func TestZeroMemoryBudget(t *testing.T) {
	var b resource.MemoryBudget
	if !b.Reserve(0) {
		t.Error("zero MemoryBudget Reserve(0) = false, want true")
	}
	if b.Reserve(1) {
		t.Error("zero MemoryBudget Reserve(1) = true, want false")
	}
	if got := b.Available(); got != 0 {
		t.Errorf("zero MemoryBudget Available() = %d, want 0", got)
	}
}
