package metrics_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/metrics"
)

// FuzzHistogramSnapshotJSON observes fuzzed values (NaN payloads, ±Inf,
// subnormals, -0…) into a histogram with fuzzed bounds and asserts that the
// snapshot survives MarshalJSON then UnmarshalJSON unchanged, NaN-aware, and
// that Percentile agrees before and after.
func FuzzHistogramSnapshotJSON(f *testing.F) {
	floats := func(vs ...float64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(1.0, 10.0, 1e6, floats(0.5, 3, 2e6))
	f.Add(math.NaN(), math.Inf(1), -0.0, floats(math.NaN(), math.Inf(1), math.Inf(-1), -0.0))
	f.Add(1e-7, 5e-324, -1e300, floats(math.SmallestNonzeroFloat64, -1e308, 1e308, 1e308))
	f.Add(0.0, 0.0, 0.0, []byte{})
	f.Fuzz(func(t *testing.T, b1, b2, b3 float64, values []byte) {
		h := metrics.NewRegistry().Histogram("fuzz", []float64{b1, b2, b3}, "k", "v")
		for len(values) >= 8 {
			h.Observe(math.Float64frombits(binary.LittleEndian.Uint64(values)))
			values = values[8:]
		}
		in := h.Snapshot()
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", in, err)
		}
		var out metrics.HistogramSnapshot
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("Unmarshal(%s): %v", data, err)
		}
		if !sameHistogram(out, in) {
			t.Fatalf("round trip of %s = %+v, want %+v", data, out, in)
		}
		for _, p := range []float64{0, 50, 90, 100} {
			if got, want := out.Percentile(p), in.Percentile(p); !sameFloat(got, want) {
				t.Errorf("decoded Percentile(%v) = %v, want %v", p, got, want)
			}
		}
	})
}

// FuzzUnmarshalJSON feeds arbitrary bytes to the snapshot decoders. They
// never panic, and whatever they accept survives Marshal then Unmarshal
// unchanged.
func FuzzUnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"name":"h","labels":["a","1"],"count":3,"sum":"NaN","min":"-Inf","max":2,"buckets":{"1":1,"1e+06":2,"+Inf":3}}`))
	f.Add([]byte(`{"name":"g","value":"+Inf"}`))
	f.Add([]byte(`{"buckets":{"-0":1,"0x1p-2":2,"Inf":3}}`))
	f.Add([]byte(`{"counters":{"c":{"name":"c","value":1}},"gauges":{"g":{"name":"g","value":"NaN"}},"histograms":{"h":{"name":"h","count":0,"buckets":{}}}}`))
	f.Add([]byte(`{"name":"h","labels":[],"sum":1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h metrics.HistogramSnapshot
		if json.Unmarshal(data, &h) == nil {
			again := roundTrip(t, h)
			if !sameHistogram(again, h) {
				t.Errorf("histogram round trip of %+v = %+v", h, again)
			}
		}
		var g metrics.GaugeSnapshot
		if json.Unmarshal(data, &g) == nil {
			again := roundTrip(t, g)
			if again.Name != g.Name || len(again.Labels) != len(g.Labels) || !sameFloat(again.Value, g.Value) {
				t.Errorf("gauge round trip of %+v = %+v", g, again)
			}
		}
		var r metrics.RegistrySnapshot
		if json.Unmarshal(data, &r) == nil {
			again := roundTrip(t, r)
			if len(again.Counters) != len(r.Counters) || len(again.Gauges) != len(r.Gauges) || len(again.Histograms) != len(r.Histograms) {
				t.Errorf("registry round trip of %+v = %+v", r, again)
			}
			for k, v := range r.Histograms {
				if !sameHistogram(again.Histograms[k], v) {
					t.Errorf("registry round trip: histogram %q = %+v, want %+v", k, again.Histograms[k], v)
				}
			}
		}
	})
}

func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", v, err)
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("Unmarshal(%s) of our own output: %v", data, err)
	}
	return out
}

