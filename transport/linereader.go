package transport

import (
	"bytes"
	"io"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

const (
	// initialLineBuf is the first size of a reader's buffer; it grows as
	// long lines need and shrinks back once they are consumed.
	initialLineBuf = 64 << 10
	// maxEmptyReads bounds a reader that keeps returning (0, nil).
	maxEmptyReads = 100
)

// lineReader reads JSON lines (file, stdio) from r. It keeps a partial
// final line for the next call, so a tailing reader sees it once it is
// complete, and never returns a line without its '\n'.
//
// It is not safe for concurrent use; its owner serialises calls.
type lineReader struct {
	r   io.Reader
	max int // longest line accepted, not counting "\n" or a trailing "\r"

	buf        []byte
	start, end int   // buf[start:end] is unconsumed
	scan       int   // buf[start:scan] holds no '\n'
	skipping   bool  // discarding an over-long line until its '\n'
	skipped    int64 // bytes of that line discarded so far
	pendingErr error // a read error that came with data
	initial    int   // size of the first buffer
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: r, max: protocol.MaxMessageSize, initial: initialLineBuf}
}

// next returns the next message. One trailing '\r' is stripped from each
// line. A complete line longer than max gives an error with code protocol,
// even if it is only spaces; a blank line (only spaces and tabs) is
// skipped; any other line goes to protocol.Unmarshal, whose errors have
// code protocol. After an error the next call continues with the following
// line. At the end of the data next returns io.EOF itself and keeps any
// partial line for a later call; another read error, and a reader that
// keeps returning (0, nil) (io.ErrNoProgress), is returned with code
// transport.
func (lr *lineReader) next() (*protocol.Message, error) {
	empty := 0
	for {
		if i := bytes.IndexByte(lr.buf[lr.scan:lr.end], '\n'); i >= 0 {
			nl := lr.scan + i
			line := lr.buf[lr.start:nl]
			lr.start, lr.scan = nl+1, nl+1
			if lr.skipping {
				n := lr.skipped + int64(len(line))
				lr.skipping, lr.skipped = false, 0
				return nil, lr.tooLong(n)
			}
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			if len(line) > lr.max {
				return nil, lr.tooLong(int64(len(line)))
			}
			if len(bytes.Trim(line, " \t")) == 0 {
				continue
			}
			return protocol.Unmarshal(line)
		}
		lr.scan = lr.end
		if lr.skipping || lr.end-lr.start > lr.max+1 {
			// No '\n' yet and already too long even with a '\r': drop
			// the bytes, and report the line once its end arrives.
			lr.skipping = true
			lr.skipped += int64(lr.end - lr.start)
			lr.start, lr.end, lr.scan = 0, 0, 0
		}
		if lr.pendingErr != nil {
			err := lr.pendingErr
			lr.pendingErr = nil
			return nil, readError(err)
		}
		lr.makeRoom()
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		switch {
		case n > 0:
			empty = 0
			lr.pendingErr = err
		case err != nil:
			return nil, readError(err)
		default:
			empty++
			if empty >= maxEmptyReads {
				return nil, readError(io.ErrNoProgress)
			}
		}
	}
}

// makeRoom compacts or grows the buffer so that a Read has space, and
// shrinks a buffer that a long line left large once it is empty.
func (lr *lineReader) makeRoom() {
	if lr.start == lr.end {
		lr.start, lr.end, lr.scan = 0, 0, 0
		if cap(lr.buf) > 4*lr.initial {
			lr.buf = nil
		}
	}
	if lr.buf == nil {
		lr.buf = make([]byte, max(lr.initial, 1))
		return
	}
	if lr.end < len(lr.buf) {
		return
	}
	if lr.start > 0 {
		n := copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.scan -= lr.start
		lr.start, lr.end = 0, n
		if lr.end < len(lr.buf) {
			return
		}
	}
	// Full of one partial line: grow, but never past what the longest
	// acceptable line needs (max, '\r', '\n').
	size := min(2*len(lr.buf), lr.max+2)
	if size <= len(lr.buf) {
		size = len(lr.buf) + 1
	}
	nb := make([]byte, size)
	copy(nb, lr.buf[:lr.end])
	lr.buf = nb
}

func (lr *lineReader) tooLong(n int64) error {
	return errors.Newf(errors.CodeProtocol, "transport: line of %d bytes is over the limit of %d", n, lr.max).
		WithMeta("reason", "size")
}

// readError passes io.EOF through unchanged and gives any other read
// error code transport.
func readError(err error) error {
	if err == io.EOF {
		return err
	}
	return errors.Wrap(errors.CodeTransport, err, "transport: read")
}
