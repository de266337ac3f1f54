package logging_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/logging"
)

// The JSON handler behind New formats common values itself and must write
// exactly what slog's JSON handler writes. These tests run both on the same
// attributes and records and compare the bytes.

// handlerPair returns our JSON handler and slog's, each writing to its own
// buffer, with the same attributes added.
func handlerPair(level slog.Leveler, attrs ...slog.Attr) (ours, ref slog.Handler, ob, rb *bytes.Buffer) {
	ob, rb = new(bytes.Buffer), new(bytes.Buffer)
	ours = logging.FastJSONHandler(ob, level)
	ref = slog.NewJSONHandler(rb, &slog.HandlerOptions{Level: level})
	if len(attrs) > 0 {
		ours, ref = ours.WithAttrs(attrs), ref.WithAttrs(attrs)
	}
	return ours, ref, ob, rb
}

// sameOutput handles r with both handlers and reports any difference.
func sameOutput(t *testing.T, name string, ours, ref slog.Handler, ob, rb *bytes.Buffer, r slog.Record) {
	t.Helper()
	ob.Reset()
	rb.Reset()
	oerr := ours.Handle(context.Background(), r.Clone())
	rerr := ref.Handle(context.Background(), r.Clone())
	if (oerr == nil) != (rerr == nil) {
		t.Errorf("%s: Handle error %v, slog's %v", name, oerr, rerr)
	}
	if ob.String() != rb.String() {
		t.Errorf("%s:\n got %s\nwant %s", name, ob.String(), rb.String())
	}
}

type textError struct{ msg string }

func (e *textError) Error() string { return e.msg }

// marshalError is an error that marshals itself, so slog writes its JSON,
// not its text.
type marshalError struct{}

func (marshalError) Error() string                { return "text" }
func (marshalError) MarshalJSON() ([]byte, error) { return []byte(`{"json":true}`), nil }

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.GroupValue(slog.Int("a", 1), slog.String("b", "x")) }

var (
	t0      = time.Date(2026, 5, 27, 7, 32, 0, 500, time.FixedZone("", -7*3600))
	tUTC    = time.Date(2026, 5, 27, 7, 32, 0, 0, time.UTC)
	nilText *textError
)

// attrCases covers every kind of value, each escape rule and every value
// the fast path leaves to slog.
var attrCases = []struct {
	name string
	attr slog.Attr
}{
	{"string", slog.String("k", "plain")},
	{"escapes", slog.String("k", "q\" b\\ n\n r\r t\t nul\x00 esc\x1b del\x7f <a&b>")},
	{"unicode", slog.String("k", "ключ 日本 \u2028 \u2029 \U0001F600")},
	{"invalid utf8", slog.String("k", "a\xffb\xc3(")},
	{"escaped key", slog.String("we\"ird\nkey", "v")},
	{"empty key", slog.String("", "v")},
	{"empty attr", slog.Attr{}},
	{"int", slog.Int("k", -42)},
	{"int64 min", slog.Int64("k", math.MinInt64)},
	{"uint64 max", slog.Uint64("k", math.MaxUint64)},
	{"bool", slog.Bool("k", false)},
	{"duration", slog.Duration("k", 1500*time.Millisecond)},
	{"float", slog.Float64("k", 123.456)},
	{"float zero", slog.Float64("k", 0)},
	{"float negative zero", slog.Float64("k", math.Copysign(0, -1))},
	{"float tiny", slog.Float64("k", 1e-7)},
	{"float at cutoff", slog.Float64("k", 1e-6)},
	{"float huge", slog.Float64("k", 1e21)},
	{"float below huge", slog.Float64("k", 999999999999999900000)},
	{"float max", slog.Float64("k", math.MaxFloat64)},
	{"float smallest", slog.Float64("k", math.SmallestNonzeroFloat64)},
	{"float NaN", slog.Float64("k", math.NaN())},
	{"float +Inf", slog.Float64("k", math.Inf(1))},
	{"time", slog.Time("k", t0)},
	{"time UTC", slog.Time("k", tUTC)},
	{"time zero", slog.Time("k", time.Time{})},
	{"time year 10000", slog.Time("k", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))},
	{"time year -1", slog.Time("k", time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC))},
	{"time monotonic", slog.Time("k", time.Now())},
	{"error", slog.Any("err", errors.New("boom \"quoted\""))},
	{"wrapped error", slog.Any("err", fmt.Errorf("outer: %w", &textError{"inner"}))},
	{"nil pointer error", slog.Any("err", nilText)},
	{"marshaling error", slog.Any("err", marshalError{})},
	{"nil any", slog.Any("k", nil)},
	{"struct", slog.Any("k", struct{ A int }{1})},
	{"slice", slog.Any("k", []int{1, 2})},
	{"map", slog.Any("k", map[string]int{"a": 1})},
	{"any string", slog.Any("k", "s")},
	{"any int", slog.Any("k", 7)},
	{"group", slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.String("b", "c")))},
	{"empty group", slog.Group("g")},
	{"inline group", slog.Group("", slog.Int("a", 1))},
	{"log valuer", slog.Any("k", valuer{})},
	{"source", slog.Any(slog.SourceKey, &slog.Source{Function: "f", File: "x.go", Line: 3})},
}

