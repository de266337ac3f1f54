package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/greynewell/mist-go/parallel"
)

// FuzzMap runs Map and Do over arbitrary inputs where some items fail or
// panic, and checks that Map returns one result per input in input order
// (value, error or *PanicError as the item dictates), and that Do returns
// nil exactly when no item fails, and otherwise one of the items' errors.
func FuzzMap(f *testing.F) {
	f.Add(uint8(4), []byte{1, 2, 3, 250, 5, 251, 7})
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte{251, 251})
	f.Add(uint8(200), []byte("the quick brown fox"))
	f.Fuzz(func(t *testing.T, workers uint8, inputs []byte) {
		fn := func(_ context.Context, b byte) (int, error) {
			switch b {
			case 250:
				return 0, fmt.Errorf("fail %d", b)
			case 251:
				panic(b)
			}
			return int(b) * 3, nil
		}
		p := parallel.NewPool(int(workers))
		results := parallel.Map(context.Background(), p, inputs, fn)
		if len(results) != len(inputs) {
			t.Fatalf("len(results) = %d, want %d", len(results), len(inputs))
		}
		failing := 0
		for i, r := range results {
			var pe *parallel.PanicError
			switch inputs[i] {
			case 250:
				failing++
				if r.Err == nil || r.Err.Error() != "fail 250" {
					t.Fatalf("results[%d] = %+v, want error fail 250", i, r)
				}
			case 251:
				failing++
				if !errors.As(r.Err, &pe) || pe.Value != byte(251) {
					t.Fatalf("results[%d] = %+v, want *PanicError(251)", i, r)
				}
			default:
				if r.Err != nil || r.Value != int(inputs[i])*3 {
					t.Fatalf("results[%d] = %+v, want %d", i, r, int(inputs[i])*3)
				}
			}
		}
		err := parallel.Do(context.Background(), p, inputs, func(ctx context.Context, b byte) error {
			_, err := fn(ctx, b)
			return err
		})
		var pe *parallel.PanicError
		switch {
		case failing == 0 && err != nil:
			t.Fatalf("Do() = %v with no failing item, want nil", err)
		case failing > 0 && err == nil:
			t.Fatalf("Do() = nil with %d failing items", failing)
		case err != nil && err.Error() != "fail 250" && !(errors.As(err, &pe) && pe.Value == byte(251)):
			t.Fatalf("Do() = %v, not an item's error", err)
		}
	})
}

// FuzzRateLimiter applies arbitrary clock advances and takes to a limiter
// and checks the bucket's invariants: it never hands out more than its
// initial tokens plus what the elapsed time refilled, and once drained, one
// token's worth of time always yields a token.
func FuzzRateLimiter(f *testing.F) {
	f.Add(uint16(3), int64(time.Second), []byte{0, 1, 2, 200, 7, 0})
	f.Add(uint16(1), int64(time.Hour), []byte{255, 255, 1})
	f.Add(uint16(0), int64(-5), []byte{9, 9, 9})
	f.Add(uint16(1000), int64(1), []byte{3, 0, 0, 0})
	f.Fuzz(func(t *testing.T, rate uint16, interval int64, ops []byte) {
		r, ft := newLimiter(int(rate), time.Duration(interval))
		effRate, effInterval := max(int(rate), 1), time.Duration(interval)
		if effInterval <= 0 {
			effInterval = time.Second
		}
		perToken := float64(effInterval) / float64(effRate)
		var elapsed time.Duration
		taken := 0
		for _, op := range ops {
			if op%2 == 0 {
				taken += drain(r)
			} else {
				// Advance by a fraction or a multiple of one token's time.
				d := time.Duration(perToken * float64(op) / 16)
				ft.Advance(d)
				elapsed += d
			}
			limit := float64(effRate) + float64(elapsed)/perToken
			if float64(taken) > limit*(1+1e-9)+1e-6 {
				t.Fatalf("took %d tokens in %v, at most %v allowed", taken, elapsed, limit)
			}
		}
		drain(r)
		if perToken < math.MaxInt64/2 {
			ft.Advance(time.Duration(math.Ceil(perToken)))
			if !r.TryTake() {
				t.Fatalf("no token %v after draining (one token takes %v)", time.Duration(math.Ceil(perToken)), perToken)
			}
		}
	})
}
