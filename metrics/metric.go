package metrics

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
)

// cacheLine is the padding unit that keeps hot atomics of different metrics
// off the same cache line.
const cacheLine = 64

// Counter is a monotonically increasing int64.
//
// A Counter is safe for concurrent use; updates are single atomic
// operations that take no lock and do not allocate. Get one from
// [Registry.Counter]. A zero Counter works but belongs to no registry, so
// nothing exports it.
type Counter struct {
	v    atomic.Int64
	name string
	_    [cacheLine - 8 - 16]byte // pad to one cache line
}

// Inc adds 1.
func (c *Counter) Inc() { c.v.Add(1) }

// Add adds n. It panics when n < 0: a counter never goes down.
func (c *Counter) Add(n int64) {
	if n < 0 {
		panic(fmt.Sprintf("metrics: counter %q: Add(%d): a counter cannot decrease", c.name, n))
	}
	c.v.Add(n)
}

// Value returns the current count.
func (c *Counter) Value() int64 { return c.v.Load() }

// Gauge is a float64 that can go up and down.
//
// A Gauge is safe for concurrent use; Set is one atomic store, and Add, Inc
// and Dec are compare-and-swap loops. None of them locks or allocates. Get
// one from [Registry.Gauge]. A zero Gauge holds 0 and belongs to no
// registry.
type Gauge struct {
	bits atomic.Uint64 // math.Float64bits of the value
	_    [cacheLine - 8]byte
}

// Set stores v. Any float64, NaN and ±Inf included, is accepted.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Inc adds 1.
func (g *Gauge) Inc() { g.Add(1) }

// Dec subtracts 1.
func (g *Gauge) Dec() { g.Add(-1) }

// Add adds delta, which may be negative.
func (g *Gauge) Add(delta float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// Value returns the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// Histogram counts observations into buckets by upper bound and tracks
// their count, sum, min and max.
//
// A Histogram is safe for concurrent use; Observe takes no lock and does
// not allocate. A snapshot taken while observations are in flight reads
// each field atomically but not all fields at once: its bucket counts
// always add up to its Count, while Sum, Min and Max may include or miss an
// observation in progress. Get one from [Registry.Histogram]. The zero
// Histogram has no buckets and belongs to no registry: Observe does nothing
// and Snapshot reports it empty, with only the +Inf bucket.
//
// Each bucket keeps its count next to the sum of the values it counted, so
// an observation writes one cache line, however many goroutines observe at
// once; Snapshot adds the bucket sums up.
type Histogram struct {
	name   string
	labels []string
	bounds []float64 // finite, sorted, distinct
	// buckets has len(bounds)+1 entries, not cumulative; the last is +Inf.
	buckets []bucket
	_       [cacheLine - 16]byte
	min     atomic.Uint64 // float64 bits, +Inf until the first non-NaN value
	max     atomic.Uint64 // float64 bits, -Inf until the first non-NaN value
}

// bucket is one bucket's count and the sum of the values it counted.
type bucket struct {
	count atomic.Int64
	sum   atomic.Uint64 // float64 bits
}

// linearSearchMax is the bucket count up to which Observe scans linearly;
// above it, it searches binary.
const linearSearchMax = 16

func newHistogram(name string, labels []string, buckets []float64) *Histogram {
	if len(buckets) == 0 {
		buckets = DefaultBuckets
	}
	bounds := make([]float64, 0, len(buckets))
	for _, b := range buckets {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			continue
		}
		if b == 0 {
			b = 0 // drop the sign of -0 so the bound prints as "0"
		}
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	h := &Histogram{
		name:    name,
		labels:  labels,
		bounds:  bounds,
		buckets: make([]bucket, len(bounds)+1),
	}
	h.min.Store(math.Float64bits(math.Inf(1)))
	h.max.Store(math.Float64bits(math.Inf(-1)))
	return h
}

// Observe records v: it adds 1 to the bucket of the first bound ≥ v (the
// +Inf bucket when v exceeds every bound or is NaN), adds v to the sum, and
// updates min and max unless v is NaN. A NaN turns the sum into NaN. On the
// zero Histogram it does nothing.
func (h *Histogram) Observe(v float64) {
	// Find the first bound ≥ v; NaN is ≥ none, so it lands in +Inf. The
	// search is written out here rather than called: a call would cost a
	// fifth of an observation.
	bounds := h.bounds
	i := 0
	if len(bounds) <= linearSearchMax {
		for i < len(bounds) && !(v <= bounds[i]) {
			i++
		}
	} else {
		for hi := len(bounds); i < hi; {
			m := int(uint(i+hi) >> 1)
			if !(bounds[m] >= v) {
				i = m + 1
			} else {
				hi = m
			}
		}
	}
	if uint(i) >= uint(len(h.buckets)) { // only in the zero Histogram, which has none
		return
	}
	b := &h.buckets[i]
	b.count.Add(1)
	for {
		old := b.sum.Load()
		if b.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
	if math.IsNaN(v) {
		return
	}
	for {
		old := h.min.Load()
		if v >= math.Float64frombits(old) || h.min.CompareAndSwap(old, math.Float64bits(v)) {
			break
		}
	}
	for {
		old := h.max.Load()
		if v <= math.Float64frombits(old) || h.max.CompareAndSwap(old, math.Float64bits(v)) {
			break
		}
	}
}

// Snapshot returns the histogram's current state with cumulative bucket
// counts. The +Inf bucket equals Count, and Min and Max are 0 while no
// value other than NaN has been observed. Sum adds the buckets' sums in
// bucket order.
func (h *Histogram) Snapshot() HistogramSnapshot {
	s := HistogramSnapshot{
		Name:    h.name,
		Labels:  slices.Clone(h.labels),
		Buckets: make(map[float64]int64, len(h.bounds)+1),
	}
	var cum int64
	for i := range h.buckets {
		b := &h.buckets[i]
		cum += b.count.Load()
		s.Sum += math.Float64frombits(b.sum.Load())
		if i < len(h.bounds) {
			s.Buckets[h.bounds[i]] = cum
		}
	}
	s.Buckets[math.Inf(1)] = cum
	s.Count = cum
	lo, hi := math.Float64frombits(h.min.Load()), math.Float64frombits(h.max.Load())
	if cum > 0 && lo <= hi {
		s.Min, s.Max = lo, hi
	}
	return s
}
