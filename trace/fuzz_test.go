package trace_test

import (
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
