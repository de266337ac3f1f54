package transporttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

const (
	// receiveTimeout bounds every Receive that should succeed.
	receiveTimeout = 5 * time.Second
	// idleTimeout is the deadline of a Receive that should find nothing.
	idleTimeout = 50 * time.Millisecond
)

// Run checks that the transports newPair returns keep the contract of
// every transport. It calls newPair afresh for each subtest; a sends and b
// receives, and Run closes both when the subtest ends (newPair may
// register further cleanup with t.Cleanup, which runs after that). Every
// Receive that should succeed has a 5 s deadline. Sends run on their own
// goroutines through transport.BlockingSend, so a transport whose Send
// waits for the reader (a pipe) or reports ErrFull (a small buffer) still
// passes.
//
// The subtests check that:
//
//   - every envelope field arrives intact, the payload compared as JSON
//     and the checksum included, with and without a checksum on the sent
//     message;
//   - 100 sequential sends arrive in order;
//   - 8 goroutines sending 50 messages each deliver every message exactly
//     once, by ID (run it with -race);
//   - a 1 MiB payload gets through;
//   - Receive with nothing pending returns ctx.Err() once a 50 ms deadline
//     passes, and Send and Receive with a ctx already done return ctx.Err()
//     without sending anything;
//   - Send(ctx, nil) fails with code validation;
//   - after an end's own Close, its Send and Receive return
//     transport.ErrClosed, a Receive blocked in the meantime returns it
//     too, and a second Close returns nil;
//   - Receive never returns (nil, nil).
func Run(t *testing.T, newPair func(t *testing.T) (a, b transport.Transport)) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b transport.Transport)
	}{
		{"Fields", testFields},
		{"Sequential", testSequential},
		{"Concurrent", testConcurrent},
		{"LargePayload", testLargePayload},
		{"ReceiveTimeout", testReceiveTimeout},
		{"DoneContext", testDoneContext},
		{"SendNil", testSendNil},
		{"SendAfterClose", testSendAfterClose},
		{"ReceiveAfterClose", testReceiveAfterClose},
		{"BlockedReceiveClose", testBlockedReceiveClose},
		{"CloseTwice", testCloseTwice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newPair(t)
			if a == nil || b == nil {
				t.Fatal("newPair returned a nil transport")
			}
			t.Cleanup(func() {
				a.Close()
				b.Close()
			})
			tc.fn(t, a, b)
		})
	}
}

// message returns a valid message whose payload records i.
func message(t *testing.T, i int) *protocol.Message {
	t.Helper()
	m, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeEvalResult, protocol.EvalResult{
		Suite: "transporttest", Task: fmt.Sprintf("task-%d", i), Passed: i%2 == 0, Score: float64(i) / 4,
	})
	if err != nil {
		t.Fatalf("protocol.New: %v", err)
	}
	return m
}

// sender runs sends on goroutines and reports their errors. wait waits
// for them; when the test has failed it first closes both ends, which
// unblocks a send stuck because nobody receives.
type sender struct {
	t    *testing.T
	a, b transport.Transport
	wg   sync.WaitGroup
}

func newSender(t *testing.T, a, b transport.Transport) *sender {
	return &sender{t: t, a: a, b: b}
}

func (s *sender) goSend(msgs ...*protocol.Message) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), receiveTimeout)
		defer cancel()
		for _, m := range msgs {
			if err := transport.BlockingSend(ctx, s.a, m); err != nil {
				s.t.Errorf("Send(%s) = %v, want nil", m.ID, err)
				return
			}
		}
	}()
}

func (s *sender) wait() {
	if s.t.Failed() {
		s.a.Close()
		s.b.Close()
	}
	s.wg.Wait()
}

// receive returns the next message from b, failing the test on an error,
// a nil message or a 5 s timeout.
func receive(t *testing.T, b transport.Transport) *protocol.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), receiveTimeout)
	defer cancel()
	m, err := b.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive() error = %v, want a message", err)
	}
	if m == nil {
		t.Fatal("Receive() = (nil, nil), want a message or an error")
	}
	return m
}

func testFields(t *testing.T, a, b transport.Transport) {
	payload := `{"text":"naïve <b>&</b> \u2028 ✓","n":-12.5e3,"big":9007199254740993,"ok":true,"none":null,` +
		`"list":[1,"two",{"three":[3]}],"nested":{"a":{"b":{"c":"d"}}},"esc":"quote \" backslash \\ tab \t"}`
	withSum := &protocol.Message{
		Version:     protocol.CurrentVersion,
		ID:          "0123456789abcdef0123456789abcdef",
		Source:      protocol.SourceInferMux,
		Type:        protocol.TypeInferResponse,
		TimestampNS: 1767225600123456789,
		Payload:     json.RawMessage(payload),
	}
	withSum.ComputeChecksum()
	noSum := &protocol.Message{
		Version:     protocol.CurrentVersion,
		ID:          "fedcba9876543210fedcba9876543210",
		Source:      "a source with spaces",
		Type:        "custom.type",
		TimestampNS: 1,
		Payload:     json.RawMessage(`[1,2,3]`),
	}
	s := newSender(t, a, b)
	defer s.wait()
	s.goSend(withSum, noSum)

	for _, want := range []*protocol.Message{withSum, noSum} {
		got := receive(t, b)
		if got.Version != want.Version || got.ID != want.ID || got.Source != want.Source ||
			got.Type != want.Type || got.TimestampNS != want.TimestampNS {
			t.Errorf("received header %+v, want %+v", header(got), header(want))
		}
		if !sameJSON(got.Payload, want.Payload) {
			t.Errorf("received payload %s, want %s", got.Payload, want.Payload)
		}
		if !got.VerifyChecksum() {
			t.Errorf("received message %s: checksum %d does not verify", got.ID, got.Checksum)
		}
		if want.Checksum != 0 && got.Checksum != want.Checksum {
			t.Errorf("received checksum %d, want %d", got.Checksum, want.Checksum)
		}
	}
}

