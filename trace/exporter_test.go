package trace_test

// The exporter registry is process-wide, so no test in this package runs
// in parallel: every span ended anywhere reaches every registration.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
)

// deadline bounds every wait for the exporter goroutine; it is not a
// timing assertion.
const deadline = 10 * time.Second

// recorder is an Exporter that sends each batch to a channel.
type recorder struct {
	batches chan []protocol.TraceSpan
}

func newRecorder() *recorder { return &recorder{batches: make(chan []protocol.TraceSpan, 1000)} }

func (r *recorder) Export(ctx context.Context, spans []protocol.TraceSpan) error {
	r.batches <- spans
	return nil
}

// received drains what has been exported so far.
func (r *recorder) received() [][]protocol.TraceSpan {
	var out [][]protocol.TraceSpan
	for {
		select {
		case b := <-r.batches:
			out = append(out, b)
		default:
			return out
		}
	}
}

// next waits for the next batch.
func (r *recorder) next(t *testing.T) []protocol.TraceSpan {
	t.Helper()
	select {
	case b := <-r.batches:
		return b
	case <-time.After(deadline):
		t.Fatal("no batch exported")
		return nil
	}
}

// register registers e and shuts it down at the end of the test, checking
// that its goroutine has exited.
func register(t *testing.T, e trace.Exporter, opts ...trace.ExportOption) *trace.Registration {
	t.Helper()
	r := trace.RegisterExporter(e, opts...)
	t.Cleanup(func() {
		if err := r.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if !r.Exited() {
			t.Error("goroutine still running after Shutdown")
		}
	})
	return r
}

