package retry_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/retry"
)

// recorder is a wait function that records the requested waits instead of
// sleeping. onWait, if set, runs before the wait returns ctx.Err().
type recorder struct {
	waits  []time.Duration
	onWait func()
}

func (r *recorder) wait(ctx context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	if r.onWait != nil {
		r.onWait()
	}
	return ctx.Err()
}

// constRand returns a random source that always yields v.
func constRand(v float64) func() float64 { return func() float64 { return v } }

// failing returns an fn that always fails with err and counts its calls.
func failing(err error, calls *int) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		return err
	}
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestWaits(t *testing.T) {
	tests := []struct {
		name     string
		p        retry.Policy
		r        float64
		attempts int
		want     []time.Duration
	}{
		// Fixed on purpose: MaxWait 0 means no cap, not a cap of zero, so the
		// waits keep doubling instead of collapsing to 10, 0, 0.
		{"no cap doubles", retry.Policy{MaxAttempts: 5, InitialWait: ms(10), Multiplier: 2}, 0.5, 5,
			[]time.Duration{ms(10), ms(20), ms(40), ms(80)}},
		{"capped at MaxWait", retry.Policy{MaxAttempts: 5, InitialWait: ms(100), MaxWait: ms(300), Multiplier: 2}, 0.5, 5,
			[]time.Duration{ms(100), ms(200), ms(300), ms(300)}},
		{"MaxWait below InitialWait", retry.Policy{MaxAttempts: 3, InitialWait: ms(100), MaxWait: ms(30), Multiplier: 2}, 0.5, 3,
			[]time.Duration{ms(30), ms(30)}},
		{"multiplier below 1 is 1", retry.Policy{MaxAttempts: 4, InitialWait: ms(10), Multiplier: 0.5}, 0.5, 4,
			[]time.Duration{ms(10), ms(10), ms(10)}},
		{"NaN multiplier is 1", retry.Policy{MaxAttempts: 3, InitialWait: ms(10), Multiplier: math.NaN()}, 0.5, 3,
			[]time.Duration{ms(10), ms(10)}},
		{"zero InitialWait never waits", retry.Policy{MaxAttempts: 3, MaxWait: time.Second, Multiplier: 2, Jitter: 0.5}, 0.9, 3,
			[]time.Duration{0, 0}},
		{"negative InitialWait never waits", retry.Policy{MaxAttempts: 3, InitialWait: -time.Second, Multiplier: 2}, 0.5, 3,
			[]time.Duration{0, 0}},
		{"zero policy makes one attempt", retry.Policy{}, 0.5, 1, nil},
		{"negative MaxAttempts makes one attempt", retry.Policy{MaxAttempts: -3, InitialWait: time.Second}, 0.5, 1, nil},
		{"default, lowest jitter", retry.DefaultPolicy, 0, 3, []time.Duration{ms(75), ms(150)}},
		{"default, middle jitter", retry.DefaultPolicy, 0.5, 3, []time.Duration{ms(100), ms(200)}},
		{"aggressive, lowest jitter", retry.AggressivePolicy, 0, 5, []time.Duration{ms(37.5), ms(75), ms(150), ms(300)}},
		{"jitter above 1 is 1", retry.Policy{MaxAttempts: 2, InitialWait: ms(100), Jitter: 7}, 0.25, 2, []time.Duration{ms(50)}},
		{"negative jitter is 0", retry.Policy{MaxAttempts: 2, InitialWait: ms(100), Jitter: -1}, 0, 2, []time.Duration{ms(100)}},
		{"saturates at the largest Duration", retry.Policy{MaxAttempts: 3, InitialWait: math.MaxInt64, Multiplier: 1e300, Jitter: 1}, 0.99, 3,
			[]time.Duration{math.MaxInt64, math.MaxInt64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			calls := 0
			last := stderrors.New("boom")
			err := retry.Run(context.Background(), tt.p, nil, failing(last, &calls), rec.wait, constRand(tt.r))
			if calls != tt.attempts {
				t.Errorf("fn called %d times, want %d", calls, tt.attempts)
			}
			if got := tt.p.Attempts(); got != tt.attempts {
				t.Errorf("Attempts() = %d, want %d", got, tt.attempts)
			}
			// One wait between each pair of attempts, none after the last.
			if !slices.Equal(rec.waits, tt.want) {
				t.Errorf("waits = %v, want %v", rec.waits, tt.want)
			}
			var ex *retry.ExhaustedError
			if !errors.As(err, &ex) || ex.Attempts != tt.attempts || ex.Err != last {
				t.Errorf("err = %#v, want *ExhaustedError{Attempts: %d, Err: last}", err, tt.attempts)
			}
		})
	}
}

