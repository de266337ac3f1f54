package circuitbreaker_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/greynewell/mist-go/circuitbreaker"
)

// model is a sequential reference implementation of the state machine.
type model struct {
	threshold   int
	timeout     time.Duration
	state       circuitbreaker.State
	consecutive int
	openedAt    time.Duration
	now         time.Duration
	succ, fails int64
	transitions []string
}

func (m *model) move(to circuitbreaker.State) {
	m.transitions = append(m.transitions, m.state.String()+">"+to.String())
	m.state = to
	if to == circuitbreaker.Open {
		m.openedAt = m.now
	}
	m.consecutive = 0
}

func (m *model) lazy() {
	if m.state == circuitbreaker.Open && (m.timeout < 0 || m.now-m.openedAt >= m.timeout) {
		m.move(circuitbreaker.HalfOpen)
	}
}

// do returns whether the call runs, and applies outcome o (0 success,
// 1 failure, 2 ignored).
func (m *model) do(o byte) bool {
	m.lazy()
	switch m.state {
	case circuitbreaker.Open:
		return false
	case circuitbreaker.Closed:
		switch o {
		case 0:
			m.succ++
			m.consecutive = 0
		case 1:
			m.fails++
			m.consecutive++
			if m.consecutive >= m.threshold {
				m.move(circuitbreaker.Open)
			}
		}
	case circuitbreaker.HalfOpen:
		switch o {
		case 0:
			m.succ++
			m.move(circuitbreaker.Closed)
		case 1:
			m.fails++
			m.move(circuitbreaker.Open)
		}
	}
	return true
}

// FuzzStateMachine drives a breaker with a sequence of calls, clock
// advances and State queries, and checks every result, state, count and
// transition against the sequential model.
func FuzzStateMachine(f *testing.F) {
	f.Add(uint8(3), int8(2), []byte{1, 1, 1, 3, 3, 4, 0, 1, 1, 1, 5, 2, 0})
	f.Add(uint8(1), int8(-1), []byte{1, 4, 1, 0, 2, 2, 1})
	f.Add(uint8(0), int8(0), []byte{1, 1, 1, 1, 1, 0, 3, 4})
	f.Fuzz(func(t *testing.T, threshold uint8, timeoutUnits int8, ops []byte) {
		const unit = time.Second
		timeout := time.Duration(timeoutUnits) * unit
		tr := &transitions{}
		b := circuitbreaker.New(circuitbreaker.Config{Threshold: int(threshold), Timeout: timeout, OnStateChange: tr.record})
		clk := newClock()
		circuitbreaker.SetNow(b, clk.Now)
		m := &model{threshold: int(threshold), timeout: timeout}
		if m.threshold < 1 {
			m.threshold = 5
		}
		if m.timeout == 0 {
			m.timeout = 30 * time.Second
		}
		results := []func(context.Context) error{ok, fail, cancel}
		for i, op := range ops {
			switch op % 6 {
			case 0, 1, 2:
				ran := false
				err := b.Do(context.Background(), func(ctx context.Context) error {
					ran = true
					return results[op%6](ctx)
				})
				if want := m.do(op % 6); ran != want || (err == circuitbreaker.ErrOpen) == want {
					t.Fatalf("op %d: Do ran %v with %v, model ran %v", i, ran, err, want)
				}
			case 3:
				clk.Advance(unit)
				m.now += unit
			case 4:
				clk.Advance(time.Duration(op) * unit / 8)
				m.now += time.Duration(op) * unit / 8
			case 5:
				m.lazy()
				if got := b.State(); got != m.state {
					t.Fatalf("op %d: State() = %v, model %v", i, got, m.state)
				}
			}
			if s, f := b.Counts(); s != m.succ || f != m.fails {
				t.Fatalf("op %d: Counts() = %d, %d, model %d, %d", i, s, f, m.succ, m.fails)
			}
		}
		m.lazy()
		if got := b.State(); got != m.state {
			t.Fatalf("final State() = %v, model %v", got, m.state)
		}
		if got := tr.list(); !slices.Equal(got, m.transitions) {
			t.Fatalf("transitions = %v, model %v", got, m.transitions)
		}
	})
}
