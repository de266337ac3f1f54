package config_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
)

func parse(t *testing.T, doc string) map[string]any {
	t.Helper()
	m, err := config.ParseTOML(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("ParseTOML(%q) error: %v", doc, err)
	}
	return m
}

func TestParseTOMLValues(t *testing.T) {
	minus7 := time.FixedZone("", -7*3600)
	tests := []struct {
		name string
		doc  string
		want map[string]any
	}{
		{"empty", "", map[string]any{}},
		{"comment only", "# nothing\n", map[string]any{}},
		{"scalars", "s = 'x'\ni = 1_000\nh = 0xff\nf = 6.5e1\nb = true\ninf = -inf",
			map[string]any{"s": "x", "i": int64(1000), "h": int64(255), "f": 65.0, "b": true, "inf": -1 / zero()}},
		{"offset datetime keeps its offset", "t = 1979-05-27T00:32:00.999-07:00",
			map[string]any{"t": time.Date(1979, 5, 27, 0, 32, 0, 999000000, minus7)}},
		{"local datetime in UTC", "t = 1979-05-27T07:32:00",
			map[string]any{"t": time.Date(1979, 5, 27, 7, 32, 0, 0, time.UTC)}},
		{"local date in UTC", "t = 1979-05-27",
			map[string]any{"t": time.Date(1979, 5, 27, 0, 0, 0, 0, time.UTC)}},
		{"local time as string", "a = 07:32:00\nb = 00:32:00.5000",
			map[string]any{"a": "07:32:00", "b": "00:32:00.5000"}},
		{"dotted keys", "a.b.c = 1\na.d = 2",
			map[string]any{"a": map[string]any{"b": map[string]any{"c": int64(1)}, "d": int64(2)}}},
		{"inline table", "p = { x = 1, y.z = 'w' }",
			map[string]any{"p": map[string]any{"x": int64(1), "y": map[string]any{"z": "w"}}}},
		{"multi-line array", "a = [\n  1,\n  [2, 'x'],\n]",
			map[string]any{"a": []any{int64(1), []any{int64(2), "x"}}}},
		{"array of tables", "[[s]]\nn = 1\n[[s]]\nn = 2\n[[s.c]]\nk = true",
			map[string]any{"s": []any{
				map[string]any{"n": int64(1)},
				map[string]any{"n": int64(2), "c": []any{map[string]any{"k": true}}},
			}}},
		{"multi-line strings", "b = \"\"\"\nfirst \\\n  second\"\"\"\nl = '''\nC:\\x\n'''",
			map[string]any{"b": "first second", "l": "C:\\x\n"}},
		{"crlf", "a = 1\r\nb = 2\r\n", map[string]any{"a": int64(1), "b": int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse(t, tt.doc)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseTOML(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
			assertPlain(t, "", got)
		})
	}
}

func zero() float64 { return 0 }

// assertPlain fails when v holds a type ParseTOML does not document, such
// as one of go-toml's local date types.
func assertPlain(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case string, int64, float64, bool, time.Time:
	case []any:
		for i, e := range x {
			assertPlain(t, fmt.Sprintf("%s[%d]", path, i), e)
		}
	case map[string]any:
		for k, e := range x {
			assertPlain(t, path+"."+k, e)
		}
	default:
		t.Errorf("value at %q has type %T, want a plain Go type", path, v)
	}
}

