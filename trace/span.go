package trace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// Span is one timed operation of a trace.
//
// The exported fields other than Status and EndNS are set when the span is
// created and never change, so they can be read freely. [Span.End] writes
// Status and EndNS under the span's mutex: read them through
// [Span.ToProto] or [Span.DurationNS] whenever another goroutine might end
// the span. All methods are safe for concurrent use.
//
// The zero Span is not useful; spans come from [Start], [StartWithTraceID],
// [ContinueFrom], [ExtractHTTP] and [FromProto]. Its methods do not panic,
// and ending it exports nothing (it is not sampled).
type Span struct {
	TraceID   string // 32 lower-case hex chars
	SpanID    string // 16 lower-case hex chars
	ParentID  string // 16 lower-case hex chars, or "" for a root span
	Operation string
	StartNS   int64 // Unix time in nanoseconds
	Status    string
	EndNS     int64 // Unix time in nanoseconds; 0 until the span ends
	Sampled   bool

	mu         sync.Mutex
	attrs      map[string]any
	tracestate []string  // other vendors' entries; immutable, may be shared
	start      time.Time // monotonic start; zero for FromProto spans
	ended      bool
	noExport   bool // FromProto spans and spans started while exporting
}

// ctxKey is the context key of the current span.
type ctxKey struct{}

// exportingKey marks the context given to Exporter.Export.
type exportingKey struct{}

// FromContext returns the span stored in ctx, or nil.
func FromContext(ctx context.Context) *Span {
	s, _ := ctx.Value(ctxKey{}).(*Span)
	return s
}

// TraceID returns the trace ID of the span in ctx, or "" when there is none.
func TraceID(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.TraceID
	}
	return ""
}

// SpanID returns the span ID of the span in ctx, or "" when there is none.
func SpanID(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.SpanID
	}
	return ""
}

// newSpan returns a started span and a context that holds it. An empty
// traceID means a new trace.
func newSpan(ctx context.Context, traceID, parentID, operation string, sampled bool, tracestate []string) (context.Context, *Span) {
	var spanID string
	if traceID == "" {
		traceID, spanID = newIDPair()
	} else {
		spanID = NewSpanID()
	}
	now := time.Now()
	s := &Span{
		TraceID:    traceID,
		SpanID:     spanID,
		ParentID:   parentID,
		Operation:  operation,
		StartNS:    now.UnixNano(),
		Sampled:    sampled,
		tracestate: tracestate,
		start:      now,
		// Spans started while exporting are not exported, so that an
		// exporter that traces its own sends does not feed itself.
		noExport: ctx.Value(exportingKey{}) != nil,
	}
	return context.WithValue(ctx, ctxKey{}, s), s
}

// Start starts a span for operation and returns a context that holds it.
//
// With a span in ctx, the new span is its child: same trace ID, ParentID
// set to the parent's SpanID, and Sampled and tracestate inherited.
// Without one, the new span is the root of a new trace, sampled, with an
// empty tracestate.
//
//	ctx, span := trace.Start(ctx, "eval-run")
//	defer span.End("ok")
func Start(ctx context.Context, operation string) (context.Context, *Span) {
	if p := FromContext(ctx); p != nil {
		return newSpan(ctx, p.TraceID, p.SpanID, operation, p.Sampled, p.tracestate)
	}
	return newSpan(ctx, "", "", operation, true, nil)
}

// StartWithTraceID is like [Start] but puts the span in the trace traceID.
// An invalid ID (see [ValidTraceID]) is replaced by a fresh one. The span
// in ctx becomes the parent only if it belongs to the same trace;
// otherwise the new span is a sampled root of traceID.
func StartWithTraceID(ctx context.Context, traceID, operation string) (context.Context, *Span) {
	if !ValidTraceID(traceID) {
		traceID = NewTraceID()
	}
	if p := FromContext(ctx); p != nil && p.TraceID == traceID {
		return newSpan(ctx, traceID, p.SpanID, operation, p.Sampled, p.tracestate)
	}
	return newSpan(ctx, traceID, "", operation, true, nil)
}

// ContinueFrom starts a span that continues the trace of a received
// trace.span payload, ignoring any span in ctx. When ts.TraceID and
// ts.SpanID are both valid, they become the new span's trace ID and
// parent ID; otherwise the new span is the root of a new trace. The span
// is sampled.
func ContinueFrom(ctx context.Context, ts protocol.TraceSpan, operation string) (context.Context, *Span) {
	if ValidTraceID(ts.TraceID) && ValidSpanID(ts.SpanID) {
		return newSpan(ctx, ts.TraceID, ts.SpanID, operation, true, nil)
	}
	return newSpan(ctx, "", "", operation, true, nil)
}

