package resource

import (
	"runtime"
	"runtime/metrics"
)

// heapObjects is the runtime/metrics name of the bytes held by live and
// not yet swept heap objects.
const heapObjects = "/memory/classes/heap/objects:bytes"

// HeapUsage returns the bytes occupied by heap objects, read from
// runtime/metrics. Unlike runtime.ReadMemStats it never stops the world, so
// it is cheap enough to call on every request. The figure includes objects
// that are dead but not yet swept.
func HeapUsage() int64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0 // unreachable with the Go releases this module supports
	}
	return int64(s[0].Value.Uint64())
}

// GoroutineCount returns the number of goroutines that exist now,
// runtime.NumGoroutine.
func GoroutineCount() int { return runtime.NumGoroutine() }

// Snapshot is a point-in-time view of the process's runtime usage.
//
// A Snapshot is a plain value, safe to copy and share.
type Snapshot struct {
	HeapBytes  int64 `json:"heap_bytes"` // HeapUsage
	Goroutines int   `json:"goroutines"` // GoroutineCount
	NumCPU     int   `json:"num_cpu"`    // runtime.NumCPU
}

// TakeSnapshot fills in every field of a [Snapshot].
func TakeSnapshot() Snapshot {
	return Snapshot{
		HeapBytes:  HeapUsage(),
		Goroutines: GoroutineCount(),
		NumCPU:     runtime.NumCPU(),
	}
}
