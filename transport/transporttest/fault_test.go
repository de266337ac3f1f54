package transporttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

// pattern returns which of n sends a Fault with cfg fails.
func pattern(t *testing.T, cfg transporttest.FaultConfig, n int) []bool {
	t.Helper()
	f := transporttest.NewFault(transporttest.NewMock(), cfg)
	out := make([]bool, n)
	for i := range out {
		out[i] = f.Send(context.Background(), msg(t, "x")) != nil
	}
	return out
}

func TestFaultErrorRate(t *testing.T) {
	tests := []struct {
		rate     float64
		min, max int // failures out of 1000
	}{
		{0, 0, 0}, {-1, 0, 0}, {1, 1000, 1000}, {2, 1000, 1000}, {0.5, 400, 600}, {0.1, 50, 150},
	}
	for _, tt := range tests {
		p := pattern(t, transporttest.FaultConfig{ErrorRate: tt.rate, Seed: 42}, 1000)
		n := 0
		for _, failed := range p {
			if failed {
				n++
			}
		}
		if n < tt.min || n > tt.max {
			t.Errorf("ErrorRate %v: %d of 1000 failed, want %d to %d", tt.rate, n, tt.min, tt.max)
		}
	}
}

func TestFaultSeedRepeats(t *testing.T) {
	cfg := transporttest.FaultConfig{ErrorRate: 0.5, Seed: 7}
	a, b := pattern(t, cfg, 200), pattern(t, cfg, 200)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d differs between two runs with the same seed", i)
		}
	}
	cfg.Seed = 8
	c := pattern(t, cfg, 200)
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("seeds 7 and 8 gave the same 200 outcomes")
	}
}

func TestFaultErrors(t *testing.T) {
	inner := transporttest.NewMock(msg(t, "a"))
	f := transporttest.NewFault(inner, transporttest.FaultConfig{ErrorRate: 1})
	err := f.Send(ctxT(t), msg(t, "x"))
	if err != transporttest.ErrFault || errors.Code(err) != errors.CodeTransport || !errors.IsRetryable(err) {
		t.Errorf("default fault = %v, want the retryable transport error", err)
	}
	if _, err := f.Receive(ctxT(t)); errors.Code(err) != errors.CodeTransport {
		t.Errorf("faulted Receive = %v, want code transport", err)
	}
	if len(inner.Sent()) != 0 {
		t.Error("a faulted Send reached the inner transport")
	}
	mine := errors.New(errors.CodeRateLimit, "slow down")
	f = transporttest.NewFault(inner, transporttest.FaultConfig{ErrorRate: 1, Error: mine})
	if err := f.Send(ctxT(t), msg(t, "x")); err != mine {
		t.Errorf("fault = %v, want the configured error", err)
	}
	// No faults: calls go through.
	f = transporttest.NewFault(inner, transporttest.FaultConfig{})
	if err := f.Send(ctxT(t), msg(t, "x")); err != nil || len(inner.Sent()) != 1 {
		t.Errorf("Send = %v, want it passed through", err)
	}
	if m, err := f.Receive(ctxT(t)); err != nil || m == nil {
		t.Errorf("Receive = (%v, %v), want the inner message", m, err)
	}
}

func TestFaultDelay(t *testing.T) {
	var waits []time.Duration
	f := transporttest.NewFault(transporttest.NewMock(), transporttest.FaultConfig{
		Delay: 10 * time.Millisecond, DelayJitter: 5 * time.Millisecond, Seed: 1,
	})
	transporttest.SetFaultAfter(f, func(d time.Duration) <-chan time.Time {
		waits = append(waits, d)
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	})
	for range 50 {
		f.Send(context.Background(), msg(t, "x"))
	}
	distinct := map[time.Duration]bool{}
	for _, d := range waits {
		if d < 10*time.Millisecond || d >= 15*time.Millisecond {
			t.Errorf("wait %v, want Delay plus a jitter below DelayJitter: [10ms, 15ms)", d)
		}
		distinct[d] = true
	}
	if len(waits) != 50 || len(distinct) < 10 {
		t.Errorf("%d waits, %d distinct, want 50 with varied jitter", len(waits), len(distinct))
	}
}

// A ctx that ends during the delay: ctx.Err(), and the inner transport is
// never reached.
func TestFaultDelayHonoursContext(t *testing.T) {
	inner := transporttest.NewMock(msg(t, "a"))
	f := transporttest.NewFault(inner, transporttest.FaultConfig{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := f.Send(ctx, msg(t, "x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send during the delay = %v, want ctx.Err()", err)
	}
	if m, err := f.Receive(ctx); m != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive during the delay = (%v, %v), want ctx.Err()", m, err)
	}
	if len(inner.Sent()) != 0 {
		t.Error("the inner transport was reached")
	}
	if m, err := inner.Receive(ctxT(t)); err != nil || m == nil {
		t.Error("the inner message was consumed")
	}
}

func TestFaultClose(t *testing.T) {
	inner := transporttest.NewMock()
	f := transporttest.NewFault(inner, transporttest.FaultConfig{ErrorRate: 1})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Send(ctxT(t), msg(t, "x")); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed, not a fault", err)
	}
	if err := inner.Send(ctxT(t), msg(t, "x")); !errors.Is(err, transport.ErrClosed) {
		t.Error("Close did not close the inner transport")
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	nilFault := transporttest.NewFault(nil, transporttest.FaultConfig{})
	if err := nilFault.Send(ctxT(t), msg(t, "x")); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send with a nil inner = %v, want code validation", err)
	}
}
