package bindings_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// The float table pins how Go's encoding/json writes float64 and float32
// values, which the Python format_float and the TypeScript formatFloat
// must copy digit for digit: the payload encoders of both bindings write
// floats with them, and Go checks the payload bytes in TestInterop.
//
// testdata/floats.json holds one entry per value: its IEEE 754 bits in hex
// (so that every language reads exactly the same value) and the text
// json.Marshal writes for it. TestFloatTable fails when the file differs
// from what Go writes today; `go test -run TestFloatTable -update` in
// bindings/ rewrites it. The Python and TypeScript suites read it by
// relative path.

var update = flag.Bool("update", false, "rewrite testdata/floats.json")

const floatTable = "testdata/floats.json"

// floatEntry is one line of the table.
type floatEntry struct {
	Bits int    `json:"bits"` // 32 or 64
	Hex  string `json:"hex"`  // the IEEE 754 bits, big-endian
	Go   string `json:"go"`   // json.Marshal of the value
}

// floatValues returns the values of the table: the corners of Go's format
// (the switch to exponent form below 1e-6 and from 1e21, "e-07" written
// "e-7", -0, subnormals, the extremes) and deterministic random values of
// every magnitude.
func floatValues() (f64 []float64, f32 []float32) {
	f64 = []float64{
		0, math.Copysign(0, -1), 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 100, 1234.5678, -98765.4321,
		1e-6, 9.999999999999999e-7, 1e-7, 1.5e-7, 1e-300, 1e20, 99999999999999999999, 1e21, 1e21 * 0.9999999999999999,
		1.0000000000000001e21, 123456789012345678901234.0, 1e22, 1e100, 1e300, 1.7976931348623157e308,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 4.9406564584124654e-324,
		1 << 53, 1<<53 + 2, 1 << 62, 1 << 63, 9007199254740993, 12345678901234567890,
		0.000001, 0.0000011, 0.00001, 5e-324, -5e-324, 1e-5, 1e-10, 1e-100, 0.1 + 0.2, 1e23, 8.41e21,
		5e-7, 4.35, 0.57, 100.5, 2.5, 3.14159, -0.000001, -1e21, -1e-7,
	}
	f32 = []float32{
		0, float32(math.Copysign(0, -1)), 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 100, 1234.5678, 1e-6, 9.9999994e-7,
		1e-7, 1e20, 1e21, 9.9999998e20, 1e38, math.MaxFloat32, math.SmallestNonzeroFloat32, 1.1754944e-38,
		16777216, 16777217, 3.4028235e38, 1.5e-7, 0.5, 2.5, 3.14159, -0.000001, -1e21,
	}
	r := rand.New(rand.NewPCG(1, 2))
	for len(f64) < 600 {
		var f float64
		switch len(f64) % 3 {
		case 0: // any bit pattern: every exponent
			f = math.Float64frombits(r.Uint64())
		case 1: // a short decimal: digits over a power of ten
			f = float64(r.IntN(1_000_000)) * math.Pow(10, float64(r.IntN(60)-30))
		default: // around the switches to exponent form
			f = math.Pow(10, float64(r.IntN(4)*9-6+r.IntN(2)*27)) * (0.5 + r.Float64())
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			f64 = append(f64, f)
		}
	}
	for len(f32) < 300 {
		var f float32
		if len(f32)%2 == 0 {
			f = math.Float32frombits(r.Uint32())
		} else {
			f = float32(r.IntN(100_000)) * float32(math.Pow(10, float64(r.IntN(50)-25)))
		}
		if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
			f32 = append(f32, f)
		}
	}
	return f64, f32
}

// floatEntries returns the table as Go writes it today.
func floatEntries(t testing.TB) []floatEntry {
	t.Helper()
	f64, f32 := floatValues()
	var out []floatEntry
	for _, f := range f64 {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", f, err)
		}
		out = append(out, floatEntry{Bits: 64, Hex: fmt.Sprintf("%016x", math.Float64bits(f)), Go: string(b)})
	}
	for _, f := range f32 {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", f, err)
		}
		out = append(out, floatEntry{Bits: 32, Hex: fmt.Sprintf("%08x", math.Float32bits(f)), Go: string(b)})
	}
	return out
}

// encodeTable writes the table with one entry per line, for readable diffs.
func encodeTable(entries []floatEntry) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, e := range entries {
		line, _ := json.Marshal(e) // plain strings and ints always encode
		b.Write(line)
		if i < len(entries)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes()
}

func TestFloatTable(t *testing.T) {
	want := encodeTable(floatEntries(t))
	if *update {
		if err := os.MkdirAll(filepath.Dir(floatTable), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(floatTable, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(floatTable)
	if err != nil {
		t.Fatalf("read the float table: %v; run go test -run TestFloatTable -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what Go writes (first difference at line %d); run go test -run TestFloatTable -update",
			floatTable, firstDiffLine(got, want))
	}
	// Each entry's text reads back as the value: the table is self-consistent.
	var entries []floatEntry
	if err := json.Unmarshal(got, &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		bits, err := strconv.ParseUint(e.Hex, 16, e.Bits)
		if err != nil {
			t.Fatalf("entry %+v: %v", e, err)
		}
		back, err := strconv.ParseFloat(e.Go, e.Bits)
		if err != nil {
			t.Fatalf("entry %+v: %v", e, err)
		}
		if e.Bits == 64 && math.Float64bits(back) != bits || e.Bits == 32 && uint64(math.Float32bits(float32(back))) != bits {
			t.Errorf("entry %+v: %q reads back as %v", e, e.Go, back)
		}
	}
}
