package benchmarks

import (
	"math"
	"sync/atomic"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/greynewell/mist-go/metrics"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Counters and histograms of metrics next to prometheus/client_golang and
// VictoriaMetrics/metrics. Each side gets its metric once, outside the
// loop, as hot paths should; the loop is the update alone.
//
//   - Counter Inc: one increment. The floor is a bare atomic.Int64 on its
//     own cache line, which is what every side does underneath.
//   - Histogram Observe: the same sequence of values (observations, below)
//     into the same bounds (metrics.DefaultBuckets) on every side.
//     VictoriaMetrics' PrometheusHistogram is its histogram with explicit
//     bounds; its default Histogram uses log-spaced buckets of its own and
//     would not count the same thing. There is no floor row: no single
//     atomic does a histogram's work.

// paddedInt64 keeps the floor's atomic off any other hot cache line, like
// the counters of the libraries.
type paddedInt64 struct {
	_ [64]byte
	v atomic.Int64
	_ [56]byte
}

// observations cycles over every bucket of metrics.DefaultBuckets, +Inf
// included, so the bucket search is not always the shortest.
var observations = [16]float64{0.5, 3, 7, 20, 40, 80, 200, 400, 800, 2000, 8000, 20000, 12.5, 60, 1, 10000}

func BenchmarkCounterInc(b *testing.B) {
	b.Run("mist", func(b *testing.B) {
		c := metrics.NewRegistry().Counter("requests")
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "requests_total"})
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		c := vm.NewSet().NewCounter("requests_total")
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
	b.Run("floor", func(b *testing.B) {
		c := new(paddedInt64)
		b.ReportAllocs()
		for b.Loop() {
			c.v.Add(1)
		}
	})
}

func BenchmarkCounterIncParallel(b *testing.B) {
	b.Run("mist", func(b *testing.B) {
		c := metrics.NewRegistry().Counter("requests")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "requests_total"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		c := vm.NewSet().NewCounter("requests_total")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("floor", func(b *testing.B) {
		c := new(paddedInt64)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.v.Add(1)
			}
		})
	})
}

// observers returns, by sub-benchmark name, a fresh histogram of each
// library with metrics.DefaultBuckets as bounds.
func observers() []struct {
	name    string
	observe func(float64)
} {
	ours := metrics.NewRegistry().Histogram("latency_ms", nil)
	prom := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency_ms", Buckets: metrics.DefaultBuckets})
	vmh := vm.NewSet().NewPrometheusHistogramExt("latency_ms", metrics.DefaultBuckets)
	return []struct {
		name    string
		observe func(float64)
	}{
		{"mist", ours.Observe},
		{"prometheus", prom.Observe},
		{"victoriametrics", vmh.Update},
	}
}

func BenchmarkHistogramObserve(b *testing.B) {
	for _, o := range observers() {
		b.Run(o.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				o.observe(observations[i&15])
				i++
			}
		})
	}
}

func BenchmarkHistogramObserveParallel(b *testing.B) {
	for _, o := range observers() {
		b.Run(o.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					o.observe(observations[i&15])
					i++
				}
			})
		})
	}
}

// TestMetricsPeersAgree checks that the histograms compared above count
// the same thing: after the same observations, ours and Prometheus' report
// the same count, sum and cumulative buckets.
func TestMetricsPeersAgree(t *testing.T) {
	ours := metrics.NewRegistry().Histogram("latency_ms", nil)
	prom := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency_ms", Buckets: metrics.DefaultBuckets})
	var sum float64
	for _, v := range observations {
		ours.Observe(v)
		prom.Observe(v)
		sum += v
	}
	var m dto.Metric
	if err := prom.Write(&m); err != nil {
		t.Fatal(err)
	}
	ph := m.GetHistogram()
	got := ours.Snapshot()
	if got.Count != int64(ph.GetSampleCount()) || got.Count != int64(len(observations)) {
		t.Errorf("count: ours %d, prometheus %d, want %d", got.Count, ph.GetSampleCount(), len(observations))
	}
	if got.Sum != ph.GetSampleSum() || got.Sum != sum {
		t.Errorf("sum: ours %g, prometheus %g, want %g", got.Sum, ph.GetSampleSum(), sum)
	}
	for _, bk := range ph.GetBucket() {
		if n := got.Buckets[bk.GetUpperBound()]; n != int64(bk.GetCumulativeCount()) {
			t.Errorf("bucket le=%g: ours %d, prometheus %d", bk.GetUpperBound(), n, bk.GetCumulativeCount())
		}
	}
	if n := got.Buckets[math.Inf(1)]; n != got.Count {
		t.Errorf("bucket +Inf: ours %d, want the count %d", n, got.Count)
	}

	c := metrics.NewRegistry().Counter("requests")
	pc := prometheus.NewCounter(prometheus.CounterOpts{Name: "requests_total"})
	vc := vm.NewSet().NewCounter("requests_total")
	for range 1000 {
		c.Inc()
		pc.Inc()
		vc.Inc()
	}
	var cm dto.Metric
	if err := pc.Write(&cm); err != nil {
		t.Fatal(err)
	}
	if c.Value() != 1000 || cm.GetCounter().GetValue() != 1000 || vc.Get() != 1000 {
		t.Errorf("counters: ours %d, prometheus %g, victoriametrics %d, want 1000", c.Value(), cm.GetCounter().GetValue(), vc.Get())
	}
}
