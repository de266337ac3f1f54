package metrics_test

import (
	"encoding/json"
	"flag"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenRegistry exercises every feature of both output formats.
func goldenRegistry() *metrics.Registry {
	reg := metrics.NewRegistry()
	reg.Counter("http_requests", "method", "GET", "code", "200").Add(3)
	reg.Counter("http_requests", "code", "500", "method", "POST").Inc()
	reg.Counter("jobs_total").Add(7)
	reg.Counter("0cache.hits", "pod-name", "a\\b\"c\nd").Inc()
	reg.Gauge("inflight").Set(2.5)
	reg.Gauge("temperature", "room", "lab").Set(-0.000001)
	reg.Gauge("big").Set(1e21)
	reg.Gauge("down").Set(math.Inf(-1))
	reg.Gauge("unknown").Set(math.NaN())
	lat := reg.Histogram("latency_ms", []float64{1, 10, 1e6}, "route", "/v1/infer")
	for _, v := range []float64{0.5, 3, 3, 2e6} {
		lat.Observe(v)
	}
	odd := reg.Histogram("odd", []float64{0.25})
	odd.Observe(math.NaN())
	odd.Observe(math.Inf(1))
	reg.Histogram("empty", []float64{1})
	return reg
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestHandlerGolden pins the exact bytes Handler serves (one line, no
// trailing newline): key order, number format and non-finite strings.
func TestHandlerGolden(t *testing.T) {
	_, body := serve(t, goldenRegistry().Handler())
	checkGolden(t, "registry.json.golden", []byte(body))
}

func TestPrometheusGolden(t *testing.T) {
	var b strings.Builder
	if err := goldenRegistry().WritePrometheus(&b); err != nil {
		t.Fatalf("WritePrometheus: %v", err)
	}
	checkGolden(t, "registry.prom.golden", []byte(b.String()))
	if _, err := parseExposition(b.String()); err != nil {
		t.Errorf("golden exposition does not parse: %v", err)
	}
}

func serve(t *testing.T, h http.Handler) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func TestHandler(t *testing.T) {
	res, body := serve(t, metrics.NewRegistry().Handler())
	if res.StatusCode != 200 || body != "{}" {
		t.Errorf("empty registry: %d %q, want 200 {}", res.StatusCode, body)
	}
	if got := res.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}

	reg := goldenRegistry()
	_, body = serve(t, reg.Handler())
	want, err := json.Marshal(reg.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if body != string(want) {
		t.Errorf("body = %s, want json.Marshal(Snapshot()) = %s", body, want)
	}

	onlyGauge := metrics.NewRegistry()
	onlyGauge.Gauge("g").Set(1)
	if _, body := serve(t, onlyGauge.Handler()); body != `{"gauges":{"g":{"name":"g","value":1}}}` {
		t.Errorf("gauge-only body = %s, want only the gauges section", body)
	}
}

func TestPrometheusHandler(t *testing.T) {
	reg := goldenRegistry()
	res, body := serve(t, reg.PrometheusHandler())
	if got := res.Header.Get("Content-Type"); got != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/plain; version=0.0.4; charset=utf-8", got)
	}
	var b strings.Builder
	if err := reg.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || body != b.String() {
		t.Errorf("PrometheusHandler = %d %q, want 200 and the WritePrometheus output %q", res.StatusCode, body, b.String())
	}
	res, body = serve(t, metrics.NewRegistry().PrometheusHandler())
	if res.StatusCode != 200 || body != "" {
		t.Errorf("empty registry: %d %q, want 200 and an empty body", res.StatusCode, body)
	}
}

// Fixed on purpose: after Observe(NaN), Observe(+Inf) or Gauge.Set(-Inf),
// both handlers still answer 200 with output that parses.
func TestNonFiniteValuesKeepEndpointsWorking(t *testing.T) {
	tests := []struct {
		name  string
		apply func(r *metrics.Registry)
	}{
		{"Observe(NaN)", func(r *metrics.Registry) { r.Histogram("h", nil).Observe(math.NaN()) }},
		{"Observe(+Inf)", func(r *metrics.Registry) { r.Histogram("h", nil).Observe(math.Inf(1)) }},
		{"Observe(-Inf)", func(r *metrics.Registry) { r.Histogram("h", nil).Observe(math.Inf(-1)) }},
		{"Gauge.Set(-Inf)", func(r *metrics.Registry) { r.Gauge("g").Set(math.Inf(-1)) }},
		{"Gauge.Set(NaN)", func(r *metrics.Registry) { r.Gauge("g").Set(math.NaN()) }},
		{"all", func(r *metrics.Registry) {
			h := r.Histogram("h", nil, "k", "v")
			h.Observe(math.NaN())
			h.Observe(math.Inf(1))
			h.Observe(math.Inf(-1))
			r.Gauge("g").Set(math.Inf(-1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := metrics.NewRegistry()
			tt.apply(reg)

			res, body := serve(t, reg.Handler())
			var snap metrics.RegistrySnapshot
			if err := json.Unmarshal([]byte(body), &snap); res.StatusCode != 200 || err != nil {
				t.Errorf("Handler: %d, Unmarshal(%s): %v; want 200 and JSON that parses", res.StatusCode, body, err)
			}
			if len(snap.Gauges)+len(snap.Histograms) == 0 {
				t.Errorf("Handler body %s decoded to no series", body)
			}

			res, body = serve(t, reg.PrometheusHandler())
			if _, err := parseExposition(body); res.StatusCode != 200 || err != nil {
				t.Errorf("PrometheusHandler: %d, parse(%q): %v; want 200 and text that parses", res.StatusCode, body, err)
			}
		})
	}
}

// Fixed on purpose: Percentile(90) on a snapshot decoded from Handler JSON
// equals the live value.
func TestPercentileAfterJSON(t *testing.T) {
	reg := metrics.NewRegistry()
	h := reg.Histogram("latency", []float64{0.1, 0.3, 1.7, 12.25, 1e6}, "route", "/x")
	for i := range 1000 {
		h.Observe(float64(i%97) * 0.173)
	}
	h.Observe(3e6) // lands in +Inf

	_, body := serve(t, reg.Handler())
	var snap metrics.RegistrySnapshot
	if err := json.Unmarshal([]byte(body), &snap); err != nil {
		t.Fatalf("Unmarshal(%s): %v", body, err)
	}
	decoded, ok := snap.Histograms["latency{route,/x}"]
	if !ok {
		t.Fatalf("decoded histograms = %v, want key latency{route,/x}", snap.Histograms)
	}
	live := h.Snapshot()
	for _, p := range []float64{0, 10, 50, 90, 99, 99.95, 100} {
		if got, want := decoded.Percentile(p), live.Percentile(p); got != want {
			t.Errorf("decoded Percentile(%v) = %v, want live %v", p, got, want)
		}
	}
	if decoded.Avg() != live.Avg() || decoded.Count != live.Count {
		t.Errorf("decoded Avg, Count = %v, %d, want %v, %d", decoded.Avg(), decoded.Count, live.Avg(), live.Count)
	}
}

func TestHistogramSnapshotJSON(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		in   metrics.HistogramSnapshot
		want string
	}{
		{"empty",
			metrics.HistogramSnapshot{Name: "h", Buckets: map[float64]int64{1: 0, inf: 0}},
			`{"name":"h","count":0,"sum":0,"min":0,"max":0,"buckets":{"1":0,"+Inf":0}}`},
		{"key order and bound format",
			metrics.HistogramSnapshot{Name: "h", Labels: []string{"a", "1"}, Count: 3, Sum: 1.5e6, Min: 0.25, Max: 1.2e6,
				Buckets: map[float64]int64{1e6: 2, 0.5: 1, 1e-7: 0, inf: 3}},
			`{"name":"h","labels":["a","1"],"count":3,"sum":1500000,"min":0.25,"max":1200000,"buckets":{"1e-07":0,"0.5":1,"1e+06":2,"+Inf":3}}`},
		{"non-finite",
			metrics.HistogramSnapshot{Name: "h", Count: 2, Sum: math.NaN(), Min: math.Inf(-1), Max: inf, Buckets: map[float64]int64{inf: 2}},
			`{"name":"h","count":2,"sum":"NaN","min":"-Inf","max":"+Inf","buckets":{"+Inf":2}}`},
		{"number format like encoding/json",
			metrics.HistogramSnapshot{Name: "h", Count: 1, Sum: 1e21, Min: 1e-7, Max: -0.000001, Buckets: map[float64]int64{inf: 1}},
			`{"name":"h","count":1,"sum":1e+21,"min":1e-7,"max":-0.000001,"buckets":{"+Inf":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal = %s, want %s", got, tt.want)
			}
			var back metrics.HistogramSnapshot
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("Unmarshal(%s): %v", got, err)
			}
			if !sameHistogram(back, tt.in) {
				t.Errorf("Unmarshal(%s) = %+v, want %+v", got, back, tt.in)
			}
		})
	}
}

func TestGaugeSnapshotJSON(t *testing.T) {
	tests := []struct {
		in   metrics.GaugeSnapshot
		want string
	}{
		{metrics.GaugeSnapshot{Name: "g", Value: 2.5}, `{"name":"g","value":2.5}`},
		{metrics.GaugeSnapshot{Name: "g", Labels: []string{"k", "<v>"}, Value: -1}, `{"name":"g","labels":["k","\u003cv\u003e"],"value":-1}`},
		{metrics.GaugeSnapshot{Name: "g", Value: math.NaN()}, `{"name":"g","value":"NaN"}`},
		{metrics.GaugeSnapshot{Name: "g", Value: math.Inf(1)}, `{"name":"g","value":"+Inf"}`},
		{metrics.GaugeSnapshot{Name: "g", Value: math.Inf(-1)}, `{"name":"g","value":"-Inf"}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("Marshal(%+v) = %s, %v, want %s", tt.in, got, err, tt.want)
			continue
		}
		var back metrics.GaugeSnapshot
		if err := json.Unmarshal(got, &back); err != nil || !sameFloat(back.Value, tt.in.Value) || back.Name != tt.in.Name || strings.Join(back.Labels, ",") != strings.Join(tt.in.Labels, ",") {
			t.Errorf("Unmarshal(%s) = %+v, %v, want %+v", got, back, err, tt.in)
		}
	}
}

func TestUnmarshalJSON(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name    string
		in      string
		want    metrics.HistogramSnapshot
		wantErr bool
	}{
		{name: "numbers", in: `{"name":"h","count":2,"sum":3,"min":1,"max":2,"buckets":{"1":1,"+Inf":2}}`,
			want: metrics.HistogramSnapshot{Name: "h", Count: 2, Sum: 3, Min: 1, Max: 2, Buckets: map[float64]int64{1: 1, inf: 2}}},
		{name: "strings", in: `{"name":"h","count":1,"sum":"+Inf","min":"-Inf","max":"NaN","buckets":{"+Inf":1}}`,
			want: metrics.HistogramSnapshot{Name: "h", Count: 1, Sum: inf, Min: math.Inf(-1), Max: math.NaN(), Buckets: map[float64]int64{inf: 1}}},
		{name: "missing +Inf takes count", in: `{"name":"h","count":4,"buckets":{"2.5":1}}`,
			want: metrics.HistogramSnapshot{Name: "h", Count: 4, Buckets: map[float64]int64{2.5: 1, inf: 4}}},
		{name: "no buckets", in: `{"name":"h"}`,
			want: metrics.HistogramSnapshot{Name: "h", Buckets: map[float64]int64{inf: 0}}},
		{name: "other string", in: `{"name":"h","sum":"Infinity"}`, wantErr: true},
		{name: "bool", in: `{"name":"h","sum":true}`, wantErr: true},
		{name: "bad bound", in: `{"name":"h","buckets":{"one":1}}`, wantErr: true},
		{name: "NaN bound", in: `{"name":"h","buckets":{"NaN":1}}`, wantErr: true},
		{name: "-Inf bound", in: `{"name":"h","buckets":{"-Inf":1}}`, wantErr: true},
		{name: "repeated bound", in: `{"name":"h","buckets":{"1":1,"1.0":1}}`, wantErr: true},
		{name: "not an object", in: `[1]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got metrics.HistogramSnapshot
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && !sameHistogram(got, tt.want) {
				t.Errorf("Unmarshal(%s) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}

	var g metrics.GaugeSnapshot
	if err := json.Unmarshal([]byte(`{"name":"g","value":"-inf"}`), &g); err == nil {
		t.Errorf(`Unmarshal gauge with value "-inf" = %+v, want an error`, g)
	}
}

func sameFloat(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b)
}

func sameHistogram(a, b metrics.HistogramSnapshot) bool {
	if a.Name != b.Name || strings.Join(a.Labels, "\x00") != strings.Join(b.Labels, "\x00") || len(a.Labels) != len(b.Labels) ||
		a.Count != b.Count || !sameFloat(a.Sum, b.Sum) || !sameFloat(a.Min, b.Min) || !sameFloat(a.Max, b.Max) ||
		len(a.Buckets) != len(b.Buckets) {
		return false
	}
	for bound, n := range a.Buckets {
		if m, ok := b.Buckets[bound]; !ok || m != n {
			return false
		}
	}
	return true
}
