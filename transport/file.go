package transport

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/platform"
	"github.com/greynewell/mist-go/protocol"
)

// defaultPoll is how often a [NewFileFollow] reader looks for new data
// when it is given a poll interval ≤ 0.
const defaultPoll = 100 * time.Millisecond

// File is an append-only JSON-lines file: each message is one compact
// envelope followed by "\n". Several writers, in one process or many, may
// append to the same file; each Send or SendBatch holds an advisory lock
// (platform.LockFile) while it writes, so lines never interleave.
//
// The writer and the reader each open their own handle, lazily: the writer
// on the first Send, with O_CREATE|O_APPEND|O_WRONLY and mode 0600 (no
// fsync), the reader on the first Receive. The reader starts at the
// beginning of the file and never goes back: at the end of the data
// Receive returns io.EOF, and a later Receive returns the lines appended
// since. A [NewFileFollow] reader waits for them instead.
//
// File is safe for concurrent use. Sends are serialised with each other,
// Receives with each other, and a Receive waiting for data never blocks a
// Send. It starts no goroutines; Close waits for a Send or Receive in
// progress to notice it, which they do at once. The zero File is not
// usable (its methods fail with code validation); use NewFile or
// NewFileFollow.
type File struct {
	path   string
	follow bool
	poll   time.Duration
	after  func(time.Duration) <-chan time.Time

	closeCtx  context.Context // done once Close is called
	cancel    context.CancelFunc
	closeOnce sync.Once

	wsem chan struct{} // held by the Send in progress
	w    *os.File      // the appending handle
	tail *os.File      // a read handle to look at the last byte

	rsem chan struct{} // held by the Receive in progress
	r    *os.File
	lr   *lineReader
}

// NewFile returns a File for path, made absolute. It does no I/O: the file
// is created by the first Send, and a Receive on a missing file fails with
// an error matching errors.Is(err, fs.ErrNotExist) (code not_found). An
// empty path is an error with code validation.
func NewFile(path string) (*File, error) {
	return newFile(path, false, 0)
}

// NewFileFollow is like [NewFile], but its Receive tails the file: at the
// end of the data it checks again every poll (100 ms when poll ≤ 0) until
// a complete line arrives, ctx ends or the File is closed. It also waits
// for a missing file to appear.
func NewFileFollow(path string, poll time.Duration) (*File, error) {
	if poll <= 0 {
		poll = defaultPoll
	}
	return newFile(path, true, poll)
}

