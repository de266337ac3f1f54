package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/circuitbreaker"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/retry"
	"github.com/greynewell/mist-go/trace"
	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

// scripted is a transport whose Send returns the scripted errors in turn
// (nil once they run out) and records the span in each call's ctx.
type scripted struct {
	transporttest.Mock
	mu    sync.Mutex
	errs  []error
	calls int
	spans []*trace.Span
}

func (s *scripted) Send(ctx context.Context, msg *protocol.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.spans = append(s.spans, trace.FromContext(ctx))
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return err
}

var fastRetry = retry.Policy{MaxAttempts: 3}

func TestMiddlewareRetry(t *testing.T) {
	down := errors.New(errors.CodeUnavailable, "down")
	bad := errors.New(errors.CodeValidation, "bad")
	tests := []struct {
		name  string
		errs  []error
		opts  []transport.MiddlewareOption
		calls int
		want  error
	}{
		{"no retry: one attempt", []error{down}, nil, 1, down},
		{"retryable then ok", []error{down, down}, []transport.MiddlewareOption{transport.WithRetry(fastRetry)}, 3, nil},
		{"permanent not retried", []error{bad}, []transport.MiddlewareOption{transport.WithRetry(fastRetry)}, 1, bad},
		{"exhausted", []error{down, down, down}, []transport.MiddlewareOption{transport.WithRetry(fastRetry)}, 3, down},
		{"ErrClosed not retried", []error{transport.ErrClosed}, []transport.MiddlewareOption{transport.WithRetry(fastRetry)}, 1, transport.ErrClosed},
		{"ErrFull retried", []error{transport.ErrFull}, []transport.MiddlewareOption{transport.WithRetry(fastRetry)}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &scripted{errs: tt.errs}
			m := transport.Wrap(inner, tt.opts...)
			err := m.Send(ctxT(t), newMsg(t, 1))
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Send = %v, want %v", err, tt.want)
			}
			if inner.calls != tt.calls {
				t.Errorf("inner Send called %d times, want %d", inner.calls, tt.calls)
			}
		})
	}
}

// The breaker runs inside the retry loop: each attempt is one b.Do, and a
// rejected attempt (ErrOpen) is retried.
func TestMiddlewareBreakerPerAttempt(t *testing.T) {
	down := errors.New(errors.CodeUnavailable, "down")
	b := circuitbreaker.New(circuitbreaker.Config{Threshold: 2, Timeout: time.Hour})
	inner := &scripted{errs: []error{down, down, down, down}}
	m := transport.Wrap(inner, transport.WithRetry(retry.Policy{MaxAttempts: 4}), transport.WithBreaker(b))
	err := m.Send(ctxT(t), newMsg(t, 1))
	// Attempts 1 and 2 fail and open the breaker; attempts 3 and 4 are
	// rejected without reaching the inner transport.
	if inner.calls != 2 {
		t.Errorf("inner Send called %d times, want 2", inner.calls)
	}
	if !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Errorf("Send = %v, want the last attempt's ErrOpen", err)
	}
	var ex *retry.ExhaustedError
	if !errors.As(err, &ex) || ex.Attempts != 4 {
		t.Errorf("Send = %v, want all 4 attempts made (ErrOpen is retryable)", err)
	}
	if s, f := b.Counts(); s != 0 || f != 2 {
		t.Errorf("breaker counts = %d successes, %d failures, want 0 and 2", s, f)
	}
}

