package resource_test

import (
	"encoding/binary"
	"testing"

	"github.com/greynewell/mist-go/resource"
)

// FuzzMemoryBudget replays a sequence of reservations and releases decoded
// from the input against a budget and a plain model. The invariants: Reserve
// succeeds exactly when the model says reserved+n <= limit, Reserved stays
// within 0..limit, and Available is limit-reserved.
func FuzzMemoryBudget(f *testing.F) {
	f.Add(int64(100), []byte{0, 10, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0, 0, 0, 0, 0, 0, 0})
	f.Add(int64(-1), []byte{0, 1, 0, 0, 0, 0, 0, 0, 0})
	f.Add(int64(1<<62), []byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, limit int64, ops []byte) {
		b := resource.NewMemoryBudget("fuzz", limit)
		lim := max(limit, 0)
		var reserved int64
		for len(ops) >= 9 {
			op, n := ops[0], int64(binary.LittleEndian.Uint64(ops[1:9]))
			ops = ops[9:]
			if op%2 == 0 {
				want := n >= 0 && n <= lim-reserved
				if got := b.Reserve(n); got != want {
					t.Fatalf("Reserve(%d) with %d of %d reserved = %v, want %v", n, reserved, lim, got, want)
				}
				if want {
					reserved += n
				}
			} else {
				// Release only what the model holds, so no panic is expected.
				if reserved == 0 {
					continue
				}
				if n = max(n, 0); n > reserved {
					n %= reserved + 1 // reserved < MaxInt64 here
				}
				b.Release(n)
				reserved -= n
			}
			if got := b.Reserved(); got != reserved || got < 0 || got > lim {
				t.Fatalf("Reserved() = %d, want %d within 0..%d", got, reserved, lim)
			}
			if got := b.Available(); got != lim-reserved {
				t.Fatalf("Available() = %d, want %d", got, lim-reserved)
			}
		}
	})
}