func flush(t *testing.T, r *trace.Registration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// endSpans ends n root spans named op0..op<n-1> and returns their protos.
func endSpans(n int) []protocol.TraceSpan {
	var out []protocol.TraceSpan
	for i := range n {
		_, s := trace.Start(context.Background(), fmt.Sprintf("op%d", i))
		s.SetAttr("i", i)
		s.End("ok")
		out = append(out, s.ToProto())
	}
	return out
}

func operations(batches ...[]protocol.TraceSpan) string {
	var ops []string
	for _, b := range batches {
		for _, s := range b {
			ops = append(ops, s.Operation)
		}
	}
	return strings.Join(ops, ",")
}

func TestExportFlush(t *testing.T) {
	rec := newRecorder()
	r := register(t, rec)
	want := endSpans(5)
	flush(t, r)
	got := rec.received()
	if len(got) != 1 || len(got[0]) != 5 {
		t.Fatalf("exported %d batches %v, want one batch of 5", len(got), operations(got...))
	}
	for i := range want {
		if got[0][i].SpanID != want[i].SpanID || got[0][i].Attrs["i"] != i || got[0][i].Status != "ok" {
			t.Errorf("span %d = %+v, want %+v", i, got[0][i], want[i])
		}
	}
	flush(t, r) // nothing queued: no export
	if got := rec.received(); len(got) != 0 {
		t.Errorf("empty Flush exported %v", operations(got...))
	}
}

func TestExportBatchSize(t *testing.T) {
	rec := newRecorder()
	r := register(t, rec, trace.WithBatchSize(3))
	endSpans(7)
	// Two full batches go out without a Flush.
	b1, b2 := rec.next(t), rec.next(t)
	if got := operations(b1, b2); got != "op0,op1,op2,op3,op4,op5" {
		t.Errorf("full batches = %s", got)
	}
	flush(t, r)
	if got := operations(rec.received()...); got != "op6" {
		t.Errorf("after Flush = %q, want op6", got)
	}
}

// TestExportQueueSmallerThanBatch checks that a queue smaller than the
// batch size is exported as soon as it is full, instead of dropping spans
// until the next flush interval.
func TestExportQueueSmallerThanBatch(t *testing.T) {
	rec := newRecorder()
	r := register(t, rec, trace.WithBatchSize(64), trace.WithQueueSize(2), trace.WithFlushInterval(time.Hour))
	if batch, _, queue := r.Config(); batch != 2 || queue != 2 {
		t.Errorf("batch size, queue size = %d, %d; want 2, 2", batch, queue)
	}
	endSpans(2)
	if got := operations(rec.next(t)); got != "op0,op1" {
		t.Errorf("full queue exported %q, want op0,op1", got)
	}
}

func TestExportFlushInterval(t *testing.T) {
	rec := newRecorder()
	register(t, rec, trace.WithFlushInterval(time.Millisecond))
	endSpans(1)
	if got := operations(rec.next(t)); got != "op0" {
		t.Errorf("exported %q, want op0", got)
	}
}

func TestExportDefaults(t *testing.T) {
	for _, opts := range [][]trace.ExportOption{
		nil,
		{trace.WithBatchSize(0), trace.WithFlushInterval(0), trace.WithQueueSize(0), trace.WithErrorHandler(nil)},
		{trace.WithBatchSize(-1), trace.WithFlushInterval(-time.Second), trace.WithQueueSize(-5)},
	} {
		r := trace.RegisterExporter(newRecorder(), opts...)
		batch, interval, queue := r.Config()
		if batch != 64 || interval != time.Second || queue != 2048 {
			t.Errorf("defaults = %d, %v, %d; want 64, 1s, 2048", batch, interval, queue)
		}
		if err := r.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r := trace.RegisterExporter(newRecorder(), trace.WithBatchSize(5), trace.WithFlushInterval(time.Minute), trace.WithQueueSize(7))
	defer r.Shutdown(context.Background())
	if batch, interval, queue := r.Config(); batch != 5 || interval != time.Minute || queue != 7 {
		t.Errorf("options = %d, %v, %d; want 5, 1m, 7", batch, interval, queue)
	}
}

// TestNilExportOptionIgnored checks that a nil ExportOption, the zero
// value, is skipped instead of panicking inside RegisterExporter.
func TestNilExportOptionIgnored(t *testing.T) {
	r := register(t, newRecorder(), nil, trace.WithBatchSize(5), nil)
	if batch, interval, queue := r.Config(); batch != 5 || interval != time.Second || queue != 2048 {
		t.Errorf("options = %d, %v, %d; want 5, 1s, 2048", batch, interval, queue)
	}
}

// TestNilExporterFunc checks what the Exporter documentation says of a nil
// ExporterFunc: its panic reaches the error handler as an internal error.
func TestNilExporterFunc(t *testing.T) {
	errc := make(chan error, 1)
	r := register(t, trace.ExporterFunc(nil), trace.WithErrorHandler(func(err error) { errc <- err }))
	endSpans(1)
	flush(t, r)
	select {
	case err := <-errc:
		if errors.Code(err) != errors.CodeInternal {
			t.Errorf("error = %v, want code internal", err)
		}
	default:
		t.Error("the error handler got nothing after Flush")
	}
}

// blocker is an Exporter that blocks in Export until released or until ctx
// is done.
type blocker struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	spans   []protocol.TraceSpan
}

func newBlocker() *blocker {
	return &blocker{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *blocker) Export(ctx context.Context, spans []protocol.TraceSpan) error {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	b.mu.Lock()
	b.spans = append(b.spans, spans...)
	b.mu.Unlock()
	return nil
}

func (b *blocker) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-b.entered:
	case <-time.After(deadline):
		t.Fatal("Export was not called")
	}
}

func TestExportQueueFullDrops(t *testing.T) {
	b := newBlocker()
	r := register(t, b, trace.WithBatchSize(1), trace.WithQueueSize(2))
	endSpans(1)
	b.waitEntered(t) // op0 is being exported; the queue is empty
	done := make(chan struct{})
	go func() {
		defer close(done)
		endSpans(5) // 2 fit in the queue, 3 are dropped; End never blocks
	}()
	select {
	case <-done:
	case <-time.After(deadline):
		t.Fatal("End blocked on a full queue")
	}
	if got := r.Dropped(); got != 3 {
		t.Errorf("Dropped() = %d, want 3", got)
	}
	close(b.release)
	flush(t, r)
	b.mu.Lock()
	defer b.mu.Unlock()
	if got := operations(b.spans); got != "op0,op0,op1" {
		t.Errorf("exported %s, want op0 (first call), op0, op1", got)
	}
}

