package transporttest

import (
	"context"
	"sync"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// Compile-time checks that the doubles are transports.
var (
	_ transport.Transport = (*Mock)(nil)
	_ transport.Transport = (*Fault)(nil)
	_ transport.Transport = (*Record)(nil)
)

// Mock is a transport for tests: it records what is sent, can fail every
// Send with a chosen error, and hands out preloaded messages.
//
// Send records the message, even when a send error is set, and then
// returns that error. Receive returns the preloaded messages in order,
// then waits until [Mock.AddResponse] adds one, ctx ends or Close is
// called. After Close both return transport.ErrClosed; [Mock.Reset]
// reopens it. Like every transport, Send(ctx, nil) fails with code
// validation (and records nothing), and a ctx already done gives
// ctx.Err().
//
// Mock is safe for concurrent use and starts no goroutines. The zero Mock
// is ready to use, with nothing preloaded.
type Mock struct {
	mu        sync.Mutex
	sent      []*protocol.Message
	sendErr   error
	responses []*protocol.Message
	closed    bool
	wake      chan struct{} // closed when responses or closed change
}

// NewMock returns a Mock preloaded with responses; nil entries are
// skipped.
func NewMock(responses ...*protocol.Message) *Mock {
	m := &Mock{}
	for _, r := range responses {
		if r != nil {
			m.responses = append(m.responses, r)
		}
	}
	return m
}

// Send records msg and returns the send error, if one is set.
func (m *Mock) Send(ctx context.Context, msg *protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if msg == nil {
		return errors.New(errors.CodeValidation, "transporttest: message is nil")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return transport.ErrClosed
	}
	m.sent = append(m.sent, msg)
	return m.sendErr
}

// Receive returns the next preloaded message, waiting for one if there is
// none.
func (m *Mock) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, transport.ErrClosed
		}
		if len(m.responses) > 0 {
			msg := m.responses[0]
			m.responses[0] = nil
			m.responses = m.responses[1:]
			m.mu.Unlock()
			return msg, nil
		}
		if m.wake == nil {
			m.wake = make(chan struct{})
		}
		wake := m.wake
		m.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// signalLocked wakes every waiting Receive.
func (m *Mock) signalLocked() {
	if m.wake != nil {
		close(m.wake)
		m.wake = nil
	}
}

// Close makes Send and Receive return ErrClosed, including a Receive that
// is waiting. It returns nil, every time.
func (m *Mock) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.signalLocked()
	return nil
}

// Sent returns the messages sent so far, in order, in a new slice.
func (m *Mock) Sent() []*protocol.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*protocol.Message(nil), m.sent...)
}

// SetSendError makes every later Send return err (nil: succeed again).
func (m *Mock) SetSendError(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sendErr = err
}

// AddResponse queues msg for Receive, waking a waiting Receive. A nil msg
// is ignored.
func (m *Mock) AddResponse(msg *protocol.Message) {
	if msg == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.responses = append(m.responses, msg)
	m.signalLocked()
}

// Reset clears the sent messages, the queued responses and the send error,
// and reopens a closed Mock.
func (m *Mock) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent, m.responses, m.sendErr, m.closed = nil, nil, nil, false
	m.signalLocked()
}