func header(m *protocol.Message) string {
	return fmt.Sprintf("{version:%q id:%q source:%q type:%q timestamp_ns:%d}", m.Version, m.ID, m.Source, m.Type, m.TimestampNS)
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

func testSequential(t *testing.T, a, b transport.Transport) {
	const n = 100
	msgs := make([]*protocol.Message, n)
	for i := range msgs {
		msgs[i] = message(t, i)
	}
	s := newSender(t, a, b)
	defer s.wait()
	s.goSend(msgs...)
	for i, want := range msgs {
		got := receive(t, b)
		if got.ID != want.ID {
			t.Fatalf("message %d: received ID %s, want %s (order not kept)", i, got.ID, want.ID)
		}
	}
}

func testConcurrent(t *testing.T, a, b transport.Transport) {
	const senders, each = 8, 50
	want := make(map[string]bool, senders*each)
	s := newSender(t, a, b)
	defer s.wait()
	for g := range senders {
		msgs := make([]*protocol.Message, each)
		for i := range msgs {
			msgs[i] = message(t, g*each+i)
			want[msgs[i].ID] = true
		}
		s.goSend(msgs...)
	}
	seen := make(map[string]int, senders*each)
	for range senders * each {
		m := receive(t, b)
		seen[m.ID]++
		if !want[m.ID] {
			t.Errorf("received unknown message %s", m.ID)
		}
		if seen[m.ID] > 1 {
			t.Errorf("received message %s %d times, want once", m.ID, seen[m.ID])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("received %d distinct messages, want %d", len(seen), len(want))
	}
}

func testLargePayload(t *testing.T, a, b transport.Transport) {
	big := strings.Repeat("0123456789abcdef", (1<<20)/16)
	m, err := protocol.New(protocol.SourceSchemaFlux, protocol.TypeDataEntities, map[string]string{"blob": big})
	if err != nil {
		t.Fatalf("protocol.New: %v", err)
	}
	if len(m.Payload) < 1<<20 {
		t.Fatalf("payload is %d bytes, want at least 1 MiB", len(m.Payload))
	}
	s := newSender(t, a, b)
	defer s.wait()
	s.goSend(m)
	got := receive(t, b)
	if got.ID != m.ID || !bytes.Equal(got.Payload, m.Payload) {
		t.Errorf("received %s with a %d-byte payload, want %s with the %d-byte payload sent", got.ID, len(got.Payload), m.ID, len(m.Payload))
	}
}

func testReceiveTimeout(t *testing.T, a, b transport.Transport) {
	ctx, cancel := context.WithTimeout(context.Background(), idleTimeout)
	defer cancel()
	m, err := b.Receive(ctx)
	if m != nil || err == nil || ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		t.Errorf("Receive() with nothing pending = (%v, %v), want (nil, ctx.Err()) after the deadline", m, err)
	}
}

func testDoneContext(t *testing.T, a, b transport.Transport) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Send(ctx, message(t, 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(done ctx) = %v, want context.Canceled", err)
	}
	if m, err := b.Receive(ctx); m != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Receive(done ctx) = (%v, %v), want (nil, context.Canceled)", m, err)
	}
	// Nothing was sent.
	idle, cancelIdle := context.WithTimeout(context.Background(), idleTimeout)
	defer cancelIdle()
	if m, err := b.Receive(idle); m != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive() after a Send with a done ctx = (%v, %v), want nothing before the deadline", m, err)
	}
}

func testSendNil(t *testing.T, a, b transport.Transport) {
	err := a.Send(context.Background(), nil)
	if err == nil || errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send(nil) = %v (code %q), want an error with code %q", err, errors.Code(err), errors.CodeValidation)
	}
}

func testSendAfterClose(t *testing.T, a, b transport.Transport) {
	a.Close()
	if err := a.Send(context.Background(), message(t, 0)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
	if m, err := a.Receive(context.Background()); m != nil || !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive after Close = (%v, %v), want (nil, ErrClosed)", m, err)
	}
}

func testReceiveAfterClose(t *testing.T, a, b transport.Transport) {
	b.Close()
	if m, err := b.Receive(context.Background()); m != nil || !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive after Close = (%v, %v), want (nil, ErrClosed)", m, err)
	}
	if err := b.Send(context.Background(), message(t, 0)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
}

func testBlockedReceiveClose(t *testing.T, a, b transport.Transport) {
	type result struct {
		m   *protocol.Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), receiveTimeout)
		defer cancel()
		m, err := b.Receive(ctx)
		done <- result{m, err}
	}()
	// Whether the Receive is already waiting or starts after Close, it
	// must return ErrClosed.
	b.Close()
	r := <-done
	if r.m != nil || !errors.Is(r.err, transport.ErrClosed) {
		t.Errorf("Receive blocked across Close = (%v, %v), want (nil, ErrClosed)", r.m, r.err)
	}
}

func testCloseTwice(t *testing.T, a, b transport.Transport) {
	for name, tr := range map[string]transport.Transport{"a": a, "b": b} {
		tr.Close()
		if err := tr.Close(); err != nil {
			t.Errorf("second %s.Close() = %v, want nil", name, err)
		}
	}
}
