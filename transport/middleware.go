package transport

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/greynewell/mist-go/circuitbreaker"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/retry"
	"github.com/greynewell/mist-go/trace"
)

// Middleware wraps a [Transport] with logging, retry, metrics, circuit
// breaking and tracing, each turned on by its option. Send applies the
// layers in a fixed order, outermost first:
//
//  1. tracing: when ctx holds a span, a child span "transport.send"
//  2. retry ([WithRetry]), as retry.DoAuto
//  3. the circuit breaker ([WithBreaker]), around each attempt
//  4. the wrapped transport's Send
//
// Metrics and logs record each whole Send call. Receive and Close pass
// straight through, with Receive counted and logged. A call whose ctx is
// already done returns ctx.Err() without recording anything.
//
// Middleware is safe for concurrent use when the wrapped transport is,
// and starts no goroutines. The zero Middleware is not usable (its Send
// and Receive fail with code validation); use Wrap.
type Middleware struct {
	inner   Transport
	logger  *slog.Logger
	policy  *retry.Policy
	breaker *circuitbreaker.Breaker
	reg     *metrics.Registry
	now     func() time.Time

	recvErrors *metrics.Counter
	series     seriesCache
}

// seriesCache keeps the per-type series of WithMetrics, so a Send or
// Receive on a type seen before costs a map lookup and no allocation.
type seriesCache struct {
	mu       sync.RWMutex
	counters map[seriesKey]*metrics.Counter
	hists    map[string]*metrics.Histogram
}

type seriesKey struct {
	kind uint8 // sentOK, sentError or received
	typ  string
}

const (
	sentOK uint8 = iota
	sentError
	received
)

func (m *Middleware) counter(kind uint8, typ string) *metrics.Counter {
	k := seriesKey{kind, typ}
	m.series.mu.RLock()
	c := m.series.counters[k]
	m.series.mu.RUnlock()
	if c != nil {
		return c
	}
	label := typeLabel(typ)
	switch kind {
	case sentOK:
		c = m.reg.Counter("transport_sent", "type", label, "result", "ok")
	case sentError:
		c = m.reg.Counter("transport_sent", "type", label, "result", "error")
	default:
		c = m.reg.Counter("transport_received", "type", label)
	}
	m.series.mu.Lock()
	if m.series.counters == nil {
		m.series.counters = make(map[seriesKey]*metrics.Counter)
	}
	m.series.counters[k] = c
	m.series.mu.Unlock()
	return c
}

func (m *Middleware) histogram(typ string) *metrics.Histogram {
	m.series.mu.RLock()
	h := m.series.hists[typ]
	m.series.mu.RUnlock()
	if h != nil {
		return h
	}
	h = m.reg.Histogram("transport_send_ms", metrics.DefaultBuckets, "type", typeLabel(typ))
	m.series.mu.Lock()
	if m.series.hists == nil {
		m.series.hists = make(map[string]*metrics.Histogram)
	}
	m.series.hists[typ] = h
	m.series.mu.Unlock()
	return h
}

// typeLabel is the value of a series' type label: the message type with
// invalid UTF-8 replaced by U+FFFD, as the registry shows it. Types that
// differ only in invalid bytes share a series; registering them apart
// would panic in the registry, and a message's type is data, not a
// programming mistake.
func typeLabel(typ string) string { return strings.ToValidUTF8(typ, "\uFFFD") }

// MiddlewareOption configures a [Middleware].
type MiddlewareOption func(*Middleware)

// WithLogger logs through l's ctx-taking methods, so a trace-aware handler
// sees the send span. A Send logs at Debug "send ok" or at Error "send
// failed", with msg_type, msg_id, duration_ms, attempts and, on failure,
// error. A successful Receive logs at Debug "receive" with msg_type and
// msg_id. A nil l logs nothing.
func WithLogger(l *slog.Logger) MiddlewareOption {
	return func(m *Middleware) { m.logger = l }
}

// WithRetry retries a failed Send as retry.DoAuto(ctx, p, …) does: only
// errors that errors.IsRetryable accepts are tried again. Without it each
// Send makes one attempt.
func WithRetry(p retry.Policy) MiddlewareOption {
	return func(m *Middleware) { m.policy = &p }
}

