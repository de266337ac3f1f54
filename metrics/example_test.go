package metrics_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"os"

	"github.com/greynewell/mist-go/metrics"
)

func Example() {
	reg := metrics.NewRegistry()

	// Get the series once and keep the pointer: updates are lock-free.
	reqs := reg.Counter("http_requests", "method", "GET", "code", "200")
	inflight := reg.Gauge("inflight")
	latency := reg.Histogram("latency_ms", []float64{10, 100, 1000})

	for _, ms := range []float64{4, 35, 60, 250} {
		inflight.Inc()
		latency.Observe(ms)
		reqs.Inc()
		inflight.Dec()
	}

	snap := reg.Snapshot()
	fmt.Println(snap.Counters["http_requests{code,200,method,GET}"].Value)
	fmt.Println(snap.Gauges["inflight"].Value)
	h := snap.Histograms["latency_ms"]
	fmt.Println(h.Count, h.Sum, h.Min, h.Max, h.Avg())
	fmt.Println(h.Buckets[100], h.Buckets[math.Inf(1)])
	// Output:
	// 4
	// 0
	// 4 349 4 250 87.25
	// 3 4
}

func ExampleRegistry_Counter() {
	reg := metrics.NewRegistry()
	a := reg.Counter("jobs", "queue", "eval", "priority", "high")
	b := reg.Counter("jobs", "priority", "high", "queue", "eval")
	a.Add(2)
	b.Inc()
	fmt.Println(a == b, b.Value())
	// Output:
	// true 3
}

func ExampleRegistry_Handler() {
	reg := metrics.NewRegistry()
	reg.Counter("reqs", "method", "GET").Add(3)
	reg.Gauge("temperature").Set(math.Inf(-1))
	h := reg.Histogram("latency_ms", []float64{1, 1e6})
	h.Observe(0.5)
	h.Observe(math.NaN())

	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metricsz", nil))
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())

	var snap metrics.RegistrySnapshot
	if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil {
		fmt.Println(err)
	}
	fmt.Println(snap.Gauges["temperature"].Value, snap.Histograms["latency_ms"].Sum)
	// Output:
	// application/json
	// {"counters":{"reqs{method,GET}":{"name":"reqs","labels":["method","GET"],"value":3}},"gauges":{"temperature":{"name":"temperature","value":"-Inf"}},"histograms":{"latency_ms":{"name":"latency_ms","count":2,"sum":"NaN","min":0.5,"max":0.5,"buckets":{"1":1,"1e+06":1,"+Inf":2}}}}
	// -Inf NaN
}

func ExampleRegistry_WritePrometheus() {
	reg := metrics.NewRegistry()
	reg.Counter("http_requests", "path", `/say "hi"`).Add(2)
	reg.Gauge("queue.depth").Set(7)
	h := reg.Histogram("latency_seconds", []float64{0.1, 1})
	h.Observe(0.05)
	h.Observe(3)

	if err := reg.WritePrometheus(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # TYPE http_requests_total counter
	// http_requests_total{path="/say \"hi\""} 2
	// # TYPE latency_seconds histogram
	// latency_seconds_bucket{le="0.1"} 1
	// latency_seconds_bucket{le="1"} 1
	// latency_seconds_bucket{le="+Inf"} 2
	// latency_seconds_sum 3.05
	// latency_seconds_count 2
	// # TYPE queue_depth gauge
	// queue_depth 7
}

func ExampleRegistry_PrometheusHandler() {
	reg := metrics.NewRegistry()
	reg.Counter("jobs_total").Inc()

	rec := httptest.NewRecorder()
	reg.PrometheusHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(string(body))
	// Output:
	// 200 text/plain; version=0.0.4; charset=utf-8
	// # TYPE jobs_total counter
	// jobs_total 1
}

func ExampleHistogramSnapshot_Percentile() {
	h := metrics.NewRegistry().Histogram("latency_ms", []float64{10, 20, 40})
	for _, ms := range []float64{5, 12, 15, 18, 30, 90} {
		h.Observe(ms)
	}
	s := h.Snapshot()
	// p50: target 3 of 6 falls in (10, 20], which holds ranks 2..4:
	// 10 + (20-10)·(3-1)/(4-1). p75: target 4.5 falls in (20, 40]:
	// 20 + (40-20)·(4.5-4)/(5-4). p99 falls in +Inf: Max.
	fmt.Printf("p50=%.2f p75=%.2f p99=%.0f\n", s.Percentile(50), s.Percentile(75), s.Percentile(99))
	// Output:
	// p50=16.67 p75=30.00 p99=90
}
