package config_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
)

// The shape of testdata/full.toml.
type fullConfig struct {
	Name     string
	Version  int
	Debug    bool
	Ratio    float64
	MaxItems int `toml:"max-items"`
	Tags     []string
	Started  time.Time
	Window   window
	Banner   string
	Pattern  string
	Server   *server
	Servers  []backend
	Extra    *extra
	Ignored  string `toml:"-"`
	private  string
}

type window struct {
	Open time.Time
	Day  time.Time
	At   string
}

type server struct {
	ListenAddr string `toml:"listen-addr,omitempty"`
	Port       uint16
	Timeout    time.Duration
	Idle       time.Duration
	Limits     limits
	TLS        *tlsConfig `toml:"tls"`
	Headers    map[string]string
}

type limits struct {
	RPS   float32 `toml:"rps"`
	Burst int
}

type tlsConfig struct{ Cert, Key string }

type backend struct {
	Name    string
	Port    int
	Weights []int
	Backoff time.Duration
	Checks  []check
}

type check struct {
	Path     string
	Interval time.Duration
}

type extra struct {
	Level int
	Deep  *extra
}

func wantFull() fullConfig {
	return fullConfig{
		Name:     "matchspec",
		Version:  3,
		Ratio:    0.75,
		MaxItems: 1000,
		Tags:     []string{"eval", "nightly"},
		Started:  time.Date(2026, 5, 27, 14, 32, 0, 500000000, time.UTC),
		Window: window{
			Open: time.Date(1979, 5, 27, 7, 32, 0, 0, time.UTC),
			Day:  time.Date(1979, 5, 27, 0, 0, 0, 0, time.UTC),
			At:   "07:32:00.25",
		},
		Banner:  "Welcome to matchspec.",
		Pattern: "C:\\Users\\*.toml\n",
		Server: &server{
			ListenAddr: "127.0.0.1",
			Port:       8080,
			Timeout:    90 * time.Second,
			Idle:       2 * time.Second,
			Limits:     limits{RPS: 50.5, Burst: 10},
			TLS:        &tlsConfig{Cert: "/etc/cert.pem", Key: "/etc/key.pem"},
			Headers:    map[string]string{"X-Tool": "matchspec", "X-Env": "prod"},
		},
		Servers: []backend{
			{Name: "alpha", Port: 9001, Weights: []int{1, 2, 3}},
			{Name: "beta", Port: 9002, Backoff: 250 * time.Millisecond,
				Checks: []check{{Path: "/healthz", Interval: 5 * time.Second}}},
		},
	}
}

var allowPrivate = cmp.AllowUnexported(fullConfig{})

func readFull(t testing.TB) map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := config.ParseTOML(f)
	if err != nil {
		t.Fatalf("ParseTOML(full.toml): %v", err)
	}
	return m
}

// Fixed on purpose: real TOML works: [[servers]], dotted keys, multi-line
// strings and arrays, inline tables, datetimes and 1_000 as an integer.
func TestDecodeFullFile(t *testing.T) {
	got := fullConfig{Ignored: "kept", private: "kept"}
	if err := config.Decode(readFull(t), &got, config.Strict()); err != nil {
		t.Fatalf("Decode(full.toml): %v", err)
	}
	want := wantFull()
	want.Ignored, want.private = "kept", "kept"
	if diff := cmp.Diff(want, got, allowPrivate); diff != "" {
		t.Errorf("Decode(full.toml) mismatch (-want +got):\n%s", diff)
	}
	if _, off := got.Started.Zone(); off != -7*3600 {
		t.Errorf("Started offset = %d, want -25200 (the file's -07:00)", off)
	}
}