func TestJitterBounds(t *testing.T) {
	tests := []struct {
		p      retry.Policy
		lo, hi []time.Duration
	}{
		{retry.DefaultPolicy, []time.Duration{ms(75), ms(150)}, []time.Duration{ms(125), ms(250)}},
		{retry.Policy{MaxAttempts: 4, InitialWait: ms(10), MaxWait: ms(15), Multiplier: 3, Jitter: 1},
			[]time.Duration{0, 0, 0}, []time.Duration{ms(20), ms(30), ms(30)}},
		{retry.Policy{MaxAttempts: 3, InitialWait: ms(10), Multiplier: 2, Jitter: 0.1},
			[]time.Duration{ms(9), ms(18)}, []time.Duration{ms(11), ms(22)}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.p), func(t *testing.T) {
			seen := make([]map[time.Duration]bool, len(tt.lo))
			for i := range seen {
				seen[i] = map[time.Duration]bool{}
			}
			for range 200 {
				var rec recorder
				calls := 0
				_ = retry.Run(context.Background(), tt.p, nil, failing(stderrors.New("x"), &calls), rec.wait, rand.Float64)
				for i, d := range rec.waits {
					if d < tt.lo[i] || d > tt.hi[i] {
						t.Fatalf("wait %d = %v, want within [%v, %v]", i, d, tt.lo[i], tt.hi[i])
					}
					seen[i][d] = true
				}
			}
			for i, s := range seen {
				if len(s) < 2 {
					t.Errorf("wait %d took %d distinct values in 200 runs, want jitter to spread it", i, len(s))
				}
			}
			// The ends of the random range map to the ends of the interval.
			for i := range tt.lo {
				if got := retry.Delay(tt.p, i, 0); got != tt.lo[i] {
					t.Errorf("Delay(%d, 0) = %v, want %v", i, got, tt.lo[i])
				}
				if got := retry.Delay(tt.p, i, math.Nextafter(1, 0)); got > tt.hi[i] || got < tt.hi[i]-time.Microsecond {
					t.Errorf("Delay(%d, 1-ε) = %v, want just below %v", i, got, tt.hi[i])
				}
			}
		})
	}
}

func TestSuccess(t *testing.T) {
	tests := []struct {
		name      string
		failFirst int
		wantCalls int
		wantWaits int
	}{
		{"first try", 0, 1, 0},
		{"second try", 1, 2, 1},
		{"last try", 2, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			calls := 0
			fn := func(context.Context) error {
				calls++
				if calls <= tt.failFirst {
					return stderrors.New("transient")
				}
				return nil
			}
			if err := retry.Run(context.Background(), retry.DefaultPolicy, nil, fn, rec.wait, rand.Float64); err != nil {
				t.Fatalf("Run() = %v, want nil", err)
			}
			if calls != tt.wantCalls || len(rec.waits) != tt.wantWaits {
				t.Errorf("calls, waits = %d, %d, want %d, %d", calls, len(rec.waits), tt.wantCalls, tt.wantWaits)
			}
		})
	}
}

// Fixed on purpose: after the attempts run out, errors.Is(err, last) holds
// and the message gives the attempt count.
func TestExhaustedError(t *testing.T) {
	last := errors.New(errors.CodeUnavailable, "infermux is down")
	calls := 0
	err := retry.Do(context.Background(), retry.Policy{MaxAttempts: 3}, failing(last, &calls))
	if got, want := err.Error(), "retry: gave up after 3 attempts: unavailable: infermux is down"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, last) {
		t.Errorf("errors.Is(%v, last) = false, want true", err)
	}
	if got := errors.Code(err); got != errors.CodeUnavailable {
		t.Errorf("errors.Code(%v) = %q, want %q", err, got, errors.CodeUnavailable)
	}
	var e *errors.Error
	if !errors.As(err, &e) || e != last {
		t.Errorf("errors.As(%v, *errors.Error) = %v, want last", err, e)
	}
	var ex *retry.ExhaustedError
	if !errors.As(err, &ex) || ex.Attempts != 3 || ex.Unwrap() != last {
		t.Errorf("errors.As(%v, *ExhaustedError) = %#v, want Attempts 3 wrapping last", err, ex)
	}
	if calls != 3 {
		t.Errorf("fn called %d times, want 3", calls)
	}
}

