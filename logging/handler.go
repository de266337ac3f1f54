package logging

import (
	"context"
	"log/slog"
	"slices"

	"github.com/greynewell/mist-go/trace"
)

// Keys the handler adds, and the text that replaces a redacted value.
const (
	traceIDKey = "trace_id"
	spanIDKey  = "span_id"
	redacted   = "[REDACTED]"
)

// handler is the slog.Handler wrapper behind NewHandler and New.
//
// Attributes added before the first WithGroup are redacted and handed to
// the inner handler's WithAttrs, so it can pre-format them. From the first
// WithGroup on, the wrapper records the groups and attributes itself
// instead of delegating them: at Handle time it nests them, with the
// record's own attributes in the innermost group, and then adds trace_id
// and span_id at the top level, outside every group.
//
// A handler is immutable once built, so it is safe for concurrent use as
// long as the inner handler is.
type handler struct {
	inner  slog.Handler
	redact map[string]struct{} // read-only; nil when nothing is redacted
	goas   []groupOrAttrs      // from the first WithGroup on; never modified in place
}

// groupOrAttrs is one WithGroup (group != "") or WithAttrs call.
type groupOrAttrs struct {
	group string
	attrs []slog.Attr
}

var _ slog.Handler = (*handler)(nil)

func newHandler(inner slog.Handler, redact map[string]struct{}) *handler {
	return &handler{inner: inner, redact: redact}
}

// Enabled reports what the inner handler reports.
func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// WithAttrs returns a handler whose records carry attrs, redacted.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	attrs = h.redactAll(attrs)
	if len(h.goas) == 0 {
		return &handler{inner: h.inner.WithAttrs(attrs), redact: h.redact}
	}
	return &handler{inner: h.inner, redact: h.redact, goas: append(slices.Clip(h.goas), groupOrAttrs{attrs: attrs})}
}

// WithGroup returns a handler that nests later attributes under name. An
// empty name returns h, as slog.Handler requires.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &handler{inner: h.inner, redact: h.redact, goas: append(slices.Clip(h.goas), groupOrAttrs{group: name})}
}

// Handle redacts the record's attributes, nests them in the open groups,
// adds trace_id and span_id at the top level when ctx holds a span, and
// passes the result to the inner handler.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	var traceID, spanID string
	if ctx != nil {
		if s := trace.FromContext(ctx); s != nil {
			traceID, spanID = s.TraceID, s.SpanID
		}
	}
	switch {
	case len(h.goas) == 0 && h.redact == nil:
		if traceID == "" {
			return h.inner.Handle(ctx, r)
		}
		r = r.Clone() // AddAttrs must not write into a backing array the caller shares
	case len(h.goas) == 0:
		nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
		r.Attrs(func(a slog.Attr) bool {
			nr.AddAttrs(h.redactAttr(a))
			return true
		})
		r = nr
	default:
		attrs := make([]slog.Attr, 0, r.NumAttrs())
		r.Attrs(func(a slog.Attr) bool {
			if !isEmpty(a) {
				attrs = append(attrs, h.redactAttr(a))
			}
			return true
		})
		// Wrap from the innermost group outwards. A group that ends up
		// with no attributes is left out, as slog requires.
		for i := len(h.goas) - 1; i >= 0; i-- {
			g := h.goas[i]
			if g.group == "" {
				attrs = append(slices.Clip(g.attrs), attrs...)
				continue
			}
			if len(attrs) > 0 {
				attrs = []slog.Attr{{Key: g.group, Value: slog.GroupValue(attrs...)}}
			}
		}
		nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
		nr.AddAttrs(attrs...)
		r = nr
	}
	if traceID != "" {
		r.AddAttrs(slog.String(traceIDKey, traceID), slog.String(spanIDKey, spanID))
	}
	return h.inner.Handle(ctx, r)
}

// isEmpty reports whether a is the zero Attr, which handlers ignore.
func isEmpty(a slog.Attr) bool {
	return a.Key == "" && a.Value.Equal(slog.Value{})
}

// redactAll returns attrs with listed keys redacted, sharing attrs when
// nothing is redacted.
func (h *handler) redactAll(attrs []slog.Attr) []slog.Attr {
	if h.redact == nil {
		return attrs
	}
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.redactAttr(a)
	}
	return out
}

// redactAttr replaces the value of a listed key with "[REDACTED]" without
// resolving it, and descends into groups, including groups a LogValuer
// resolves to, at any depth.
func (h *handler) redactAttr(a slog.Attr) slog.Attr {
	if h.redact == nil {
		return a
	}
	if _, ok := h.redact[a.Key]; ok {
		return slog.String(a.Key, redacted)
	}
	v := a.Value
	if v.Kind() == slog.KindLogValuer {
		v = v.Resolve()
	}
	if v.Kind() != slog.KindGroup {
		return slog.Attr{Key: a.Key, Value: v}
	}
	group := v.Group()
	out := make([]slog.Attr, len(group))
	for i, ga := range group {
		out[i] = h.redactAttr(ga)
	}
	return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
}
