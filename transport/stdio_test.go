package transport_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	mierrors "github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

func TestNewStdioUsesStdinStdout(t *testing.T) {
	s := transport.NewStdio()
	r, w := transport.StdioEnds(s)
	if r != os.Stdin || w != os.Stdout {
		t.Errorf("NewStdio uses %v and %v, want os.Stdin and os.Stdout", r, w)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stdout.Stat(); err != nil {
		t.Errorf("os.Stdout after Close: %v, want it open", err)
	}
	if _, err := os.Stdin.Stat(); err != nil {
		t.Errorf("os.Stdin after Close: %v, want it open", err)
	}
	// Even when passed explicitly, os.Stdin and os.Stdout are never closed.
	s = transport.NewStdioFrom(os.Stdin, os.Stdout)
	s.Close()
	if _, err := os.Stdout.Stat(); err != nil {
		t.Errorf("os.Stdout after NewStdioFrom(...).Close: %v, want it open", err)
	}
}

func TestStdioSendWritesOneLinePerWrite(t *testing.T) {
	var w writeRecorder
	s := transport.NewStdioFrom(strings.NewReader(""), &w)
	defer s.Close()
	msgs := make([]*protocol.Message, 20)
	var wg sync.WaitGroup
	for i := range msgs {
		msgs[i] = newMsg(t, i)
		wg.Go(func() {
			if err := s.Send(context.Background(), msgs[i]); err != nil {
				t.Errorf("Send: %v", err)
			}
		})
	}
	wg.Wait()
	want := map[string]bool{}
	for _, m := range msgs {
		want[line(t, m)] = true
	}
	if len(w.writes) != len(msgs) {
		t.Fatalf("%d writes, want %d", len(w.writes), len(msgs))
	}
	for _, wr := range w.writes {
		if !want[wr] {
			t.Errorf("write %q is not one whole line", wr)
		}
	}
}

type writeRecorder struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// failingWriter accepts n bytes, then fails.
type failingWriter struct {
	buf bytes.Buffer
	n   int
}

var errDisk = errors.New("disk on fire")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return w.buf.Write(p)
	}
	k := w.n
	w.buf.Write(p[:k])
	w.n = 0
	return k, errDisk
}

// A writer that fails mid-line: Send reports the error, and the next
// successful Send starts on a fresh line.
func TestStdioWriteFailure(t *testing.T) {
	w := &failingWriter{n: 30}
	s := transport.NewStdioFrom(strings.NewReader(""), w)
	defer s.Close()
	m1, m2 := newMsg(t, 1), newMsg(t, 2)
	err := s.Send(ctxT(t), m1)
	if !errors.Is(err, errDisk) || mierrors.Code(err) != mierrors.CodeTransport {
		t.Fatalf("Send to a failing writer = %v, want code transport wrapping the cause", err)
	}
	w.n = 1 << 20
	if err := s.Send(ctxT(t), m2); err != nil {
		t.Fatal(err)
	}
	want := line(t, m1)[:30] + "\n" + line(t, m2)
	if got := w.buf.String(); got != want {
		t.Errorf("written %q, want %q", got, want)
	}

	if err := transport.NewStdioFrom(nil, nil).Send(ctxT(t), m1); mierrors.Code(err) != mierrors.CodeValidation {
		t.Errorf("Send without a writer = %v, want code validation", err)
	}
	if _, err := transport.NewStdioFrom(nil, nil).Receive(ctxT(t)); mierrors.Code(err) != mierrors.CodeValidation {
		t.Errorf("Receive without a reader = %v, want code validation", err)
	}
}

