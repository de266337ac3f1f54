package transporttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

func TestRecord(t *testing.T) {
	a, b := transport.NewChannelPair(8)
	defer a.Close()
	ra, rb := transporttest.NewRecord(a), transporttest.NewRecord(b)
	ctx := ctxT(t)
	m1, m2 := msg(t, "1"), msg(t, "2")
	for _, m := range []*protocol.Message{m1, m2} {
		if err := ra.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := ra.Send(ctx, nil); err == nil {
		t.Fatal("Send(nil) = nil")
	}
	for range 2 {
		if _, err := rb.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	rb.Receive(short) // fails: not recorded

	want := []*protocol.Message{m1, m2}
	if diff := cmp.Diff(want, ra.Sent()); diff != "" {
		t.Errorf("Sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, rb.Received()); diff != "" {
		t.Errorf("Received (-want +got):\n%s", diff)
	}
	if len(ra.Received()) != 0 || len(rb.Sent()) != 0 {
		t.Error("recorded traffic that did not happen")
	}
	// Copies: changing what Sent returned changes nothing recorded.
	ra.Sent()[0].Payload[0] = 'X'
	if diff := cmp.Diff(want, ra.Sent()); diff != "" {
		t.Errorf("Sent after changing a copy (-want +got):\n%s", diff)
	}

	replay := rb.Replay()
	for _, w := range want {
		got, err := replay.Receive(ctx)
		if err != nil || got.ID != w.ID {
			t.Errorf("Replay Receive = (%v, %v), want %s", got, err, w.ID)
		}
	}
	if err := ra.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rb.Receive(ctx); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive after Close = %v, want ErrClosed", err)
	}
}

func TestRecordFailedSend(t *testing.T) {
	m := transporttest.NewMock()
	m.SetSendError(errors.New(errors.CodeTransport, "down"))
	r := transporttest.NewRecord(m)
	if err := r.Send(ctxT(t), msg(t, "x")); err == nil {
		t.Fatal("Send = nil, want the inner error")
	}
	if len(r.Sent()) != 0 {
		t.Error("a failed send was recorded")
	}
	nilRec := transporttest.NewRecord(nil)
	if err := nilRec.Send(ctxT(t), msg(t, "x")); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send with a nil inner = %v, want code validation", err)
	}
	if _, err := nilRec.Receive(ctxT(t)); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Receive with a nil inner = %v, want code validation", err)
	}
}

// A ctx already done gives ctx.Err() before any other check, as for every
// transport, even when the inner transport is missing.
func TestRecordDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, r := range map[string]*transporttest.Record{
		"nil inner": transporttest.NewRecord(nil),
		"mock":      transporttest.NewRecord(transporttest.NewMock(msg(t, "a"))),
	} {
		if err := r.Send(ctx, msg(t, "x")); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Send(done ctx) = %v, want context.Canceled", name, err)
		}
		if m, err := r.Receive(ctx); m != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Receive(done ctx) = (%v, %v), want (nil, context.Canceled)", name, m, err)
		}
		if len(r.Sent()) != 0 || len(r.Received()) != 0 {
			t.Errorf("%s: recorded traffic for a done ctx", name)
		}
	}
}

// The zero Fault and Record fail with code validation, as their docs say,
// instead of panicking, and their Close returns nil.
func TestZeroFaultAndRecord(t *testing.T) {
	for name, tr := range map[string]transport.Transport{
		"Fault":  &transporttest.Fault{},
		"Record": &transporttest.Record{},
	} {
		if err := tr.Send(ctxT(t), msg(t, "x")); errors.Code(err) != errors.CodeValidation {
			t.Errorf("zero %s: Send = %v, want code validation", name, err)
		}
		if m, err := tr.Receive(ctxT(t)); m != nil || errors.Code(err) != errors.CodeValidation {
			t.Errorf("zero %s: Receive = (%v, %v), want code validation", name, m, err)
		}
		if err := tr.Close(); err != nil {
			t.Errorf("zero %s: Close = %v, want nil", name, err)
		}
	}
}
