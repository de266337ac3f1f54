package trace_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/greynewell/mist-go/trace"
)

func BenchmarkStartEnd(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, s := trace.Start(ctx, "op")
		s.End("ok")
	}
}

func BenchmarkStartEndChild(b *testing.B) {
	ctx, root := trace.Start(context.Background(), "root")
	defer root.End("ok")
	b.ReportAllocs()
	for b.Loop() {
		_, s := trace.Start(ctx, "op")
		s.End("ok")
	}
}

func BenchmarkInjectExtractHTTP(b *testing.B) {
	ctx, s := trace.Start(context.Background(), "client")
	defer s.End("ok")
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		trace.InjectHTTP(ctx, h)
		if _, got := trace.ExtractHTTP(context.Background(), h, "server"); got.ParentID != s.SpanID {
			b.Fatal("extract lost the parent")
		}
	}
}

func BenchmarkParseTraceparent(b *testing.B) {
	const h = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, ok := trace.ParseTraceparent(h); !ok {
			b.Fatal("rejected")
		}
	}
}
