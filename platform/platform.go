package platform

import (
	"bytes"
	"runtime"
)

// OS returns the operating system the program runs on, [runtime.GOOS]:
// "linux", "darwin", "windows" and so on.
func OS() string { return runtime.GOOS }

// Arch returns the processor architecture the program runs on,
// [runtime.GOARCH]: "amd64", "arm64" and so on.
func Arch() string { return runtime.GOARCH }

// IsWindows reports whether the program runs on Windows, that is whether
// OS() == "windows".
func IsWindows() bool { return OS() == "windows" }

// NormalizeLineEndings returns a copy of data in which every CRLF ("\r\n") is
// replaced by LF ("\n"). A CR that is not followed by LF is kept. data itself
// is never modified; the result is never nil when data is not nil.
func NormalizeLineEndings(data []byte) []byte {
	return bytes.ReplaceAll(data, crlf, lf)
}

// PlatformLineEnding returns the native line ending: "\r\n" on Windows and
// "\n" everywhere else.
func PlatformLineEnding() string {
	if IsWindows() {
		return "\r\n"
	}
	return "\n"
}

// ToPlatformLineEndings converts data to the native line ending. Everywhere
// but Windows it returns data itself, unchanged and not copied. On Windows it
// returns a new slice in which every line ending, LF or CRLF, is CRLF: the
// input is normalised first, so CRLF never becomes CR CR LF.
func ToPlatformLineEndings(data []byte) []byte {
	return toLineEndings(data, IsWindows())
}

var (
	crlf = []byte("\r\n")
	lf   = []byte("\n")
)

// toLineEndings is ToPlatformLineEndings with the platform as a parameter, so
// both behaviours are tested on every OS.
func toLineEndings(data []byte, windows bool) []byte {
	if !windows {
		return data
	}
	return bytes.ReplaceAll(NormalizeLineEndings(data), lf, crlf)
}