// Fixed on purpose: cancelling during a wait gives an error that matches
// both ctx.Err() and the last error.
func TestCancelDuringWait(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
			return &deadlineCtx{Context: ctx}, cancel
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			rec := recorder{onWait: func() {
				if dc, ok := ctx.(*deadlineCtx); ok {
					dc.expired = true
				}
				cancel()
			}}
			last := stderrors.New("transient")
			calls := 0
			err := retry.Run(ctx, retry.DefaultPolicy, nil, failing(last, &calls), rec.wait, rand.Float64)
			if !errors.Is(err, tt.want) || !errors.Is(err, last) {
				t.Errorf("Run() = %v, want an error matching %v and the last error", err, tt.want)
			}
			if calls != 1 || len(rec.waits) != 1 {
				t.Errorf("calls, waits = %d, %d, want 1, 1", calls, len(rec.waits))
			}
		})
	}
}

// deadlineCtx reports DeadlineExceeded once expired is set, so a test can
// expire a deadline without waiting for it.
type deadlineCtx struct {
	context.Context
	expired bool
}

func (c *deadlineCtx) Err() error {
	if c.expired {
		return context.DeadlineExceeded
	}
	return c.Context.Err()
}

// A ctx that ends while fn runs is noticed before the next attempt, even if
// the wait itself reports nothing.
func TestCancelBetweenAttempts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	last := stderrors.New("transient")
	calls := 0
	fn := func(context.Context) error {
		calls++
		cancel()
		return last
	}
	noWait := func(context.Context, time.Duration) error { return nil }
	err := retry.Run(ctx, retry.DefaultPolicy, nil, fn, noWait, rand.Float64)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, last) {
		t.Errorf("Run() = %v, want an error matching context.Canceled and the last error", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
}

// The real wait honours ctx: a cancellation during a long wait ends it at
// once, with the joined error.
func TestDoCancelRealWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	last := stderrors.New("transient")
	fn := func(context.Context) error {
		cancel()
		return last
	}
	p := retry.Policy{MaxAttempts: 2, InitialWait: time.Hour}
	err := retry.Do(ctx, p, fn)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, last) {
		t.Errorf("Do() = %v, want an error matching context.Canceled and the last error", err)
	}
}

func TestSleep(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"short wait", context.Background(), time.Nanosecond, nil},
		{"no wait", context.Background(), 0, nil},
		{"negative", context.Background(), -time.Hour, nil},
		{"cancelled, long wait", cancelled, time.Hour, context.Canceled},
		{"cancelled, no wait", cancelled, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retry.Sleep(tt.ctx, tt.d); got != tt.want {
				t.Errorf("Sleep(%v) = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

func TestContextDoneBeforeFirstAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	funcs := map[string]func(context.Context, retry.Policy, func(context.Context) error) error{
		"Do":     retry.Do,
		"DoAuto": retry.DoAuto,
		"DoWithClassifier": func(ctx context.Context, p retry.Policy, fn func(context.Context) error) error {
			return retry.DoWithClassifier(ctx, p, func(error) bool { return true }, fn)
		},
	}
	for name, do := range funcs {
		t.Run(name, func(t *testing.T) {
			calls := 0
			err := do(ctx, retry.DefaultPolicy, failing(stderrors.New("x"), &calls))
			if err != ctx.Err() {
				t.Errorf("%s() = %v, want ctx.Err() = %v", name, err, ctx.Err())
			}
			if calls != 0 {
				t.Errorf("fn called %d times, want 0", calls)
			}
		})
	}
}

func TestDoAuto(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCalls int
		exhausted bool
	}{
		{"validation is permanent", errors.New(errors.CodeValidation, "bad"), 1, false},
		{"auth is permanent", errors.New(errors.CodeAuth, "no"), 1, false},
		{"not_found is permanent", errors.New(errors.CodeNotFound, "gone"), 1, false},
		{"conflict is permanent", errors.New(errors.CodeConflict, "held"), 1, false},
		{"cancelled is permanent", context.Canceled, 1, false},
		{"Permanent override", errors.New(errors.CodeUnavailable, "x").Permanent(), 1, false},
		{"timeout is retried", errors.New(errors.CodeTimeout, "slow"), 3, true},
		{"transport is retried", errors.New(errors.CodeTransport, "refused"), 3, true},
		{"unavailable is retried", errors.New(errors.CodeUnavailable, "down"), 3, true},
		{"rate_limit is retried", errors.New(errors.CodeRateLimit, "429"), 3, true},
		{"plain error is retried", stderrors.New("plain"), 3, true},
		{"Retriable override", errors.New(errors.CodeValidation, "x").Retriable(), 3, true},
	}
	p := retry.Policy{MaxAttempts: 3, InitialWait: time.Nanosecond}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := retry.DoAuto(context.Background(), p, failing(tt.err, &calls))
			if calls != tt.wantCalls {
				t.Errorf("fn called %d times, want %d", calls, tt.wantCalls)
			}
			var ex *retry.ExhaustedError
			if got := errors.As(err, &ex); got != tt.exhausted {
				t.Errorf("DoAuto() = %v, exhausted %v, want %v", err, got, tt.exhausted)
			}
			if !tt.exhausted && err != tt.err {
				t.Errorf("DoAuto() = %v, want the error unchanged: %v", err, tt.err)
			}
		})
	}
}

