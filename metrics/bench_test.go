package metrics_test

import (
	"testing"

	"github.com/greynewell/mist-go/metrics"
)

// Fixed on purpose: counter, gauge and histogram updates have serial and
// parallel benchmarks (BenchmarkCounterInc and BenchmarkCounterIncParallel,
// BenchmarkGaugeSet, BenchmarkGaugeAdd and BenchmarkGaugeAddParallel,
// BenchmarkHistogramObserve and BenchmarkHistogramObserveParallel); no test
// checks a ns/op threshold.
func BenchmarkCounterInc(b *testing.B) {
	c := metrics.NewRegistry().Counter("reqs", "method", "GET")
	b.ReportAllocs()
	for b.Loop() {
		c.Inc()
	}
}

func BenchmarkCounterIncParallel(b *testing.B) {
	c := metrics.NewRegistry().Counter("reqs", "method", "GET")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkGaugeSet(b *testing.B) {
	g := metrics.NewRegistry().Gauge("inflight")
	b.ReportAllocs()
	v := 0.0
	for b.Loop() {
		v++
		g.Set(v)
	}
}

func BenchmarkGaugeAdd(b *testing.B) {
	g := metrics.NewRegistry().Gauge("inflight")
	b.ReportAllocs()
	for b.Loop() {
		g.Add(1.5)
	}
}

func BenchmarkGaugeAddParallel(b *testing.B) {
	g := metrics.NewRegistry().Gauge("inflight")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			g.Add(1.5)
		}
	})
}

func BenchmarkHistogramObserve(b *testing.B) {
	h := metrics.NewRegistry().Histogram("latency_ms", nil)
	b.ReportAllocs()
	v := 0.0
	for b.Loop() {
		v += 7.3
		if v > 12000 {
			v = 0
		}
		h.Observe(v)
	}
}

func BenchmarkHistogramObserveParallel(b *testing.B) {
	h := metrics.NewRegistry().Histogram("latency_ms", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		v := 0.0
		for pb.Next() {
			v += 7.3
			if v > 12000 {
				v = 0
			}
			h.Observe(v)
		}
	})
}

func BenchmarkRegistryLookup(b *testing.B) {
	b.Run("no labels", func(b *testing.B) {
		reg := metrics.NewRegistry()
		reg.Counter("reqs")
		b.ReportAllocs()
		for b.Loop() {
			reg.Counter("reqs").Inc()
		}
	})
	b.Run("two labels", func(b *testing.B) {
		reg := metrics.NewRegistry()
		reg.Counter("reqs", "method", "GET", "code", "200")
		b.ReportAllocs()
		for b.Loop() {
			reg.Counter("reqs", "code", "200", "method", "GET").Inc()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		reg := metrics.NewRegistry()
		reg.Histogram("latency_ms", nil, "route", "/v1/infer")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				reg.Histogram("latency_ms", nil, "route", "/v1/infer").Observe(3)
			}
		})
	})
}

func BenchmarkWritePrometheus(b *testing.B) {
	reg := goldenRegistry()
	b.ReportAllocs()
	for b.Loop() {
		if err := reg.WritePrometheus(discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