func TestStdioReadLines(t *testing.T) {
	m1, m2 := newMsg(t, 1), newMsg(t, 2)
	in := "\n" + strings.TrimSuffix(line(t, m1), "\n") + "\r\n" + "garbage\n" + line(t, m2) + `{"torn":`
	s := transport.NewStdioFrom(strings.NewReader(in), io.Discard)
	defer s.Close()
	ctx := ctxT(t)
	if got, err := s.Receive(ctx); err != nil || got.ID != m1.ID {
		t.Fatalf("Receive = (%v, %v), want %s", got, err, m1.ID)
	}
	if got, err := s.Receive(ctx); got != nil || mierrors.Code(err) != mierrors.CodeProtocol {
		t.Fatalf("Receive of garbage = (%v, %v), want code protocol", got, err)
	}
	if got, err := s.Receive(ctx); err != nil || got.ID != m2.ID {
		t.Fatalf("Receive after garbage = (%v, %v), want %s", got, err, m2.ID)
	}
	for range 2 { // the torn line is never returned; EOF is final
		if got, err := s.Receive(ctx); got != nil || err != io.EOF {
			t.Fatalf("Receive at the end = (%v, %v), want (nil, io.EOF) itself", got, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errDisk }

func TestStdioReadError(t *testing.T) {
	s := transport.NewStdioFrom(failingReader{}, io.Discard)
	defer s.Close()
	for range 2 {
		_, err := s.Receive(ctxT(t))
		if !errors.Is(err, errDisk) || mierrors.Code(err) != mierrors.CodeTransport {
			t.Errorf("Receive from a failing reader = %v, want code transport wrapping the cause", err)
		}
	}
}

// Fixed on purpose: concurrent Receive calls are race-free and deliver
// each line once.
func TestStdioConcurrentReceive(t *testing.T) {
	pr, pw := io.Pipe()
	s := transport.NewStdioFrom(pr, io.Discard)
	defer s.Close()
	const n = 200
	ids := map[string]bool{}
	var lines bytes.Buffer
	for i := range n {
		m := newMsg(t, i)
		ids[m.ID] = true
		lines.WriteString(line(t, m))
	}
	go func() {
		pw.Write(lines.Bytes())
		pw.Close()
	}()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				m, err := s.Receive(context.Background())
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Errorf("Receive = %v", err)
					return
				}
				mu.Lock()
				seen[m.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("received %d distinct messages, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 || !ids[id] {
			t.Errorf("message %s delivered %d times (sent: %v), want once", id, c, ids[id])
		}
	}
}

// Fixed on purpose: a ctx cancels a waiting Receive, and the line read
// meanwhile is not lost.
func TestStdioReceiveCancelled(t *testing.T) {
	pr, pw := io.Pipe()
	s := transport.NewStdioFrom(pr, io.Discard)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Receive(ctx)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting Receive after cancel = %v, want context.Canceled", err)
	}
	m := newMsg(t, 1)
	wrote := make(chan error, 1)
	go func() {
		_, err := pw.Write([]byte(line(t, m)))
		wrote <- err
	}()
	if got, err := s.Receive(ctxT(t)); err != nil || got.ID != m.ID {
		t.Errorf("next Receive = (%v, %v), want %s", got, err, m.ID)
	}
	if err := <-wrote; err != nil {
		t.Errorf("writing the line: %v", err)
	}
}

// closeRecorder is a reader and writer that records Close.
type closeRecorder struct {
	io.Reader
	io.Writer
	closes int
}

func (c *closeRecorder) Close() error { c.closes++; return nil }

func TestStdioCloseClosesOwnEnds(t *testing.T) {
	pr, pw := io.Pipe()
	w := &closeRecorder{Writer: io.Discard}
	s := transport.NewStdioFrom(pr, w)
	done := make(chan error, 2)
	for range 2 { // the reader goroutine blocks in Read
		go func() {
			_, err := s.Receive(context.Background())
			done <- err
		}()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; !errors.Is(err, transport.ErrClosed) {
			t.Errorf("Receive across Close = %v, want ErrClosed", err)
		}
	}
	if w.closes != 1 {
		t.Errorf("writer closed %d times, want 1", w.closes)
	}
	if _, err := pw.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("the reader is still open after Close (write error %v)", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	checkNoGoroutines(t)

	// One value used as both ends is closed once.
	rw := &closeRecorder{Reader: strings.NewReader(""), Writer: io.Discard}
	transport.NewStdioFrom(rw, rw).Close()
	if rw.closes != 1 {
		t.Errorf("shared reader/writer closed %d times, want 1", rw.closes)
	}
}

// A reader Close cannot close: the blocked Read is the one goroutine that
// may outlive the Stdio, and Close does not wait for it.
func TestStdioCloseDoesNotWaitForForeignRead(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	r := &enteredReader{r: pr, entered: make(chan struct{})} // not an io.Closer
	s := transport.NewStdioFrom(r, io.Discard)
	received := make(chan error, 1)
	go func() {
		_, err := s.Receive(context.Background())
		received <- err
	}()
	<-r.entered // the reader goroutine is blocked in Read
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Close waited for a Read it cannot interrupt")
	}
	if err := <-received; !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive across Close = %v, want ErrClosed", err)
	}
	pw.Close() // the Read returns; the goroutine exits
	checkNoGoroutines(t)
}

