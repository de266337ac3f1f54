package trace_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
)

var (
	traceIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)
	spanIDRe  = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

func TestNewIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tr, sp := trace.NewTraceID(), trace.NewSpanID()
		if !traceIDRe.MatchString(tr) || !trace.ValidTraceID(tr) {
			t.Fatalf("NewTraceID() = %q, want 32 lower-case hex chars", tr)
		}
		if !spanIDRe.MatchString(sp) || !trace.ValidSpanID(sp) {
			t.Fatalf("NewSpanID() = %q, want 16 lower-case hex chars", sp)
		}
		if seen[tr] || seen[sp] {
			t.Fatalf("ID repeated: %s %s", tr, sp)
		}
		seen[tr], seen[sp] = true, true
	}
}

func TestValidIDs(t *testing.T) {
	tests := []struct {
		id          string
		trace, span bool
	}{
		{"4bf92f3577b34da6a3ce929d0e0e4736", true, false},
		{"00f067aa0ba902b7", false, true},
		{"00000000000000000000000000000001", true, false},
		{"0000000000000001", false, true},
		{"00000000000000000000000000000000", false, false},
		{"0000000000000000", false, false},
		{"4BF92F3577B34DA6A3CE929D0E0E4736", false, false},
		{"00F067AA0BA902B7", false, false},
		{"4bf92f3577b34da6a3ce929d0e0e473", false, false},
		{"4bf92f3577b34da6a3ce929d0e0e47366", false, false},
		{"00f067aa0ba902b", false, false},
		{"00f067aa0ba902b77", false, false},
		{"4bf92f3577b34da6a3ce929d0e0e473g", false, false},
		{"00f067aa0ba902b-", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := trace.ValidTraceID(tt.id); got != tt.trace {
			t.Errorf("ValidTraceID(%q) = %v, want %v", tt.id, got, tt.trace)
		}
		if got := trace.ValidSpanID(tt.id); got != tt.span {
			t.Errorf("ValidSpanID(%q) = %v, want %v", tt.id, got, tt.span)
		}
	}
}

func TestStartRoot(t *testing.T) {
	before := time.Now().UnixNano()
	ctx, s := trace.Start(context.Background(), "root")
	after := time.Now().UnixNano()
	if !trace.ValidTraceID(s.TraceID) || !trace.ValidSpanID(s.SpanID) || s.ParentID != "" {
		t.Errorf("root IDs = %q %q %q, want valid trace and span, no parent", s.TraceID, s.SpanID, s.ParentID)
	}
	if !s.Sampled || s.Operation != "root" || s.Status != "" || s.EndNS != 0 {
		t.Errorf("root = %+v, want sampled, operation root, not ended", s)
	}
	if s.StartNS < before || s.StartNS > after {
		t.Errorf("StartNS = %d, want in [%d, %d]", s.StartNS, before, after)
	}
	if got := s.TraceState(); got != "mist="+s.SpanID {
		t.Errorf("TraceState() = %q, want only the mist entry", got)
	}
	if trace.FromContext(ctx) != s || trace.TraceID(ctx) != s.TraceID || trace.SpanID(ctx) != s.SpanID {
		t.Errorf("context does not hold the span")
	}
	_, s2 := trace.Start(context.Background(), "root")
	if s2.TraceID == s.TraceID {
		t.Errorf("two roots share trace %s", s.TraceID)
	}
}

func TestStartChild(t *testing.T) {
	h := httpHeader("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "a=1,b=2")
	ctx, parent := trace.ExtractHTTP(context.Background(), h, "parent")
	cctx, child := trace.Start(ctx, "child")
	if child.TraceID != parent.TraceID || child.ParentID != parent.SpanID || child.SpanID == parent.SpanID {
		t.Errorf("child = %s/%s parent %s, want trace %s, parent %s", child.TraceID, child.SpanID, child.ParentID, parent.TraceID, parent.SpanID)
	}
	if child.Sampled {
		t.Error("child of an unsampled span is sampled")
	}
	if got, want := child.TraceState(), "mist="+child.SpanID+",a=1,b=2"; got != want {
		t.Errorf("child TraceState() = %q, want %q", got, want)
	}
	if trace.FromContext(cctx) != child || trace.FromContext(ctx) != parent {
		t.Error("contexts hold the wrong spans")
	}
}

func TestNoSpan(t *testing.T) {
	ctx := context.Background()
	if trace.FromContext(ctx) != nil || trace.TraceID(ctx) != "" || trace.SpanID(ctx) != "" {
		t.Errorf("empty context: FromContext %v, TraceID %q, SpanID %q", trace.FromContext(ctx), trace.TraceID(ctx), trace.SpanID(ctx))
	}
}

func TestStartWithTraceID(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	pctx, parent := trace.StartWithTraceID(context.Background(), id, "p")
	if parent.TraceID != id || parent.ParentID != "" || !parent.Sampled {
		t.Errorf("StartWithTraceID(no parent) = %+v", parent)
	}
	_, child := trace.StartWithTraceID(pctx, id, "c")
	if child.TraceID != id || child.ParentID != parent.SpanID {
		t.Errorf("same trace: child trace %s parent %q, want %s and %s", child.TraceID, child.ParentID, id, parent.SpanID)
	}
	const other = "0af7651916cd43dd8448eb211c80319c"
	_, stranger := trace.StartWithTraceID(pctx, other, "s")
	if stranger.TraceID != other || stranger.ParentID != "" {
		t.Errorf("other trace: %s parent %q, want %s and no parent", stranger.TraceID, stranger.ParentID, other)
	}
	for _, bad := range []string{"", "xyz", strings.ToUpper(id), "00000000000000000000000000000000"} {
		_, s := trace.StartWithTraceID(pctx, bad, "b")
		if !trace.ValidTraceID(s.TraceID) || s.TraceID == id || s.ParentID != "" {
			t.Errorf("StartWithTraceID(%q) = trace %q parent %q, want a fresh root", bad, s.TraceID, s.ParentID)
		}
	}
}

func TestContinueFrom(t *testing.T) {
	ctx, ignored := trace.Start(context.Background(), "ignored")
	ts := protocol.TraceSpan{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7"}
	cctx, s := trace.ContinueFrom(ctx, ts, "op")
	if s.TraceID != ts.TraceID || s.ParentID != ts.SpanID || !s.Sampled || s.SpanID == ts.SpanID {
		t.Errorf("ContinueFrom = %+v, want trace %s parent %s sampled", s, ts.TraceID, ts.SpanID)
	}
	if trace.FromContext(cctx) != s {
		t.Error("context does not hold the new span")
	}
	for _, bad := range []protocol.TraceSpan{
		{TraceID: ts.TraceID},
		{SpanID: ts.SpanID},
		{TraceID: "bad", SpanID: ts.SpanID},
		{TraceID: ts.TraceID, SpanID: "0000000000000000"},
	} {
		_, s := trace.ContinueFrom(ctx, bad, "op")
		if !trace.ValidTraceID(s.TraceID) || s.TraceID == ts.TraceID || s.TraceID == ignored.TraceID || s.ParentID != "" || !s.Sampled {
			t.Errorf("ContinueFrom(%+v) = %+v, want a fresh sampled root", bad, s)
		}
	}
}

func TestEnd(t *testing.T) {
	_, s := trace.Start(context.Background(), "op")
	if s.DurationNS() != 0 || s.DurationMS() != 0 {
		t.Errorf("duration before End = %d ns, %g ms, want 0", s.DurationNS(), s.DurationMS())
	}
	s.SetAttr("a", 1)
	s.End("ok")
	p := s.ToProto()
	if p.Status != "ok" || p.EndNS < p.StartNS {
		t.Errorf("after End: %+v", p)
	}
	if got, want := s.DurationNS(), p.EndNS-p.StartNS; got != want {
		t.Errorf("DurationNS() = %d, want %d", got, want)
	}
	if got, want := s.DurationMS(), float64(s.DurationNS())/1e6; got != want {
		t.Errorf("DurationMS() = %g, want %g", got, want)
	}
	s.End("error")
	s.SetAttr("b", 2)
	if q := s.ToProto(); !cmp.Equal(q, p) {
		t.Errorf("End and SetAttr after End changed the span:\n%s", cmp.Diff(p, q))
	}
}

func TestAttrs(t *testing.T) {
	_, s := trace.Start(context.Background(), "op")
	if a := s.Attrs(); a == nil || len(a) != 0 {
		t.Errorf("Attrs() = %#v, want an empty map", a)
	}
	if p := s.ToProto(); p.Attrs != nil {
		t.Errorf("ToProto().Attrs = %#v, want nil", p.Attrs)
	}
	s.SetAttr("model", "m")
	s.SetAttr("tokens", 3)
	s.SetAttr("tokens", 4)
	a := s.Attrs()
	a["model"] = "changed"
	p := s.ToProto()
	p.Attrs["tokens"] = 99
	if want := map[string]any{"model": "m", "tokens": 4}; !cmp.Equal(s.Attrs(), want) {
		t.Errorf("Attrs() = %v, want %v (copies must not alias)", s.Attrs(), want)
	}
}

// Fixed on purpose: changing a proto's attrs after FromProto does not change
// the span.
func TestFromProtoCopiesAttrs(t *testing.T) {
	ts := protocol.TraceSpan{
		TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", ParentID: "53995c3f42cd8ad8",
		Operation: "op", StartNS: 100, EndNS: 350, Status: "error", Attrs: map[string]any{"k": "v"},
	}
	s := trace.FromProto(ts)
	ts.Attrs["k"] = "changed"
	ts.Attrs["new"] = true
	if got := s.Attrs(); !cmp.Equal(got, map[string]any{"k": "v"}) {
		t.Errorf("Attrs() = %v after changing the proto", got)
	}
	want := ts
	want.Attrs = map[string]any{"k": "v"}
	if got := s.ToProto(); !cmp.Equal(got, want) {
		t.Errorf("ToProto() mismatch (-want +got):\n%s", cmp.Diff(want, got))
	}
	if s.DurationNS() != 250 {
		t.Errorf("DurationNS() = %d, want 250", s.DurationNS())
	}
	// Already ended: End and SetAttr do nothing.
	s.End("ok")
	s.SetAttr("x", 1)
	if got := s.ToProto(); !cmp.Equal(got, want) {
		t.Errorf("FromProto span changed after End/SetAttr:\n%s", cmp.Diff(want, got))
	}
}

// Fixed on purpose: DurationNS racing End is clean under -race.
func TestDurationRacingEnd(t *testing.T) {
	_, s := trace.Start(context.Background(), "op")
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			<-start
			for range 200 {
				if d := s.DurationNS(); d < 0 {
					t.Errorf("DurationNS() = %d", d)
				}
				_ = s.DurationMS()
				_ = s.ToProto()
				_ = s.Attrs()
				s.SetAttr("k", 1)
			}
		})
	}
	wg.Go(func() {
		<-start
		s.End("ok")
	})
	close(start)
	wg.Wait()
	if s.ToProto().Status != "ok" {
		t.Errorf("status = %q, want ok", s.ToProto().Status)
	}
}

