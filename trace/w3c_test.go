package trace_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/trace"
)

// httpHeader returns a header with one traceparent line (if tp != "") and
// the given tracestate lines.
func httpHeader(tp string, tracestate ...string) http.Header {
	h := http.Header{}
	if tp != "" {
		h.Set("traceparent", tp)
	}
	for _, ts := range tracestate {
		h.Add("tracestate", ts)
	}
	return h
}

type traceparentCase struct {
	line    int
	valid   bool
	sampled bool
	header  string
}

// readTraceparentCases reads testdata/traceparent.txt.
func readTraceparentCases(t testing.TB) []traceparentCase {
	f, err := os.Open("testdata/traceparent.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []traceparentCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verdict, rest, _ := strings.Cut(line, " ")
		flag, quoted, _ := strings.Cut(rest, " ")
		header, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("traceparent.txt:%d: %v", n, err)
		}
		c := traceparentCase{line: n, header: header}
		switch verdict + " " + flag {
		case "valid sampled":
			c.valid, c.sampled = true, true
		case "valid unsampled":
			c.valid = true
		case "invalid -":
		default:
			t.Fatalf("traceparent.txt:%d: bad verdict %q", n, verdict+" "+flag)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// Fixed on purpose: ParseTraceparent rejects version ff, version 00 with
// extra fields, upper-case hex and all-zero IDs, and accepts version 01 with
// extra fields. The cases are in testdata/traceparent.txt.
func TestParseTraceparentW3CCases(t *testing.T) {
	cases := readTraceparentCases(t)
	if len(cases) < 40 {
		t.Fatalf("only %d cases read", len(cases))
	}
	for _, c := range cases {
		traceID, parentID, sampled, ok := trace.ParseTraceparent(c.header)
		if ok != c.valid {
			t.Errorf("traceparent.txt:%d: ParseTraceparent(%q) ok = %v, want %v", c.line, c.header, ok, c.valid)
			continue
		}
		if !ok {
			if traceID != "" || parentID != "" || sampled {
				t.Errorf("traceparent.txt:%d: rejected %q but returned %q %q %v", c.line, c.header, traceID, parentID, sampled)
			}
			continue
		}
		h := strings.Trim(c.header, " \t")
		if traceID != h[3:35] || parentID != h[36:52] || sampled != c.sampled {
			t.Errorf("traceparent.txt:%d: ParseTraceparent(%q) = %q %q %v, want %q %q %v",
				c.line, c.header, traceID, parentID, sampled, h[3:35], h[36:52], c.sampled)
		}
	}
}

func TestFormatTraceparent(t *testing.T) {
	const tr, sp = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	if got, want := trace.FormatTraceparent(tr, sp, true), "00-"+tr+"-"+sp+"-01"; got != want {
		t.Errorf("FormatTraceparent(sampled) = %q, want %q", got, want)
	}
	if got, want := trace.FormatTraceparent(tr, sp, false), "00-"+tr+"-"+sp+"-00"; got != want {
		t.Errorf("FormatTraceparent(unsampled) = %q, want %q", got, want)
	}
}

// Fixed on purpose: an injected traceparent always parses, because IDs are
// real hex of the right size and never truncated or padded.
func TestEveryTraceparentWeWriteParses(t *testing.T) {
	for i := range 2000 {
		tr, sp, sampled := trace.NewTraceID(), trace.NewSpanID(), i%2 == 0
		gotTr, gotSp, gotSampled, ok := trace.ParseTraceparent(trace.FormatTraceparent(tr, sp, sampled))
		if !ok || gotTr != tr || gotSp != sp || gotSampled != sampled {
			t.Fatalf("Format/Parse(%s, %s, %v) = %s %s %v %v", tr, sp, sampled, gotTr, gotSp, gotSampled, ok)
		}

		ctx, s := trace.Start(context.Background(), "op")
		h := http.Header{}
		trace.InjectHTTP(ctx, h)
		gotTr, gotSp, gotSampled, ok = trace.ParseTraceparent(h.Get("traceparent"))
		if !ok || gotTr != s.TraceID || gotSp != s.SpanID || !gotSampled {
			t.Fatalf("InjectHTTP wrote %q, which parses to %s %s %v %v", h.Get("traceparent"), gotTr, gotSp, gotSampled, ok)
		}
	}
}

func TestInjectHTTP(t *testing.T) {
	h := http.Header{"X": {"y"}}
	trace.InjectHTTP(context.Background(), h)
	if len(h) != 1 {
		t.Errorf("InjectHTTP without a span changed the header: %v", h)
	}
	trace.InjectHTTP(context.Background(), nil) // must not panic

	ctx, s := trace.Start(context.Background(), "op")
	trace.InjectHTTP(ctx, h)
	if got, want := h.Values("Traceparent"), []string{"00-" + s.TraceID + "-" + s.SpanID + "-01"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Traceparent = %q, want %q", got, want)
	}
	if got, want := h.Values("Tracestate"), []string{"mist=" + s.SpanID}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Tracestate = %q, want %q", got, want)
	}
	// Injecting again replaces, never appends.
	trace.InjectHTTP(ctx, h)
	if len(h.Values("Traceparent")) != 1 || len(h.Values("Tracestate")) != 1 {
		t.Errorf("second InjectHTTP appended: %v", h)
	}

	// A span whose IDs were made invalid is not injected.
	for _, edit := range []func(*trace.Span){
		func(s *trace.Span) { s.TraceID = strings.ToUpper(s.TraceID) },
		func(s *trace.Span) { s.SpanID = s.SpanID[:15] },
		func(s *trace.Span) { s.SpanID = "0000000000000000" },
	} {
		ctx, s := trace.Start(context.Background(), "op")
		edit(s)
		h := http.Header{}
		trace.InjectHTTP(ctx, h)
		if len(h) != 0 {
			t.Errorf("InjectHTTP of span %s/%s wrote %v", s.TraceID, s.SpanID, h)
		}
	}
}

func TestExtractHTTP(t *testing.T) {
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	parentCtx, ctxSpan := trace.Start(context.Background(), "ctx span")

	ctx, s := trace.ExtractHTTP(parentCtx, httpHeader(tp), "handle")
	if s.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || s.ParentID != "00f067aa0ba902b7" || !s.Sampled {
		t.Errorf("ExtractHTTP = %+v, want the header's trace and parent, sampled", s)
	}
	if !trace.ValidSpanID(s.SpanID) || s.SpanID == s.ParentID || s.Operation != "handle" {
		t.Errorf("ExtractHTTP span ID %q operation %q, want a fresh ID and handle", s.SpanID, s.Operation)
	}
	if trace.FromContext(ctx) != s {
		t.Error("context does not hold the extracted span")
	}

	invalid := []http.Header{
		{},
		httpHeader("garbage", "a=1"),
		httpHeader("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
		{"Traceparent": {tp, tp}}, // repeated
	}
	for _, h := range invalid {
		_, s := trace.ExtractHTTP(parentCtx, h, "handle")
		if s.TraceID != ctxSpan.TraceID || s.ParentID != ctxSpan.SpanID {
			t.Errorf("ExtractHTTP(%v) with a ctx span = trace %s parent %s, want a child of the ctx span", h, s.TraceID, s.ParentID)
		}
		if got := s.TraceState(); got != "mist="+s.SpanID {
			t.Errorf("ExtractHTTP(%v) kept tracestate %q of an ignored header", h, got)
		}
		_, root := trace.ExtractHTTP(context.Background(), h, "handle")
		if !trace.ValidTraceID(root.TraceID) || root.ParentID != "" || !root.Sampled || root.TraceID == "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("ExtractHTTP(%v) without a ctx span = %+v, want a fresh root", h, root)
		}
	}
}

func TestTracestate(t *testing.T) {
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf("v%d=%d", i, i)
	}
	tests := []struct {
		name  string
		lines []string
		want  string // after "mist=<span>"
	}{
		{"none", nil, ""},
		{"kept in order", []string{"a=1,b=2"}, ",a=1,b=2"},
		{"lines joined", []string{"a=1", "b=2,c=3"}, ",a=1,b=2,c=3"},
		{"spaces trimmed", []string{" a=1 ,\tb=2\t"}, ",a=1,b=2"},
		{"empty entries dropped", []string{",a=1,, ,b=2,", ""}, ",a=1,b=2"},
		{"entries without = dropped", []string{"a=1,junk,b=2"}, ",a=1,b=2"},
		{"old mist entry dropped", []string{"mist=0000000000000001,a=1"}, ",a=1"},
		{"old mist entry in the middle", []string{"a=1, mist=00f067aa0ba902b7 ,b=2"}, ",a=1,b=2"},
		{"mist-like keys kept", []string{"mistx=1,x@mist=2"}, ",mistx=1,x@mist=2"},
		{"at most 32 in all", []string{strings.Join(many, ",")}, "," + strings.Join(many[:31], ",")},
		{"32 kept on extract, mist among them", []string{"mist=0000000000000001," + strings.Join(many, ",")}, "," + strings.Join(many[:31], ",")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, s := trace.ExtractHTTP(context.Background(), httpHeader(tp, tt.lines...), "op")
			want := "mist=" + s.SpanID + tt.want
			if got := s.TraceState(); got != want {
				t.Errorf("TraceState() = %q, want %q", got, want)
			}
			h := http.Header{}
			trace.InjectHTTP(ctx, h)
			if got := h.Get("tracestate"); got != want {
				t.Errorf("injected tracestate = %q, want %q", got, want)
			}
			if n := strings.Count(h.Get("tracestate"), ",") + 1; n > trace.MaxTracestateEntries {
				t.Errorf("injected %d entries", n)
			}
		})
	}
}

// Fixed on purpose: an incoming -00 goes out as -00 (01 is never forced),
// and an incoming tracestate a=1,b=2 goes out as mist=<span>,a=1,b=2.
func TestPropagationFixedOnPurpose(t *testing.T) {
	for _, flags := range []string{"00", "01"} {
		in := httpHeader("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-"+flags, "a=1,b=2")
		ctx, _ := trace.ExtractHTTP(context.Background(), in, "server")
		ctx, child := trace.Start(ctx, "client call")
		out := http.Header{}
		trace.InjectHTTP(ctx, out)
		if want := "00-4bf92f3577b34da6a3ce929d0e0e4736-" + child.SpanID + "-" + flags; out.Get("traceparent") != want {
			t.Errorf("incoming -%s: outgoing traceparent = %q, want %q", flags, out.Get("traceparent"), want)
		}
		if want := "mist=" + child.SpanID + ",a=1,b=2"; out.Get("tracestate") != want {
			t.Errorf("outgoing tracestate = %q, want %q", out.Get("tracestate"), want)
		}
	}
}
