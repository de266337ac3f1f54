package transport_test

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

// dialer hands out the transports of conns in turn, failing while errs
// has entries left, and counts its calls.
type dialer struct {
	mu    sync.Mutex
	errs  []error
	conns []transport.Transport
	calls int
}

func (d *dialer) dial(ctx context.Context) (transport.Transport, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if len(d.errs) > 0 {
		err := d.errs[0]
		d.errs = d.errs[1:]
		return nil, err
	}
	if len(d.conns) == 0 {
		return nil, errors.New(errors.CodeTransport, "no more connections")
	}
	c := d.conns[0]
	d.conns = d.conns[1:]
	return c, nil
}

// states records OnStateChange calls.
type states struct {
	mu   sync.Mutex
	seen []string
}

func (s *states) record(state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, state)
}

func (s *states) get() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func TestResilientDefaults(t *testing.T) {
	r := transport.NewResilient((&dialer{}).dial, transport.ResilientConfig{ReconnectWait: -1})
	if w, m := transport.ResilientWaits(r); w != 100*time.Millisecond || m != 30*time.Second {
		t.Errorf("waits = %v, %v, want 100ms and 30s", w, m)
	}
	r = transport.NewResilient((&dialer{}).dial, transport.ResilientConfig{ReconnectWait: time.Second, MaxReconnectWait: time.Minute})
	if w, m := transport.ResilientWaits(r); w != time.Second || m != time.Minute {
		t.Errorf("waits = %v, %v, want 1s and 1m", w, m)
	}
}