func TestDoWithClassifier(t *testing.T) {
	permanent := stderrors.New("permanent")
	transient := stderrors.New("transient")
	onlyTransient := func(err error) bool { return err == transient }
	tests := []struct {
		name      string
		classify  retry.Classifier
		err       error
		wantCalls int
	}{
		{"nil classifier retries everything", nil, permanent, 3},
		{"classifier says retry", onlyTransient, transient, 3},
		{"classifier says stop", onlyTransient, permanent, 1},
	}
	p := retry.Policy{MaxAttempts: 3}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := retry.DoWithClassifier(context.Background(), p, tt.classify, failing(tt.err, &calls))
			if calls != tt.wantCalls {
				t.Errorf("fn called %d times, want %d", calls, tt.wantCalls)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("DoWithClassifier() = %v, want it to match %v", err, tt.err)
			}
			if tt.wantCalls == 1 && err != tt.err {
				t.Errorf("DoWithClassifier() = %v, want the error unchanged", err)
			}
		})
	}
}

func TestNilFunc(t *testing.T) {
	ctx := context.Background()
	for name, err := range map[string]error{
		"Do":               retry.Do(ctx, retry.DefaultPolicy, nil),
		"DoAuto":           retry.DoAuto(ctx, retry.DefaultPolicy, nil),
		"DoWithClassifier": retry.DoWithClassifier(ctx, retry.DefaultPolicy, nil, nil),
	} {
		if got := errors.Code(err); got != errors.CodeValidation {
			t.Errorf("%s(nil fn) = %v (code %q), want code %q", name, err, got, errors.CodeValidation)
		}
	}
}

