package logging_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/trace"
)

// stable makes JSON or text lines reproducible: it removes the time
// attribute of each line and replaces the span's IDs, after checking their
// W3C sizes, with placeholders.
func stable(out string, span *trace.Span) string {
	lines := strings.SplitAfter(out, "\n")
	for i, line := range lines {
		for _, cut := range [][2]string{{`"time":"`, `",`}, {`time=`, ` `}} {
			if before, rest, ok := strings.Cut(line, cut[0]); ok {
				_, after, _ := strings.Cut(rest, cut[1])
				line = before + after
			}
		}
		if span != nil {
			if !trace.ValidTraceID(span.TraceID) || !trace.ValidSpanID(span.SpanID) {
				return "bad IDs: " + out
			}
			line = strings.Replace(line, span.TraceID, "<32 hex>", 1)
			line = strings.Replace(line, span.SpanID, "<16 hex>", 1)
		}
		lines[i] = line
	}
	return strings.Join(lines, "")
}

// The package reference's example: a JSON line with the tool, the call's
// attributes and the IDs of the span in ctx.
func Example() {
	var buf bytes.Buffer
	log := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(&buf))

	ctx, span := trace.Start(context.Background(), "eval-run")
	log.Info(ctx, "eval started", "suite", "swe-bench", "tasks", 300)

	fmt.Print(stable(buf.String(), span))
	// Output:
	// {"level":"INFO","msg":"eval started","tool":"matchspec","suite":"swe-bench","tasks":300,"trace_id":"<32 hex>","span_id":"<16 hex>"}
}

func ExampleWithFormat() {
	var buf bytes.Buffer
	log := logging.New("matchspec", logging.LevelInfo,
		logging.WithFormat("text"),
		logging.WithWriter(&buf),
	)
	ctx, span := trace.Start(context.Background(), "eval-run")
	log.Warn(ctx, "slow task", "task", "django-11099", "seconds", 93.5)

	fmt.Print(stable(buf.String(), span))
	// Output:
	// level=WARN msg="slow task" tool=matchspec task=django-11099 seconds=93.5 trace_id=<32 hex> span_id=<16 hex>
}

func ExampleLogger_With() {
	var buf bytes.Buffer
	log := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(&buf))

	requestLog := log.With("request_id", "req-42", "user", "ada")
	requestLog.Info(context.Background(), "processing request")
	requestLog.Info(context.Background(), "request done", "status", 200)

	fmt.Print(stable(buf.String(), nil))
	// Output:
	// {"level":"INFO","msg":"processing request","tool":"matchspec","request_id":"req-42","user":"ada"}
	// {"level":"INFO","msg":"request done","tool":"matchspec","request_id":"req-42","user":"ada","status":200}
}

func ExampleLogger_SetLevel() {
	var buf bytes.Buffer
	log := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(&buf))
	child := log.With("component", "scheduler")
	ctx := context.Background()

	child.Debug(ctx, "not written")
	log.SetLevel(logging.LevelDebug) // enable debug logging at runtime, for children too
	child.Debug(ctx, "queue state", "depth", 3)

	fmt.Println(log.Level(), child.Level())
	fmt.Print(stable(buf.String(), nil))
	// Output:
	// DEBUG DEBUG
	// {"level":"DEBUG","msg":"queue state","tool":"matchspec","component":"scheduler","depth":3}
}

// Slog returns a *slog.Logger on the same handler, for libraries that need
// one. Its Context methods get the trace IDs, at the top level even inside
// groups.
func ExampleLogger_Slog() {
	var buf bytes.Buffer
	log := logging.New("infermux", logging.LevelInfo, logging.WithWriter(&buf))
	ctx, span := trace.Start(context.Background(), "route")

	sl := log.Slog().WithGroup("req")
	sl.InfoContext(ctx, "routed", "model", "claude", "tokens", 512)
	sl.Info("no ctx, so no IDs")

	fmt.Print(stable(buf.String(), span))
	// Output:
	// {"level":"INFO","msg":"routed","tool":"infermux","req":{"model":"claude","tokens":512},"trace_id":"<32 hex>","span_id":"<16 hex>"}
	// {"level":"INFO","msg":"no ctx, so no IDs","tool":"infermux"}
}

func ExampleWithRedact() {
	var buf bytes.Buffer
	log := logging.New("schemaflux", logging.LevelInfo,
		logging.WithWriter(&buf),
		logging.WithRedact("password", "token"),
	)
	log.With("password", "hunter2").Info(context.Background(), "connecting",
		slog.Group("db", "user", "ada", "token", "s3cr3t"))

	fmt.Print(stable(buf.String(), nil))
	// Output:
	// {"level":"INFO","msg":"connecting","tool":"schemaflux","password":"[REDACTED]","db":{"user":"ada","token":"[REDACTED]"}}
}

// NewHandler adds trace IDs and redaction to any slog.Handler; here one
// that writes to os.Stdout, drops the time and, because span IDs are
// random, prints only the span ID's length.
func ExampleNewHandler() {
	inner := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch {
			case len(groups) > 0:
			case a.Key == slog.TimeKey:
				return slog.Attr{}
			case a.Key == "span_id":
				return slog.String("span_id", fmt.Sprintf("<%d hex>", len(a.Value.String())))
			}
			return a
		},
	})
	sl := slog.New(logging.NewHandler(inner, logging.WithRedact("api_key")))

	ctx, _ := trace.StartWithTraceID(context.Background(), "4bf92f3577b34da6a3ce929d0e0e4736", "call")
	sl.InfoContext(ctx, "calling provider", "api_key", "sk-123", "provider", "anthropic")
	// Output:
	// {"level":"INFO","msg":"calling provider","api_key":"[REDACTED]","provider":"anthropic","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"<16 hex>"}
}