func TestExportOnlySampled(t *testing.T) {
	rec := newRecorder()
	r := register(t, rec)
	h := httpHeader("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
	ctx, unsampled := trace.ExtractHTTP(context.Background(), h, "unsampled")
	_, child := trace.Start(ctx, "unsampled child")
	child.End("ok")
	unsampled.End("ok")
	trace.FromProto(protocol.TraceSpan{Operation: "from proto"}).End("ok")
	_, s := trace.Start(context.Background(), "sampled")
	s.End("ok")
	s.End("ok again")
	flush(t, r)
	if got := operations(rec.received()...); got != "sampled" {
		t.Errorf("exported %q, want only the sampled span, once", got)
	}
}

func TestExportSeveralRegistrations(t *testing.T) {
	rec1, rec2 := newRecorder(), newRecorder()
	r1, r2 := register(t, rec1), register(t, rec2)
	endSpans(3)
	flush(t, r1)
	flush(t, r2)
	got1, got2 := rec1.received(), rec2.received()
	if operations(got1...) != "op0,op1,op2" || operations(got2...) != "op0,op1,op2" {
		t.Fatalf("exported %s and %s, want every span to each", operations(got1...), operations(got2...))
	}
	got1[0][0].Attrs["i"] = "changed"
	if got2[0][0].Attrs["i"] != 0 {
		t.Error("registrations share attrs maps")
	}
}

func TestShutdown(t *testing.T) {
	rec := newRecorder()
	r := trace.RegisterExporter(rec, trace.WithFlushInterval(time.Hour))
	endSpans(3)
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if !r.Exited() {
		t.Error("goroutine running after Shutdown returned")
	}
	if got := operations(rec.received()...); got != "op0,op1,op2" {
		t.Errorf("Shutdown exported %q, want op0,op1,op2", got)
	}
	if n := trace.ActiveRegistrations(); n != 0 {
		t.Errorf("%d registrations active after Shutdown", n)
	}
	endSpans(1) // not taken any more
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown = %v, want nil", err)
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Shutdown = %v, want nil", err)
	}
	if got := rec.received(); len(got) != 0 || r.Dropped() != 0 {
		t.Errorf("after Shutdown: exported %s, dropped %d", operations(got...), r.Dropped())
	}
}

func TestShutdownContextDone(t *testing.T) {
	b := newBlocker()
	r := trace.RegisterExporter(b, trace.WithBatchSize(1))
	endSpans(3)
	b.waitEntered(t)
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- r.Shutdown(ctx) }()
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Shutdown = %v, want context.Canceled", err)
		}
	case <-time.After(deadline):
		t.Fatal("Shutdown did not return after its ctx was cancelled")
	}
	if !r.Exited() {
		t.Error("goroutine running after Shutdown returned")
	}
	if got := r.Dropped(); got != 2 {
		t.Errorf("Dropped() = %d, want 2 (the spans never exported)", got)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown = %v, want nil", err)
	}
}

func TestFlushContextDone(t *testing.T) {
	b := newBlocker()
	r := register(t, b, trace.WithBatchSize(1))
	endSpans(2)
	b.waitEntered(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Flush(cancelled) = %v, want context.Canceled", err)
	}
	close(b.release)
	flush(t, r)
	b.mu.Lock()
	defer b.mu.Unlock()
	if got := operations(b.spans); got != "op0,op1" {
		t.Errorf("exported %s, want op0,op1", got)
	}
}

func TestExportErrorsAndPanics(t *testing.T) {
	errc := make(chan error, 10)
	calls := 0
	e := trace.ExporterFunc(func(ctx context.Context, spans []protocol.TraceSpan) error {
		calls++
		switch calls {
		case 1:
			return fmt.Errorf("collector down")
		case 2:
			panic("exporter bug")
		}
		return nil
	})
	r := register(t, e, trace.WithErrorHandler(func(err error) { errc <- err }))
	for range 3 {
		endSpans(1)
		flush(t, r)
	}
	close(errc)
	var got []error
	for err := range errc {
		got = append(got, err)
	}
	if len(got) != 2 {
		t.Fatalf("error handler got %v, want 2 errors", got)
	}
	if got[0].Error() != "collector down" {
		t.Errorf("first error = %v, want collector down", got[0])
	}
	if errors.Code(got[1]) != errors.CodeInternal || !strings.Contains(got[1].Error(), "exporter bug") {
		t.Errorf("second error = %v, want an internal error naming the panic", got[1])
	}
	if calls != 3 {
		t.Errorf("Export called %d times, want 3 (the registration survives a panic)", calls)
	}
}

func TestRegisterExporterNilPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("RegisterExporter(nil) did not panic")
		}
	}()
	trace.RegisterExporter(nil)
}