// FromProto returns a span with the fields of ts and a copy of its attrs.
// The span is already ended: [Span.End] and [Span.SetAttr] do nothing, and
// it is never exported. It is marked sampled.
func FromProto(ts protocol.TraceSpan) *Span {
	return &Span{
		TraceID:   ts.TraceID,
		SpanID:    ts.SpanID,
		ParentID:  ts.ParentID,
		Operation: ts.Operation,
		StartNS:   ts.StartNS,
		EndNS:     ts.EndNS,
		Status:    ts.Status,
		Sampled:   true,
		attrs:     maps.Clone(ts.Attrs),
		ended:     true,
		noExport:  true,
	}
}

// End ends the span with status ("ok" or "error" by convention) and
// records EndNS. If the span is sampled, End hands [Span.ToProto] to every
// active exporter registration without blocking (see [RegisterExporter]).
// Only the first call takes effect.
func (s *Span) End(status string) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.Status = status
	if s.start.IsZero() {
		s.EndNS = time.Now().UnixNano()
	} else {
		// The monotonic clock keeps the duration right, and never
		// negative, if the wall clock jumps.
		s.EndNS = s.StartNS + max(time.Since(s.start).Nanoseconds(), 0)
	}
	var regs []*Registration
	var p protocol.TraceSpan
	if s.Sampled && !s.noExport {
		if regs = activeRegistrations(); len(regs) > 0 {
			p = s.protoLocked()
		}
	}
	s.mu.Unlock()
	if len(regs) > 0 {
		exportSpan(regs, &p)
	}
}

// SetAttr sets one attribute of the span. It does nothing after [Span.End].
func (s *Span) SetAttr(key string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if s.attrs == nil {
		s.attrs = make(map[string]any)
	}
	s.attrs[key] = value
}

// Attrs returns a copy of the span's attributes; it is never nil. The copy
// is shallow: the values themselves are shared.
func (s *Span) Attrs() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := make(map[string]any, len(s.attrs))
	maps.Copy(a, s.attrs)
	return a
}

// DurationNS returns EndNS - StartNS, or 0 until the span has ended.
func (s *Span) DurationNS() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		return 0
	}
	return s.EndNS - s.StartNS
}

// DurationMS returns [Span.DurationNS] in milliseconds.
func (s *Span) DurationMS() float64 {
	return float64(s.DurationNS()) / 1e6
}

// ToProto returns the span as a trace.span payload, with a copy of its
// attributes (nil when there are none).
func (s *Span) ToProto() protocol.TraceSpan {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.protoLocked()
}

func (s *Span) protoLocked() protocol.TraceSpan {
	return protocol.TraceSpan{
		TraceID:   s.TraceID,
		SpanID:    s.SpanID,
		ParentID:  s.ParentID,
		Operation: s.Operation,
		StartNS:   s.StartNS,
		EndNS:     s.EndNS,
		Status:    s.Status,
		Attrs:     maps.Clone(s.attrs),
	}
}

// SpanToMessage returns a [protocol.TypeTraceSpan] message from source
// whose payload is s.ToProto(), built with [protocol.New]. A nil span gives
// an error with code validation.
func SpanToMessage(source string, s *Span) (*protocol.Message, error) {
	if s == nil {
		return nil, errors.New(errors.CodeValidation, "trace: span to message: span is nil")
	}
	return protocol.New(source, protocol.TypeTraceSpan, s.ToProto())
}

// NewTraceID returns 16 random bytes from crypto/rand as 32 lower-case hex
// chars. It is never all zeros.
func NewTraceID() string {
	var b [16]byte
	return randomHex(b[:])
}

// NewSpanID returns 8 random bytes from crypto/rand as 16 lower-case hex
// chars. It is never all zeros.
func NewSpanID() string {
	var b [8]byte
	return randomHex(b[:])
}

// newIDPair returns a new trace ID and span ID from one read of
// crypto/rand. Both are written into one string, which they share, so the
// pair costs one allocation.
func newIDPair() (traceID, spanID string) {
	var b [24]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
		if !allZero(b[:16]) && !allZero(b[16:]) {
			break
		}
	}
	var h [48]byte
	hex.Encode(h[:], b[:])
	ids := string(h[:])
	return ids[:32], ids[32:]
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func randomHex(b []byte) string {
	for {
		_, _ = rand.Read(b) // crypto/rand.Read never returns an error
		if !allZero(b) {
			return hex.EncodeToString(b)
		}
	}
}

// ValidTraceID reports whether id is 32 lower-case hex chars, not all zeros.
func ValidTraceID(id string) bool { return validID(id, 32) }

// ValidSpanID reports whether id is 16 lower-case hex chars, not all zeros.
func ValidSpanID(id string) bool { return validID(id, 16) }

func validID(id string, n int) bool {
	return len(id) == n && lowerHex(id) && strings.TrimLeft(id, "0") != ""
}
