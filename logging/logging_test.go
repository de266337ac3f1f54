package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/trace"
)

// entry is one decoded JSON line: its top-level keys in order and values.
type entry struct {
	keys   []string
	values map[string]any
}

// decode splits buf into JSON lines and decodes each, keeping key order.
func decode(t *testing.T, buf *bytes.Buffer) []entry {
	t.Helper()
	var out []entry
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if line == "" {
			continue
		}
		e := entry{values: map[string]any{}}
		if err := json.Unmarshal([]byte(line), &e.values); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.Token() // {
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			e.keys = append(e.keys, k.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
		}
		out = append(out, e)
	}
	return out
}

// one decodes buf, which must hold exactly one line.
func one(t *testing.T, buf *bytes.Buffer) entry {
	t.Helper()
	lines := decode(t, buf)
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1:\n%s", len(lines), buf)
	}
	buf.Reset()
	return lines[0]
}

func newJSON(opts ...logging.Option) (*logging.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return logging.New("matchspec", logging.LevelInfo, append([]logging.Option{logging.WithWriter(&buf)}, opts...)...), &buf
}

func spanCtx(t *testing.T) (context.Context, *trace.Span) {
	t.Helper()
	ctx, span := trace.Start(context.Background(), "eval-run")
	if !trace.ValidTraceID(span.TraceID) || !trace.ValidSpanID(span.SpanID) {
		t.Fatalf("trace.Start gave invalid IDs %q, %q", span.TraceID, span.SpanID)
	}
	return ctx, span
}

// The seed's logging example: New, a span in ctx, Info with attributes.
func TestSeedJSONLine(t *testing.T) {
	log, buf := newJSON()
	ctx, span := spanCtx(t)
	log.Info(ctx, "eval started", "suite", "swe-bench", "tasks", 300)

	e := one(t, buf)
	wantKeys := "time level msg tool suite tasks trace_id span_id"
	if got := strings.Join(e.keys, " "); got != wantKeys {
		t.Errorf("keys = %s, want %s", got, wantKeys)
	}
	want := map[string]any{
		"level": "INFO", "msg": "eval started", "tool": "matchspec", "suite": "swe-bench", "tasks": float64(300),
		"trace_id": span.TraceID, "span_id": span.SpanID,
	}
	for k, v := range want {
		if e.values[k] != v {
			t.Errorf("%s = %v, want %v", k, e.values[k], v)
		}
	}
}

func TestKeyOrder(t *testing.T) {
	log, buf := newJSON()
	ctx, _ := spanCtx(t)
	log.With("request_id", "r-1", "user", "ada").With("attempt", 2).Warn(ctx, "retrying", "suite", "swe-bench", slog.Int("tasks", 300))
	e := one(t, buf)
	wantKeys := "time level msg tool request_id user attempt suite tasks trace_id span_id"
	if got := strings.Join(e.keys, " "); got != wantKeys {
		t.Errorf("keys = %s, want %s", got, wantKeys)
	}
}

func TestNoSpanNoIDs(t *testing.T) {
	log, buf := newJSON()
	log.Info(context.Background(), "no span")
	var nilCtx context.Context
	log.Info(nilCtx, "nil ctx")
	for _, e := range decode(t, buf) {
		if _, ok := e.values["trace_id"]; ok {
			t.Errorf("%v: has trace_id without a span", e.values)
		}
		if _, ok := e.values["span_id"]; ok {
			t.Errorf("%v: has span_id without a span", e.values)
		}
		if e.values["tool"] != "matchspec" {
			t.Errorf("%v: tool = %v, want matchspec", e.values, e.values["tool"])
		}
	}
}

