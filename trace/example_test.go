package trace_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
)

func Example() {
	ctx, span := trace.Start(context.Background(), "eval-run")
	span.SetAttr("suite", "swe-bench")

	_, child := trace.Start(ctx, "infer")
	child.End("ok")
	span.End("ok")

	fmt.Println(trace.TraceID(ctx) == span.TraceID, len(span.TraceID), len(span.SpanID))
	fmt.Println(child.TraceID == span.TraceID, child.ParentID == span.SpanID)
	fmt.Println(span.ToProto().Status, span.Attrs()["suite"], span.DurationNS() >= 0)
	// Output:
	// true 32 16
	// true true
	// ok swe-bench true
}

func ExampleExtractHTTP() {
	// An incoming request from a service that traces with W3C headers.
	in := http.Header{}
	in.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	in.Set("Tracestate", "congo=t61rcWkgMzE")

	ctx, span := trace.ExtractHTTP(context.Background(), in, "handle")
	defer span.End("ok")
	fmt.Println(span.TraceID, span.ParentID, span.Sampled)

	// An outgoing call continues the same trace.
	out := http.Header{}
	trace.InjectHTTP(ctx, out)
	fmt.Println(strings.Replace(out.Get("Traceparent"), span.SpanID, "<span>", 1))
	fmt.Println(strings.Replace(out.Get("Tracestate"), span.SpanID, "<span>", 1))
	// Output:
	// 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 true
	// 00-4bf92f3577b34da6a3ce929d0e0e4736-<span>-01
	// mist=<span>,congo=t61rcWkgMzE
}

func ExampleParseTraceparent() {
	for _, h := range []string{
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future",
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
	} {
		traceID, parentID, sampled, ok := trace.ParseTraceparent(h)
		fmt.Printf("%v %q %q %v\n", ok, traceID, parentID, sampled)
	}
	fmt.Println(trace.FormatTraceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", false))
	// Output:
	// true "4bf92f3577b34da6a3ce929d0e0e4736" "00f067aa0ba902b7" true
	// true "4bf92f3577b34da6a3ce929d0e0e4736" "00f067aa0ba902b7" false
	// false "" "" false
	// false "" "" false
	// 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00
}

func ExampleContinueFrom() {
	// A received trace.span payload names the caller's span.
	ts := protocol.TraceSpan{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7"}
	_, span := trace.ContinueFrom(context.Background(), ts, "score")
	fmt.Println(span.TraceID, span.ParentID)
	// Output:
	// 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7
}

func ExampleFromProto() {
	s := trace.FromProto(protocol.TraceSpan{
		TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7",
		Operation: "infer", StartNS: 1_000_000, EndNS: 4_500_000, Status: "ok",
	})
	fmt.Println(s.Operation, s.DurationMS(), s.ToProto().Status)
	// Output:
	// infer 3.5 ok
}

func ExampleRegisterExporter() {
	reg := trace.RegisterExporter(trace.ExporterFunc(func(ctx context.Context, spans []protocol.TraceSpan) error {
		for _, s := range spans {
			fmt.Println("exported", s.Operation, s.Status)
		}
		return nil
	}))

	_, span := trace.Start(context.Background(), "eval-run")
	span.End("ok")

	// Shutdown exports what is queued and stops the exporter's goroutine.
	if err := reg.Shutdown(context.Background()); err != nil {
		fmt.Println(err)
	}
	fmt.Println("dropped", reg.Dropped())
	// Output:
	// exported eval-run ok
	// dropped 0
}

// printSender is a Sender that prints each message; any transport.Transport
// can take its place.
type printSender struct{}

func (printSender) Send(ctx context.Context, msg *protocol.Message) error {
	span, err := protocol.DecodeAs[protocol.TraceSpan](msg)
	if err != nil {
		return err
	}
	fmt.Println(msg.Source, msg.Type, span.Operation)
	return nil
}

func ExampleNewMessageExporter() {
	reg := trace.RegisterExporter(trace.NewMessageExporter(printSender{}, protocol.SourceInferMux))
	defer reg.Shutdown(context.Background())

	ctx, span := trace.Start(context.Background(), "route")
	_, child := trace.Start(ctx, "provider-call")
	child.End("ok")
	span.End("ok")

	if err := reg.Flush(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// infermux trace.span provider-call
	// infermux trace.span route
}

func ExampleSpanToMessage() {
	_, span := trace.Start(context.Background(), "eval-run")
	span.End("error")
	msg, err := trace.SpanToMessage(protocol.SourceMatchSpec, span)
	if err != nil {
		panic(err)
	}
	got, _ := protocol.DecodeAs[protocol.TraceSpan](msg)
	fmt.Println(msg.Type, got.Operation, got.Status, got.SpanID == span.SpanID)
	// Output:
	// trace.span eval-run error true
}
