package retry_test

import (
	"math"
	"testing"
	"time"

	"github.com/greynewell/mist-go/retry"
)

// FuzzPolicy checks the wait arithmetic for arbitrary, possibly absurd,
// policies: it never panics, every wait lies within
// [base·(1−Jitter), base·(1+Jitter)] and is never negative, and
// TotalMaxWait is never negative, never decreases when an attempt is added,
// and bounds the sum of the longest possible waits.
func FuzzPolicy(f *testing.F) {
	f.Add(3, int64(100*time.Millisecond), int64(5*time.Second), 2.0, 0.25, 0.5)
	f.Add(5, int64(10*time.Millisecond), int64(0), 2.0, 0.0, 0.0)
	f.Add(0, int64(-1), int64(-1), -1.0, -1.0, 0.99)
	f.Add(40, int64(math.MaxInt64), int64(math.MaxInt64), 1e300, 1.0, 0.999)
	f.Add(1000, int64(1), int64(1000), 1.0000001, 2.0, 0.1)
	f.Fuzz(func(t *testing.T, attempts int, initial, maxWait int64, mult, jitter, r float64) {
		if !(r >= 0 && r < 1) {
			r = 0
		}
		p := retry.Policy{
			MaxAttempts: attempts % 100_000, InitialWait: time.Duration(initial), MaxWait: time.Duration(maxWait),
			Multiplier: mult, Jitter: jitter,
		}
		n := p.Attempts()
		if n < 1 || (attempts%100_000 >= 1 && n != attempts%100_000) {
			t.Fatalf("Attempts() = %d for MaxAttempts %d", n, p.MaxAttempts)
		}
		j := jitter
		switch {
		case !(j >= 0):
			j = 0
		case j > 1:
			j = 1
		}
		total := p.TotalMaxWait()
		if total < 0 {
			t.Fatalf("TotalMaxWait() = %v, want ≥ 0", total)
		}
		more := p
		more.MaxAttempts = n + 1
		if got := more.TotalMaxWait(); got < total {
			t.Fatalf("TotalMaxWait() with %d attempts = %v, less than %v with %d", n+1, got, total, n)
		}
		var sum float64
		for i := range min(n-1, 64) {
			d := retry.Delay(p, i, r)
			hi := retry.Delay(p, i, math.Nextafter(1, 0))
			lo := retry.Delay(p, i, 0)
			if d < 0 || d < lo || d > hi {
				t.Fatalf("Delay(%d, %v) = %v, want within [%v, %v]", i, r, d, lo, hi)
			}
			if p.InitialWait <= 0 && d != 0 {
				t.Fatalf("Delay(%d) = %v with InitialWait %v, want 0", i, d, p.InitialWait)
			}
			if j == 0 && lo != hi {
				t.Fatalf("Delay(%d) spreads over [%v, %v] without jitter", i, lo, hi)
			}
			sum += float64(hi)
		}
		if total != math.MaxInt64 && sum > float64(total)*(1+1e-9)+64 {
			t.Fatalf("sum of longest waits %v exceeds TotalMaxWait() = %v", time.Duration(sum), total)
		}
	})
}