func TestJSONHandlerMatchesSlog(t *testing.T) {
	for _, tc := range attrCases {
		t.Run(tc.name, func(t *testing.T) {
			// The value in a record.
			ours, ref, ob, rb := handlerPair(slog.LevelInfo)
			r := slog.NewRecord(t0, slog.LevelInfo, "msg", 0)
			r.AddAttrs(slog.String("before", "x"), tc.attr, slog.Int("after", 1))
			sameOutput(t, "record", ours, ref, ob, rb, r)

			// The value from WithAttrs, then a plain record and one with
			// attributes.
			ours, ref, ob, rb = handlerPair(slog.LevelInfo, slog.String("tool", "t"), tc.attr)
			sameOutput(t, "with", ours, ref, ob, rb, slog.NewRecord(t0, slog.LevelInfo, "msg", 0))
			r = slog.NewRecord(t0, slog.LevelWarn, "msg", 0)
			r.AddAttrs(slog.Int("n", 1))
			sameOutput(t, "with+record", ours, ref, ob, rb, r)
		})
	}
}

func TestJSONHandlerRecordFields(t *testing.T) {
	tests := []struct {
		name string
		r    slog.Record
	}{
		{"no attrs", slog.NewRecord(t0, slog.LevelInfo, "hello", 0)},
		{"zero time", slog.NewRecord(time.Time{}, slog.LevelError, "no time", 0)},
		{"year 10000", slog.NewRecord(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "far", 0)},
		{"monotonic", slog.NewRecord(time.Now(), slog.LevelInfo, "now", 0)},
		{"odd levels", slog.NewRecord(t0, slog.LevelInfo+2, "info+2", 0)},
		{"debug-1", slog.NewRecord(t0, slog.LevelDebug-1, "debug-1", 0)},
		{"escaped message", slog.NewRecord(t0, slog.LevelInfo, "a\"b\n\xff\u2028", 0)},
		{"empty message", slog.NewRecord(t0, slog.LevelInfo, "", 0)},
	}
	ours, ref, ob, rb := handlerPair(slog.LevelDebug - 4)
	withOurs, withRef := ours.WithAttrs([]slog.Attr{slog.String("tool", "t")}), ref.WithAttrs([]slog.Attr{slog.String("tool", "t")})
	for _, tt := range tests {
		sameOutput(t, tt.name, ours, ref, ob, rb, tt.r)
		sameOutput(t, tt.name+" with attrs", withOurs, withRef, ob, rb, tt.r)
	}
}

// TestJSONHandlerGroupsAndLevel checks what the fast path hands to slog's
// handler: WithGroup, and Enabled against a shared LevelVar.
func TestJSONHandlerGroupsAndLevel(t *testing.T) {
	lv := new(slog.LevelVar)
	ours, ref, ob, rb := handlerPair(lv, slog.String("tool", "t"))
	ours, ref = ours.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("a", 1)}), ref.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("a", 1)})
	r := slog.NewRecord(t0, slog.LevelInfo, "grouped", 0)
	r.AddAttrs(slog.String("b", "c"))
	sameOutput(t, "group", ours, ref, ob, rb, r)

	h := logging.FastJSONHandler(new(bytes.Buffer), lv)
	for _, tt := range []struct {
		set, at slog.Level
		want    bool
	}{
		{slog.LevelInfo, slog.LevelInfo, true},
		{slog.LevelInfo, slog.LevelDebug, false},
		{slog.LevelError, slog.LevelWarn, false},
		{slog.LevelDebug, slog.LevelDebug, true},
	} {
		lv.Set(tt.set)
		if got := h.Enabled(context.Background(), tt.at); got != tt.want {
			t.Errorf("level %v: Enabled(%v) = %v, want %v", tt.set, tt.at, got, tt.want)
		}
	}
}

// TestJSONHandlerLinesDoNotInterleave writes from the fast path and from
// slog's (for a group value) at once into a bytes.Buffer, which is not
// safe for concurrent use: both go through one lock, so every line stays
// whole and the race detector sees no unsynchronised write.
func TestJSONHandlerLinesDoNotInterleave(t *testing.T) {
	var buf bytes.Buffer
	h := logging.FastJSONHandler(&buf, slog.LevelInfo).WithAttrs([]slog.Attr{slog.String("tool", "t")})
	const per = 200
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range per {
				r := slog.NewRecord(t0, slog.LevelInfo, "line", 0)
				if g%2 == 0 {
					r.AddAttrs(slog.Int("i", i))
				} else {
					r.AddAttrs(slog.Group("g", slog.Int("i", i)))
				}
				if err := h.Handle(context.Background(), r); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 4*per {
		t.Fatalf("got %d lines, want %d", len(lines), 4*per)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, `{"time":`) || !strings.HasSuffix(l, "}") {
			t.Fatalf("broken line %q", l)
		}
	}
}
