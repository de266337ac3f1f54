package trace

import (
	"context"
	"net/http"
	"strings"
)

// W3C Trace Context header names, in canonical MIME form, and the most
// tracestate entries kept.
const (
	TraceparentHeader    = "Traceparent"
	TracestateHeader     = "Tracestate"
	MaxTracestateEntries = 32
)

// traceparentLen is the length of a version 00 traceparent:
// "vv-" + 32 + "-" + 16 + "-" + "ff".
const traceparentLen = 55

// FormatTraceparent returns the W3C traceparent "00-<traceID>-<spanID>-01",
// or "-00" at the end when not sampled. It does not check the IDs.
func FormatTraceparent(traceID, spanID string, sampled bool) string {
	flags := "-00"
	if sampled {
		flags = "-01"
	}
	return "00-" + traceID + "-" + spanID + flags
}

// ParseTraceparent parses a W3C traceparent header. It trims surrounding
// spaces and tabs, then requires:
//
//   - a version of two lower-case hex chars other than "ff";
//   - for version 00, exactly 55 chars; for a higher version, at least 55
//     chars, where anything beyond them starts with "-" and is ignored;
//   - a trace ID of 32 and a parent ID of 16 lower-case hex chars, neither
//     all zeros, and two lower-case hex flag chars, separated by "-".
//
// sampled is flags&1 == 1. On failure it returns ok == false and empty
// values.
func ParseTraceparent(header string) (traceID, parentID string, sampled, ok bool) {
	h := strings.Trim(header, " \t")
	if len(h) < traceparentLen {
		return "", "", false, false
	}
	version := h[0:2]
	if !lowerHex(version) || version == "ff" {
		return "", "", false, false
	}
	if version == "00" && len(h) != traceparentLen {
		return "", "", false, false
	}
	if len(h) > traceparentLen && h[traceparentLen] != '-' {
		return "", "", false, false
	}
	if h[2] != '-' || h[35] != '-' || h[52] != '-' {
		return "", "", false, false
	}
	traceID, parentID, flags := h[3:35], h[36:52], h[53:55]
	if !ValidTraceID(traceID) || !ValidSpanID(parentID) || !lowerHex(flags) {
		return "", "", false, false
	}
	return traceID, parentID, fromHex(flags[1])&1 == 1, true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func fromHex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// TraceState returns the tracestate value the span propagates, as
// [InjectHTTP] writes it: "mist=<span id>" followed by the entries of other
// vendors the span inherited, without any older mist entry, at most
// [MaxTracestateEntries] entries in all.
func (s *Span) TraceState() string {
	n := len("mist=") + len(s.SpanID)
	for _, e := range s.tracestate {
		n += 1 + len(e)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("mist=")
	b.WriteString(s.SpanID)
	count := 1
	for _, e := range s.tracestate {
		if count == MaxTracestateEntries {
			break
		}
		if isMistEntry(e) {
			continue
		}
		b.WriteByte(',')
		b.WriteString(e)
		count++
	}
	return b.String()
}

func isMistEntry(e string) bool {
	k, _, _ := strings.Cut(e, "=")
	return strings.Trim(k, " \t") == "mist"
}

// InjectHTTP writes the span in ctx to h: Traceparent as
// [FormatTraceparent] writes it (version 00, only the sampled flag), and
// Tracestate as [Span.TraceState] returns it. It leaves h alone when ctx
// holds no span or the span's IDs are not valid, and does nothing when h
// is nil.
func InjectHTTP(ctx context.Context, h http.Header) {
	s := FromContext(ctx)
	if h == nil || s == nil || !ValidTraceID(s.TraceID) || !ValidSpanID(s.SpanID) {
		return
	}
	h[TraceparentHeader] = []string{FormatTraceparent(s.TraceID, s.SpanID, s.Sampled)}
	h[TracestateHeader] = []string{s.TraceState()}
}

// ExtractHTTP starts a span for operation that continues the trace named
// in h, ignoring any span in ctx. When h holds exactly one Traceparent
// header and [ParseTraceparent] accepts it, the new span gets a fresh ID,
// the header's trace ID and parent ID, and Sampled from its flags. Its
// tracestate is the Tracestate header lines joined with ",", without empty
// entries or entries lacking "=", at most [MaxTracestateEntries] of them.
//
// A missing, repeated or invalid Traceparent is ignored: ExtractHTTP then
// returns Start(ctx, operation), and Tracestate is not read.
func ExtractHTTP(ctx context.Context, h http.Header, operation string) (context.Context, *Span) {
	tp := h.Values(TraceparentHeader)
	if len(tp) != 1 {
		return Start(ctx, operation)
	}
	traceID, parentID, sampled, ok := ParseTraceparent(tp[0])
	if !ok {
		return Start(ctx, operation)
	}
	return newSpan(ctx, traceID, parentID, operation, sampled, parseTracestate(h.Values(TracestateHeader)))
}

// parseTracestate joins the header lines with ",", trims each entry of
// spaces and tabs, drops empty entries and entries without "=", and keeps
// the first MaxTracestateEntries.
func parseTracestate(lines []string) []string {
	var out []string
	for _, line := range lines {
		for e := range strings.SplitSeq(line, ",") {
			e = strings.Trim(e, " \t")
			if e == "" || !strings.Contains(e, "=") {
				continue
			}
			if len(out) == MaxTracestateEntries {
				return out
			}
			out = append(out, e)
		}
	}
	return out
}
