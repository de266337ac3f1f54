package metrics_test

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/greynewell/mist-go/metrics"
)

// mustPanic runs f and returns the text of its panic, failing the test when
// it does not panic.
func mustPanic(t *testing.T, what string, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("%s did not panic", what)
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

func TestCounter(t *testing.T) {
	reg := metrics.NewRegistry()
	c := reg.Counter("jobs")
	c.Inc()
	c.Add(41)
	c.Add(0)
	if got := c.Value(); got != 42 {
		t.Errorf("Value() = %d, want 42", got)
	}
	msg := mustPanic(t, "Add(-1)", func() { c.Add(-1) })
	if !strings.Contains(msg, `"jobs"`) {
		t.Errorf("Add(-1) panic = %q, want it to name the metric", msg)
	}
	if got := c.Value(); got != 42 {
		t.Errorf("Value() after Add(-1) = %d, want 42", got)
	}

	var zero metrics.Counter
	zero.Inc()
	if got := zero.Value(); got != 1 {
		t.Errorf("zero Counter after Inc: Value() = %d, want 1", got)
	}
}

func TestGauge(t *testing.T) {
	tests := []struct {
		name   string
		update func(g *metrics.Gauge)
		want   float64
	}{
		{"zero", func(*metrics.Gauge) {}, 0},
		{"set", func(g *metrics.Gauge) { g.Set(3.5) }, 3.5},
		{"inc", func(g *metrics.Gauge) { g.Inc(); g.Inc() }, 2},
		{"dec", func(g *metrics.Gauge) { g.Dec() }, -1},
		{"add", func(g *metrics.Gauge) { g.Set(1); g.Add(0.25); g.Add(-2) }, -0.75},
		{"set -Inf", func(g *metrics.Gauge) { g.Set(math.Inf(-1)) }, math.Inf(-1)},
		{"set overrides", func(g *metrics.Gauge) { g.Add(10); g.Set(-4) }, -4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := metrics.NewRegistry().Gauge("g")
			tt.update(g)
			if got := g.Value(); got != tt.want {
				t.Errorf("Value() = %v, want %v", got, tt.want)
			}
		})
	}
	g := metrics.NewRegistry().Gauge("g")
	g.Set(math.NaN())
	if got := g.Value(); !math.IsNaN(got) {
		t.Errorf("Value() after Set(NaN) = %v, want NaN", got)
	}
}