// enteredReader reads r and closes entered on the first Read.
type enteredReader struct {
	r       io.Reader
	entered chan struct{}
	once    sync.Once
}

func (e *enteredReader) Read(p []byte) (int, error) {
	e.once.Do(func() { close(e.entered) })
	return e.r.Read(p)
}

// Send blocked in Write on a pipe nobody reads is released by Close.
func TestStdioCloseUnblocksSend(t *testing.T) {
	_, pw := io.Pipe()
	s := transport.NewStdioFrom(strings.NewReader(""), pw)
	done := make(chan error, 2)
	for i := range 2 {
		go func() { done <- s.Send(context.Background(), newMsg(t, i)) }()
	}
	s.Close()
	for range 2 {
		if err := <-done; !errors.Is(err, transport.ErrClosed) {
			t.Errorf("Send across Close = %v, want ErrClosed", err)
		}
	}
	// A Send waiting for the writer honours its ctx.
	w := &stuckWriter{entered: make(chan struct{}), release: make(chan struct{})}
	s2 := transport.NewStdioFrom(strings.NewReader(""), w)
	first := make(chan error, 1)
	go func() { first <- s2.Send(context.Background(), newMsg(t, 1)) }()
	<-w.entered // the first Send holds the writer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s2.Send(ctx, newMsg(t, 2)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send waiting for the writer until the deadline = %v, want context.DeadlineExceeded", err)
	}
	s2.Close() // closes w, which releases the stuck Write
	if err := <-first; !errors.Is(err, transport.ErrClosed) {
		t.Errorf("stuck Send across Close = %v, want ErrClosed", err)
	}
}

// stuckWriter blocks every Write until it is closed.
type stuckWriter struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	close(w.entered)
	<-w.release
	return 0, io.ErrClosedPipe
}

func (w *stuckWriter) Close() error {
	w.once.Do(func() { close(w.release) })
	return nil
}

// stalledReader returns (0, nil) forever.
type stalledReader struct{}

func (stalledReader) Read([]byte) (int, error) { return 0, nil }

// A reader that makes no progress is a read error like any other: code
// transport, matching io.ErrNoProgress, from the line reader and from
// Stdio.
func TestReaderWithoutProgress(t *testing.T) {
	lr := transport.NewLineReader(stalledReader{}, 100, 16)
	if m, err := lr.Next(); m != nil || !errors.Is(err, io.ErrNoProgress) || mierrors.Code(err) != mierrors.CodeTransport {
		t.Errorf("line reader Next = (%v, %v), want code transport matching io.ErrNoProgress", m, err)
	}
	s := transport.NewStdioFrom(stalledReader{}, io.Discard)
	defer s.Close()
	if m, err := s.Receive(ctxT(t)); m != nil || !errors.Is(err, io.ErrNoProgress) || mierrors.Code(err) != mierrors.CodeTransport {
		t.Errorf("Stdio Receive = (%v, %v), want code transport matching io.ErrNoProgress", m, err)
	}
}
