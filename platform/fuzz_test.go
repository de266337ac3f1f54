package platform_test

import (
	"bytes"
	"testing"

	"github.com/greynewell/mist-go/platform"
)

// FuzzLineEndings checks the line-ending conversions against invariants:
// normalising keeps every LF and removes exactly one CR per CRLF, converting
// to Windows endings puts a CR before every LF, and normalising the Windows
// form gives back the normalised input (the round trip).
func FuzzLineEndings(f *testing.F) {
	f.Add([]byte("a\r\nb\nc"))
	f.Add([]byte("\r\r\n\n\r"))
	f.Add([]byte(""))
	f.Add([]byte("\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		norm := platform.NormalizeLineEndings(in)
		if !bytes.Equal(in, orig) {
			t.Fatalf("NormalizeLineEndings modified its input %q to %q", orig, in)
		}
		if got, want := bytes.Count(norm, []byte("\n")), bytes.Count(in, []byte("\n")); got != want {
			t.Errorf("NormalizeLineEndings(%q) = %q has %d LFs, want %d", in, norm, got, want)
		}
		if got, want := len(norm), len(in)-bytes.Count(in, []byte("\r\n")); got != want {
			t.Errorf("NormalizeLineEndings(%q) = %q has length %d, want %d", in, norm, got, want)
		}

		win := platform.ToLineEndings(in, true)
		if got, want := bytes.Count(win, []byte("\r\n")), bytes.Count(win, []byte("\n")); got != want {
			t.Errorf("toLineEndings(%q, windows) = %q has %d CRLFs among %d LFs", in, win, got, want)
		}
		if back := platform.NormalizeLineEndings(win); !bytes.Equal(back, norm) {
			t.Errorf("NormalizeLineEndings(toLineEndings(%q, windows)) = %q, want %q", in, back, norm)
		}
		if unix := platform.ToLineEndings(in, false); !bytes.Equal(unix, in) {
			t.Errorf("toLineEndings(%q, unix) = %q, want the input", in, unix)
		}
	})
}
