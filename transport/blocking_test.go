package transport_test

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

// fullThen is a transport whose Send reports ErrFull n times and then
// returns final.
type fullThen struct {
	transporttest.Mock
	n, calls int
	final    error
}

func (f *fullThen) Send(ctx context.Context, msg *protocol.Message) error {
	f.calls++
	if f.calls <= f.n {
		return transport.ErrFull
	}
	return f.final
}

// instant is a timer that fires at once and records the waits.
type instant struct{ waits []time.Duration }

func (c *instant) after(d time.Duration) <-chan time.Time {
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func TestBlockingSendWaits(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		n     int
		final error
		waits []time.Duration
	}{
		{"ok at once", 0, nil, nil},
		{"full twice", 2, nil, []time.Duration{ms, 2 * ms}},
		{"doubling to the cap", 10, nil, []time.Duration{ms, 2 * ms, 4 * ms, 8 * ms, 16 * ms, 32 * ms, 64 * ms, 100 * ms, 100 * ms, 100 * ms}},
		{"other error after full", 1, errors.New(errors.CodeTransport, "down"), []time.Duration{ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &fullThen{n: tt.n, final: tt.final}
			clk := &instant{}
			err := transport.BlockingSendAfter(context.Background(), tr, newMsg(t, 1), clk.after)
			if err != tt.final {
				t.Errorf("BlockingSend = %v, want %v", err, tt.final)
			}
			if tr.calls != tt.n+1 {
				t.Errorf("Send called %d times, want %d", tr.calls, tt.n+1)
			}
			if diff := cmp.Diff(tt.waits, clk.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// Fixed on purpose: BlockingSend given a validation error returns after
// exactly one Send.
func TestBlockingSendValidationOnce(t *testing.T) {
	tr := &fullThen{final: errors.New(errors.CodeValidation, "bad")}
	err := transport.BlockingSend(context.Background(), tr, newMsg(t, 1))
	if errors.Code(err) != errors.CodeValidation || tr.calls != 1 {
		t.Errorf("BlockingSend = %v after %d Sends, want the validation error after exactly 1", err, tr.calls)
	}
	// A retryable error that is not ErrFull is not retried either.
	tr = &fullThen{final: errors.New(errors.CodeUnavailable, "down")}
	if err := transport.BlockingSend(context.Background(), tr, newMsg(t, 1)); err != tr.final || tr.calls != 1 {
		t.Errorf("BlockingSend = %v after %d Sends, want the error after exactly 1", err, tr.calls)
	}
}

func TestBlockingSendContextEnds(t *testing.T) {
	c := transport.NewChannel(1)
	defer c.Close()
	ctx := context.Background()
	if err := c.Send(ctx, newMsg(t, 0)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	waits := 0
	err := transport.BlockingSendAfter(ctx, c, newMsg(t, 1), func(time.Duration) <-chan time.Time {
		waits++
		if waits == 3 {
			cancel() // ctx ends during the third wait
			return nil
		}
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, transport.ErrFull) {
		t.Errorf("BlockingSend on a full channel until ctx ends = %v, want an error matching both ctx.Err() and ErrFull", err)
	}
	// With a real timer too.
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if err := transport.BlockingSend(short, c, newMsg(t, 1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("BlockingSend on a full channel until the deadline = %v, want context.DeadlineExceeded", err)
	}
	if err := transport.BlockingSend(ctx, nil, newMsg(t, 1)); errors.Code(err) != errors.CodeValidation {
		t.Errorf("BlockingSend(nil transport) = %v, want code validation", err)
	}
}

func TestBlockingSendSucceedsOnceDrained(t *testing.T) {
	a, b := transport.NewChannelPair(1)
	defer a.Close()
	ctx := ctxT(t)
	if err := a.Send(ctx, newMsg(t, 0)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- transport.BlockingSend(ctx, a, newMsg(t, 1)) }()
	for range 2 {
		if _, err := b.Receive(ctx); err != nil {
			t.Fatalf("Receive: %v", err)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("BlockingSend = %v, want nil once the buffer drained", err)
	}
}
