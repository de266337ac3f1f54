package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/trace"
	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// One log line with 3 attributes and the trace and span IDs of the span in
// ctx, as JSON, to io.Discard: logging.Logger next to slog's JSON handler,
// zap and zerolog. Every side writes the same fields (time with
// nanoseconds, level, msg, tool, suite, tasks, ok, trace_id, span_id;
// TestLoggingPeersAgree), and every side reads the IDs from ctx on each
// call, as a program using that logger with our trace package would. Each
// peer uses its fastest typed API (slog.LogAttrs, zap.Field, zerolog's
// chained Event); ours takes slog-style key-value arguments. zap and
// zerolog do not record the caller (their defaults); slog and ours capture
// the caller's PC as slog always does.

const logMsg = "eval started"

type lineLogger struct {
	name string
	log  func(ctx context.Context)
}

var zerologFormat sync.Once

// lineLoggers returns each logger writing to w, tool "matchspec" already
// attached.
func lineLoggers(w io.Writer) []lineLogger {
	ours := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(w))

	sl := slog.New(slog.NewJSONHandler(w, nil)).With("tool", "matchspec")

	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{
		TimeKey: "time", LevelKey: "level", MessageKey: "msg",
		EncodeTime: zapcore.RFC3339NanoTimeEncoder, EncodeLevel: zapcore.CapitalLevelEncoder,
		EncodeDuration: zapcore.StringDurationEncoder,
	})
	zl := zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), zapcore.InfoLevel)).With(zap.String("tool", "matchspec"))

	// zerolog's time format and message key are package variables;
	// nanoseconds make its timestamp the same work as the others'.
	zerologFormat.Do(func() { zerolog.TimeFieldFormat, zerolog.MessageFieldName = time.RFC3339Nano, "msg" })
	zr := zerolog.New(w).Level(zerolog.InfoLevel).With().Timestamp().Str("tool", "matchspec").Logger()

	return []lineLogger{
		{"mist", func(ctx context.Context) {
			ours.Info(ctx, logMsg, "suite", "swe-bench", "tasks", 300, "ok", true)
		}},
		{"slog", func(ctx context.Context) {
			sl.LogAttrs(ctx, slog.LevelInfo, logMsg, slog.String("suite", "swe-bench"), slog.Int("tasks", 300), slog.Bool("ok", true),
				slog.String("trace_id", trace.TraceID(ctx)), slog.String("span_id", trace.SpanID(ctx)))
		}},
		{"zap", func(ctx context.Context) {
			zl.Info(logMsg, zap.String("suite", "swe-bench"), zap.Int("tasks", 300), zap.Bool("ok", true),
				zap.String("trace_id", trace.TraceID(ctx)), zap.String("span_id", trace.SpanID(ctx)))
		}},
		{"zerolog", func(ctx context.Context) {
			zr.Info().Str("suite", "swe-bench").Int("tasks", 300).Bool("ok", true).
				Str("trace_id", trace.TraceID(ctx)).Str("span_id", trace.SpanID(ctx)).Msg(logMsg)
		}},
	}
}

func BenchmarkLogLine(b *testing.B) {
	ctx, span := trace.Start(context.Background(), "bench")
	defer span.End("ok")
	for _, l := range lineLoggers(io.Discard) {
		b.Run(l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.log(ctx)
			}
		})
	}
}

// TestLoggingPeersAgree checks that every logger writes one JSON line with
// the same fields and values (time aside, which only has to parse with
// nanoseconds).
func TestLoggingPeersAgree(t *testing.T) {
	ctx, span := trace.Start(context.Background(), "bench")
	defer span.End("ok")
	want := map[string]any{
		"level": "INFO", "msg": logMsg, "tool": "matchspec", "suite": "swe-bench", "tasks": 300.0, "ok": true,
		"trace_id": span.TraceID, "span_id": span.SpanID,
	}
	var buf bytes.Buffer
	for _, l := range lineLoggers(&buf) {
		buf.Reset()
		l.log(ctx)
		line := buf.Bytes()
		if n := bytes.Count(line, []byte("\n")); n != 1 {
			t.Errorf("%s wrote %d lines, want 1: %s", l.name, n, line)
			continue
		}
		var got map[string]any
		if err := json.Unmarshal(line, &got); err != nil {
			t.Errorf("%s: %v in %s", l.name, err, line)
			continue
		}
		ts, _ := got["time"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("%s: time %q: %v", l.name, ts, err)
		}
		got["level"] = normLevel(got["level"])
		delete(got, "time")
		if len(got) != len(want) {
			t.Errorf("%s wrote %d fields besides time, want %d: %s", l.name, len(got), len(want), line)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v", l.name, k, got[k], v)
			}
		}
	}
}

// normLevel upper-cases zerolog's "info".
func normLevel(v any) any {
	if s, ok := v.(string); ok && s == "info" {
		return "INFO"
	}
	return v
}