// FuzzHistogramObserve checks Observe against a model built the plain way:
// fuzzed bounds (up to 40, so both the linear and the binary bucket search
// run) and values, NaN and ±Inf included. Each value must land in the
// first finite bound ≥ it, or in +Inf; Count, Min and Max must match, and
// Sum must be the sum of each bucket's values, added bucket by bucket.
func FuzzHistogramObserve(f *testing.F) {
	floats := func(vs ...float64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(floats(1, 10, 100), floats(0.5, 1, 10, 11, 1e9, math.NaN(), math.Inf(-1), -0.0))
	many := make([]float64, 40)
	for i := range many {
		many[i] = float64(i * i)
	}
	f.Add(floats(many...), floats(0, 1, 2, 3, 4, 5, 99, 100, 1000, 1521, 1522, math.Inf(1)))
	f.Add(floats(math.NaN(), math.Inf(1), 3, 3, -1), floats(3, -1, -2, math.NaN()))
	f.Fuzz(func(t *testing.T, boundBytes, valueBytes []byte) {
		decode := func(b []byte, most int) []float64 {
			var out []float64
			for len(b) >= 8 && len(out) < most {
				out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b)))
				b = b[8:]
			}
			return out
		}
		bounds, values := decode(boundBytes, 40), decode(valueBytes, 1000)
		if len(bounds) == 0 {
			return // nil buckets mean DefaultBuckets, covered elsewhere
		}
		h := metrics.NewRegistry().Histogram("fuzz", bounds)

		var finite []float64
		for _, b := range bounds {
			if !math.IsNaN(b) && !math.IsInf(b, 0) {
				finite = append(finite, b)
			}
		}
		slices.Sort(finite)
		finite = slices.Compact(finite)
		counts := make([]int64, len(finite)+1)
		sums := make([]float64, len(finite)+1)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range values {
			h.Observe(v)
			i := sort.Search(len(finite), func(i int) bool { return finite[i] >= v })
			counts[i]++
			sums[i] += v
			if !math.IsNaN(v) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		var sum float64
		for _, s := range sums {
			sum += s
		}
		got := h.Snapshot()
		var cum int64
		for i, b := range finite {
			cum += counts[i]
			if got.Buckets[b] != cum {
				t.Errorf("bucket le=%g holds %d, want %d", b, got.Buckets[b], cum)
			}
		}
		cum += counts[len(finite)]
		if got.Count != cum || got.Buckets[math.Inf(1)] != cum || got.Count != int64(len(values)) {
			t.Errorf("count %d, +Inf %d, want %d", got.Count, got.Buckets[math.Inf(1)], cum)
		}
		if !sameFloat(got.Sum, sum) {
			t.Errorf("sum %v, want %v", got.Sum, sum)
		}
		if cum > 0 && lo <= hi && (!sameFloat(got.Min, lo) || !sameFloat(got.Max, hi)) {
			t.Errorf("min %v max %v, want %v and %v", got.Min, got.Max, lo, hi)
		}
	})
}

// FuzzRegistration registers fuzzed series, one per ';'-separated op of the
// form "<c|g|h> name k1 v1 k2 v2…", and asserts the invariant that
// registration checks exist for: whatever was accepted, the Prometheus
// output parses (no family or series twice, no repeated or reserved label
// name) and the snapshot holds every accepted series. A rejected
// registration must panic with a message starting "metrics: ".
func FuzzRegistration(f *testing.F) {
	for _, seed := range []string{
		"c x;g x_total",
		"c x;c x_total",
		"h h;g h_count",
		"h h le a",
		"c c a-b 1 a_b 2",
		"g a-b;g a_b",
		"g g __name__ x",
		"c c a b,c,d;c c a b c d",
		"g g k \xff;g g k \xfe;g g k \uFFFD",
		"g g a.b 1;g g a_b 1;g g a_b 2",
		"c http_requests method GET code 200;c http_requests code 500 method POST;g inflight;h latency_ms route /v1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ops string) {
		reg := metrics.NewRegistry()
		accepted := map[any]bool{}
		for _, op := range strings.Split(ops, ";") {
			fields := strings.Split(op, " ")
			if len(fields) < 2 || len(fields[0]) != 1 {
				continue
			}
			name, labels := fields[1], fields[2:]
			func() {
				defer func() {
					if r := recover(); r != nil {
						if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "metrics: ") {
							t.Fatalf("op %q panicked with %v, want a message starting \"metrics: \"", op, r)
						}
					}
				}()
				switch fields[0] {
				case "c":
					reg.Counter(name, labels...).Inc()
					accepted[reg.Counter(name, labels...)] = true
				case "g":
					reg.Gauge(name, labels...).Set(1)
					accepted[reg.Gauge(name, labels...)] = true
				case "h":
					reg.Histogram(name, []float64{1}, labels...).Observe(2)
					accepted[reg.Histogram(name, nil, labels...)] = true
				}
			}()
		}
		var b strings.Builder
		if err := reg.WritePrometheus(&b); err != nil {
			t.Fatal(err)
		}
		if _, err := parseExposition(b.String()); err != nil {
			t.Fatalf("registrations %q: exposition does not parse: %v\n%s", ops, err, b.String())
		}
		snap := reg.Snapshot()
		if got := len(snap.Counters) + len(snap.Gauges) + len(snap.Histograms); got != len(accepted) {
			t.Fatalf("registrations %q: snapshot holds %d series, want the %d accepted", ops, got, len(accepted))
		}
		data, err := json.Marshal(snap)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]map[string]json.RawMessage
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if got := len(back["counters"]) + len(back["gauges"]) + len(back["histograms"]); got != len(accepted) {
			t.Fatalf("registrations %q: JSON holds %d series, want the %d accepted:\n%s", ops, got, len(accepted), data)
		}
	})
}
