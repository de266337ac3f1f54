package platform_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/greynewell/mist-go/platform"
)

func TestOSArch(t *testing.T) {
	if got, want := platform.OS(), runtime.GOOS; got != want {
		t.Errorf("OS() = %q, want %q", got, want)
	}
	if got, want := platform.Arch(), runtime.GOARCH; got != want {
		t.Errorf("Arch() = %q, want %q", got, want)
	}
	if got, want := platform.IsWindows(), runtime.GOOS == "windows"; got != want {
		t.Errorf("IsWindows() = %v, want %v", got, want)
	}
}

func TestPlatformLineEnding(t *testing.T) {
	want := "\n"
	if runtime.GOOS == "windows" {
		want = "\r\n"
	}
	if got := platform.PlatformLineEnding(); got != want {
		t.Errorf("PlatformLineEnding() = %q, want %q", got, want)
	}
}

func TestNormalizeLineEndings(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"no newline", "no newline"},
		{"a\nb\n", "a\nb\n"},
		{"a\r\nb\r\n", "a\nb\n"},
		{"mixed\r\nand\nlines", "mixed\nand\nlines"},
		{"lone\rcr", "lone\rcr"},
		{"\r", "\r"},
		{"\n\r", "\n\r"},
		{"\r\r\n", "\r\n"},
		{"\r\n\r\n", "\n\n"},
	}
	for _, tt := range tests {
		in := []byte(tt.in)
		got := platform.NormalizeLineEndings(in)
		if string(got) != tt.want {
			t.Errorf("NormalizeLineEndings(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if string(in) != tt.in {
			t.Errorf("NormalizeLineEndings(%q) modified its input to %q", tt.in, in)
		}
	}
}

func TestToLineEndings(t *testing.T) {
	tests := []struct {
		in, windows string
	}{
		{"", ""},
		{"plain", "plain"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"mixed\r\nand\nlines", "mixed\r\nand\r\nlines"},
		{"lone\rcr", "lone\rcr"},
		{"\n\n", "\r\n\r\n"},
		{"\r\r\n", "\r\r\n"},
	}
	for _, tt := range tests {
		if got := platform.ToLineEndings([]byte(tt.in), true); string(got) != tt.windows {
			t.Errorf("toLineEndings(%q, windows) = %q, want %q", tt.in, got, tt.windows)
		}
		if got := platform.ToLineEndings([]byte(tt.in), false); string(got) != tt.in {
			t.Errorf("toLineEndings(%q, unix) = %q, want %q", tt.in, got, tt.in)
		}
	}
}

func TestToPlatformLineEndings(t *testing.T) {
	in := []byte("a\nb\r\nc")
	got := platform.ToPlatformLineEndings(in)
	if platform.IsWindows() {
		if want := "a\r\nb\r\nc"; string(got) != want {
			t.Errorf("ToPlatformLineEndings(%q) = %q, want %q", in, got, want)
		}
		return
	}
	// Everywhere but Windows the input itself comes back, not a copy.
	if !bytes.Equal(got, in) || &got[0] != &in[0] {
		t.Errorf("ToPlatformLineEndings(%q) = %q (a copy: %v), want the input itself", in, got, &got[0] != &in[0])
	}
}

func TestShutdownSignals(t *testing.T) {
	got := platform.ShutdownSignals()
	if len(got) != len(wantShutdownSignals) {
		t.Fatalf("ShutdownSignals() = %v, want %v", got, wantShutdownSignals)
	}
	for i := range got {
		if got[i] != wantShutdownSignals[i] {
			t.Errorf("ShutdownSignals()[%d] = %v, want %v", i, got[i], wantShutdownSignals[i])
		}
	}
	// Each call returns a fresh slice: changing one leaves the next intact.
	got[0] = nil
	if again := platform.ShutdownSignals(); again[0] != wantShutdownSignals[0] {
		t.Errorf("after modifying a result, ShutdownSignals()[0] = %v, want %v", again[0], wantShutdownSignals[0])
	}
}