func TestResilientDialsOnFirstUseWithDoublingWaits(t *testing.T) {
	down := errors.New(errors.CodeTransport, "refused")
	conn := transporttest.NewMock()
	d := &dialer{errs: []error{down, down, down, down, down}, conns: []transport.Transport{conn}}
	st := &states{}
	r := transport.NewResilient(d.dial, transport.ResilientConfig{
		ReconnectWait: 10 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond, OnStateChange: st.record,
	})
	defer r.Close()
	clk := &instant{}
	transport.SetResilientAfter(r, clk.after)
	if d.calls != 0 {
		t.Fatal("NewResilient dialed")
	}
	msg := newMsg(t, 1)
	if err := r.Send(ctxT(t), msg); err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	if diff := cmp.Diff([]time.Duration{10 * ms, 20 * ms, 40 * ms, 50 * ms, 50 * ms}, clk.waits); diff != "" {
		t.Errorf("waits between dials (-want +got):\n%s", diff)
	}
	if d.calls != 6 || len(conn.Sent()) != 1 {
		t.Errorf("%d dials, %d sends, want 6 and 1", d.calls, len(conn.Sent()))
	}
	// Connected: no more dials.
	r.Send(ctxT(t), msg)
	if d.calls != 6 {
		t.Errorf("dialed again while connected (%d dials)", d.calls)
	}
	r.Close()
	if diff := cmp.Diff([]string{"connecting", "connected", "closed"}, st.get()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
}

func TestResilientDialUntilContextEnds(t *testing.T) {
	d := &dialer{errs: make([]error, 1000)}
	for i := range d.errs {
		d.errs[i] = errors.New(errors.CodeTransport, "refused")
	}
	st := &states{}
	r := transport.NewResilient(d.dial, transport.ResilientConfig{ReconnectWait: time.Millisecond, OnStateChange: st.record})
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waits := 0
	transport.SetResilientAfter(r, func(time.Duration) <-chan time.Time {
		waits++
		if waits == 5 {
			cancel() // the caller gives up during the fifth wait
			return nil
		}
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	})
	err := r.Send(ctx, newMsg(t, 1))
	if !errors.Is(err, context.Canceled) || errors.Code(err) == "" {
		t.Errorf("Send while every dial fails, until ctx ends = %v, want an error matching context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %q does not carry the last dial error", err)
	}
	if d.calls != 5 {
		t.Errorf("%d dials, want 5", d.calls)
	}
	if diff := cmp.Diff([]string{"connecting", "disconnected"}, st.get()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	// A permanent dial error is returned at once.
	d2 := &dialer{errs: []error{errors.New(errors.CodeValidation, "bad url")}}
	r2 := transport.NewResilient(d2.dial, transport.ResilientConfig{})
	defer r2.Close()
	if err := r2.Send(ctxT(t), newMsg(t, 1)); errors.Code(err) != errors.CodeValidation || d2.calls != 1 {
		t.Errorf("Send with a permanent dial error = %v after %d dials, want it after 1", err, d2.calls)
	}
}

func TestResilientSendRedialsOnce(t *testing.T) {
	down := errors.New(errors.CodeUnavailable, "connection reset")
	first, second := transporttest.NewMock(), transporttest.NewMock()
	first.SetSendError(down)
	d := &dialer{conns: []transport.Transport{first, second}}
	st := &states{}
	r := transport.NewResilient(d.dial, transport.ResilientConfig{OnStateChange: st.record})
	defer r.Close()
	msg := newMsg(t, 1)
	if err := r.Send(ctxT(t), msg); err != nil {
		t.Fatalf("Send = %v, want nil after a redial", err)
	}
	if len(first.Sent()) != 1 || len(second.Sent()) != 1 {
		t.Errorf("sends: first %d, second %d, want 1 and 1", len(first.Sent()), len(second.Sent()))
	}
	if err := first.Send(ctxT(t), msg); !errors.Is(err, transport.ErrClosed) {
		t.Error("the failed connection was not closed")
	}
	want := []string{"connecting", "connected", "disconnected", "connecting", "connected"}
	if diff := cmp.Diff(want, st.get()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
}

func TestResilientSendErrors(t *testing.T) {
	down := errors.New(errors.CodeUnavailable, "reset")
	tests := []struct {
		name      string
		sendErr   error
		conns     int // connections the dialer has
		dials     int
		code      string
		sameError bool
	}{
		{"full is returned unchanged", transport.ErrFull, 2, 1, "", true},
		{"permanent is returned unchanged", errors.New(errors.CodeValidation, "bad"), 2, 1, "", true},
		{"redial fails: code transport", down, 1, 2, errors.CodeTransport, false},
		{"second send fails too", down, 2, 2, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &dialer{}
			for range tt.conns {
				m := transporttest.NewMock()
				m.SetSendError(tt.sendErr)
				d.conns = append(d.conns, m)
			}
			r := transport.NewResilient(d.dial, transport.ResilientConfig{})
			defer r.Close()
			err := r.Send(ctxT(t), newMsg(t, 1))
			if tt.sameError && err != tt.sendErr {
				t.Errorf("Send = %v, want %v unchanged", err, tt.sendErr)
			}
			if tt.code != "" && errors.Code(err) != tt.code {
				t.Errorf("Send = %v, want code %s", err, tt.code)
			}
			if d.calls != tt.dials {
				t.Errorf("%d dials, want %d", d.calls, tt.dials)
			}
		})
	}
}

// errRecv is a transport whose Receive returns the scripted results.
type errRecv struct {
	transporttest.Mock
	mu   sync.Mutex
	errs []error
	msg  *protocol.Message
}

func (e *errRecv) Receive(ctx context.Context) (*protocol.Message, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.errs) == 0 {
		return e.msg, nil
	}
	err := e.errs[0]
	e.errs = e.errs[1:]
	return nil, err
}

func TestResilientReceive(t *testing.T) {
	msg := newMsg(t, 1)
	kept := []error{
		io.EOF,
		transport.ErrClosed,
		context.DeadlineExceeded,
		errors.New(errors.CodeProtocol, "bad line"),
		errors.New(errors.CodeValidation, "bad"),
	}
	for _, e := range kept {
		c := &errRecv{errs: []error{e}, msg: msg}
		d := &dialer{conns: []transport.Transport{c, &errRecv{msg: msg}}}
		r := transport.NewResilient(d.dial, transport.ResilientConfig{})
		got, err := r.Receive(ctxT(t))
		if got != nil || err != e {
			t.Errorf("Receive with inner error %v = (%v, %v), want it unchanged", e, got, err)
		}
		if d.calls != 1 {
			t.Errorf("inner error %v: %d dials, want 1", e, d.calls)
		}
		r.Close()
	}

	// Any other error: redial and receive again, waiting between repeated
	// failures.
	bad := errors.New(errors.CodeTransport, "reset")
	d := &dialer{conns: []transport.Transport{
		&errRecv{errs: []error{bad}}, &errRecv{errs: []error{bad}}, &errRecv{errs: []error{bad}}, &errRecv{msg: msg},
	}}
	r := transport.NewResilient(d.dial, transport.ResilientConfig{ReconnectWait: 10 * time.Millisecond})
	defer r.Close()
	clk := &instant{}
	transport.SetResilientAfter(r, clk.after)
	got, err := r.Receive(ctxT(t))
	if err != nil || got != msg {
		t.Fatalf("Receive = (%v, %v), want the message after redialing", got, err)
	}
	if d.calls != 4 {
		t.Errorf("%d dials, want 4", d.calls)
	}
	if diff := cmp.Diff([]time.Duration{10 * time.Millisecond, 20 * time.Millisecond}, clk.waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// Fixed on purpose: over a file at EOF, Resilient yields io.EOF and never
// re-reads the file from the start.
func TestResilientFileAtEOF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	m1, m2 := newMsg(t, 1), newMsg(t, 2)
	appendTo(t, path, line(t, m1))
	var dials atomic.Int32
	r := transport.NewResilient(func(ctx context.Context) (transport.Transport, error) {
		dials.Add(1)
		return transport.NewFile(path)
	}, transport.ResilientConfig{})
	defer r.Close()
	ctx := ctxT(t)
	if got, err := r.Receive(ctx); err != nil || got.ID != m1.ID {
		t.Fatalf("Receive = (%v, %v)", got, err)
	}
	for range 2 {
		if got, err := r.Receive(ctx); got != nil || err != io.EOF {
			t.Fatalf("Receive at EOF = (%v, %v), want io.EOF", got, err)
		}
	}
	appendTo(t, path, line(t, m2))
	if got, err := r.Receive(ctx); err != nil || got.ID != m2.ID {
		t.Fatalf("Receive after an append = (%v, %v), want %s, not the first line again", got, err, m2.ID)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d dials, want 1", n)
	}
}

// Fixed on purpose: a state callback that calls Close does not deadlock.
func TestResilientCallbackCloses(t *testing.T) {
	var r *transport.Resilient
	st := &states{}
	conn := transporttest.NewMock()
	r = transport.NewResilient((&dialer{conns: []transport.Transport{conn}}).dial, transport.ResilientConfig{
		OnStateChange: func(s string) {
			st.record(s)
			if s == "connected" {
				r.Close()
			}
		},
	})
	err := r.Send(ctxT(t), newMsg(t, 1))
	if !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send whose connect callback closed the Resilient = %v, want ErrClosed", err)
	}
	if diff := cmp.Diff([]string{"connecting", "connected", "closed"}, st.get()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if err := r.Send(ctxT(t), newMsg(t, 1)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestResilientCloseCancelsDial(t *testing.T) {
	entered := make(chan struct{})
	r := transport.NewResilient(func(ctx context.Context) (transport.Transport, error) {
		close(entered)
		<-ctx.Done()
		return nil, ctx.Err()
	}, transport.ResilientConfig{})
	done := make(chan error, 1)
	go func() { done <- r.Send(context.Background(), newMsg(t, 1)) }()
	<-entered
	r.Close()
	if err := <-done; !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send whose dial was cancelled by Close = %v, want ErrClosed", err)
	}
	if _, err := r.Receive(context.Background()); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive after Close = %v, want ErrClosed", err)
	}
}

// A dial that ignores ctx and completes after Close: its connection is
// closed.
func TestResilientLateDialClosed(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	conn := transporttest.NewMock()
	r := transport.NewResilient(func(ctx context.Context) (transport.Transport, error) {
		close(entered)
		<-release
		return conn, nil
	}, transport.ResilientConfig{})
	done := make(chan error, 1)
	go func() { done <- r.Send(context.Background(), newMsg(t, 1)) }()
	<-entered
	r.Close()
	close(release)
	if err := <-done; !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send = %v, want ErrClosed", err)
	}
	if err := conn.Send(context.Background(), newMsg(t, 1)); !errors.Is(err, transport.ErrClosed) {
		t.Error("the late connection was not closed")
	}
}

// When dials race, one connection is kept and the others are closed.
func TestResilientRacingDials(t *testing.T) {
	const n = 4
	var mu sync.Mutex
	var made []*transporttest.Mock
	arrived := make(chan struct{}, n)
	release := make(chan struct{})
	r := transport.NewResilient(func(ctx context.Context) (transport.Transport, error) {
		arrived <- struct{}{}
		<-release
		m := transporttest.NewMock()
		mu.Lock()
		made = append(made, m)
		mu.Unlock()
		return m, nil
	}, transport.ResilientConfig{})
	defer r.Close()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := r.Send(context.Background(), newMsg(t, i)); err != nil {
				t.Errorf("Send = %v", err)
			}
		})
	}
	for range n {
		<-arrived // all four are dialing at once
	}
	close(release)
	wg.Wait()
	open, sent := 0, 0
	for _, m := range made {
		if err := m.Send(context.Background(), newMsg(t, 0)); err == nil {
			open++
			sent += len(m.Sent()) - 1
		}
	}
	if len(made) != n || open != 1 || sent != n {
		t.Errorf("%d connections made, %d left open carrying %d sends; want %d, 1 and %d", len(made), open, sent, n, n)
	}
}

