package transporttest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

func msg(t testing.TB, from string) *protocol.Message {
	t.Helper()
	m, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeHealthPing, protocol.HealthPing{From: from})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestMockSend(t *testing.T) {
	m := transporttest.NewMock()
	ctx := ctxT(t)
	a, b := msg(t, "a"), msg(t, "b")
	if err := m.Send(ctx, a); err != nil {
		t.Fatal(err)
	}
	down := errors.New(errors.CodeUnavailable, "down")
	m.SetSendError(down)
	if err := m.Send(ctx, b); err != down {
		t.Errorf("Send with a send error = %v, want it", err)
	}
	sent := m.Sent()
	if len(sent) != 2 || sent[0] != a || sent[1] != b {
		t.Errorf("Sent() = %v, want both messages, the failed one too", sent)
	}
	sent[0] = nil
	if m.Sent()[0] != a {
		t.Error("Sent() returned the Mock's own slice")
	}
	if err := m.Send(ctx, nil); errors.Code(err) != errors.CodeValidation || len(m.Sent()) != 2 {
		t.Errorf("Send(nil) = %v, want code validation and nothing recorded", err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Send(done, a); !errors.Is(err, context.Canceled) || len(m.Sent()) != 2 {
		t.Errorf("Send(done ctx) = %v, want context.Canceled and nothing recorded", err)
	}
}

func TestMockReceive(t *testing.T) {
	a, b, c := msg(t, "a"), msg(t, "b"), msg(t, "c")
	m := transporttest.NewMock(a, nil, b)
	ctx := ctxT(t)
	for _, want := range []*protocol.Message{a, b} {
		if got, err := m.Receive(ctx); err != nil || got != want {
			t.Errorf("Receive = (%v, %v), want the preloaded messages in order", got, err)
		}
	}
	// Nothing left: Receive waits until a response is added.
	got := make(chan *protocol.Message, 1)
	go func() {
		r, err := m.Receive(ctx)
		if err != nil {
			t.Errorf("Receive = %v", err)
		}
		got <- r
	}()
	m.AddResponse(nil) // ignored
	m.AddResponse(c)
	if r := <-got; r != c {
		t.Errorf("waiting Receive got %v, want the added response", r)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if r, err := m.Receive(short); r != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive with nothing left = (%v, %v), want ctx.Err()", r, err)
	}
}

func TestMockCloseAndReset(t *testing.T) {
	m := transporttest.NewMock(msg(t, "a"))
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	m.Receive(ctx) // take the preloaded one
	for range 2 {
		wg.Go(func() {
			_, err := m.Receive(ctx)
			errs <- err
		})
	}
	m.Close()
	wg.Wait()
	for range 2 {
		if err := <-errs; !errors.Is(err, transport.ErrClosed) {
			t.Errorf("Receive across Close = %v, want ErrClosed", err)
		}
	}
	if err := m.Send(ctx, msg(t, "x")); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}

	m.SetSendError(errors.New(errors.CodeTransport, "x"))
	m.AddResponse(msg(t, "q"))
	m.Reset()
	if len(m.Sent()) != 0 {
		t.Error("Reset kept the sent messages")
	}
	if err := m.Send(ctx, msg(t, "y")); err != nil {
		t.Errorf("Send after Reset = %v, want nil (error cleared, reopened)", err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if r, err := m.Receive(short); r != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive after Reset = (%v, %v), want the responses cleared", r, err)
	}
}

func TestZeroMock(t *testing.T) {
	var m transporttest.Mock
	if err := m.Send(ctxT(t), msg(t, "a")); err != nil {
		t.Fatal(err)
	}
	m.AddResponse(msg(t, "b"))
	if r, err := m.Receive(ctxT(t)); err != nil || r == nil {
		t.Errorf("zero Mock Receive = (%v, %v)", r, err)
	}
}