func TestLoadFullFile(t *testing.T) {
	var got fullConfig
	if err := config.Load(filepath.Join("testdata", "full.toml"), "", &got); err != nil {
		t.Fatalf("Load(full.toml): %v", err)
	}
	if diff := cmp.Diff(wantFull(), got, allowPrivate); diff != "" {
		t.Errorf("Load(full.toml) mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeLeavesMissingUntouched(t *testing.T) {
	got := backend{Name: "default", Port: 1, Backoff: time.Second}
	if err := config.Decode(parse(t, "port = 2"), &got); err != nil {
		t.Fatal(err)
	}
	want := backend{Name: "default", Port: 2, Backoff: time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
}

type kinds struct {
	S   string
	B   bool
	I   int
	I8  int8
	U   uint
	U8  uint8
	F   float64
	F32 float32
	D   time.Duration
	T   time.Time
	L   []int
	LL  [][]string
	M   map[string]int
	MS  map[string]check
	P   *check
	N   namedString
}

type namedString string

func TestDecodeConversions(t *testing.T) {
	tests := []struct {
		doc  string
		want kinds
	}{
		{"s = 'x'", kinds{S: "x"}},
		{"b = true", kinds{B: true}},
		{"i = -3", kinds{I: -3}},
		{"i = 3.0", kinds{I: 3}},
		{"i8 = 127", kinds{I8: 127}},
		{"i8 = -128", kinds{I8: -128}},
		{"u = 7", kinds{U: 7}},
		{"u8 = 255.0", kinds{U8: 255}},
		{"f = 2", kinds{F: 2}},
		{"f = 2.5", kinds{F: 2.5}},
		{"f32 = 1e38", kinds{F32: 1e38}},
		{"d = '1m30s'", kinds{D: 90 * time.Second}},
		{"d = 1500", kinds{D: 1500}},
		{"d = -5", kinds{D: -5}},
		{"t = 2024-01-02T03:04:05Z", kinds{T: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{"t = 2024-01-02", kinds{T: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}},
		{"t = '2024-01-02T03:04:05.5+01:00'", kinds{T: time.Date(2024, 1, 2, 2, 4, 5, 500000000, time.UTC)}},
		{"l = [1, 2.0]", kinds{L: []int{1, 2}}},
		{"l = []", kinds{L: []int{}}},
		{"ll = [['a'], [], ['b', 'c']]", kinds{LL: [][]string{{"a"}, {}, {"b", "c"}}}},
		{"m = {a = 1, b = 2}", kinds{M: map[string]int{"a": 1, "b": 2}}},
		{"[ms.x]\npath = '/p'", kinds{MS: map[string]check{"x": {Path: "/p"}}}},
		{"p = {path = '/q', interval = '1s'}", kinds{P: &check{Path: "/q", Interval: time.Second}}},
		{"n = 'named'", kinds{N: "named"}},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			var got kinds
			if err := config.Decode(parse(t, tt.doc), &got); err != nil {
				t.Fatalf("Decode(%q): %v", tt.doc, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}

// Bad input: values of the wrong type name the dotted path.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		doc   string
		field string
		msg   string
	}{
		{"s = 1", "s", "s: expected string, got integer"},
		{"s = true", "s", "s: expected string, got bool"},
		{"b = 'true'", "b", "b: expected bool, got string"},
		{"b = 1", "b", "b: expected bool, got integer"},
		{"i = 'x'", "i", "i: expected integer, got string"},
		{"i = 1.5", "i", "i: 1.5 is not an integer"},
		{"i = nan", "i", "i: NaN is not an integer"},
		{"i = 1e300", "i", "i: 1e+300 overflows int"},
		{"i8 = 128", "i8", "i8: 128 overflows int8"},
		{"i8 = -129", "i8", "i8: -129 overflows int8"},
		{"u = -1", "u", "u: -1 overflows uint"},
		{"u8 = 256", "u8", "u8: 256 overflows uint8"},
		{"u8 = -1.0", "u8", "u8: -1 overflows uint8"},
		{"f = 'x'", "f", "f: expected float or integer, got string"},
		{"f32 = 1e39", "f32", "f32: 1e+39 overflows float32"},
		{"d = 'soon'", "d", `d: invalid duration "soon"`},
		{"d = 1.5", "d", "d: expected duration string or integer nanoseconds, got float"},
		{"t = 07:00:00", "t", `t: invalid RFC 3339 time "07:00:00"`},
		{"t = 5", "t", "t: expected datetime or RFC 3339 string, got integer"},
		{"l = 1", "l", "l: expected array, got integer"},
		{"l = [1, 'x']", "l[1]", "l[1]: expected integer, got string"},
		{"ll = [['a'], [1]]", "ll[1][0]", "ll[1][0]: expected string, got integer"},
		{"m = 1", "m", "m: expected table, got integer"},
		{"m = {a = 'x'}", "m.a", "m.a: expected integer, got string"},
		{"[ms.x]\ninterval = 3.5", "ms.x.interval", "ms.x.interval: expected duration string or integer nanoseconds, got float"},
		{"p = 1", "p", "p: expected table, got integer"},
		{"p = {path = 1}", "p.path", "p.path: expected string, got integer"},
		{"p = [1]", "p", "p: expected table, got array"},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			var got kinds
			err := config.Decode(parse(t, tt.doc), &got)
			checkFieldError(t, err, tt.field, tt.msg)
			if got.P != nil {
				t.Errorf("Decode(%q) left P = %+v, want nil after a failed decode", tt.doc, got.P)
			}
		})
	}
}

// checkFieldError asserts err is a validation error for field with the
// given message.
func checkFieldError(t *testing.T, err error, field, msg string) {
	t.Helper()
	var e *errors.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an *errors.Error", err)
	}
	if e.Code != errors.CodeValidation || e.Meta["field"] != field || e.Message != msg {
		t.Errorf("error = %q (code %q, field %q), want message %q, field %q, code validation",
			e.Message, e.Code, e.Meta["field"], msg, field)
	}
}

// Fixed on purpose: decode errors name the dotted path, here inside an
// array of tables.
func TestDecodeErrorPathInArrayOfTables(t *testing.T) {
	doc := "[[servers]]\nport = 1\n[[servers]]\nport = 'two'\n"
	var cfg fullConfig
	err := config.Decode(parse(t, doc), &cfg)
	checkFieldError(t, err, "servers[1].port", "servers[1].port: expected integer, got string")
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	var got kinds
	err := config.Decode(parse(t, "s = 1\nb = 2\ni = 3"), &got)
	var fields []string
	for _, e := range joined(err) {
		var ce *errors.Error
		if errors.As(e, &ce) {
			fields = append(fields, ce.Meta["field"])
		}
	}
	if diff := cmp.Diff([]string{"b", "s"}, fields); diff != "" {
		t.Errorf("error fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
	}
	if got.I != 3 {
		t.Errorf("I = %d, want 3: clean fields decode despite other errors", got.I)
	}
}

// joined returns the errors of a joined error, or err alone.
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestDecodeUnsupportedTargets(t *testing.T) {
	var v struct {
		Any   any
		PInt  *int
		Arr   [2]int
		Ch    chan int
		MInt  map[int]string
		Fine  string
		Other string
	}
	doc := "any = 1\npint = 2\narr = [1, 2]\nch = 3\nmint = {a = 'b'}\nfine = 'ok'"
	err := config.Decode(parse(t, doc), &v)
	want := map[string]string{
		"any":  "any: unsupported field type interface {}",
		"pint": "pint: unsupported field type *int",
		"arr":  "arr: unsupported field type [2]int",
		"ch":   "ch: unsupported field type chan int",
		"mint": "mint: unsupported field type map[int]string",
	}
	got := map[string]string{}
	for _, e := range joined(err) {
		var ce *errors.Error
		if errors.As(e, &ce) {
			got[ce.Meta["field"]] = ce.Message
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unsupported target errors mismatch (-want +got):\n%s", diff)
	}
	if v.Fine != "ok" {
		t.Errorf("Fine = %q, want ok", v.Fine)
	}
}

// Bad input: a nil or non-pointer target is a validation error, never a
// panic.
func TestDecodeBadTarget(t *testing.T) {
	var nilPtr *kinds
	n := 3
	for _, target := range []any{nil, kinds{}, nilPtr, &n, new(*kinds), "x"} {
		for name, call := range map[string]func() error{
			"Decode":   func() error { return config.Decode(map[string]any{"s": "x"}, target) },
			"Load":     func() error { return config.Load("testdata/full.toml", "app", target) },
			"Validate": func() error { return config.Validate(target) },
		} {
			err := call()
			if name == "Validate" && target != nil {
				if _, ok := target.(kinds); ok {
					continue // a struct value is fine for Validate
				}
			}
			if got := errors.Code(err); got != errors.CodeValidation {
				t.Errorf("%s(%T) = %v, want code validation", name, target, err)
			}
		}
	}
}

func TestDecodeHandBuiltMap(t *testing.T) {
	data := map[string]any{
		"s":  namedString("n"),
		"i":  int32(5),
		"u":  uint64(math.MaxUint64),
		"u8": uint8(9),
		"f":  float32(1.5),
		"l":  []int{4, 5},
		"m":  map[string]int{"k": 1},
		"p":  map[string]string{"path": "/x"},
		"b":  nil, // ignored, as if absent
	}
	got := kinds{B: true}
	if err := config.Decode(data, &got); err != nil {
		t.Fatalf("Decode(hand-built map): %v", err)
	}
	want := kinds{S: "n", B: true, I: 5, U: math.MaxUint64, U8: 9, F: 1.5, L: []int{4, 5},
		M: map[string]int{"k": 1}, P: &check{Path: "/x"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	err := config.Decode(map[string]any{"i": uint64(math.MaxUint64)}, &got)
	checkFieldError(t, err, "i", "i: 18446744073709551615 overflows int")
	err = config.Decode(map[string]any{"s": complex(1, 2)}, &got)
	checkFieldError(t, err, "s", "s: expected string, got unsupported value complex128")
}

func TestDecodeMapMerges(t *testing.T) {
	got := kinds{M: map[string]int{"keep": 1, "a": 0}}
	if err := config.Decode(parse(t, "m = {a = 2}"), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"keep": 1, "a": 2}, got.M); diff != "" {
		t.Errorf("map mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeStrict(t *testing.T) {
	doc := `
name = "x"
bogus = 1
ignored = "tagged -"
[server]
port = 1
extra = { a = 1 }
[server.headers]
anything = "maps accept every key"
[[servers]]
name = "a"
[[servers]]
nope = true
[[servers.checks]]
path = "/"
zap = 1
`
	var cfg fullConfig
	err := config.Decode(parse(t, doc), &cfg, config.Strict())
	want := "unknown keys: bogus, ignored, server.extra, servers[1].checks[0].zap, servers[1].nope"
	var e *errors.Error
	if !errors.As(err, &e) || e.Code != errors.CodeValidation || e.Message != want {
		t.Fatalf("Decode(Strict) = %v, want validation error %q", err, want)
	}
	if cfg.Name != "x" || cfg.Server.Port != 1 {
		t.Errorf("known keys were not decoded: %+v", cfg)
	}
	// Without Strict the same document is fine.
	if err := config.Decode(parse(t, doc), &fullConfig{}); err != nil {
		t.Errorf("Decode without Strict = %v, want nil", err)
	}
}

func TestDecodeEmbeddedAndDuplicateKeys(t *testing.T) {
	type Base struct{ ID int }
	var v struct {
		Base
		First  string `toml:"k"`
		Second string `toml:"k"`
	}
	if err := config.Decode(parse(t, "k = 'x'\n[base]\nid = 4"), &v, config.Strict()); err != nil {
		t.Fatal(err)
	}
	if v.ID != 4 || v.First != "x" || v.Second != "" {
		t.Errorf("got ID %d First %q Second %q, want 4, x and empty", v.ID, v.First, v.Second)
	}
}

func TestDecodeNilData(t *testing.T) {
	got := kinds{S: "keep"}
	if err := config.Decode(nil, &got); err != nil || got.S != "keep" {
		t.Errorf("Decode(nil) = %v, S = %q, want nil and keep", err, got.S)
	}
}

func TestDecodeOptionNil(t *testing.T) {
	var got kinds
	if err := config.Decode(parse(t, "s = 'x'\nz = 1"), &got, nil); err != nil {
		t.Errorf("Decode with a nil Option = %v, want nil", err)
	}
	if !strings.Contains(config.Decode(parse(t, "z = 1"), &got, nil, config.Strict()).Error(), "z") {
		t.Errorf("Strict after a nil Option was not applied")
	}
}
