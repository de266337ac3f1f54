package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
	toml "github.com/pelletier/go-toml/v2"
)

// fuzzTarget has a field of every kind Decode supports, under keys that the
// seeds use, plus a recursive pointer.
type fuzzTarget struct {
	A  string
	B  bool
	I  int8
	U  uint16
	F  float32
	D  time.Duration
	T  time.Time
	L  []int
	S  []fuzzTarget
	M  map[string]string
	P  *fuzzTarget
	X  any
	Ts []time.Time
}

// FuzzParseDecode feeds arbitrary bytes to ParseTOML and Decode. Properties:
//
//   - nothing panics;
//   - a rejected document gives code validation and a *ParseError with a
//     1-based position; a decode failure gives code validation;
//   - an accepted document holds only the documented plain types, and
//     survives a round trip: encoding the map with go-toml's Marshal and
//     parsing that again gives an equal map. Times compare with
//     time.Time.Equal (a local date-time comes back as the same instant in
//     UTC, with an offset), and NaN equals NaN.
func FuzzParseDecode(f *testing.F) {
	for _, seed := range []string{
		"a = 'x'\nb = true\ni = -3\nu = 7\nf = 1.5\nd = '1s'\nt = 1979-05-27T07:32:00Z\nl = [1, 2]",
		"[[s]]\na = 'x'\n[[s]]\ni = 200\n[p.p]\nd = 5\n[m]\nk = 'v'",
		"x = { y = [1, { z = 07:32:00 }] }\nts = [1979-05-27, 1979-05-27T07:32:00]",
		"a.b.\"c d\" = nan\n'e' = -inf\nf = 0x1F\ng = 0o17\nh = 0b11\ni = 1e-3",
		"bad = = 1",
		"a = {\n}",
		"dup = 1\ndup = 2",
		"s = \"\"\"\nmulti \\\n line\"\"\"\nl = '''\nraw\\n'''",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Long inputs make the fuzzer spend its time minimizing (the
		// minimizer is quadratic in the input length); long documents
		// are covered by TestParseDecodeProperty.
		if len(data) > 256 {
			return
		}
		checkParseDecode(t, data)
	})
}

// TestParseDecodeProperty runs the fuzz property on the full example file
// and on a document with a line over 64 KiB.
func TestParseDecodeProperty(t *testing.T) {
	full, err := os.ReadFile(filepath.Join("testdata", "full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	checkParseDecode(t, full)
	checkParseDecode(t, []byte("a = '"+strings.Repeat("x", 70<<10)+"'\n[[s]]\na = 'y'\n"))
}

func checkParseDecode(t *testing.T, data []byte) {
	t.Helper()
	m, err := config.ParseTOML(bytes.NewReader(data))
	if err != nil {
		var pe *config.ParseError
		if errors.Code(err) != errors.CodeValidation || !errors.As(err, &pe) {
			t.Fatalf("ParseTOML(%q) = %v, want code validation wrapping *ParseError", data, err)
		}
		if pe.Line < 1 || pe.Column < 1 {
			t.Fatalf("ParseTOML(%q) position %d:%d, want 1-based", data, pe.Line, pe.Column)
		}
		return
	}
	assertPlain(t, "", m)

	for _, opts := range [][]config.Option{nil, {config.Strict()}} {
		var v fuzzTarget
		if err := config.Decode(m, &v, opts...); err != nil && errors.Code(err) != errors.CodeValidation {
			t.Fatalf("Decode(%q) = %v, want nil or code validation", data, err)
		}
		if err := config.Validate(&v); err != nil {
			t.Fatalf("Validate(untagged) = %v, want nil", err)
		}
	}

	enc, err := toml.Marshal(m)
	if err != nil {
		t.Fatalf("Marshal(ParseTOML(%q)): %v", data, err)
	}
	back, err := config.ParseTOML(bytes.NewReader(enc))
	if err != nil {
		t.Fatalf("ParseTOML(Marshal(ParseTOML(%q))) = %v\nencoded:\n%s", data, err, enc)
	}
	if diff := cmp.Diff(m, back, cmpopts.EquateNaNs()); diff != "" {
		t.Fatalf("round trip of %q mismatch (-first +second):\n%s\nencoded:\n%s", data, diff, enc)
	}
}