func TestResilientNilDialAndNilMessage(t *testing.T) {
	r := transport.NewResilient(nil, transport.ResilientConfig{})
	defer r.Close()
	if err := r.Send(ctxT(t), newMsg(t, 1)); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send with a nil dial = %v, want code validation", err)
	}
	d := &dialer{}
	r2 := transport.NewResilient(d.dial, transport.ResilientConfig{})
	defer r2.Close()
	if err := r2.Send(ctxT(t), nil); errors.Code(err) != errors.CodeValidation || d.calls != 0 {
		t.Errorf("Send(nil) = %v after %d dials, want code validation without dialing", err, d.calls)
	}
}

// A connection that reports ErrClosed by itself is dropped, so the next
// call dials a new one.
func TestResilientInnerClosed(t *testing.T) {
	first, second := transporttest.NewMock(), transporttest.NewMock()
	d := &dialer{conns: []transport.Transport{first, second}}
	r := transport.NewResilient(d.dial, transport.ResilientConfig{})
	defer r.Close()
	msg := newMsg(t, 1)
	if err := r.Send(ctxT(t), msg); err != nil {
		t.Fatal(err)
	}
	first.Close()
	if err := r.Send(ctxT(t), msg); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send on a closed connection = %v, want ErrClosed unchanged", err)
	}
	if err := r.Send(ctxT(t), msg); err != nil || len(second.Sent()) != 1 {
		t.Errorf("next Send = %v with %d on the new connection, want a redial", err, len(second.Sent()))
	}
}

