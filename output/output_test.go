package output_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/output"
)

func TestNew(t *testing.T) {
	tests := []struct {
		format string
	}{{"json"}, {"table"}, {""}, {"TABLE"}, {"yaml"}}
	for _, tt := range tests {
		w := output.New(tt.format)
		if w.Format != tt.format || w.W != os.Stdout {
			t.Errorf("New(%q) = {Format: %q, W: %v}, want {Format: %q, W: os.Stdout}", tt.format, w.Format, w.W, tt.format)
		}
		var buf bytes.Buffer
		nw := output.NewWriter(tt.format, &buf)
		if nw.Format != tt.format || nw.W != &buf {
			t.Errorf("NewWriter(%q, &buf) = {Format: %q, W: %v}, want the arguments", tt.format, nw.Format, nw.W)
		}
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "null\n"},
		{"string", "hello", "\"hello\"\n"},
		{"no HTML escaping", "<a href=\"x\">&</a>", "\"<a href=\\\"x\\\">&</a>\"\n"},
		{"map keys sorted", map[string]any{"suite": "swe-bench", "score": 0.594}, `{"score":0.594,"suite":"swe-bench"}` + "\n"},
		{"struct", struct {
			Name  string `json:"name"`
			Tasks int    `json:"tasks"`
		}{"lite", 300}, `{"name":"lite","tasks":300}` + "\n"},
		{"slice", []int{1, 2, 3}, "[1,2,3]\n"},
		{"unicode", "ü → 世界", "\"ü → 世界\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := output.NewWriter("json", &buf).JSON(tt.in); err != nil {
				t.Fatalf("JSON(%#v) error: %v", tt.in, err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("JSON(%#v) wrote %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestJSONEncodeError(t *testing.T) {
	var buf bytes.Buffer
	err := output.NewWriter("json", &buf).JSON(map[string]any{"ch": make(chan int)})
	var ute *json.UnsupportedTypeError
	if !errors.As(err, &ute) {
		t.Fatalf("JSON(chan) error = %v, want a *json.UnsupportedTypeError in the chain", err)
	}
	if buf.Len() != 0 {
		t.Errorf("JSON(chan) wrote %q, want nothing", buf.String())
	}
}

func TestTable(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		rows    [][]string
		want    string
	}{
		{
			name:    "seed example",
			headers: []string{"SUITE", "SCORE", "STATUS"},
			rows: [][]string{
				{"swe-bench-verified", "0.594", "PASS"},
				{"swe-bench-lite", "0.621", "PASS"},
			},
			want: "" +
				"SUITE               SCORE  STATUS\n" +
				"-----               -----  ------\n" +
				"swe-bench-verified  0.594  PASS\n" +
				"swe-bench-lite      0.621  PASS\n",
		},
		{
			name:    "short rows padded with empty cells",
			headers: []string{"A", "BB", "C"},
			rows:    [][]string{{"xxxx"}, {"1", "2", "3"}, {}},
			want: "" +
				"A     BB  C\n" +
				"-     --  -\n" +
				"xxxx\n" +
				"1     2   3\n" +
				"\n",
		},
		{
			name:    "empty middle and last cells",
			headers: []string{"A", "B", "C"},
			rows:    [][]string{{"a", "", "c"}, {"", "b", ""}, {"", "", ""}},
			want: "" +
				"A  B  C\n" +
				"-  -  -\n" +
				"a     c\n" +
				"   b\n" +
				"\n",
		},
		{
			name:    "extra cells kept",
			headers: []string{"A", "B"},
			rows:    [][]string{{"1", "2", "3", "4"}, {"5", "6"}},
			want: "" +
				"A  B\n" +
				"-  -\n" +
				"1  2  3  4\n" +
				"5  6\n",
		},
		{
			name:    "separator counts runes",
			headers: []string{"NÄME", "世界"},
			rows:    [][]string{{"é", "x"}},
			want: "" +
				"NÄME  世界\n" +
				"----  --\n" +
				"é     x\n",
		},
		{
			name:    "no rows",
			headers: []string{"NAME", "SCORE"},
			rows:    nil,
			want:    "NAME  SCORE\n----  -----\n",
		},
		{
			name:    "no headers",
			headers: nil,
			rows:    [][]string{{"a", "b"}, {"ccc", "d"}},
			want:    "\n\na    b\nccc  d\n",
		},
		{
			name:    "control characters become spaces",
			headers: []string{"A\tB", "C"},
			rows:    [][]string{{"line1\nline2", "x\ry"}, {"\v\f", "\xff"}},
			want: "" +
				"A B          C\n" +
				"---          -\n" +
				"line1 line2  x y\n" +
				"             \uFFFD\n",
		},
		{
			name:    "trailing spaces of the last cell are dropped",
			headers: []string{"A", "B"},
			rows:    [][]string{{"a  ", "b  "}},
			want:    "A    B\n-    -\na    b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := output.NewWriter("table", &buf).Table(tt.headers, tt.rows); err != nil {
				t.Fatalf("Table error: %v", err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("Table(%q, %q) wrote\n%q\nwant\n%q", tt.headers, tt.rows, got, tt.want)
			}
		})
	}
}

func TestTableIgnoresFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := output.NewWriter("json", &buf).Table([]string{"A"}, [][]string{{"1"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "A\n-\n1\n"; got != want {
		t.Errorf("Table in json format wrote %q, want %q", got, want)
	}
}

type suite struct {
	Suite  string  `table:"SUITE"`
	Score  float64 `table:"SCORE"`
	Status string
}

type status int

func (s status) String() string { return [...]string{"FAIL", "PASS"}[s] }

type ptrStringer struct{ n int }

func (p *ptrStringer) String() string { return fmt.Sprintf("p%d", p.n) }

type Base struct {
	ID   int
	Kind string
}

type base struct{ Hidden int }

type withEmbedded struct {
	Base
	base
	Name string
}

type withEmbeddedPtr struct {
	*Base
	Name string
}

type everything struct {
	Name     string
	Skipped  string `table:"-"`
	Renamed  int    `table:"count"`
	Empty    string `table:""`
	secret   string
	IntPtr   *int
	StrPtr   *string
	Stringer *ptrStringer
	Status   status
	Any      any
	Err      error
	Time     time.Duration
}

func ptr[T any](v T) *T { return &v }

func TestWriteTable(t *testing.T) {
	_ = everything{}.secret // the field exists to be skipped
	tests := []struct {
		name string
		in   any
		want string
	}{
		{
			name: "slice of structs",
			in:   []suite{{"swe-bench-verified", 0.594, "PASS"}, {"swe-bench-lite", 0.621, "FAIL"}},
			want: "" +
				"SUITE               SCORE  STATUS\n" +
				"-----               -----  ------\n" +
				"swe-bench-verified  0.594  PASS\n" +
				"swe-bench-lite      0.621  FAIL\n",
		},
		{
			name: "array of struct pointers with a nil element",
			in:   [3]*suite{{"a", 1, "PASS"}, nil, {"b", 0.5, ""}},
			want: "" +
				"SUITE  SCORE  STATUS\n" +
				"-----  -----  ------\n" +
				"a      1      PASS\n" +
				"b      0.5\n",
		},
		{
			name: "empty slice",
			in:   []suite{},
			want: "SUITE  SCORE  STATUS\n-----  -----  ------\n",
		},
		{
			name: "nil slice",
			in:   []*suite(nil),
			want: "SUITE  SCORE  STATUS\n-----  -----  ------\n",
		},
		{
			name: "tags, skips, pointers and interfaces",
			in: []everything{
				{Name: "full", Skipped: "no", Renamed: 3, Empty: "e", secret: "s", IntPtr: ptr(7), StrPtr: ptr("str"),
					Stringer: &ptrStringer{2}, Status: 1, Any: ptr(1.5), Err: errors.New("boom"), Time: 1500 * time.Millisecond},
				{Name: "zero"},
			},
			want: "" +
				"NAME  count  EMPTY  INTPTR  STRPTR  STRINGER  STATUS  ANY  ERR   TIME\n" +
				"----  -----  -----  ------  ------  --------  ------  ---  ---   ----\n" +
				"full  3      e      7       str     p2        PASS    1.5  boom  1.5s\n" +
				"zero  0                                       FAIL               0s\n",
		},
		{
			name: "embedded exported struct is one column",
			in:   []withEmbedded{{Base: Base{ID: 1, Kind: "k"}, base: base{Hidden: 9}, Name: "n"}},
			want: "" +
				"BASE   NAME\n" +
				"----   ----\n" +
				"{1 k}  n\n",
		},
		{
			name: "embedded struct pointer is dereferenced, nil is empty",
			in:   []withEmbeddedPtr{{Base: &Base{ID: 2}, Name: "a"}, {Name: "b"}},
			want: "" +
				"BASE  NAME\n" +
				"----  ----\n" +
				"{2 }  a\n" +
				"      b\n",
		},
		{
			name: "cells stay on one line",
			in:   []suite{{"multi\nline", 1, "a\tb"}},
			want: "" +
				"SUITE       SCORE  STATUS\n" +
				"-----       -----  ------\n" +
				"multi line  1      a b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := output.NewWriter("table", &buf).Write(tt.in); err != nil {
				t.Fatalf("Write error: %v", err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("Write(%#v) wrote\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteJSONFallback(t *testing.T) {
	type onlySkipped struct {
		A int `table:"-"`
		b int
	}
	_ = onlySkipped{}.b
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		format string
		in     any
		want   string
	}{
		{"json format", "json", []suite{{"a", 1, "PASS"}}, `[{"Suite":"a","Score":1,"Status":"PASS"}]` + "\n"},
		{"unknown format means json", "yaml", []suite{{"a", 1, "PASS"}}, `[{"Suite":"a","Score":1,"Status":"PASS"}]` + "\n"},
		{"empty format means json", "", []suite{}, "[]\n"},
		{"format is case-sensitive", "TABLE", []suite{}, "[]\n"},
		{"nil", "table", nil, "null\n"},
		{"single struct", "table", suite{"a", 1, "PASS"}, `{"Suite":"a","Score":1,"Status":"PASS"}` + "\n"},
		{"pointer to slice", "table", &[]suite{}, "[]\n"},
		{"slice of ints", "table", []int{1, 2}, "[1,2]\n"},
		{"slice of any", "table", []any{suite{}}, `[{"Suite":"","Score":0,"Status":""}]` + "\n"},
		{"slice of maps", "table", []map[string]int{{"a": 1}}, `[{"a":1}]` + "\n"},
		{"no columns: time.Time", "table", []time.Time{ts}, `["2025-01-02T03:04:05Z"]` + "\n"},
		{"no columns: all skipped", "table", []onlySkipped{{A: 1}}, `[{"A":1}]` + "\n"},
		{"string", "table", "x<y", "\"x<y\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := output.NewWriter(tt.format, &buf).Write(tt.in); err != nil {
				t.Fatalf("Write error: %v", err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("NewWriter(%q).Write(%#v) wrote %q, want %q", tt.format, tt.in, got, tt.want)
			}
		})
	}
}

// Fixed on purpose: NewWriter("table", &buf).Write([]row{…}) produces a
// table, not JSON.
func TestWriteTableFormatProducesTable(t *testing.T) {
	type row struct {
		Name  string
		Score int
	}
	var buf bytes.Buffer
	if err := output.NewWriter("table", &buf).Write([]row{{"a", 1}, {"bb", 22}}); err != nil {
		t.Fatal(err)
	}
	want := "NAME  SCORE\n----  -----\na     1\nbb    22\n"
	if got := buf.String(); got != want {
		t.Errorf("Write in table format wrote %q, want %q", got, want)
	}
}

// Fixed on purpose: tests compare whole outputs byte for byte. This one
// pins the three entry points on one Writer in sequence.
func TestWholeOutput(t *testing.T) {
	var buf bytes.Buffer
	w := output.NewWriter("table", &buf)
	if err := w.JSON(map[string]string{"k": "<v>"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Table([]string{"K", "V"}, [][]string{{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]struct{ X, Y int }{{1, 2}}); err != nil {
		t.Fatal(err)
	}
	want := "{\"k\":\"<v>\"}\n" +
		"K  V\n-  -\na  b\n" +
		"X  Y\n-  -\n1  2\n"
	if got := buf.String(); got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

var errBroken = errors.New("broken pipe")

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errBroken }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestWriteErrors(t *testing.T) {
	calls := []struct {
		name string
		call func(w *output.Writer) error
	}{
		{"JSON", func(w *output.Writer) error { return w.JSON(1) }},
		{"Table", func(w *output.Writer) error { return w.Table([]string{"A"}, nil) }},
		{"Write table", func(w *output.Writer) error { w.Format = "table"; return w.Write([]suite{}) }},
		{"Write json", func(w *output.Writer) error { return w.Write([]suite{}) }},
	}
	dests := []struct {
		name string
		w    io.Writer
		want error
	}{
		{"failing", failingWriter{}, errBroken},
		{"short", shortWriter{}, io.ErrShortWrite},
	}
	for _, c := range calls {
		for _, d := range dests {
			t.Run(c.name+"/"+d.name, func(t *testing.T) {
				err := c.call(output.NewWriter("json", d.w))
				if !errors.Is(err, d.want) {
					t.Errorf("%s to a %s writer = %v, want an error matching %v", c.name, d.name, err, d.want)
				}
			})
		}
	}
}

// lineRecorder records each Write call separately, so the test can check
// that one call produced exactly one Write.
type lineRecorder struct {
	mu     sync.Mutex
	writes []string
}

func (r *lineRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func TestConcurrentUse(t *testing.T) {
	var buf bytes.Buffer // not safe for concurrent use: the race detector checks the Writer's mutex
	w := output.NewWriter("table", &buf)
	const goroutines, calls = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				var err error
				switch (g + i) % 3 {
				case 0:
					err = w.JSON(map[string]int{"g": g, "i": i})
				case 1:
					err = w.Table([]string{"G", "I"}, [][]string{{fmt.Sprint(g), fmt.Sprint(i)}})
				default:
					err = w.Write([]struct{ G, I int }{{g, i}})
				}
				if err != nil {
					t.Errorf("call %d of goroutine %d: %v", i, g, err)
				}
			}
		})
	}
	wg.Wait()

	// Every call's output must appear whole: parse the stream back.
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	seen := map[string]bool{}
	for i := 0; i < len(lines); {
		l := lines[i]
		if strings.HasPrefix(l, "{") {
			var m map[string]int
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("line %d %q is not JSON: %v", i, l, err)
			}
			seen[fmt.Sprint(m["g"], " ", m["i"])] = true
			i++
			continue
		}
		if i+2 >= len(lines) || l != "G  I" || lines[i+1] != "-  -" {
			t.Fatalf("lines %d.. = %q, want a whole table", i, lines[i:min(i+3, len(lines))])
		}
		var g, n int
		if _, err := fmt.Sscanf(lines[i+2], "%d %d", &g, &n); err != nil {
			t.Fatalf("line %d %q is not a row: %v", i+2, lines[i+2], err)
		}
		seen[fmt.Sprint(g, " ", n)] = true
		i += 3
	}
	if len(seen) != goroutines*calls {
		t.Errorf("found %d distinct results, want %d", len(seen), goroutines*calls)
	}
}

func TestOneWritePerCall(t *testing.T) {
	var rec lineRecorder
	w := output.NewWriter("table", &rec)
	_ = w.Table([]string{"A", "B"}, [][]string{{"1", "2"}, {"3", "4"}})
	_ = w.Write([]suite{{"a", 1, "x"}})
	_ = w.JSON([]int{1})
	want := []string{
		"A  B\n-  -\n1  2\n3  4\n",
		"SUITE  SCORE  STATUS\n-----  -----  ------\na      1      x\n",
		"[1]\n",
	}
	if fmt.Sprintf("%q", rec.writes) != fmt.Sprintf("%q", want) {
		t.Errorf("writes = %q, want %q", rec.writes, want)
	}
}

// redirect replaces *f (os.Stdout or os.Stderr) with a temporary file for
// the duration of fn and returns what was written to it. Tests using it
// must not run in parallel.
func redirect(t *testing.T, f **os.File, fn func()) string {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	old := *f
	*f = tmp
	defer func() { *f = old }()
	fn()
	b, err := os.ReadFile(tmp.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestError(t *testing.T) {
	got := redirect(t, &os.Stderr, func() {
		output.Error("config error: %v", errors.New("missing suite"))
		output.Error("plain")
	})
	if want := "config error: missing suite\nplain\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestDefaultDestinationIsStdout(t *testing.T) {
	got := redirect(t, &os.Stdout, func() {
		var zero output.Writer
		if err := zero.Write([]suite{}); err != nil {
			t.Errorf("zero Writer: %v", err)
		}
		if err := output.New("table").Table([]string{"A"}, nil); err != nil {
			t.Errorf("New: %v", err)
		}
	})
	if want := "[]\nA\n-\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}