// WithMetrics records into r:
//
//	counter   transport_sent{type,result}   once per Send; result is "ok" or "error"
//	histogram transport_send_ms{type}       the whole Send, in ms, over metrics.DefaultBuckets
//	counter   transport_received{type}      each successful Receive
//	counter   transport_receive_errors      each failed Receive, except ctx errors
//
// The type label is the message type, with invalid UTF-8 replaced by
// U+FFFD (types that differ only there share a series).
//
// A nil r records nothing.
func WithMetrics(r *metrics.Registry) MiddlewareOption {
	return func(m *Middleware) { m.reg = r }
}

// WithBreaker runs each attempt inside b.Do. A rejected attempt fails with
// circuitbreaker.ErrOpen, which is retryable, so WithRetry tries again
// after its wait. A nil b adds no breaker.
func WithBreaker(b *circuitbreaker.Breaker) MiddlewareOption {
	return func(m *Middleware) { m.breaker = b }
}

// Wrap returns t with the layers chosen by opts. Wrapping a nil t gives a
// Middleware whose Send and Receive fail with code validation.
func Wrap(t Transport, opts ...MiddlewareOption) *Middleware {
	m := &Middleware{inner: t, now: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(m)
		}
	}
	if m.reg != nil {
		m.recvErrors = m.reg.Counter("transport_receive_errors")
	}
	return m
}

var errNoMessage = errors.New(errors.CodeInternal, "transport: receive returned neither a message nor an error")

var errNilInner = errors.New(errors.CodeValidation, "transport: wrap: transport is nil")

// Send sends msg through the layers; see [Middleware].
func (m *Middleware) Send(ctx context.Context, msg *protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err // no work: no span, no metrics, no log
	}
	if m.inner == nil {
		return errNilInner
	}
	start := m.now()
	var typ, source, id string
	if msg != nil {
		typ, source, id = msg.Type, msg.Source, msg.ID
	}
	var span *trace.Span
	if trace.FromContext(ctx) != nil {
		ctx, span = trace.Start(ctx, "transport.send")
	}

	attempts := 0
	attempt := func(ctx context.Context) error {
		attempts++
		if m.breaker != nil {
			return m.breaker.Do(ctx, func(ctx context.Context) error { return m.inner.Send(ctx, msg) })
		}
		return m.inner.Send(ctx, msg)
	}
	var err error
	if m.policy != nil {
		err = retry.DoAuto(ctx, *m.policy, attempt)
	} else {
		err = attempt(ctx)
	}
	ms := float64(m.now().Sub(start)) / float64(time.Millisecond)

	if span != nil {
		span.SetAttr("msg_type", typ)
		span.SetAttr("msg_source", source)
		span.SetAttr("attempts", attempts)
		span.SetAttr("duration_ms", ms)
		status := "ok"
		if err != nil {
			span.SetAttr("error", err.Error())
			status = "error"
		}
		span.End(status)
	}
	if m.reg != nil {
		kind := sentOK
		if err != nil {
			kind = sentError
		}
		m.counter(kind, typ).Inc()
		m.histogram(typ).Observe(ms)
	}
	if m.logger != nil {
		if err != nil {
			m.logger.LogAttrs(ctx, slog.LevelError, "send failed",
				slog.String("msg_type", typ), slog.String("msg_id", id),
				slog.Float64("duration_ms", ms), slog.Int("attempts", attempts),
				slog.String("error", err.Error()))
		} else {
			m.logger.LogAttrs(ctx, slog.LevelDebug, "send ok",
				slog.String("msg_type", typ), slog.String("msg_id", id),
				slog.Float64("duration_ms", ms), slog.Int("attempts", attempts))
		}
	}
	return err
}

// Receive calls the wrapped Receive, counting and logging the outcome.
func (m *Middleware) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m.inner == nil {
		return nil, errNilInner
	}
	msg, err := m.inner.Receive(ctx)
	if err == nil && msg == nil {
		err = errNoMessage
	}
	if err != nil {
		if m.recvErrors != nil && !isCtxErr(err) {
			m.recvErrors.Inc()
		}
		return msg, err
	}
	if m.reg != nil {
		m.counter(received, msg.Type).Inc()
	}
	if m.logger != nil {
		m.logger.LogAttrs(ctx, slog.LevelDebug, "receive",
			slog.String("msg_type", msg.Type), slog.String("msg_id", msg.ID))
	}
	return msg, nil
}

// Close closes the wrapped transport.
func (m *Middleware) Close() error {
	if m.inner == nil {
		return nil
	}
	return m.inner.Close()
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
