package benchmarks

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltrace "go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Start and end a root span with nothing in ctx: trace.Start and
// Span.End next to the OpenTelemetry SDK's tracer. Both sample every span
// and hand each ended span to a registered exporter that drops it, through
// their batching path (our RegisterExporter queue; the SDK's
// BatchSpanProcessor), so both create IDs, put the span in a context,
// record start and end times and queue the finished span. The floor is
// OpenTelemetry's noop tracer, which records nothing.
//
// Our exporter registry is process-wide, so these benchmarks register
// their exporter for the length of the benchmark and shut it down after.

// countingOTelExporter drops the spans it is given and counts them.
type countingOTelExporter struct{ n atomic.Int64 }

func (e *countingOTelExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.n.Add(int64(len(spans)))
	return nil
}

func (e *countingOTelExporter) Shutdown(context.Context) error { return nil }

// countingExporter is the same for ours.
type countingExporter struct{ n atomic.Int64 }

func (e *countingExporter) Export(_ context.Context, spans []protocol.TraceSpan) error {
	e.n.Add(int64(len(spans)))
	return nil
}

// otelSDK returns an SDK tracer that samples everything and batches ended
// spans to e, and the function that shuts its provider down.
func otelSDK(e sdktrace.SpanExporter) (oteltrace.Tracer, func(context.Context) error) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(e))
	return tp.Tracer("bench"), tp.Shutdown
}

func BenchmarkSpan(b *testing.B) {
	ctx := context.Background()
	b.Run("mist", func(b *testing.B) {
		reg := trace.RegisterExporter(new(countingExporter))
		defer func() { _ = reg.Shutdown(ctx) }()
		b.ReportAllocs()
		for b.Loop() {
			_, s := trace.Start(ctx, "op")
			s.End("ok")
		}
	})
	b.Run("otel-sdk", func(b *testing.B) {
		tr, shutdown := otelSDK(new(countingOTelExporter))
		defer func() { _ = shutdown(ctx) }()
		b.ReportAllocs()
		for b.Loop() {
			_, s := tr.Start(ctx, "op")
			s.End()
		}
	})
	b.Run("floor", func(b *testing.B) {
		tr := noop.NewTracerProvider().Tracer("bench")
		b.ReportAllocs()
		for b.Loop() {
			_, s := tr.Start(ctx, "op")
			s.End()
		}
	})
}

// TestSpanPeersAgree checks that both tracers, set up as in BenchmarkSpan,
// deliver every ended span to their exporter, with valid IDs.
func TestSpanPeersAgree(t *testing.T) {
	ctx := context.Background()
	const n = 100

	ours := new(countingExporter)
	reg := trace.RegisterExporter(ours)
	for range n {
		_, s := trace.Start(ctx, "op")
		if !trace.ValidTraceID(s.TraceID) || !trace.ValidSpanID(s.SpanID) {
			t.Errorf("ours: invalid IDs %q %q", s.TraceID, s.SpanID)
		}
		s.End("ok")
	}
	if err := reg.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ours.n.Load() + reg.Dropped(); got != n {
		t.Errorf("ours exported %d spans and dropped %d, want %d in all", ours.n.Load(), reg.Dropped(), n)
	}

	sdk := new(countingOTelExporter)
	tr, shutdown := otelSDK(sdk)
	for range n {
		_, s := tr.Start(ctx, "op")
		if sc := s.SpanContext(); !sc.IsValid() || !sc.IsSampled() {
			t.Errorf("otel: span context %v is not valid and sampled", sc)
		}
		s.End()
	}
	if err := shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sdk.n.Load(); got != n {
		t.Errorf("otel exported %d spans, want %d", got, n)
	}
}
