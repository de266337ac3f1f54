package transport

import (
	"context"
	"io"
	"os"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// closeWait bounds how long Close waits for a goroutine to notice it.
const closeWait = 5 * time.Second

// Stdio carries JSON lines over a reader and a writer: standard input and
// output from [NewStdio], or any pair from [NewStdioFrom] (pipes, a socket,
// a child process's stdout and stdin).
//
// Send writes each line with a single Write, one Send at a time. Receive
// reads through a goroutine that starts with the first Receive and reads
// one line ahead, so a Receive can give up when its ctx ends without losing
// the line: the next Receive gets it. End of input is final: every Receive
// from then on returns io.EOF.
//
// Stdio is safe for concurrent use; concurrent Receives each get different
// lines. Close stops the reading goroutine and waits for it (at most 5 s)
// when it closed the reader; a Read already blocked on a reader that Close
// does not close (os.Stdin, or a reader that is not an io.Closer) finishes
// in the background, and that goroutine is the only one allowed to outlive
// the Stdio. The zero Stdio is not usable (its Send and Receive fail with
// code validation); use NewStdio or NewStdioFrom.
type Stdio struct {
	r          io.Reader
	w          io.Writer
	closeR     io.Closer // r, when Close should close it
	closeW     io.Closer // w, when Close should close it (and it is not r)
	wsem       chan struct{}
	torn       bool // the last Write stopped mid-line; guarded by wsem
	closeCtx   context.Context
	cancel     context.CancelFunc
	closeOnce  sync.Once
	startOnce  sync.Once
	lines      chan lineResult // unbuffered: one line read ahead, in the goroutine
	readerDone chan struct{}   // closed when the goroutine has exited
	termErr    error           // io.EOF or the read error that stopped it
}

type lineResult struct {
	msg *protocol.Message
	err error
}

// NewStdio returns a Stdio on os.Stdin and os.Stdout. Its Close never
// closes them.
func NewStdio() *Stdio {
	return newStdio(os.Stdin, os.Stdout, false)
}

// NewStdioFrom returns a Stdio that reads r and writes w. Close closes
// each of them that implements io.Closer (once if they are the same
// value), unless it is os.Stdin or os.Stdout. A nil r or w makes Receive or
// Send fail with code validation.
func NewStdioFrom(r io.Reader, w io.Writer) *Stdio {
	return newStdio(r, w, true)
}

func newStdio(r io.Reader, w io.Writer, own bool) *Stdio {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stdio{
		r:          r,
		w:          w,
		wsem:       make(chan struct{}, 1),
		closeCtx:   ctx,
		cancel:     cancel,
		lines:      make(chan lineResult),
		readerDone: make(chan struct{}),
	}
	if own {
		if c, ok := r.(io.Closer); ok && !isStd(r) {
			s.closeR = c
		}
		if c, ok := w.(io.Closer); ok && !isStd(w) && !sameValue(r, w) {
			s.closeW = c
		}
	}
	return s
}

func isStd(v any) bool {
	f, ok := v.(*os.File)
	return ok && (f == os.Stdin || f == os.Stdout || f == os.Stderr)
}

// Send writes msg as one line with a single Write. Waiting for another
// Send honours ctx, but a Write in progress cannot be interrupted except by
// Close when the writer came from NewStdioFrom and is an io.Closer. A
// failed Write gives code transport; if it stopped mid-line, the next Send
// starts with "\n" so the fragment stays on its own line.
func (s *Stdio) Send(ctx context.Context, msg *protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closeCtx == nil {
		return zeroValue("Stdio", "NewStdio")
	}
	if s.closed() {
		return ErrClosed
	}
	data, err := encode(msg, true)
	if err != nil {
		return err
	}
	if s.w == nil {
		return errors.New(errors.CodeValidation, "transport: stdio has no writer")
	}
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closeCtx.Done():
		return ErrClosed
	}
	defer func() { <-s.wsem }()
	if s.closed() {
		return ErrClosed
	}
	if s.torn {
		data = append([]byte{'\n'}, data...)
	}
	n, err := s.w.Write(data)
	if err == nil && n < len(data) {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 {
			s.torn = data[n-1] != '\n'
		}
		if s.closed() {
			return ErrClosed
		}
		return errors.Wrap(errors.CodeTransport, err, "transport: stdio write")
	}
	s.torn = false
	return nil
}

// Receive returns the next message. A bad line gives an error with code
// protocol and the next call continues after it; the end of the input
// gives io.EOF itself, on this call and every later one, and a final line
// without "\n" is never returned. A read error gives code transport.
func (s *Stdio) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.closeCtx == nil {
		return nil, zeroValue("Stdio", "NewStdio")
	}
	if s.closed() {
		return nil, ErrClosed
	}
	if s.r == nil {
		return nil, errors.New(errors.CodeValidation, "transport: stdio has no reader")
	}
	s.startOnce.Do(func() { go s.readLoop() })
	select {
	case res := <-s.lines:
		return res.msg, res.err
	case <-s.readerDone:
		if s.closed() {
			return nil, ErrClosed
		}
		return nil, s.termErr
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closeCtx.Done():
		return nil, ErrClosed
	}
}

// readLoop reads lines and hands each to one Receive. It stops at the end
// of the input, on a read error, or when the Stdio is closed. Bad lines do
// not stop it. lineReader does not panic on any input, so no recover is
// needed here.
func (s *Stdio) readLoop() {
	defer close(s.readerDone)
	lr := newLineReader(s.r)
	for {
		msg, err := lr.next()
		if err != nil && errors.Code(err) != errors.CodeProtocol {
			s.termErr = err // published by closing readerDone
			return
		}
		select {
		case s.lines <- lineResult{msg, err}:
		case <-s.closeCtx.Done():
			return
		}
	}
}

func (s *Stdio) closed() bool { return s.closeCtx.Err() != nil }

// Close makes every later call return ErrClosed and wakes waiting
// Receives. When the reader and writer came from NewStdioFrom and are
// io.Closers it closes them, and then waits (at most 5 s) for the reading
// goroutine to exit. It returns their close errors, joined, with code
// transport; a second Close returns nil.
func (s *Stdio) Close() error {
	if s.closeCtx == nil {
		return nil
	}
	first := false
	s.closeOnce.Do(func() {
		first = true
		s.cancel()
	})
	if !first {
		return nil
	}
	var errs []error
	for _, c := range []io.Closer{s.closeW, s.closeR} {
		if c != nil {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	started := true
	s.startOnce.Do(func() { started = false }) // no reader goroutine will start now
	if started && s.closeR != nil {
		t := time.NewTimer(closeWait)
		select {
		case <-s.readerDone:
		case <-t.C:
		}
		t.Stop()
	}
	if len(errs) > 0 {
		return errors.Wrap(errors.CodeTransport, errors.Join(errs...), "transport: stdio close")
	}
	return nil
}