// Fixed on purpose: Counter("x","b","2","a","1") is the same series as
// Counter("x","a","1","b","2").
func TestSeriesIdentity(t *testing.T) {
	reg := metrics.NewRegistry()
	a := reg.Counter("x", "b", "2", "a", "1")
	b := reg.Counter("x", "a", "1", "b", "2")
	if a != b {
		t.Fatalf(`Counter("x","b","2","a","1") and Counter("x","a","1","b","2") are different series`)
	}
	a.Inc()
	b.Inc()
	snap := reg.Snapshot()
	if len(snap.Counters) != 1 {
		t.Fatalf("Snapshot has %d counters, want 1: %v", len(snap.Counters), snap.Counters)
	}
	got, ok := snap.Counters["x{a,1,b,2}"]
	if !ok {
		t.Fatalf("Snapshot counters = %v, want key x{a,1,b,2}", snap.Counters)
	}
	if got.Value != 2 || strings.Join(got.Labels, ",") != "a,1,b,2" {
		t.Errorf("Snapshot counter = %+v, want value 2 and labels [a 1 b 2]", got)
	}

	tests := []struct {
		name         string
		first, again func(*metrics.Registry) any
		same         bool
	}{
		{"counter no labels",
			func(r *metrics.Registry) any { return r.Counter("c") },
			func(r *metrics.Registry) any { return r.Counter("c") }, true},
		{"gauge three labels",
			func(r *metrics.Registry) any { return r.Gauge("g", "z", "1", "y", "2", "x", "3") },
			func(r *metrics.Registry) any { return r.Gauge("g", "x", "3", "z", "1", "y", "2") }, true},
		{"histogram other buckets",
			func(r *metrics.Registry) any { return r.Histogram("h", []float64{1}, "k", "v") },
			func(r *metrics.Registry) any { return r.Histogram("h", []float64{2, 3}, "k", "v") }, true},
		{"other label value",
			func(r *metrics.Registry) any { return r.Counter("c", "k", "1") },
			func(r *metrics.Registry) any { return r.Counter("c", "k", "2") }, false},
		{"labels vs none",
			func(r *metrics.Registry) any { return r.Counter("c", "k", "1") },
			func(r *metrics.Registry) any { return r.Counter("c") }, false},
		{"comma in a label value, same identity",
			func(r *metrics.Registry) any { return r.Counter("c", "a", "b,c,d") },
			func(r *metrics.Registry) any { return r.Counter("c", "a", "b,c,d") }, true},
		{"histogram with checked labels, same identity",
			func(r *metrics.Registry) any { return r.Histogram("h", nil, "a-b", "1", "c", "2") },
			func(r *metrics.Registry) any { return r.Histogram("h", nil, "c", "2", "a-b", "1") }, true},
		{"counter with a clash-checked name, same identity",
			func(r *metrics.Registry) any { r.Gauge("x"); return r.Counter("x_total") },
			func(r *metrics.Registry) any { return r.Counter("x_total") }, true},
		{"many labels",
			func(r *metrics.Registry) any {
				return r.Counter("c", "j", "0", "i", "1", "h", "2", "g", "3", "f", "4", "e", "5", "d", "6", "c", "7", "b", "8", "a", "9")
			},
			func(r *metrics.Registry) any {
				return r.Counter("c", "a", "9", "b", "8", "c", "7", "d", "6", "e", "5", "f", "4", "g", "3", "h", "2", "i", "1", "j", "0")
			}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := metrics.NewRegistry()
			if got := tt.first(r) == tt.again(r); got != tt.same {
				t.Errorf("same instance = %v, want %v", got, tt.same)
			}
		})
	}
}

func TestZeroRegistry(t *testing.T) {
	var reg metrics.Registry
	reg.Counter("c").Inc()
	reg.Gauge("g").Set(1)
	reg.Histogram("h", nil).Observe(1)
	snap := reg.Snapshot()
	if len(snap.Counters) != 1 || len(snap.Gauges) != 1 || len(snap.Histograms) != 1 {
		t.Errorf("zero Registry Snapshot = %+v, want one series of each kind", snap)
	}
}

// TestZeroHistogram checks that the zero Histogram, which has no buckets,
// ignores observations instead of panicking, and reports an empty snapshot.
func TestZeroHistogram(t *testing.T) {
	var h metrics.Histogram
	for _, v := range []float64{-1, 0, 3, 1e9, math.NaN(), math.Inf(1)} {
		h.Observe(v)
	}
	got := h.Snapshot()
	if got.Count != 0 || got.Sum != 0 || got.Min != 0 || got.Max != 0 || got.Name != "" || got.Labels != nil {
		t.Errorf("zero Histogram Snapshot() = %+v, want an empty histogram", got)
	}
	if len(got.Buckets) != 1 || got.Buckets[math.Inf(1)] != 0 {
		t.Errorf("zero Histogram Snapshot().Buckets = %v, want map[+Inf:0]", got.Buckets)
	}
}

