package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"
)

// Level is a log level; it is slog's own type, so slog levels work as is.
type Level = slog.Level

// The levels, as in log/slog: -4, 0, 4 and 8.
const (
	LevelDebug = slog.LevelDebug
	LevelInfo  = slog.LevelInfo
	LevelWarn  = slog.LevelWarn
	LevelError = slog.LevelError
)

// Option configures [New] and [NewHandler].
type Option func(*config)

type config struct {
	w      io.Writer
	format string
	redact map[string]struct{}
}

// WithWriter sets where [New] writes; the default is os.Stderr.
// [NewHandler] ignores it.
func WithWriter(w io.Writer) Option {
	return func(c *config) { c.w = w }
}

// WithFormat selects the output of [New]: "text" for slog's text handler,
// anything else for JSON (the default). [NewHandler] ignores it.
func WithFormat(format string) Option {
	return func(c *config) { c.format = format }
}

// WithRedact writes "[REDACTED]" in place of the value of every attribute
// whose key equals one of keys exactly, at any group depth, whether it
// comes from With/WithAttrs or from the logging call. The redacted value is
// never resolved (its LogValue is not called), and a group under a listed
// key is replaced as a whole. Several WithRedact options add up.
func WithRedact(keys ...string) Option {
	return func(c *config) {
		if len(keys) == 0 {
			return
		}
		if c.redact == nil {
			c.redact = make(map[string]struct{}, len(keys))
		}
		for _, k := range keys {
			c.redact[k] = struct{}{}
		}
	}
}

func newConfig(opts []Option) config {
	c := config{w: os.Stderr}
	for _, opt := range opts {
		opt(&c)
	}
	if c.w == nil {
		c.w = os.Stderr
	}
	return c
}

// NewHandler wraps inner so that every record whose ctx holds a trace span
// gets trace_id and span_id as top-level attributes after all others, even
// inside open groups, and so that [WithRedact] keys are redacted. It
// ignores [WithWriter] and [WithFormat], and leaves Enabled to inner.
//
// The returned handler is safe for concurrent use if inner is.
func NewHandler(inner slog.Handler, opts ...Option) slog.Handler {
	return newHandler(inner, newConfig(opts).redact)
}

// Logger is a structured logger that stamps every record with the tool name
// and, when the ctx holds a trace span, the trace and span IDs.
//
// A Logger is safe for concurrent use. Its level lives in one slog.LevelVar
// shared with its [Logger.With] children and its [Logger.Slog] logger, so
// [Logger.SetLevel] changes all of them. Recording a line ignores ctx
// cancellation: ctx is only read for the span. The zero Logger discards
// every record; use [New].
type Logger struct {
	sl    *slog.Logger
	level *slog.LevelVar
}

// New returns a logger for tool that writes records at level or above, as
// JSON to os.Stderr unless [WithWriter] or [WithFormat] say otherwise.
// JSON keys come in the order time, level, msg, tool, the With attributes,
// the call's arguments, trace_id, span_id.
func New(tool string, level Level, opts ...Option) *Logger {
	c := newConfig(opts)
	lv := new(slog.LevelVar)
	lv.Set(level)
	var inner slog.Handler
	if c.format == "text" {
		inner = slog.NewTextHandler(c.w, &slog.HandlerOptions{Level: lv})
	} else {
		inner = newJSONHandler(c.w, lv)
	}
	h := newHandler(inner, c.redact).WithAttrs([]slog.Attr{slog.String("tool", tool)})
	return &Logger{sl: slog.New(h), level: lv}
}

// SetLevel changes the minimum level of l, of every logger derived from it
// by With, and of its Slog logger.
func (l *Logger) SetLevel(level Level) {
	if l.level != nil {
		l.level.Set(level)
	}
}

// Level returns the current minimum level.
func (l *Logger) Level() Level {
	if l.level == nil {
		return LevelInfo
	}
	return l.level.Level()
}

// Debug logs at [LevelDebug]. args are slog's key-value pairs or
// slog.Attr values.
func (l *Logger) Debug(ctx context.Context, msg string, args ...any) {
	l.log(ctx, LevelDebug, msg, args)
}

// Info logs at [LevelInfo].
func (l *Logger) Info(ctx context.Context, msg string, args ...any) {
	l.log(ctx, LevelInfo, msg, args)
}

// Warn logs at [LevelWarn].
func (l *Logger) Warn(ctx context.Context, msg string, args ...any) {
	l.log(ctx, LevelWarn, msg, args)
}

// Error logs at [LevelError].
func (l *Logger) Error(ctx context.Context, msg string, args ...any) {
	l.log(ctx, LevelError, msg, args)
}

// log builds the record itself, as slog recommends for wrappers. It leaves
// the record's PC at 0: the handlers a Logger writes through never record
// the source, and capturing the caller would cost a fifth of a log line.
func (l *Logger) log(ctx context.Context, level Level, msg string, args []any) {
	if l.sl == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	h := l.sl.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.Add(args...)
	_ = h.Handle(ctx, r) // a logger has nowhere to report its own write errors
}

// With returns a logger whose records also carry args (slog key-value pairs
// or slog.Attr values), after tool and before the call's arguments. It
// shares l's level.
func (l *Logger) With(args ...any) *Logger {
	if l.sl == nil {
		return l
	}
	return &Logger{sl: l.sl.With(args...), level: l.level}
}

// Slog returns a *slog.Logger on the same handler: it adds tool, the With
// attributes, redaction and, through its ...Context methods, the trace IDs,
// and it shares l's level.
func (l *Logger) Slog() *slog.Logger {
	if l.sl == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.sl
}
