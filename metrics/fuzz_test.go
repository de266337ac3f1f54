package metrics_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
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