// TestRejectedRegistrationChangesNothing checks that a registration that
// panics leaves no trace: its name, kind and keys stay free.
func TestRejectedRegistrationChangesNothing(t *testing.T) {
	reg := metrics.NewRegistry()
	reg.Gauge("a_b")
	mustPanic(t, "Counter with clashing label keys", func() { reg.Counter("c", "a-b", "1", "a_b", "2") })
	mustPanic(t, "Gauge clashing with a_b", func() { reg.Gauge("a-b") })
	mustPanic(t, "Counter with a snapshot key clash", func() { reg.Counter("d", "k", "v"); reg.Counter("d{k,v}") })
	reg.Gauge("c").Set(1)          // c was not taken by the rejected counter
	reg.Counter("a_b_total_x")     // unrelated names still register
	reg.Counter("d{k,v}", "x", "") // another key for the same name is fine
	snap := reg.Snapshot()
	if len(snap.Gauges) != 2 || len(snap.Counters) != 3 {
		t.Errorf("Snapshot() = %+v, want gauges a_b and c, and counters d{k,v}, d{k,v}{x,} and a_b_total_x", snap)
	}
}

func TestRegistrationPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func(r *metrics.Registry)
		want string // substring of the panic message
	}{
		{"empty name", func(r *metrics.Registry) { r.Counter("") }, "empty name"},
		{"odd labels counter", func(r *metrics.Registry) { r.Counter("reqs", "method") }, `"reqs"`},
		{"odd labels gauge", func(r *metrics.Registry) { r.Gauge("temp", "a", "1", "b") }, `"temp"`},
		{"odd labels histogram", func(r *metrics.Registry) { r.Histogram("lat", nil, "a") }, `"lat"`},
		{"repeated key", func(r *metrics.Registry) { r.Counter("reqs", "a", "1", "a", "2") }, `repeated label key "a"`},
		{"repeated key apart", func(r *metrics.Registry) { r.Gauge("temp", "a", "1", "b", "2", "a", "1") }, `"temp"`},
		{"counter then gauge", func(r *metrics.Registry) { r.Counter("x"); r.Gauge("x") }, `"x": name already registered as a counter`},
		{"gauge then histogram", func(r *metrics.Registry) { r.Gauge("x"); r.Histogram("x", nil) }, `"x": name already registered as a gauge`},
		{"histogram then counter with labels", func(r *metrics.Registry) { r.Histogram("x", nil, "a", "1"); r.Counter("x", "b", "2") }, `"x": name already registered as a histogram`},
		{"same identity other kind", func(r *metrics.Registry) { r.Counter("x", "a", "1"); r.Gauge("x", "a", "1") }, `"x"`},

		// Clashes in the Prometheus output: the panic names both metrics.
		{"counter x then gauge x_total", func(r *metrics.Registry) { r.Counter("x"); r.Gauge("x_total") },
			`gauge "x_total": Prometheus name "x_total" is already used by counter "x"`},
		{"gauge x_total then counter x", func(r *metrics.Registry) { r.Gauge("x_total"); r.Counter("x") },
			`counter "x": Prometheus name "x_total" is already used by gauge "x_total"`},
		{"counter x then counter x_total", func(r *metrics.Registry) { r.Counter("x"); r.Counter("x_total", "k", "v") },
			`counter "x_total": Prometheus name "x_total" is already used by counter "x"`},
		{"histogram h then gauge h_count", func(r *metrics.Registry) { r.Histogram("h", nil); r.Gauge("h_count") },
			`gauge "h_count": Prometheus name "h_count" is already used by histogram "h"`},
		{"gauge h_sum then histogram h", func(r *metrics.Registry) { r.Gauge("h_sum"); r.Histogram("h", nil) },
			`histogram "h": Prometheus name "h_sum" is already used by gauge "h_sum"`},
		{"histogram h then histogram h_bucket", func(r *metrics.Registry) { r.Histogram("h", nil); r.Histogram("h_bucket", nil) },
			`histogram "h_bucket": Prometheus name "h_bucket" is already used by histogram "h"`},
		{"gauges that sanitise alike", func(r *metrics.Registry) { r.Gauge("a-b", "k", "1"); r.Gauge("a_b", "k", "2") },
			`gauge "a_b": Prometheus name "a_b" is already used by gauge "a-b"`},
		{"counters that sanitise alike", func(r *metrics.Registry) { r.Counter("jobs.total"); r.Counter("jobs") },
			`counter "jobs": Prometheus name "jobs_total" is already used by counter "jobs.total"`},

		// Label keys the Prometheus output cannot show.
		{"keys that sanitise alike", func(r *metrics.Registry) { r.Counter("c", "a-b", "1", "a_b", "2") },
			`counter "c": label keys "a-b" and "a_b" both become "a_b"`},
		{"empty key and underscore", func(r *metrics.Registry) { r.Gauge("g", "", "1", "_", "2") },
			`gauge "g": label keys "" and "_" both become "_"`},
		{"reserved __name__", func(r *metrics.Registry) { r.Gauge("g", "__name__", "x") }, `gauge "g": label key "__name__" is reserved`},
		{"reserved __ prefix", func(r *metrics.Registry) { r.Counter("c", "__meta", "x") }, `counter "c": label key "__meta" is reserved`},
		{"sanitises to __name__", func(r *metrics.Registry) { r.Counter("c", "..name..", "x") }, `counter "c": label key "..name.." is reserved`},
		{"le on a histogram", func(r *metrics.Registry) { r.Histogram("h", nil, "le", "a") }, `histogram "h": label key "le" is reserved`},

		// Snapshot keys shared by two series.
		{"comma in a label value", func(r *metrics.Registry) { r.Counter("c", "a", "b,c,d"); r.Counter("c", "a", "b", "c", "d") },
			`counter "c": labels ["a" "b" "c" "d"] give the snapshot key "c{a,b,c,d}" of the series "c" with labels ["a" "b,c,d"]`},
		{"invalid UTF-8 in label values", func(r *metrics.Registry) { r.Gauge("g", "k", "\xff"); r.Gauge("g", "k", "\xfe") },
			`gauge "g": labels ["k" "\xfe"] give the snapshot key "g{k,` + "\uFFFD" + `}" of the series "g" with labels ["k" "\xff"]`},

		// Series that the Prometheus output would show twice.
		{"keys that sanitise alike in two series", func(r *metrics.Registry) { r.Gauge("g", "a-b", "1"); r.Gauge("g", "a_b", "1") },
			`gauge "g": labels ["a_b" "1"] would show in the Prometheus output as its series with labels ["a-b" "1"]`},
		{"keys that sanitise alike in two histograms", func(r *metrics.Registry) { r.Histogram("h", nil, "a.b", "1"); r.Histogram("h", nil, "a_b", "1") },
			`histogram "h": labels ["a_b" "1"] would show in the Prometheus output as its series with labels ["a.b" "1"]`},
		{"braces in a name", func(r *metrics.Registry) { r.Gauge("g", "k", "v"); r.Gauge("g{k,v}") },
			`gauge "g{k,v}": labels [] give the snapshot key "g{k,v}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustPanic(t, tt.name, func() { tt.f(metrics.NewRegistry()) })
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "metrics: ") {
				t.Errorf("panic = %q, want it to start with %q and contain %q", msg, "metrics: ", tt.want)
			}
		})
	}
}

func TestHistogramBuckets(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name    string
		buckets []float64
		observe []float64
		want    map[float64]int64
	}{
		{"default", nil, []float64{0.5, 1, 7, 10000, 10001},
			map[float64]int64{1: 2, 5: 2, 10: 3, 25: 3, 50: 3, 100: 3, 250: 3, 500: 3, 1000: 3, 5000: 3, 10000: 4, inf: 5}},
		{"empty means default", []float64{}, nil,
			map[float64]int64{1: 0, 5: 0, 10: 0, 25: 0, 50: 0, 100: 0, 250: 0, 500: 0, 1000: 0, 5000: 0, 10000: 0, inf: 0}},
		{"cleaned", []float64{10, math.NaN(), 1, inf, 10, math.Inf(-1), 5, 1},
			[]float64{2}, map[float64]int64{1: 0, 5: 1, 10: 1, inf: 1}},
		{"only non-finite", []float64{math.NaN(), inf}, []float64{3}, map[float64]int64{inf: 1}},
		// Fixed on purpose: values above the top bound land in +Inf.
		{"above top bound", []float64{1, 2}, []float64{2.5, 1e9, inf}, map[float64]int64{1: 0, 2: 0, inf: 3}},
		{"bound is inclusive", []float64{1, 2}, []float64{1, 2}, map[float64]int64{1: 1, 2: 2, inf: 2}},
		{"negative and -Inf", []float64{-1, 0}, []float64{math.Inf(-1), -0.5, 0}, map[float64]int64{-1: 1, 0: 3, inf: 3}},
		{"NaN only in +Inf", []float64{1}, []float64{math.NaN(), 0.5}, map[float64]int64{1: 1, inf: 2}},
		{"binary search", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
			[]float64{0, 2.5, 20, 21, math.NaN()},
			map[float64]int64{1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2, 10: 2, 11: 2, 12: 2, 13: 2, 14: 2, 15: 2, 16: 2, 17: 2, 18: 2, 19: 2, 20: 3, inf: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := metrics.NewRegistry().Histogram("h", tt.buckets)
			for _, v := range tt.observe {
				h.Observe(v)
			}
			s := h.Snapshot()
			if fmt.Sprint(s.Buckets) != fmt.Sprint(tt.want) {
				t.Errorf("Buckets = %v, want %v", s.Buckets, tt.want)
			}
			if s.Count != int64(len(tt.observe)) || s.Buckets[inf] != s.Count {
				t.Errorf("Count = %d, +Inf bucket = %d, want both %d", s.Count, s.Buckets[inf], len(tt.observe))
			}
		})
	}
}

func TestHistogramBucketsCopied(t *testing.T) {
	buckets := []float64{2, 1}
	h := metrics.NewRegistry().Histogram("h", buckets)
	buckets[0], buckets[1] = 100, 200
	h.Observe(1.5)
	if got := h.Snapshot().Buckets[2]; got != 1 {
		t.Errorf("bucket 2 after changing the caller's slice = %d, want 1", got)
	}
	if buckets[0] != 100 {
		t.Errorf("Histogram sorted the caller's slice: %v", buckets)
	}
}

func TestHistogramStats(t *testing.T) {
	tests := []struct {
		name               string
		observe            []float64
		count              int64
		sum, min, max, avg float64
		sumNaN             bool
	}{
		{name: "empty", count: 0},
		{name: "values", observe: []float64{4, -2, 10}, count: 3, sum: 12, min: -2, max: 10, avg: 4},
		{name: "NaN skips min max", observe: []float64{3, math.NaN(), 5}, count: 3, sumNaN: true, min: 3, max: 5},
		{name: "only NaN", observe: []float64{math.NaN()}, count: 1, sumNaN: true, min: 0, max: 0},
		{name: "+Inf", observe: []float64{1, math.Inf(1)}, count: 2, sum: math.Inf(1), min: 1, max: math.Inf(1), avg: math.Inf(1)},
		{name: "-Inf", observe: []float64{math.Inf(-1), 2}, count: 2, sum: math.Inf(-1), min: math.Inf(-1), max: 2, avg: math.Inf(-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := metrics.NewRegistry().Histogram("h", []float64{1, 10}, "k", "v")
			for _, v := range tt.observe {
				h.Observe(v)
			}
			s := h.Snapshot()
			if s.Name != "h" || strings.Join(s.Labels, ",") != "k,v" {
				t.Errorf("Name, Labels = %q, %q, want h, [k v]", s.Name, s.Labels)
			}
			if s.Count != tt.count || s.Min != tt.min || s.Max != tt.max {
				t.Errorf("Count, Min, Max = %d, %v, %v, want %d, %v, %v", s.Count, s.Min, s.Max, tt.count, tt.min, tt.max)
			}
			if tt.sumNaN {
				if !math.IsNaN(s.Sum) || !math.IsNaN(s.Avg()) {
					t.Errorf("Sum, Avg = %v, %v, want NaN, NaN", s.Sum, s.Avg())
				}
			} else if s.Sum != tt.sum || s.Avg() != tt.avg {
				t.Errorf("Sum, Avg = %v, %v, want %v, %v", s.Sum, s.Avg(), tt.sum, tt.avg)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	// Buckets ≤1: 1, ≤2: 3, ≤4: 4, +Inf: 5; Max 10.
	h := metrics.NewRegistry().Histogram("h", []float64{1, 2, 4})
	for _, v := range []float64{0.5, 1.5, 1.5, 3, 10} {
		h.Observe(v)
	}
	s := h.Snapshot()
	tests := []struct {
		p, want float64
	}{
		{0, 0},            // target 0 in the first bucket: prev 0
		{20, 1},           // target 1: 0 + (1-0)·(1-0)/(1-0)
		{40, 1.5},         // target 2: 1 + (2-1)·(2-1)/(3-1)
		{60, 2},           // target 3: 1 + (2-1)·(3-1)/(3-1)
		{70, 3},           // target 3.5: 2 + (4-2)·(3.5-3)/(4-3)
		{80, 4},           // target 4
		{90, 10},          // target 4.5 in +Inf: Max
		{100, 10},         // target 5 in +Inf: Max
		{-5, 0},           // clamped to 0
		{150, 10},         // clamped to 100
		{math.NaN(), 0},   // treated as 0
		{math.Inf(1), 10}, // clamped to 100
	}
	for _, tt := range tests {
		if got := s.Percentile(tt.p); got != tt.want {
			t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}

	empty := metrics.NewRegistry().Histogram("h", nil).Snapshot()
	if got := empty.Percentile(50); got != 0 {
		t.Errorf("empty Percentile(50) = %v, want 0", got)
	}
	if got := empty.Avg(); got != 0 {
		t.Errorf("empty Avg() = %v, want 0", got)
	}

	// An empty first bucket and p = 0: nothing to interpolate.
	h2 := metrics.NewRegistry().Histogram("h", []float64{5, 10})
	h2.Observe(7)
	if got := h2.Snapshot().Percentile(0); got != 0 {
		t.Errorf("Percentile(0) with an empty first bucket = %v, want 0", got)
	}
	if got := h2.Snapshot().Percentile(50); got != 7.5 {
		t.Errorf("Percentile(50) = %v, want 7.5", got)
	}
}

// TestConcurrentUpdates hammers one registry from many goroutines; under
// -race it also proves updates and registration are properly synchronised.
func TestConcurrentUpdates(t *testing.T) {
	const workers, perWorker = 8, 1000
	reg := metrics.NewRegistry()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				reg.Counter("c", "shard", "all").Inc()
				reg.Gauge("g").Add(1)
				reg.Histogram("h", []float64{float64(perWorker / 2)}).Observe(float64(i))
				reg.Counter("per", "worker", fmt.Sprint(w)).Add(2)
			}
			_ = reg.Snapshot()
		})
	}
	wg.Wait()
	if got := reg.Counter("c", "shard", "all").Value(); got != workers*perWorker {
		t.Errorf("counter = %d, want %d", got, workers*perWorker)
	}
	if got := reg.Gauge("g").Value(); got != workers*perWorker {
		t.Errorf("gauge = %v, want %d", got, workers*perWorker)
	}
	s := reg.Histogram("h", nil).Snapshot()
	wantSum := float64(workers * perWorker * (perWorker - 1) / 2)
	if s.Count != workers*perWorker || s.Sum != wantSum || s.Min != 0 || s.Max != perWorker-1 || s.Buckets[perWorker/2] != workers*(perWorker/2+1) {
		t.Errorf("histogram = count %d sum %v min %v max %v buckets %v, want count %d sum %v min 0 max %d",
			s.Count, s.Sum, s.Min, s.Max, s.Buckets, workers*perWorker, wantSum, perWorker-1)
	}
	if got := len(reg.Snapshot().Counters); got != workers+1 {
		t.Errorf("counters = %d, want %d", got, workers+1)
	}
}