func newFile(path string, follow bool, poll time.Duration) (*File, error) {
	if path == "" {
		return nil, errors.New(errors.CodeValidation, "transport: file path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, errors.Wrapf(errors.CodeValidation, err, "transport: file path %q", path)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &File{
		path:     abs,
		follow:   follow,
		poll:     poll,
		after:    time.After,
		closeCtx: ctx,
		cancel:   cancel,
		wsem:     make(chan struct{}, 1),
		rsem:     make(chan struct{}, 1),
	}, nil
}

// Send appends msg as one line; see [File.SendBatch].
func (f *File) Send(ctx context.Context, msg *protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.closeCtx == nil {
		return zeroValue("File", "NewFile")
	}
	if f.closed() {
		return ErrClosed
	}
	data, err := encode(msg, true)
	if err != nil {
		return err
	}
	return f.write(ctx, data)
}

// SendBatch appends msgs, one line each, in a single write under one
// lock, so the batch lands contiguously. Every message is checked first; if
// one is nil or invalid nothing is written and the error (code validation)
// names its index. If the file is not empty and does not end in "\n" (a
// writer crashed mid-line), a "\n" is written first so that the fragment
// stays on its own line. Waiting for the lock honours ctx. An empty batch
// does nothing.
//
// A failed open, lock or write gives code transport (a full disk, for
// example, matches syscall.ENOSPC). A failed write may leave part of a line
// behind; readers report it as one bad line, and the next Send starts on a
// fresh line.
func (f *File) SendBatch(ctx context.Context, msgs []*protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.closeCtx == nil {
		return zeroValue("File", "NewFile")
	}
	if f.closed() {
		return ErrClosed
	}
	if len(msgs) == 0 {
		return nil
	}
	var data []byte
	for i, m := range msgs {
		line, err := encode(m, true)
		if err != nil {
			return errors.Wrapf(errors.CodeValidation, err, "transport: batch message %d", i)
		}
		if len(msgs) == 1 {
			data = line
			break
		}
		data = append(data, line...)
	}
	return f.write(ctx, data)
}

// write appends data under the file lock.
func (f *File) write(ctx context.Context, data []byte) error {
	if err := f.acquire(ctx, f.wsem); err != nil {
		return err
	}
	defer func() { <-f.wsem }()
	if f.closed() {
		return ErrClosed
	}
	if f.w == nil {
		w, err := os.OpenFile(f.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return errors.Wrapf(errors.CodeTransport, err, "transport: open %s for append", f.path)
		}
		tail, err := os.Open(f.path)
		if err != nil {
			_ = w.Close() // the open error is the one to report
			return errors.Wrapf(errors.CodeTransport, err, "transport: open %s", f.path)
		}
		f.w, f.tail = w, tail
	}

	lctx, stop := mergeDone(ctx, f.closeCtx)
	unlock, err := platform.LockFile(lctx, f.w)
	stop()
	if err != nil {
		if f.closed() {
			return ErrClosed
		}
		if ctx.Err() != nil {
			return err // matches ctx.Err()
		}
		return errors.Wrapf(errors.CodeTransport, err, "transport: lock %s", f.path)
	}
	defer unlock()

	st, err := f.w.Stat()
	if err != nil {
		return errors.Wrapf(errors.CodeTransport, err, "transport: stat %s", f.path)
	}
	if size := st.Size(); size > 0 {
		var last [1]byte
		if _, err := f.tail.ReadAt(last[:], size-1); err != nil {
			return errors.Wrapf(errors.CodeTransport, err, "transport: read the end of %s", f.path)
		}
		if last[0] != '\n' {
			data = append([]byte{'\n'}, data...)
		}
	}
	if _, err := f.w.Write(data); err != nil {
		return errors.Wrapf(errors.CodeTransport, err, "transport: write %s", f.path)
	}
	return nil
}

// Receive returns the next message in the file. A complete line that is
// too long or fails protocol.Unmarshal gives an error with code protocol,
// and the next call continues with the following line. At the end of the
// data it returns io.EOF itself (a follow reader waits instead); a final
// line without "\n" is left for later and never returned torn.
func (f *File) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.closeCtx == nil {
		return nil, zeroValue("File", "NewFile")
	}
	if f.closed() {
		return nil, ErrClosed
	}
	if err := f.acquire(ctx, f.rsem); err != nil {
		return nil, err
	}
	defer func() { <-f.rsem }()
	for {
		if f.closed() {
			return nil, ErrClosed
		}
		if f.r == nil {
			r, err := os.Open(f.path)
			if err != nil {
				if f.follow && errors.Is(err, fs.ErrNotExist) {
					if err := f.wait(ctx); err != nil {
						return nil, err
					}
					continue
				}
				code := errors.CodeTransport
				if errors.Is(err, fs.ErrNotExist) {
					code = errors.CodeNotFound
				}
				return nil, errors.Wrapf(code, err, "transport: open %s", f.path)
			}
			f.r, f.lr = r, newLineReader(r)
		}
		msg, err := f.lr.next()
		if err == io.EOF && f.follow {
			if err := f.wait(ctx); err != nil {
				return nil, err
			}
			continue
		}
		return msg, err
	}
}

// wait sleeps one poll interval, or until ctx ends or Close.
func (f *File) wait(ctx context.Context) error {
	select {
	case <-f.after(f.poll):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-f.closeCtx.Done():
		return ErrClosed
	}
}

// acquire takes sem, giving up when ctx ends or the File is closed.
func (f *File) acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-f.closeCtx.Done():
		return ErrClosed
	}
}

func (f *File) closed() bool { return f.closeCtx.Err() != nil }

// Close makes every later call return ErrClosed, wakes a waiting Receive,
// waits for a Send or Receive in progress to return, and closes the
// handles. A second Close returns nil.
func (f *File) Close() error {
	if f.closeCtx == nil {
		return nil
	}
	first := false
	f.closeOnce.Do(func() {
		first = true
		f.cancel()
	})
	if !first {
		return nil
	}
	// Take both semaphores for good: in-flight calls return promptly
	// because every wait they make also watches closeCtx.
	f.wsem <- struct{}{}
	f.rsem <- struct{}{}
	var errs []error
	for _, h := range []*os.File{f.w, f.tail, f.r} {
		if h != nil {
			if err := h.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	f.w, f.tail, f.r, f.lr = nil, nil, nil, nil
	if len(errs) > 0 {
		return errors.Wrap(errors.CodeTransport, errors.Join(errs...), "transport: close "+f.path)
	}
	return nil
}