func TestMiddlewareTracing(t *testing.T) {
	down := errors.New(errors.CodeUnavailable, "down")
	inner := &scripted{errs: []error{down}}
	m := transport.Wrap(inner, transport.WithRetry(fastRetry))
	ctx, parent := trace.Start(ctxT(t), "caller")
	defer parent.End("ok")
	msg := newMsg(t, 1)
	if err := m.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if len(inner.spans) != 2 || inner.spans[0] == nil || inner.spans[0] != inner.spans[1] {
		t.Fatalf("inner calls saw spans %v, want one child span for both attempts", inner.spans)
	}
	child := inner.spans[0].ToProto()
	if child.Operation != "transport.send" || child.ParentID != parent.SpanID || child.TraceID != parent.TraceID {
		t.Errorf("span = %+v, want transport.send, child of the caller's span", child)
	}
	if child.Status != "ok" || child.EndNS == 0 {
		t.Errorf("span status %q, end %d, want ended ok", child.Status, child.EndNS)
	}
	attrs := child.Attrs
	if attrs["msg_type"] != msg.Type || attrs["msg_source"] != msg.Source || attrs["attempts"] != 2 {
		t.Errorf("span attrs = %v, want msg_type, msg_source and attempts 2", attrs)
	}
	if _, ok := attrs["duration_ms"].(float64); !ok {
		t.Errorf("span attrs = %v, want a float64 duration_ms", attrs)
	}
	if _, ok := attrs["error"]; ok {
		t.Errorf("span attrs = %v, want no error on success", attrs)
	}

	// A failed send ends the span "error" with the error text.
	inner = &scripted{errs: []error{errors.New(errors.CodeValidation, "bad")}}
	m = transport.Wrap(inner)
	if err := m.Send(ctx, msg); err == nil {
		t.Fatal("Send = nil, want the error")
	}
	failed := inner.spans[0].ToProto()
	if failed.Status != "error" || failed.Attrs["error"] != "validation: bad" || failed.Attrs["attempts"] != 1 {
		t.Errorf("failed span = %+v, want status error with the error text and 1 attempt", failed)
	}

	// Without a span in ctx, no span is started.
	inner = &scripted{}
	transport.Wrap(inner).Send(context.Background(), msg)
	if inner.spans[0] != nil {
		t.Errorf("Send without a span started one: %+v", inner.spans[0].ToProto())
	}
}

func TestMiddlewareMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	inner := transporttest.NewMock(newMsg(t, 1))
	m := transport.Wrap(inner, transport.WithMetrics(reg))
	ticks := 0
	transport.SetMiddlewareNow(m, func() time.Time { // each reading is 7 ms after the last
		ticks++
		return time.Unix(0, int64(ticks)*int64(7*time.Millisecond))
	})
	ctx := ctxT(t)
	msg := newMsg(t, 1)
	m.Send(ctx, msg)
	m.Send(ctx, msg)
	inner.SetSendError(errors.New(errors.CodeTransport, "x"))
	m.Send(ctx, msg)
	if _, err := m.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	m.Receive(short) // a ctx error: not counted
	inner.Close()
	m.Receive(ctx) // ErrClosed: counted

	snap := reg.Snapshot()
	counters := map[string]int64{}
	for k, c := range snap.Counters {
		counters[k] = c.Value
	}
	want := map[string]int64{
		"transport_sent{result,ok,type,eval.result}":    2,
		"transport_sent{result,error,type,eval.result}": 1,
		"transport_received{type,eval.result}":          1,
		"transport_receive_errors":                      1,
	}
	if diff := cmp.Diff(want, counters); diff != "" {
		t.Errorf("counters (-want +got):\n%s", diff)
	}
	h, ok := snap.Histograms["transport_send_ms{type,eval.result}"]
	if !ok || h.Count != 3 || h.Sum != 21 {
		t.Errorf("transport_send_ms = %+v, want 3 observations of 7 ms", h)
	}
	if len(h.Buckets) != len(metrics.DefaultBuckets)+1 {
		t.Errorf("transport_send_ms has %d buckets, want metrics.DefaultBuckets and +Inf", len(h.Buckets))
	}
}

func TestMiddlewareLogger(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	inner := transporttest.NewMock()
	m := transport.Wrap(inner, transport.WithLogger(logger))
	ctx := ctxT(t)
	msg := newMsg(t, 1)
	if err := m.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	inner.SetSendError(errors.New(errors.CodeTransport, "wire cut"))
	m.Send(ctx, msg)
	inner.AddResponse(msg)
	if _, err := m.Receive(ctx); err != nil {
		t.Fatal(err)
	}

	var entries []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		delete(e, "time")
		entries = append(entries, e)
	}
	if len(entries) != 3 {
		t.Fatalf("logged %d entries, want 3:\n%s", len(entries), buf.String())
	}
	keys := func(e map[string]any) string {
		var k []string
		for key := range e {
			k = append(k, key)
		}
		sort.Strings(k)
		return strings.Join(k, ",")
	}
	checks := []struct {
		level, msg, keys string
	}{
		{"DEBUG", "send ok", "attempts,duration_ms,level,msg,msg_id,msg_type"},
		{"ERROR", "send failed", "attempts,duration_ms,error,level,msg,msg_id,msg_type"},
		{"DEBUG", "receive", "level,msg,msg_id,msg_type"},
	}
	for i, c := range checks {
		e := entries[i]
		if e["level"] != c.level || e["msg"] != c.msg || keys(e) != c.keys {
			t.Errorf("entry %d = %v, want %s %q with keys %s", i, e, c.level, c.msg, c.keys)
		}
		if e["msg_id"] != msg.ID || e["msg_type"] != msg.Type {
			t.Errorf("entry %d = %v, want msg_id %s and msg_type %s", i, e, msg.ID, msg.Type)
		}
	}
	if entries[1]["error"] != "transport: wire cut" {
		t.Errorf("error attr = %v, want the error text", entries[1]["error"])
	}
}

