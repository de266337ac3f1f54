package logging

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// jsonHandler is the JSON handler behind New. It writes exactly what
// slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}) writes, but
// formats the common kinds of values itself, into a pooled buffer, which
// makes a log line about twice as cheap: strings, integers, booleans,
// durations, finite floats, times with 4-digit years and errors. A record
// or a WithAttrs call holding anything else (groups, LogValuers, other
// values, which slog passes through encoding/json) is handed to slog's own
// JSON handler, kept in step with this one, so the output never depends on
// which of the two wrote it. TestJSONHandlerMatchesSlog and
// FuzzJSONHandler compare the two.
//
// A jsonHandler is immutable once built and safe for concurrent use; the
// handlers derived from one share its writer lock and buffer pool.
type jsonHandler struct {
	w     io.Writer
	mu    *sync.Mutex // serialises writes of this handler and slow
	pool  *sync.Pool  // of *[]byte
	level slog.Leveler
	pre   []byte       // the WithAttrs attributes, each as ,"key":value
	slow  slog.Handler // slog's JSON handler with the same attributes
	// fast is false once WithAttrs received an attribute this handler
	// does not format: every record then goes to slow.
	fast bool
}

var _ slog.Handler = (*jsonHandler)(nil)

// lockedWriter makes slow write under the same lock as the fast path, so
// that lines from the two never interleave.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newJSONHandler(w io.Writer, level slog.Leveler) *jsonHandler {
	mu := new(sync.Mutex)
	return &jsonHandler{
		w:     w,
		mu:    mu,
		pool:  &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }},
		level: level,
		slow:  slog.NewJSONHandler(&lockedWriter{mu: mu, w: w}, &slog.HandlerOptions{Level: level}),
		fast:  true,
	}
}

// Enabled reports whether level is at or above the handler's level.
func (h *jsonHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// WithAttrs returns a handler whose records carry attrs after the
// attributes h already has.
func (h *jsonHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.slow = h.slow.WithAttrs(attrs)
	if h.fast {
		pre := append([]byte(nil), h.pre...)
		if pre, ok := appendAttrs(pre, attrs); ok {
			h2.pre = pre
		} else {
			h2.fast, h2.pre = false, nil
		}
	}
	return &h2
}

// WithGroup returns slog's handler for the group: the logging handler
// keeps its groups itself and never calls it, so it need not be fast.
func (h *jsonHandler) WithGroup(name string) slog.Handler {
	return h.slow.WithGroup(name)
}

// Handle writes r as one JSON line.
func (h *jsonHandler) Handle(ctx context.Context, r slog.Record) error {
	if !h.fast {
		return h.slow.Handle(ctx, r)
	}
	bp := h.pool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 { // keep huge buffers out of the pool
			*bp = (*bp)[:0]
			h.pool.Put(bp)
		}
	}()
	b, ok := h.appendRecord((*bp)[:0], r)
	*bp = b
	if !ok {
		return h.slow.Handle(ctx, r)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}

// appendRecord formats r as slog's JSON handler does, or reports false
// when r holds a value it leaves to slog.
func (h *jsonHandler) appendRecord(b []byte, r slog.Record) ([]byte, bool) {
	b = append(b, '{')
	if !r.Time.IsZero() {
		t := r.Time.Round(0)
		if !timeInRange(t) {
			return b, false
		}
		b = append(b, `"time":`...)
		b = appendTime(b, t)
		b = append(b, ',')
	}
	b = append(b, `"level":`...)
	b = appendString(b, r.Level.String())
	b = append(b, `,"msg":`...)
	b = appendString(b, r.Message)
	b = append(b, h.pre...)
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		b, ok = appendAttr(b, a)
		return ok
	})
	if !ok {
		return b, false
	}
	return append(b, '}', '\n'), true
}

// appendAttrs appends each of attrs as ,"key":value.
func appendAttrs(b []byte, attrs []slog.Attr) ([]byte, bool) {
	for _, a := range attrs {
		var ok bool
		if b, ok = appendAttr(b, a); !ok {
			return b, false
		}
	}
	return b, true
}

// appendAttr appends a as ,"key":value, appends nothing for an empty
// attribute, as slog does, and reports false for a value left to slog.
func appendAttr(b []byte, a slog.Attr) ([]byte, bool) {
	if isEmpty(a) {
		return b, true
	}
	v := a.Value
	n := len(b)
	b = append(b, ',')
	b = appendString(b, a.Key)
	b = append(b, ':')
	switch v.Kind() {
	case slog.KindString:
		b = appendString(b, v.String())
	case slog.KindInt64:
		b = strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		b = strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindBool:
		b = strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		b = strconv.AppendInt(b, int64(v.Duration()), 10)
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b[:n], false
		}
		b = appendFloat(b, f)
	case slog.KindTime:
		t := v.Time()
		if !timeInRange(t) {
			return b[:n], false
		}
		b = appendTime(b, t)
	case slog.KindAny:
		msg, ok := errorText(v.Any())
		if !ok {
			return b[:n], false
		}
		b = appendString(b, msg)
	default: // groups and LogValuers
		return b[:n], false
	}
	return b, true
}

// errorText returns err.Error() for an error value that slog writes as its
// text: an error that is not a json.Marshaler and whose Error does not
// panic.
func errorText(v any) (msg string, ok bool) {
	err, isErr := v.(error)
	if !isErr {
		return "", false
	}
	if _, jm := v.(json.Marshaler); jm {
		return "", false
	}
	defer func() {
		if recover() != nil {
			msg, ok = "", false
		}
	}()
	return err.Error(), true
}

func timeInRange(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y < 10000
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendFloat formats a finite f as encoding/json does, which is what slog
// writes.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped as slog escapes it:
// quote, backslash and control characters, invalid UTF-8 as \ufffd, and
// U+2028 and U+2029; '<', '>' and '&' stay as they are.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