func TestZeroRegistration(t *testing.T) {
	var r trace.Registration
	if r.Flush(context.Background()) != nil || r.Shutdown(context.Background()) != nil || r.Dropped() != 0 {
		t.Error("zero Registration methods did not return at once with nil")
	}
}

// stubSender records messages and fails the sends it is told to.
type stubSender struct {
	fail   map[int]error
	after  func(n int) // called after each send
	sent   []*protocol.Message
	errSeq int
}

func (s *stubSender) Send(ctx context.Context, msg *protocol.Message) error {
	s.errSeq++
	defer func() {
		if s.after != nil {
			s.after(s.errSeq)
		}
	}()
	if err := s.fail[s.errSeq]; err != nil {
		return err
	}
	s.sent = append(s.sent, msg)
	return nil
}

var _ trace.Sender = (*stubSender)(nil)

func TestMessageExporter(t *testing.T) {
	spans := endSpans(4) // no registration is active: nothing is exported
	down := errors.New(errors.CodeUnavailable, "collector down")
	s := &stubSender{fail: map[int]error{2: down, 3: down}}
	err := trace.NewMessageExporter(s, protocol.SourceTokenTrace).Export(context.Background(), spans)
	if !errors.Is(err, down) || strings.Count(err.Error(), "collector down") != 2 {
		t.Errorf("Export error = %v, want both failures joined", err)
	}
	if len(s.sent) != 2 {
		t.Fatalf("sent %d messages, want 2 (it keeps going after a failure)", len(s.sent))
	}
	for i, want := range []protocol.TraceSpan{spans[0], spans[3]} {
		m := s.sent[i]
		if m.Source != protocol.SourceTokenTrace || m.Type != protocol.TypeTraceSpan || m.Validate() != nil {
			t.Errorf("message %d = %+v, want a valid trace.span from tokentrace", i, m)
		}
		got, err := protocol.DecodeAs[protocol.TraceSpan](m)
		if err != nil || got.SpanID != want.SpanID || got.Operation != want.Operation {
			t.Errorf("message %d payload = %+v, %v; want span %s", i, got, err, want.SpanID)
		}
	}

	// Success returns nil.
	s = &stubSender{}
	if err := trace.NewMessageExporter(s, "x").Export(context.Background(), spans); err != nil || len(s.sent) != 4 {
		t.Errorf("Export = %v with %d sent, want nil and 4", err, len(s.sent))
	}
}

func TestMessageExporterStopsWhenContextDone(t *testing.T) {
	spans := endSpans(4)
	ctx, cancel := context.WithCancel(context.Background())
	s := &stubSender{after: func(n int) {
		if n == 1 {
			cancel()
		}
	}}
	err := trace.NewMessageExporter(s, "x").Export(ctx, spans)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Export = %v, want context.Canceled", err)
	}
	if len(s.sent) != 1 {
		t.Errorf("sent %d, want 1 (it stops once ctx is done)", len(s.sent))
	}
}

func TestMessageExporterRegistered(t *testing.T) {
	s := &stubSender{}
	r := register(t, trace.NewMessageExporter(s, protocol.SourceInferMux))
	want := endSpans(3)
	flush(t, r)
	if len(s.sent) != 3 {
		t.Fatalf("sent %d messages, want 3", len(s.sent))
	}
	for i, m := range s.sent {
		got, err := protocol.DecodeAs[protocol.TraceSpan](m)
		if err != nil || got.SpanID != want[i].SpanID {
			t.Errorf("message %d = span %s, %v; want %s", i, got.SpanID, err, want[i].SpanID)
		}
	}
}

func TestNewMessageExporterNilPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("NewMessageExporter(nil) did not panic")
		}
	}()
	trace.NewMessageExporter(nil, "x")
}

func TestSpansStartedWhileExportingAreNotExported(t *testing.T) {
	rec := newRecorder()
	calls := 0
	e := trace.ExporterFunc(func(ctx context.Context, spans []protocol.TraceSpan) error {
		calls++
		// An exporter that traces its own work, as a traced transport does.
		_, s := trace.Start(ctx, "export")
		s.End("ok")
		return rec.Export(ctx, spans)
	})
	r := register(t, e)
	endSpans(1)
	flush(t, r)
	flush(t, r)
	if got := operations(rec.received()...); got != "op0" || calls != 1 {
		t.Errorf("exported %q in %d calls, want op0 in 1", got, calls)
	}
}
