package transport_test

import (
	"context"
	"sync"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

func TestChannelBufferSize(t *testing.T) {
	tests := []struct{ n, holds int }{{-5, 1}, {0, 1}, {1, 1}, {3, 3}}
	for _, tt := range tests {
		c := transport.NewChannel(tt.n)
		ctx := ctxT(t)
		for i := range tt.holds {
			if err := c.Send(ctx, newMsg(t, i)); err != nil {
				t.Fatalf("NewChannel(%d): Send %d = %v, want nil", tt.n, i, err)
			}
		}
		err := c.Send(ctx, newMsg(t, tt.holds))
		if !errors.Is(err, transport.ErrFull) {
			t.Errorf("NewChannel(%d): Send %d = %v, want ErrFull", tt.n, tt.holds+1, err)
		}
		if !errors.IsRetryable(err) {
			t.Errorf("ErrFull is not retryable")
		}
		c.Close()
	}
}

func TestChannelPairDirections(t *testing.T) {
	a, b := transport.NewChannelPair(0)
	defer a.Close()
	ctx := ctxT(t)
	m1, m2 := newMsg(t, 1), newMsg(t, 2)
	if err := a.Send(ctx, m1); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(ctx, m2); err != nil {
		t.Fatal(err)
	}
	// Each direction has its own buffer of 1.
	if err := a.Send(ctx, newMsg(t, 3)); !errors.Is(err, transport.ErrFull) {
		t.Errorf("second a.Send = %v, want ErrFull", err)
	}
	if got, err := b.Receive(ctx); err != nil || got != m1 {
		t.Errorf("b.Receive = (%v, %v), want the message a sent", got, err)
	}
	if got, err := a.Receive(ctx); err != nil || got != m2 {
		t.Errorf("a.Receive = (%v, %v), want the message b sent", got, err)
	}
}

func TestChannelCloseEitherEndClosesBoth(t *testing.T) {
	for _, closeA := range []bool{true, false} {
		a, b := transport.NewChannelPair(4)
		ctx := ctxT(t)
		if err := a.Send(ctx, newMsg(t, 1)); err != nil {
			t.Fatal(err)
		}
		if closeA {
			a.Close()
		} else {
			b.Close()
		}
		for name, c := range map[string]*transport.Channel{"a": a, "b": b} {
			if m, err := c.Receive(ctx); m != nil || !errors.Is(err, transport.ErrClosed) {
				t.Errorf("closeA=%v: %s.Receive = (%v, %v), want (nil, ErrClosed): undelivered messages are discarded", closeA, name, m, err)
			}
			if err := c.Send(ctx, newMsg(t, 2)); !errors.Is(err, transport.ErrClosed) {
				t.Errorf("closeA=%v: %s.Send = %v, want ErrClosed", closeA, name, err)
			}
			if err := c.Close(); err != nil {
				t.Errorf("closeA=%v: %s.Close again = %v, want nil", closeA, name, err)
			}
		}
	}
}

// Fixed on purpose: Channel Send after Close returns ErrClosed rather
// than panicking, and Receive after Close returns ErrClosed rather than
// (nil, nil).
func TestChannelUseAfterClose(t *testing.T) {
	c := transport.NewChannel(1)
	c.Close()
	if err := c.Send(context.Background(), newMsg(t, 1)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
	m, err := c.Receive(context.Background())
	if m != nil || err == nil || !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive after Close = (%v, %v), want (nil, ErrClosed)", m, err)
	}
	if errors.IsRetryable(transport.ErrClosed) {
		t.Error("ErrClosed is retryable, want permanent")
	}
	if got, want := transport.ErrClosed.Error(), "unavailable: transport: closed"; got != want {
		t.Errorf("ErrClosed text = %q, want %q", got, want)
	}
	if got, want := transport.ErrFull.Error(), "unavailable: transport: full"; got != want {
		t.Errorf("ErrFull text = %q, want %q", got, want)
	}
	for _, e := range []error{transport.ErrClosed, transport.ErrFull} {
		if got := errors.Code(e); got != errors.CodeUnavailable {
			t.Errorf("Code(%v) = %q, want unavailable", e, got)
		}
	}
}

// Sends racing Close never panic, and every Send either succeeds or
// reports ErrClosed.
func TestChannelCloseRacesSend(t *testing.T) {
	a, b := transport.NewChannelPair(8)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				err := a.Send(context.Background(), newMsg(t, i))
				if err != nil && !errors.Is(err, transport.ErrClosed) && !errors.Is(err, transport.ErrFull) {
					t.Errorf("Send racing Close = %v", err)
					return
				}
			}
		})
		wg.Go(func() {
			for {
				m, err := b.Receive(context.Background())
				if err != nil {
					if !errors.Is(err, transport.ErrClosed) {
						t.Errorf("Receive racing Close = %v", err)
					}
					return
				}
				if m == nil {
					t.Error("Receive = (nil, nil)")
					return
				}
			}
		})
	}
	b.Close()
	wg.Wait()
}

