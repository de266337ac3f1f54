package resource

import (
	"fmt"
	"sync/atomic"
)

// MemoryBudget accounts for bytes reserved against a fixed limit. It does not
// measure memory: callers reserve what they estimate before they allocate and
// release the same amount when they are done.
//
// A *MemoryBudget is safe for concurrent use; it is lock-free. A zero
// MemoryBudget has an empty name and a limit of 0, so only Reserve(0)
// succeeds. A MemoryBudget must not be copied after first use.
type MemoryBudget struct {
	name     string
	limit    int64
	reserved atomic.Int64
}

// NewMemoryBudget returns a budget called name that holds at most limitBytes
// bytes. A negative limit is treated as 0, silently, since the constructor
// has no error to return: [MemoryBudget.Limit] then reports 0 and only
// Reserve(0) succeeds.
func NewMemoryBudget(name string, limitBytes int64) *MemoryBudget {
	return &MemoryBudget{name: name, limit: max(limitBytes, 0)}
}

// Reserve reserves n bytes if reserved + n <= limit and reports whether it
// did. A negative n reserves nothing and returns false; 0 returns true. A
// true result must be paired with Release(n).
func (m *MemoryBudget) Reserve(n int64) bool {
	if n < 0 {
		return false
	}
	if n == 0 {
		return true
	}
	for {
		cur := m.reserved.Load()
		// cur <= limit always holds, so limit-cur cannot overflow.
		if n > m.limit-cur {
			return false
		}
		if m.reserved.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// Release gives back n bytes reserved earlier. A negative n, or an n larger
// than Reserved, is a programming mistake: Release panics with a message
// naming the budget and leaves the reservation unchanged.
func (m *MemoryBudget) Release(n int64) {
	if n < 0 {
		panic(fmt.Sprintf("resource %s: Release of negative bytes %d", m.name, n))
	}
	for {
		cur := m.reserved.Load()
		if n > cur {
			panic(fmt.Sprintf("resource %s: Release of %d bytes exceeds the %d reserved", m.name, n, cur))
		}
		if m.reserved.CompareAndSwap(cur, cur-n) {
			return
		}
	}
}

// Reserved returns the bytes reserved right now, between 0 and Limit.
func (m *MemoryBudget) Reserved() int64 { return m.reserved.Load() }

// Limit returns the most bytes the budget holds.
func (m *MemoryBudget) Limit() int64 { return m.limit }

// Available returns max(0, Limit - Reserved).
func (m *MemoryBudget) Available() int64 { return max(0, m.limit-m.reserved.Load()) }

// Name returns the budget's name.
func (m *MemoryBudget) Name() string { return m.name }