func TestTotalMaxWait(t *testing.T) {
	tests := []struct {
		name string
		p    retry.Policy
		want time.Duration
	}{
		{"default", retry.DefaultPolicy, ms(375)},
		{"aggressive", retry.AggressivePolicy, ms(937.5)},
		{"one attempt", retry.Policy{MaxAttempts: 1, InitialWait: time.Second, Jitter: 1}, 0},
		{"zero policy", retry.Policy{}, 0},
		{"no initial wait", retry.Policy{MaxAttempts: 9, MaxWait: time.Second, Multiplier: 2}, 0},
		// Fixed on purpose: TotalMaxWait includes jitter and MaxWait 0 is no cap.
		{"no cap, with jitter", retry.Policy{MaxAttempts: 4, InitialWait: ms(10), Multiplier: 2, Jitter: 0.5}, ms(105)},
		{"capped", retry.Policy{MaxAttempts: 5, InitialWait: ms(100), MaxWait: ms(300), Multiplier: 2}, ms(900)},
		{"constant", retry.Policy{MaxAttempts: 11, InitialWait: ms(10)}, ms(100)},
		{"jitter clamped to 1", retry.Policy{MaxAttempts: 2, InitialWait: ms(10), Jitter: 5}, ms(20)},
		{"many capped retries", retry.Policy{MaxAttempts: 1_000_001, InitialWait: time.Millisecond, MaxWait: time.Second, Multiplier: 2},
			ms(1+2+4+8+16+32+64+128+256+512) + (1_000_000-10)*time.Second},
		{"many constant retries", retry.Policy{MaxAttempts: 1 << 40, InitialWait: time.Nanosecond}, (1<<40 - 1) * time.Nanosecond},
		{"saturates: huge attempts", retry.Policy{MaxAttempts: math.MaxInt, InitialWait: time.Hour, Multiplier: 2}, math.MaxInt64},
		{"saturates: huge waits", retry.Policy{MaxAttempts: 3, InitialWait: math.MaxInt64, MaxWait: math.MaxInt64, Jitter: 1}, math.MaxInt64},
		{"saturates: infinite multiplier", retry.Policy{MaxAttempts: 3, InitialWait: time.Nanosecond, Multiplier: math.Inf(1)}, math.MaxInt64},
		{"saturates: constant", retry.Policy{MaxAttempts: math.MaxInt, InitialWait: time.Second}, math.MaxInt64},
		{"saturates: capped", retry.Policy{MaxAttempts: math.MaxInt, InitialWait: time.Second, MaxWait: time.Hour, Multiplier: 1.5}, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.TotalMaxWait(); got != tt.want {
				t.Errorf("%+v.TotalMaxWait() = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

// A multiplier barely above 1 keeps the base growing for more retries than
// are summed one by one; the rest comes from the geometric series.
func TestTotalMaxWaitSlowGrowth(t *testing.T) {
	const m = 1 + 1e-5
	tests := []struct {
		name string
		p    retry.Policy
	}{
		{"uncapped", retry.Policy{MaxAttempts: 30_001, InitialWait: time.Millisecond, Multiplier: m, Jitter: 0.25}},
		// The cap is reached after about 14,000 retries.
		{"capped", retry.Policy{MaxAttempts: 30_001, InitialWait: time.Millisecond, MaxWait: ms(1.15), Multiplier: m, Jitter: 0.25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want float64
			for i := range tt.p.MaxAttempts - 1 {
				want += float64(retry.Delay(retry.Policy{InitialWait: tt.p.InitialWait, MaxWait: tt.p.MaxWait, Multiplier: m}, i, 0))
			}
			want *= 1.25
			got := float64(tt.p.TotalMaxWait())
			if math.Abs(got-want) > want*1e-6 {
				t.Errorf("TotalMaxWait() = %v, want %v within 1e-6", time.Duration(got), time.Duration(want))
			}
		})
	}
}

func TestPolicyValuesUnchanged(t *testing.T) {
	if retry.DefaultPolicy != (retry.Policy{MaxAttempts: 3, InitialWait: 100 * time.Millisecond, MaxWait: 5 * time.Second, Multiplier: 2, Jitter: 0.25}) {
		t.Errorf("DefaultPolicy = %+v", retry.DefaultPolicy)
	}
	if retry.AggressivePolicy != (retry.Policy{MaxAttempts: 5, InitialWait: 50 * time.Millisecond, MaxWait: 10 * time.Second, Multiplier: 2, Jitter: 0.25}) {
		t.Errorf("AggressivePolicy = %+v", retry.AggressivePolicy)
	}
}

func TestFirstTrySuccessDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	ok := func(context.Context) error { return nil }
	for name, do := range map[string]func(){
		"Do":               func() { _ = retry.Do(ctx, retry.DefaultPolicy, ok) },
		"DoAuto":           func() { _ = retry.DoAuto(ctx, retry.DefaultPolicy, ok) },
		"DoWithClassifier": func() { _ = retry.DoWithClassifier(ctx, retry.DefaultPolicy, errors.IsRetryable, ok) },
	} {
		if got := testing.AllocsPerRun(100, do); got != 0 {
			t.Errorf("%s allocates %v times per successful first try, want 0", name, got)
		}
	}
}

func BenchmarkDoSuccess(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := retry.Do(ctx, retry.DefaultPolicy, succeed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoAutoSuccess(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := retry.DoAuto(ctx, retry.DefaultPolicy, succeed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDoRetries measures the failure path: three attempts with waits
// of one nanosecond.
func BenchmarkDoRetries(b *testing.B) {
	ctx := context.Background()
	p := retry.Policy{MaxAttempts: 3, InitialWait: time.Nanosecond}
	err := stderrors.New("transient")
	fail := func(context.Context) error { return err }
	b.ReportAllocs()
	for b.Loop() {
		_ = retry.Do(ctx, p, fail)
	}
}

func BenchmarkTotalMaxWait(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = retry.AggressivePolicy.TotalMaxWait()
	}
}

func succeed(context.Context) error { return nil }