// Fixed on purpose: parse errors carry line and column.
func TestParseErrorPosition(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		line, col int
	}{
		{"missing value", "a = 1\n[t]\nb = \n", 3, 5},
		{"duplicate key", "a = 1\na = 2\n", 2, 1},
		{"duplicate table", "[t]\nx = 1\n[t]\n", 3, 2},
		{"key is value not table", "[a]\nb = 1\n[a.b]\n", 3, 2},
		{"bad escape", "ok = 1\ns = \"\\q\"", 2, 6},
		{"double comma", "a = [1,\n2,,]", 2, 3},
		{"integer overflow", "a = 99999999999999999999", 1, 5},
		{"impossible date", "d = 1979-13-27", 1, 10},
		{"unterminated string", "\n\ns = \"abc", 3, 8},
		{"bare word", "a = yes", 1, 5},
		{"missing equals", "key 1", 1, 5},
		{"leading zero", "n = 012", 1, 5},
		{"inline table reopened", "p = {x = 1}\n[p]\ny = 2", 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.ParseTOML(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("ParseTOML(%q) = nil error, want a parse error", tt.doc)
			}
			if got := errors.Code(err); got != errors.CodeValidation {
				t.Errorf("Code(%v) = %q, want %q", err, got, errors.CodeValidation)
			}
			var pe *config.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseTOML(%q) error %v does not wrap *ParseError", tt.doc, err)
			}
			if pe.Line != tt.line || pe.Column != tt.col {
				t.Errorf("ParseTOML(%q) position = line %d, column %d (%v), want line %d, column %d",
					tt.doc, pe.Line, pe.Column, pe, tt.line, tt.col)
			}
			prefix := fmt.Sprintf("line %d, column %d: ", pe.Line, pe.Column)
			if !strings.HasPrefix(pe.Error(), prefix) || pe.Msg == "" || strings.HasPrefix(pe.Msg, "toml:") {
				t.Errorf("ParseError.Error() = %q, want %q followed by the message", pe.Error(), prefix)
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	e := &config.ParseError{Line: 3, Column: 7, Msg: "boom"}
	if got, want := e.Error(), "line 3, column 7: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Fixed on purpose: lines over 64 KiB work (no bufio.Scanner limit).
func TestParseLongLine(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	doc := "a = 1\nlong = \"" + long + "\"\nb = 2\n"
	m := parse(t, doc)
	if got := m["long"]; got != long {
		t.Errorf("long value has %d bytes, want %d", len(fmt.Sprint(got)), len(long))
	}
	if m["b"] != int64(2) {
		t.Errorf("b after the long line = %v, want 2", m["b"])
	}
	var v struct{ Long string }
	if err := config.Decode(m, &v); err != nil || v.Long != long {
		t.Errorf("Decode of the long line: err %v, %d bytes, want %d bytes", err, len(v.Long), len(long))
	}
	// An error after a long line still gets the right position.
	_, err := config.ParseTOML(strings.NewReader("long = \"" + long + "\"\nbad = ?\n"))
	var pe *config.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Column != 7 {
		t.Errorf("error after a long line = %v, want line 2, column 7", err)
	}
}

func TestParseTOMLReadError(t *testing.T) {
	_, err := config.ParseTOML(failingReader{})
	if got := errors.Code(err); got != errors.CodeInternal {
		t.Errorf("ParseTOML(failing reader) code = %q (%v), want internal", got, err)
	}
	if !errors.Is(err, errRead) {
		t.Errorf("ParseTOML(failing reader) = %v, want it to wrap the read error", err)
	}
	_, err = config.ParseTOML(nil)
	if got := errors.Code(err); got != errors.CodeValidation {
		t.Errorf("ParseTOML(nil) code = %q (%v), want validation", got, err)
	}
}

var errRead = errors.New(errors.CodeInternal, "disk on fire")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errRead }

// Every result type is one of the documented plain types, also in nested
// arrays of inline tables.
func TestParseTOMLNoLibraryTypes(t *testing.T) {
	m := parse(t, "a = [{d = 1979-05-27, t = 07:00:00, dt = 1979-05-27T07:00:00}]\n[x.y]\nz = [[1979-05-27]]")
	assertPlain(t, "", m)
	if got := reflect.TypeOf(m["a"].([]any)[0].(map[string]any)["t"]); got != reflect.TypeFor[string]() {
		t.Errorf("local time type = %v, want string", got)
	}
}
