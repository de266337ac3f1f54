package trace_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/trace"
)

// FuzzParseTraceparent asserts a round trip: whatever ParseTraceparent
// accepts, FormatTraceparent writes back as a header that parses to the
// same values; and for a version 00 header with flags 00 or 01 the written
// header is the trimmed input itself.
func FuzzParseTraceparent(f *testing.F) {
	for _, c := range readTraceparentCases(f) {
		f.Add(c.header)
	}
	f.Fuzz(func(t *testing.T, header string) {
		traceID, parentID, sampled, ok := trace.ParseTraceparent(header)
		if !ok {
			if traceID != "" || parentID != "" || sampled {
				t.Fatalf("rejected %q but returned %q %q %v", header, traceID, parentID, sampled)
			}
			return
		}
		if !trace.ValidTraceID(traceID) || !trace.ValidSpanID(parentID) {
			t.Fatalf("ParseTraceparent(%q) returned invalid IDs %q %q", header, traceID, parentID)
		}
		out := trace.FormatTraceparent(traceID, parentID, sampled)
		tr2, p2, s2, ok2 := trace.ParseTraceparent(out)
		if !ok2 || tr2 != traceID || p2 != parentID || s2 != sampled {
			t.Fatalf("ParseTraceparent(FormatTraceparent(...)) = %q %q %v %v, want %q %q %v (input %q, formatted %q)",
				tr2, p2, s2, ok2, traceID, parentID, sampled, header, out)
		}
		trimmed := strings.Trim(header, " \t")
		if strings.HasPrefix(trimmed, "00-") && (strings.HasSuffix(trimmed, "-00") || strings.HasSuffix(trimmed, "-01")) && out != trimmed {
			t.Fatalf("FormatTraceparent = %q, want the trimmed input %q", out, trimmed)
		}
	})
}

// FuzzTracestate feeds fuzzed Tracestate header lines (split on '\n') to
// the parser and through ExtractHTTP, and asserts the invariants: at most
// MaxTracestateEntries entries, each non-empty, trimmed, free of ',' and
// containing '='; the outgoing TraceState starts with our own mist entry,
// keeps no mist entry from the input, carries the other entries in order
// (cut to 32 in all), and parses back to the same list.
func FuzzTracestate(f *testing.F) {
	for _, seed := range []string{
		"",
		"a=1,b=2",
		"mist=00f067aa0ba902b7,rojo=00f067aa0ba902b7",
		" a=1 ,, \tb=2\t,novalue, =x,mist =old",
		"a=1\nb=2\nmist=x",
		strings.Repeat("k=v,", 40),
		"mist=1," + strings.Repeat("x=y,", 31) + "z=last",
	} {
		f.Add(seed)
	}
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	isMist := func(e string) bool {
		k, _, _ := strings.Cut(e, "=")
		return strings.Trim(k, " \t") == "mist"
	}
	f.Fuzz(func(t *testing.T, raw string) {
		lines := strings.Split(raw, "\n")
		parsed := trace.ParseTracestate(lines)
		if len(parsed) > trace.MaxTracestateEntries {
			t.Fatalf("ParseTracestate(%q) kept %d entries, want at most %d", lines, len(parsed), trace.MaxTracestateEntries)
		}
		for _, e := range parsed {
			if e == "" || !strings.Contains(e, "=") || strings.Contains(e, ",") || strings.Trim(e, " \t") != e {
				t.Fatalf("ParseTracestate(%q) kept the entry %q", lines, e)
			}
		}

		h := http.Header{}
		h.Set(trace.TraceparentHeader, traceparent)
		for _, l := range lines {
			h.Add(trace.TracestateHeader, l)
		}
		_, span := trace.ExtractHTTP(context.Background(), h, "fuzz")
		out := span.TraceState()
		want := []string{"mist=" + span.SpanID}
		for _, e := range parsed {
			if !isMist(e) && len(want) < trace.MaxTracestateEntries {
				want = append(want, e)
			}
		}
		got := trace.ParseTracestate([]string{out})
		if !slices.Equal(got, want) {
			t.Fatalf("TraceState() = %q parses to %q, want %q (input %q)", out, got, want, lines)
		}
		if strings.Join(got, ",") != out {
			t.Fatalf("TraceState() = %q does not re-parse to itself: %q", out, got)
		}

		// One more hop: extracting what we sent keeps the same entries.
		h2 := http.Header{}
		h2.Set(trace.TraceparentHeader, trace.FormatTraceparent(span.TraceID, span.SpanID, span.Sampled))
		h2.Set(trace.TracestateHeader, out)
		_, next := trace.ExtractHTTP(context.Background(), h2, "fuzz")
		if got, want := next.TraceState(), "mist="+next.SpanID+strings.TrimPrefix(out, "mist="+span.SpanID); got != want {
			t.Fatalf("next hop TraceState() = %q, want %q", got, want)
		}
	})
}