// Racing dials that all return one shared transport keep it open: the
// losers' "other" connection is the kept one, so it must not be closed.
// (This is how TestConformanceResilient's Concurrent subtest used to fail
// under load: its DialFunc returns one Channel to every caller.)
func TestResilientRacingDialsSharedTransport(t *testing.T) {
	const n = 4
	shared := transport.NewChannel(n)
	defer shared.Close()
	arrived := make(chan struct{}, n)
	release := make(chan struct{})
	r := transport.NewResilient(func(ctx context.Context) (transport.Transport, error) {
		arrived <- struct{}{}
		<-release
		return shared, nil
	}, transport.ResilientConfig{})
	defer r.Close()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := r.Send(context.Background(), newMsg(t, i)); err != nil {
				t.Errorf("Send = %v, want nil", err)
			}
		})
	}
	for range n {
		<-arrived // all four are dialing at once
	}
	close(release)
	wg.Wait()
	for i := range n {
		if m, err := shared.Receive(ctxT(t)); err != nil || m == nil {
			t.Fatalf("Receive %d from the shared transport = (%v, %v), want each message sent", i, m, err)
		}
	}
}

func TestSameValue(t *testing.T) {
	type pair struct{ a, b any }
	m := transporttest.NewMock()
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"same pointer", m, m, true},
		{"other pointer", m, transporttest.NewMock(), false},
		{"nil", nil, m, false},
		{"uncomparable type", []int{1}, []int{1}, false},
		{"comparable type holding a slice", pair{[]int{1}, 1}, pair{[]int{1}, 1}, false},
		{"equal values", pair{1, "x"}, pair{1, "x"}, true},
	}
	for _, tt := range tests {
		if got := transport.SameValue(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: sameValue = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// parkConn is a connection on which a send of the message with ID park,
// and every Receive, waits until the connection is closed and then fails
// with ErrClosed, as a real transport's call in progress does; a send of
// the message with ID fail fails with a retryable error; any other send
// succeeds.
type parkConn struct {
	park, fail string
	parked     chan struct{} // closed when a call is waiting
	parkOnce   sync.Once
	closed     chan struct{}
	closeOnce  sync.Once
}

func newParkConn(park, fail string) *parkConn {
	return &parkConn{park: park, fail: fail, parked: make(chan struct{}), closed: make(chan struct{})}
}

// wait parks the calling call until the connection is closed.
func (p *parkConn) wait(ctx context.Context) error {
	p.parkOnce.Do(func() { close(p.parked) })
	select {
	case <-p.closed:
		return transport.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *parkConn) Send(ctx context.Context, msg *protocol.Message) error {
	switch msg.ID {
	case p.park:
		return p.wait(ctx)
	case p.fail:
		return errors.New(errors.CodeUnavailable, "connection reset")
	}
	return nil
}

func (p *parkConn) Receive(ctx context.Context) (*protocol.Message, error) {
	return nil, p.wait(ctx)
}

func (p *parkConn) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}

// thenShared dials first, then second for every later dial: the call
// whose connection was dropped under it may redial at the same time as
// the call that failed, and racing dials of one shared transport never
// close it. dials counts the dials.
func thenShared(first, second transport.Transport, dials *atomic.Int32) transport.DialFunc {
	return func(ctx context.Context) (transport.Transport, error) {
		if dials.Add(1) == 1 {
			return first, nil
		}
		return second, nil
	}
}

// Fixed on purpose: a send whose shared connection the Resilient drops
// because a concurrent send failed on it is sent again on the new
// connection instead of returning the permanent ErrClosed (found by the
// examples' receiver-kill fault test, where retry could not retry it).
func TestResilientSendDroppedUnderIt(t *testing.T) {
	parked, failing := newMsg(t, 1), newMsg(t, 2)
	first := newParkConn(parked.ID, failing.ID)
	second := transporttest.NewMock()
	var dials atomic.Int32
	r := transport.NewResilient(thenShared(first, second, &dials), transport.ResilientConfig{})
	defer r.Close()

	done := make(chan error, 1)
	go func() { done <- r.Send(ctxT(t), parked) }()
	<-first.parked
	if err := r.Send(ctxT(t), failing); err != nil {
		t.Fatalf("Send of the failing message = %v, want nil after a redial", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Send of the parked message = %v, want nil: its connection was dropped under it", err)
	}
	var got []string
	for _, m := range second.Sent() {
		got = append(got, m.ID)
	}
	if diff := cmp.Diff([]string{failing.ID, parked.ID}, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("sent on the new connection (-want +got):\n%s", diff)
	}
	if n := dials.Load(); n < 2 {
		t.Errorf("dials = %d, want a redial", n)
	}
}

// A Receive whose connection the Resilient drops because a concurrent send
// failed on it receives again on the new connection instead of returning
// the permanent ErrClosed, as a send does (TestResilientSendDroppedUnderIt).
func TestResilientReceiveDroppedUnderIt(t *testing.T) {
	failing, reply := newMsg(t, 1), newMsg(t, 2)
	first := newParkConn("", failing.ID)
	second := transporttest.NewMock(reply)
	var dials atomic.Int32
	r := transport.NewResilient(thenShared(first, second, &dials), transport.ResilientConfig{})
	defer r.Close()

	type result struct {
		msg *protocol.Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := r.Receive(ctxT(t))
		done <- result{m, err}
	}()
	<-first.parked // the Receive waits on the first connection
	if err := r.Send(ctxT(t), failing); err != nil {
		t.Fatalf("Send of the failing message = %v, want nil after a redial", err)
	}
	res := <-done
	if res.err != nil || res.msg != reply {
		t.Fatalf("Receive = (%v, %v), want the message of the new connection: its connection was dropped under it", res.msg, res.err)
	}
	if got := second.Sent(); len(got) != 1 || got[0] != failing {
		t.Errorf("sent on the new connection: %v, want the failing message", got)
	}
}