func TestChannelRejectsInvalidMessages(t *testing.T) {
	c := transport.NewChannel(4)
	defer c.Close()
	bad := []*protocol.Message{
		nil,
		{ID: "x", Source: "s", Type: "t", TimestampNS: 1},                   // no version
		{Version: "1", Source: "s", Type: "t", TimestampNS: 1},              // no id
		{Version: "1", ID: "x", Source: "s", Type: "t"},                     // no timestamp
		{Version: "99", ID: "x", Source: "s", Type: "t", TimestampNS: 1},    // too new
		{Version: "one", ID: "x", Source: "s", Type: "t", TimestampNS: 1},   // not a version
		{Version: "1", ID: "x", Source: "", Type: "t", TimestampNS: 1},      // no source
		{Version: "1", ID: "x", Source: "s", Type: "", TimestampNS: 1},      // no type
		{Version: "1", ID: "x", Source: "s", Type: "t", TimestampNS: -1e18}, // negative timestamp
	}
	for i, m := range bad {
		if err := c.Send(context.Background(), m); errors.Code(err) != errors.CodeValidation {
			t.Errorf("Send(bad %d) = %v, want code validation", i, err)
		}
	}
	noMessage(t, c) // nothing was delivered
}

// checkMessage skips parsing the current version, which is always
// supported; this keeps that shortcut honest.
func TestCurrentVersionSupported(t *testing.T) {
	if err := protocol.CheckVersion(protocol.CurrentVersion); err != nil {
		t.Fatalf("CheckVersion(CurrentVersion) = %v, want nil", err)
	}
}

// checkMessage tests what protocol.Message.Validate and
// protocol.CheckVersion check without calling them on the common path; it
// must accept exactly what they accept.
func TestCheckMessageAgreesWithProtocol(t *testing.T) {
	good := func() *protocol.Message {
		return &protocol.Message{Version: "1", ID: "i", Source: "s", Type: "t", TimestampNS: 1, Payload: []byte(`{}`)}
	}
	tests := map[string]func(m *protocol.Message){
		"valid":             func(m *protocol.Message) {},
		"no payload":        func(m *protocol.Message) { m.Payload = nil },
		"null payload":      func(m *protocol.Message) { m.Payload = []byte("null") },
		"no version":        func(m *protocol.Message) { m.Version = "" },
		"spaced version":    func(m *protocol.Message) { m.Version = " 1 " },
		"version 0":         func(m *protocol.Message) { m.Version = "0" },
		"version 2":         func(m *protocol.Message) { m.Version = "2" },
		"no id":             func(m *protocol.Message) { m.ID = "" },
		"no source":         func(m *protocol.Message) { m.Source = "" },
		"no type":           func(m *protocol.Message) { m.Type = "" },
		"zero timestamp":    func(m *protocol.Message) { m.TimestampNS = 0 },
		"negative time":     func(m *protocol.Message) { m.TimestampNS = -1 },
		"payload at limit":  func(m *protocol.Message) { m.Payload = make([]byte, protocol.MaxMessageSize) },
		"payload too large": func(m *protocol.Message) { m.Payload = make([]byte, protocol.MaxMessageSize+1) },
	}
	for name, change := range tests {
		m := good()
		change(m)
		protoOK := m.Validate() == nil && protocol.CheckVersion(m.Version) == nil
		err := transport.CheckMessage(m)
		if (err == nil) != protoOK {
			t.Errorf("%s: checkMessage = %v, but protocol accepts it: %v", name, err, protoOK)
		}
		if err != nil && errors.Code(err) != errors.CodeValidation {
			t.Errorf("%s: checkMessage = %v, want code validation", name, err)
		}
	}
}
