package transport

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/greynewell/mist-go/protocol"
)

// Channel is an in-memory transport: a loopback from [NewChannel], or one
// end of a pair from [NewChannelPair]. Messages travel by pointer, so a
// message must not be changed after it is sent.
//
// Send never blocks: when the buffer is full it returns [ErrFull] (see
// [BlockingSend]). Closing either end of a pair closes both and discards
// whatever was not yet received. Channel is safe for concurrent use and
// starts no goroutines. The zero Channel is not usable (its Send and
// Receive fail with code validation); use NewChannel or NewChannelPair.
type Channel struct {
	in  chan *protocol.Message // what this end receives
	out chan *protocol.Message // what this end sends into
	sh  *chanShared
}

// chanShared is the state both ends of a pair share.
type chanShared struct {
	closed atomic.Bool   // set by Close before done is closed: a cheaper check than done
	done   chan struct{} // closed by Close, to wake a waiting Receive
	once   sync.Once
	bufs   []chan *protocol.Message
}

// NewChannel returns a loopback: what it sends, it receives. The buffer
// holds bufSize messages; bufSize < 1 means 1.
func NewChannel(bufSize int) *Channel {
	c := make(chan *protocol.Message, max(bufSize, 1))
	return &Channel{in: c, out: c, sh: &chanShared{done: make(chan struct{}), bufs: []chan *protocol.Message{c}}}
}

// NewChannelPair returns two connected ends: each receives what the other
// sends, through a buffer of bufSize messages per direction (bufSize < 1
// means 1). Closing either end closes both.
func NewChannelPair(bufSize int) (*Channel, *Channel) {
	n := max(bufSize, 1)
	ab := make(chan *protocol.Message, n)
	ba := make(chan *protocol.Message, n)
	sh := &chanShared{done: make(chan struct{}), bufs: []chan *protocol.Message{ab, ba}}
	return &Channel{in: ba, out: ab, sh: sh}, &Channel{in: ab, out: ba, sh: sh}
}

// Send queues msg for the other end, or for this one if it is a loopback.
// It checks msg as every carrier does (nil or invalid: code validation)
// and returns ErrFull at once when the buffer is full.
func (c *Channel) Send(ctx context.Context, msg *protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.sh == nil {
		return zeroValue("Channel", "NewChannel")
	}
	if c.sh.closed.Load() {
		return ErrClosed
	}
	if err := checkMessage(msg); err != nil {
		return err
	}
	select {
	case c.out <- msg:
		return nil
	default:
		return ErrFull
	}
}

// Receive returns the next message, waiting until one arrives, ctx ends
// (ctx.Err()) or either end is closed (ErrClosed).
func (c *Channel) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.sh == nil {
		return nil, zeroValue("Channel", "NewChannel")
	}
	if c.sh.closed.Load() {
		return nil, ErrClosed
	}
	// A message already waiting is taken without the three-way select,
	// which costs several times a plain channel receive. Close is not
	// missed: it was not done a moment ago, so taking a message now is the
	// same as having taken it just before Close.
	select {
	case msg := <-c.in:
		return msg, nil
	default:
	}
	select {
	case msg := <-c.in:
		return msg, nil
	case <-c.sh.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close closes both ends and discards undelivered messages. It always
// returns nil.
func (c *Channel) Close() error {
	if c.sh == nil {
		return nil
	}
	c.sh.once.Do(func() {
		c.sh.closed.Store(true)
		close(c.sh.done)
		for _, b := range c.sh.bufs {
			drain(b)
		}
	})
	return nil
}

func drain(c chan *protocol.Message) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
