package transport

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/greynewell/mist-go/protocol"
)

// HTTPClient returns the client h sends with.
func HTTPClient(h *HTTP) *http.Client { return h.client }

// SetOnListen makes Listen call fn with its server and bound address
// before it serves.
func SetOnListen(h *HTTP, fn func(*http.Server, net.Addr)) { h.onListen = fn }

// FilePathFromURL is the file:// path rule, for either OS.
func FilePathFromURL(rest string, windows bool) string { return filePathFromURL(rest, windows) }

// BlockingSendAfter is BlockingSend with an injected timer.
func BlockingSendAfter(ctx context.Context, t Transport, msg *protocol.Message, after func(time.Duration) <-chan time.Time) error {
	return blockingSend(ctx, t, msg, after)
}

// SetFileAfter injects the poll timer of a follow reader.
func SetFileAfter(f *File, after func(time.Duration) <-chan time.Time) { f.after = after }

// FilePoll returns the poll interval of f.
func FilePoll(f *File) time.Duration { return f.poll }

// FilePath returns the path f uses.
func FilePath(f *File) string { return f.path }

// SetResilientAfter injects the timer a Resilient waits on.
func SetResilientAfter(r *Resilient, after func(time.Duration) <-chan time.Time) { r.after = after }

// ResilientWaits returns the effective ReconnectWait and MaxReconnectWait.
func ResilientWaits(r *Resilient) (time.Duration, time.Duration) {
	return r.cfg.ReconnectWait, r.cfg.MaxReconnectWait
}

// SetMiddlewareNow injects the clock a Middleware measures with.
func SetMiddlewareNow(m *Middleware, now func() time.Time) { m.now = now }

// StdioEnds returns the reader and writer of s.
func StdioEnds(s *Stdio) (io.Reader, io.Writer) { return s.r, s.w }

// HTTPTarget returns the URL h sends to.
func HTTPTarget(h *HTTP) string { return h.target }

// LineReader reads messages from r as the file and stdio readers do, with
// lines of at most max bytes and a first buffer of initial bytes.
type LineReader struct{ lr *lineReader }

func NewLineReader(r io.Reader, max, initial int) *LineReader {
	lr := newLineReader(r)
	lr.max, lr.initial = max, initial
	return &LineReader{lr}
}

func (l *LineReader) Next() (*protocol.Message, error) { return l.lr.next() }

const MaxResponseBody = maxResponseBody

// SameValue is sameValue, the panic-free comparison of two values.
func SameValue(a, b any) bool { return sameValue(a, b) }

// CheckMessage is the edge check every carrier makes before sending.
func CheckMessage(msg *protocol.Message) error { return checkMessage(msg) }

// SetHTTPTimeout changes the timeout Send applies with the default client.
func SetHTTPTimeout(h *HTTP, d time.Duration) { h.timeout = d }