func TestConcurrentEndOnce(t *testing.T) {
	_, s := trace.Start(context.Background(), "op")
	var wg sync.WaitGroup
	for _, st := range []string{"ok", "error", "ok", "error"} {
		wg.Go(func() { s.End(st) })
	}
	wg.Wait()
	p := s.ToProto()
	end := p.EndNS
	s.End("other")
	if q := s.ToProto(); q.Status != p.Status || q.EndNS != end || (p.Status != "ok" && p.Status != "error") {
		t.Errorf("status %q end %d then %q %d", p.Status, end, q.Status, q.EndNS)
	}
}

func TestZeroSpan(t *testing.T) {
	var s trace.Span
	s.SetAttr("a", 1)
	s.End("ok")
	if s.Status != "ok" || s.DurationNS() < 0 || s.Attrs()["a"] != 1 {
		t.Errorf("zero span after End: %+v", s.ToProto())
	}
}

func TestSpanToMessage(t *testing.T) {
	_, s := trace.Start(context.Background(), "op")
	s.SetAttr("k", "v")
	s.End("ok")
	m, err := trace.SpanToMessage(protocol.SourceInferMux, s)
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != protocol.SourceInferMux || m.Type != protocol.TypeTraceSpan || m.Validate() != nil {
		t.Errorf("message = %+v, want a valid trace.span from infermux", m)
	}
	got, err := protocol.DecodeAs[protocol.TraceSpan](m)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.ToProto(); !cmp.Equal(got, want) {
		t.Errorf("payload mismatch (-want +got):\n%s", cmp.Diff(want, got))
	}
	if _, err := trace.SpanToMessage("s", nil); errors.Code(err) != errors.CodeValidation {
		t.Errorf("SpanToMessage(nil) error = %v, want code validation", err)
	}
	s2 := trace.FromProto(protocol.TraceSpan{Attrs: map[string]any{"bad": make(chan int)}})
	if _, err := trace.SpanToMessage("s", s2); errors.Code(err) != errors.CodeValidation {
		t.Errorf("SpanToMessage(unencodable attrs) error = %v, want code validation", err)
	}
}