func TestLevels(t *testing.T) {
	tests := []struct {
		set  logging.Level
		want string // levels written, in call order Debug, Info, Warn, Error
	}{
		{logging.LevelDebug, "DEBUG INFO WARN ERROR"},
		{logging.LevelInfo, "INFO WARN ERROR"},
		{logging.LevelWarn, "WARN ERROR"},
		{logging.LevelError, "ERROR"},
		{logging.LevelError + 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.set.String(), func(t *testing.T) {
			var buf bytes.Buffer
			log := logging.New("t", tt.set, logging.WithWriter(&buf))
			if got := log.Level(); got != tt.set {
				t.Errorf("Level() = %v, want %v", got, tt.set)
			}
			ctx := context.Background()
			log.Debug(ctx, "d")
			log.Info(ctx, "i")
			log.Warn(ctx, "w")
			log.Error(ctx, "e")
			var got []string
			for _, e := range decode(t, &buf) {
				got = append(got, e.values["level"].(string))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("levels written = %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
	if logging.LevelDebug != -4 || logging.LevelInfo != 0 || logging.LevelWarn != 4 || logging.LevelError != 8 {
		t.Errorf("levels = %d %d %d %d, want -4 0 4 8", logging.LevelDebug, logging.LevelInfo, logging.LevelWarn, logging.LevelError)
	}
}

func TestSharedLevel(t *testing.T) {
	log, buf := newJSON()
	child := log.With("request_id", "r-1")
	sl := log.Slog()
	ctx := context.Background()

	child.Debug(ctx, "hidden")
	sl.Debug("hidden")
	if buf.Len() != 0 {
		t.Fatalf("debug written at info level: %s", buf)
	}

	log.SetLevel(logging.LevelDebug) // on the parent
	child.Debug(ctx, "child")
	sl.Debug("slog")
	if n := len(decode(t, buf)); n != 2 {
		t.Errorf("after parent SetLevel(Debug): %d lines, want 2 (child and Slog)", n)
	}
	buf.Reset()

	child.SetLevel(logging.LevelError) // on the child
	log.Warn(ctx, "parent")
	sl.Warn("slog")
	if buf.Len() != 0 || log.Level() != logging.LevelError {
		t.Errorf("after child SetLevel(Error): parent level %v, output %s; want Error and nothing", log.Level(), buf)
	}
}

// Fixed on purpose: loggers from Slog() and With() add trace_id and
// span_id exactly as Info does.
func TestTraceIDsOnEveryPath(t *testing.T) {
	log, buf := newJSON()
	ctx, span := spanCtx(t)
	child, _ := trace.Start(ctx, "child-op")
	tests := []struct {
		name    string
		log     func()
		ctx     context.Context
		wantIDs bool
	}{
		{"Info", func() { log.Info(ctx, "m") }, ctx, true},
		{"Error", func() { log.Error(ctx, "m") }, ctx, true},
		{"With", func() { log.With("k", "v").Info(ctx, "m") }, ctx, true},
		{"Slog InfoContext", func() { log.Slog().InfoContext(ctx, "m") }, ctx, true},
		{"Slog With", func() { log.Slog().With("k", "v").ErrorContext(ctx, "m") }, ctx, true},
		{"Slog Log", func() { log.Slog().Log(ctx, slog.LevelWarn, "m") }, ctx, true},
		{"Slog LogAttrs", func() { log.Slog().LogAttrs(ctx, slog.LevelInfo, "m", slog.Int("n", 1)) }, ctx, true},
		{"child span", func() { log.Info(child, "m") }, child, true},
		{"Slog Info without ctx", func() { log.Slog().Info("m") }, nil, false},
		{"Info with background", func() { log.Info(context.Background(), "m") }, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.log()
			e := one(t, buf)
			if !tt.wantIDs {
				if _, ok := e.values["trace_id"]; ok {
					t.Errorf("trace_id written without a span: %v", e.values)
				}
				return
			}
			if got, want := e.values["trace_id"], trace.TraceID(tt.ctx); got != want {
				t.Errorf("trace_id = %v, want %v", got, want)
			}
			if got, want := e.values["span_id"], trace.SpanID(tt.ctx); got != want {
				t.Errorf("span_id = %v, want %v", got, want)
			}
			if n := len(e.keys); e.keys[n-2] != "trace_id" || e.keys[n-1] != "span_id" {
				t.Errorf("keys = %v, want trace_id, span_id last", e.keys)
			}
		})
	}
	if trace.TraceID(child) != span.TraceID || trace.SpanID(child) == span.SpanID {
		t.Errorf("child span IDs %s/%s do not fit parent %s/%s", trace.TraceID(child), trace.SpanID(child), span.TraceID, span.SpanID)
	}
}

// Fixed on purpose: trace_id stays top-level under WithGroup("req").
func TestTraceIDsTopLevelUnderGroups(t *testing.T) {
	log, buf := newJSON()
	ctx, span := spanCtx(t)
	ids := fmt.Sprintf(`"trace_id":%q,"span_id":%q}`, span.TraceID, span.SpanID)
	tests := []struct {
		name string
		log  func()
		want string // the line after "tool":"matchspec",
	}{
		{"group", func() { log.Slog().WithGroup("req").InfoContext(ctx, "m", "method", "GET") },
			`"req":{"method":"GET"},` + ids},
		{"group without attrs", func() { log.Slog().WithGroup("req").InfoContext(ctx, "m") },
			ids},
		{"attrs then group", func() {
			log.Slog().With("a", 1).WithGroup("req").With("b", 2).WithGroup("inner").InfoContext(ctx, "m", "c", 3)
		}, `"a":1,"req":{"b":2,"inner":{"c":3}},` + ids},
		{"empty inner group dropped", func() {
			log.Slog().WithGroup("req").With("b", 2).WithGroup("inner").InfoContext(ctx, "m")
		}, `"req":{"b":2},` + ids},
		{"group attr in call", func() { log.Info(ctx, "m", slog.Group("http", "status", 200)) },
			`"http":{"status":200},` + ids},
		{"logger With then group", func() { log.With("request_id", "r-1").Slog().WithGroup("req").WarnContext(ctx, "m", "n", 1) },
			`"request_id":"r-1","req":{"n":1},` + ids},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.log()
			line := buf.String()
			buf.Reset()
			_, after, ok := strings.Cut(line, `"tool":"matchspec",`)
			if !ok || after != tt.want+"\n" {
				t.Errorf("line = %s, want it to end with %s", line, tt.want)
			}
		})
	}
}

type secret struct{ calls *atomic.Int32 }

func (s secret) LogValue() slog.Value {
	s.calls.Add(1)
	return slog.StringValue("hunter2-resolved")
}

type userValue struct{}

func (userValue) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", "ada"), slog.String("password", "hunter2"))
}

// Fixed on purpose: with WithRedact("password"), With("password", x) never
// writes x, even through Slog().
func TestRedact(t *testing.T) {
	var calls atomic.Int32
	tests := []struct {
		name string
		opts []logging.Option
		log  func(l *logging.Logger)
		want string // the line after "tool":"matchspec",
	}{
		{"With", nil, func(l *logging.Logger) { l.With("password", "hunter2").Info(context.Background(), "m") },
			`"password":"[REDACTED]"}`},
		{"With through Slog", nil, func(l *logging.Logger) { l.With("password", "hunter2").Slog().Info("m") },
			`"password":"[REDACTED]"}`},
		{"Slog With", nil, func(l *logging.Logger) { l.Slog().With("password", "hunter2").Info("m", "user", "ada") },
			`"password":"[REDACTED]","user":"ada"}`},
		{"call args", nil, func(l *logging.Logger) { l.Info(context.Background(), "m", "password", "hunter2", "user", "ada") },
			`"password":"[REDACTED]","user":"ada"}`},
		{"nested group in call", nil, func(l *logging.Logger) {
			l.Info(context.Background(), "m", slog.Group("db", slog.Group("auth", "user", "ada", "password", "hunter2")))
		}, `"db":{"auth":{"user":"ada","password":"[REDACTED]"}}}`},
		{"under WithGroup", nil, func(l *logging.Logger) {
			l.Slog().WithGroup("req").With("password", "hunter2").Info("m", "password", "hunter2")
		}, `"req":{"password":"[REDACTED]","password":"[REDACTED]"}}`},
		{"group under listed key replaced whole", nil, func(l *logging.Logger) {
			l.Info(context.Background(), "m", slog.Group("password", "old", "hunter1", "new", "hunter2"))
		}, `"password":"[REDACTED]"}`},
		{"LogValuer under listed key never resolved", nil, func(l *logging.Logger) {
			l.With("password", secret{&calls}).Info(context.Background(), "m", "password", secret{&calls})
		}, `"password":"[REDACTED]","password":"[REDACTED]"}`},
		{"LogValuer resolving to a group", nil, func(l *logging.Logger) {
			l.Info(context.Background(), "m", "user", userValue{})
		}, `"user":{"name":"ada","password":"[REDACTED]"}}`},
		{"exact match only", nil, func(l *logging.Logger) { l.Info(context.Background(), "m", "Password", "x", "password_hint", "y") },
			`"Password":"x","password_hint":"y"}`},
		{"options add up", []logging.Option{logging.WithRedact("token"), logging.WithRedact("api_key", "")}, func(l *logging.Logger) {
			l.Info(context.Background(), "m", "password", "hunter2", "token", "t0k", "api_key", "k3y", "ok", 1)
		}, `"password":"[REDACTED]","token":"[REDACTED]","api_key":"[REDACTED]","ok":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := newJSON(append([]logging.Option{logging.WithRedact("password")}, tt.opts...)...)
			tt.log(log)
			line := buf.String()
			if strings.Contains(line, "hunter") || strings.Contains(line, "t0k") || strings.Contains(line, "k3y") {
				t.Errorf("secret written: %s", line)
			}
			_, after, ok := strings.Cut(line, `"tool":"matchspec",`)
			if !ok || after != tt.want+"\n" {
				t.Errorf("line = %s, want it to end with %s", line, tt.want)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("LogValue of a redacted value called %d times, want 0", n)
	}
}

func TestTextFormat(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New("matchspec", logging.LevelInfo, logging.WithFormat("text"), logging.WithWriter(&buf))
	ctx, span := spanCtx(t)
	log.Info(ctx, "eval started", "suite", "swe-bench", "tasks", 300)
	want := fmt.Sprintf(`level=INFO msg="eval started" tool=matchspec suite=swe-bench tasks=300 trace_id=%s span_id=%s`+"\n", span.TraceID, span.SpanID)
	if _, after, ok := strings.Cut(buf.String(), " "); !strings.HasPrefix(buf.String(), "time=") || !ok || after != want {
		t.Errorf("text line = %q, want time=… %q", buf.String(), want)
	}

	for _, format := range []string{"json", "", "TEXT", "logfmt"} {
		var buf bytes.Buffer
		logging.New("t", logging.LevelInfo, logging.WithFormat(format), logging.WithWriter(&buf)).Info(context.Background(), "m")
		if !json.Valid(buf.Bytes()) {
			t.Errorf("WithFormat(%q) wrote %q, want JSON", format, buf.String())
		}
	}
}

func TestDefaultWriterIsStderr(t *testing.T) {
	if got := logging.WriterOf(); got != os.Stderr {
		t.Errorf("default writer = %v, want os.Stderr", got)
	}
	if got := logging.WriterOf(logging.WithWriter(nil)); got != os.Stderr {
		t.Errorf("WithWriter(nil) writer = %v, want os.Stderr", got)
	}
}

func TestNewHandler(t *testing.T) {
	var inner, ignored bytes.Buffer
	h := logging.NewHandler(
		slog.NewJSONHandler(&inner, &slog.HandlerOptions{Level: slog.LevelWarn}),
		logging.WithWriter(&ignored), logging.WithFormat("text"), logging.WithRedact("password"),
	)
	ctx, span := spanCtx(t)
	if h.Enabled(ctx, slog.LevelInfo) || !h.Enabled(ctx, slog.LevelWarn) {
		t.Errorf("Enabled(Info), Enabled(Warn) = %v, %v, want the inner handler's false, true",
			h.Enabled(ctx, slog.LevelInfo), h.Enabled(ctx, slog.LevelWarn))
	}
	slog.New(h).WarnContext(ctx, "m", "password", "hunter2")
	if ignored.Len() != 0 {
		t.Errorf("NewHandler used WithWriter: %s", ignored.String())
	}
	e := one(t, &inner)
	if got := strings.Join(e.keys, " "); got != "time level msg password trace_id span_id" {
		t.Errorf("keys = %s, want time level msg password trace_id span_id", got)
	}
	if e.values["password"] != "[REDACTED]" || e.values["trace_id"] != span.TraceID {
		t.Errorf("line = %v, want redacted password and trace_id %s", e.values, span.TraceID)
	}
}

// TestSlogtest runs the standard slog.Handler conformance suite against the
// wrapper over a JSON handler: plain, with redaction, and with a span in
// every record's ctx (the group-rebuilding path), where the IDs must be
// top-level and are then removed before the suite checks the rest.
func TestSlogtest(t *testing.T) {
	ctx, span := spanCtx(t)
	tests := []struct {
		name string
		opts []logging.Option
		ctx  context.Context
	}{
		{"plain", nil, nil},
		{"redact", []logging.Option{logging.WithRedact("no-such-key")}, nil},
		{"span", nil, ctx},
		{"span and redact", []logging.Option{logging.WithRedact("no-such-key")}, ctx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			slogtest.Run(t, func(*testing.T) slog.Handler {
				buf.Reset()
				var h slog.Handler = logging.NewHandler(slog.NewJSONHandler(&buf, nil), tt.opts...)
				if tt.ctx != nil {
					h = withCtx{h, tt.ctx}
				}
				return h
			}, func(t *testing.T) map[string]any {
				m := map[string]any{}
				if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
					t.Fatalf("Unmarshal(%s): %v", buf.Bytes(), err)
				}
				if tt.ctx != nil {
					if m["trace_id"] != span.TraceID || m["span_id"] != span.SpanID {
						t.Errorf("%s: top-level trace_id/span_id missing", buf.Bytes())
					}
					delete(m, "trace_id")
					delete(m, "span_id")
				}
				return m
			})
		})
	}
}

// withCtx replaces the ctx slogtest passes with one that holds a span.
type withCtx struct {
	slog.Handler
	ctx context.Context
}

func (h withCtx) Handle(_ context.Context, r slog.Record) error { return h.Handler.Handle(h.ctx, r) }
func (h withCtx) WithAttrs(as []slog.Attr) slog.Handler {
	return withCtx{h.Handler.WithAttrs(as), h.ctx}
}
func (h withCtx) WithGroup(name string) slog.Handler {
	return withCtx{h.Handler.WithGroup(name), h.ctx}
}

func TestZeroLogger(t *testing.T) {
	var l logging.Logger
	l.Info(context.Background(), "discarded")
	l.With("k", "v").Error(context.Background(), "discarded")
	l.SetLevel(logging.LevelDebug)
	l.Slog().Info("discarded")
	if got := l.Level(); got != logging.LevelInfo {
		t.Errorf("zero Logger Level() = %v, want INFO", got)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func TestConcurrentUse(t *testing.T) {
	var out syncBuffer
	log := logging.New("t", logging.LevelInfo, logging.WithWriter(&out), logging.WithRedact("password"))
	ctx, _ := spanCtx(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			child := log.With("worker", i, "password", "hunter2")
			for j := range 100 {
				child.Info(ctx, "tick", "j", j)
				log.Slog().WithGroup("g").InfoContext(ctx, "tock", "j", j)
				if j%10 == 0 {
					log.SetLevel(logging.LevelInfo)
				}
			}
		})
	}
	wg.Wait()
	lines := decode(t, &out.buf)
	if len(lines) != 8*100*2 {
		t.Errorf("%d lines, want %d", len(lines), 8*100*2)
	}
	if bytes.Contains(out.buf.Bytes(), []byte("hunter2")) {
		t.Error("secret written under concurrency")
	}
}

func TestWriteError(t *testing.T) {
	log := logging.New("t", logging.LevelInfo, logging.WithWriter(failingWriter{}))
	log.Info(context.Background(), "m") // a Logger has nowhere to report it; must not panic
	err := log.Slog().Handler().Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Handle to a failing writer = %v, want %v", err, io.ErrClosedPipe)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

// TestSeedCalls runs every call the package reference shows, in order.
func TestSeedCalls(t *testing.T) {
	// log := logging.New("matchspec", logging.LevelInfo): JSON to stderr.
	if log := logging.New("matchspec", logging.LevelInfo); log.Level() != logging.LevelInfo || logging.WriterOf() != os.Stderr {
		t.Errorf("New: level %v, writer %v; want INFO and os.Stderr", log.Level(), logging.WriterOf())
	}
	// logging.WithWriter(os.Stdout).
	if got := logging.WriterOf(logging.WithWriter(os.Stdout)); got != os.Stdout {
		t.Errorf("WithWriter(os.Stdout) writer = %v, want os.Stdout", got)
	}

	log, buf := newJSON()
	ctx, span := spanCtx(t)
	log.Info(ctx, "eval started", "suite", "swe-bench", "tasks", 300)
	if e := one(t, buf); e.values["trace_id"] != span.TraceID || e.values["suite"] != "swe-bench" {
		t.Errorf("Info line = %v", e.values)
	}

	log.SetLevel(logging.LevelDebug) // enable debug logging at runtime
	log.Debug(ctx, "debug now")
	if e := one(t, buf); e.values["level"] != "DEBUG" {
		t.Errorf("after SetLevel(LevelDebug): %v, want a DEBUG line", e.values)
	}

	reqID, userID := "req-7", "u-9"
	requestLog := log.With("request_id", reqID, "user", userID)
	requestLog.Info(ctx, "processing request")
	requestLog.Info(ctx, "still processing")
	for _, e := range decode(t, buf) {
		if e.values["request_id"] != reqID || e.values["user"] != userID {
			t.Errorf("With line = %v, want request_id and user", e.values)
		}
	}
	buf.Reset()

	var slogLogger *slog.Logger = log.Slog()
	slogLogger.InfoContext(ctx, "from slog")
	if e := one(t, buf); e.values["tool"] != "matchspec" || e.values["span_id"] != span.SpanID {
		t.Errorf("Slog line = %v, want tool and span_id", e.values)
	}
}