// The logger gets the ctx of the send span, so a trace-aware handler can
// read it.
func TestMiddlewareLoggerContext(t *testing.T) {
	h := &ctxHandler{}
	m := transport.Wrap(transporttest.NewMock(), transport.WithLogger(slog.New(h)))
	ctx, span := trace.Start(ctxT(t), "caller")
	defer span.End("ok")
	m.Send(ctx, newMsg(t, 1))
	if len(h.spans) != 1 || h.spans[0] == nil || h.spans[0].ParentID != span.SpanID || h.spans[0].Operation != "transport.send" {
		t.Errorf("the handler saw spans %v, want the transport.send child span", h.spans)
	}
}

type ctxHandler struct{ spans []*trace.Span }

func (h *ctxHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *ctxHandler) Handle(ctx context.Context, _ slog.Record) error {
	h.spans = append(h.spans, trace.FromContext(ctx))
	return nil
}
func (h *ctxHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *ctxHandler) WithGroup(string) slog.Handler      { return h }

func TestMiddlewarePassThrough(t *testing.T) {
	msg := newMsg(t, 1)
	inner := transporttest.NewMock(msg)
	m := transport.Wrap(inner, nil, transport.WithLogger(nil), transport.WithMetrics(nil), transport.WithBreaker(nil))
	if got, err := m.Receive(ctxT(t)); err != nil || got != msg {
		t.Errorf("Receive = (%v, %v), want the inner message", got, err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := inner.Send(ctxT(t), msg); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Close did not close the inner transport (Send = %v)", err)
	}

	nilWrap := transport.Wrap(nil)
	if err := nilWrap.Send(ctxT(t), msg); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Wrap(nil).Send = %v, want code validation", err)
	}
	if _, err := nilWrap.Receive(ctxT(t)); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Wrap(nil).Receive = %v, want code validation", err)
	}
	if err := nilWrap.Close(); err != nil {
		t.Errorf("Wrap(nil).Close = %v", err)
	}
}

// A Receive that returns (nil, nil) from a broken inner transport becomes
// an error, so Middleware itself never returns (nil, nil).
func TestMiddlewareNilNilReceive(t *testing.T) {
	m := transport.Wrap(&nilNil{})
	if msg, err := m.Receive(ctxT(t)); msg != nil || err == nil {
		t.Errorf("Receive = (%v, %v), want an error", msg, err)
	}
}

type nilNil struct{ transporttest.Mock }

func (*nilNil) Receive(context.Context) (*protocol.Message, error) { return nil, nil }

// Message types are data: two that differ only in invalid UTF-8 (which
// the registry shows alike) share a series instead of making the
// registry panic.
func TestMiddlewareMetricsInvalidUTF8Types(t *testing.T) {
	reg := metrics.NewRegistry()
	c := transport.Wrap(transport.NewChannel(4), transport.WithMetrics(reg))
	defer c.Close()
	for _, typ := range []string{"a\xff", "a\xfe"} {
		m := newMsg(t, 1)
		m.Type = typ
		if err := c.Send(ctxT(t), m); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Receive(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	snap := reg.Snapshot()
	for key, want := range map[string]int64{
		"transport_sent{result,ok,type,a\uFFFD}": 2,
		"transport_received{type,a\uFFFD}":       2,
	} {
		if got := snap.Counters[key].Value; got != want {
			t.Errorf("%s = %d, want %d", key, got, want)
		}
	}
	if h := snap.Histograms["transport_send_ms{type,a\uFFFD}"]; h.Count != 2 {
		t.Errorf("transport_send_ms{type,a\uFFFD} has %d observations, want 2", h.Count)
	}
}
