package transporttest

import (
	"bytes"
	"context"
	"sync"

	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// Record wraps a transport and keeps a copy of every message it sent or
// received successfully, so a test can inspect the traffic and replay
// what came in through a [Mock].
//
// Record is safe for concurrent use when the inner transport is, and
// starts no goroutines. The zero Record is not usable (its Send and
// Receive fail with code validation, as with a nil inner transport); use
// NewRecord.
type Record struct {
	inner transport.Transport

	mu       sync.Mutex
	sent     []*protocol.Message
	received []*protocol.Message
}

// NewRecord returns inner with recording. A nil inner makes Send and
// Receive fail with code validation. Like every transport, a ctx already
// done gives ctx.Err() before anything else.
func NewRecord(inner transport.Transport) *Record {
	return &Record{inner: inner}
}

// Send sends msg through the inner transport and records a copy of it if
// the send succeeded.
func (r *Record) Send(ctx context.Context, msg *protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.inner == nil {
		return errNilInner
	}
	if err := r.inner.Send(ctx, msg); err != nil {
		return err
	}
	if msg != nil {
		r.mu.Lock()
		r.sent = append(r.sent, clone(msg))
		r.mu.Unlock()
	}
	return nil
}

// Receive receives from the inner transport and records a copy of each
// message it returns.
func (r *Record) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.inner == nil {
		return nil, errNilInner
	}
	msg, err := r.inner.Receive(ctx)
	if err == nil && msg != nil {
		r.mu.Lock()
		r.received = append(r.received, clone(msg))
		r.mu.Unlock()
	}
	return msg, err
}

// Close closes the inner transport.
func (r *Record) Close() error {
	if r.inner == nil {
		return nil
	}
	return r.inner.Close()
}

// Sent returns copies of the messages sent successfully, in order.
func (r *Record) Sent() []*protocol.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clones(r.sent)
}

// Received returns copies of the messages received successfully, in
// order.
func (r *Record) Received() []*protocol.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clones(r.received)
}

// Replay returns a new Mock preloaded with copies of the messages received
// so far, in order.
func (r *Record) Replay() *Mock {
	return NewMock(r.Received()...)
}

// clone returns a copy of msg that shares no memory with it.
func clone(msg *protocol.Message) *protocol.Message {
	c := *msg
	c.Payload = bytes.Clone(msg.Payload)
	return &c
}

func clones(msgs []*protocol.Message) []*protocol.Message {
	out := make([]*protocol.Message, len(msgs))
	for i, m := range msgs {
		out[i] = clone(m)
	}
	return out
}
