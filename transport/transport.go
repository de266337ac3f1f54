package transport

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// Sender sends one message. It is the part of [Transport] a producer needs;
// trace.Sender has the same method set, so any Transport can export spans.
type Sender interface {
	Send(ctx context.Context, msg *protocol.Message) error
}

// Receiver receives one message at a time. Receive never returns (nil, nil).
type Receiver interface {
	Receive(ctx context.Context) (*protocol.Message, error)
}

// Transport moves [protocol.Message] values between two places. Every
// implementation in this package is safe for concurrent use; see the
// package documentation for the rules every implementation follows.
type Transport interface {
	Sender
	Receiver
	Close() error
}

// Compile-time checks that every carrier is a Transport.
var (
	_ Transport = (*HTTP)(nil)
	_ Transport = (*File)(nil)
	_ Transport = (*Stdio)(nil)
	_ Transport = (*Channel)(nil)
	_ Transport = (*Middleware)(nil)
	_ Transport = (*Resilient)(nil)
)

// ErrClosed is returned by Send and Receive after Close, including by a
// Receive that was waiting when Close was called. It has code unavailable
// but is permanent: retrying a closed transport never helps, so
// errors.IsRetryable(ErrClosed) is false. Match it with errors.Is.
var ErrClosed error = errors.New(errors.CodeUnavailable, "transport: closed").Permanent()

// ErrFull is returned by a Send that found no room: a full [Channel]
// buffer, or an HTTP receiver that answered 503. It has code unavailable
// and is retryable; [BlockingSend] waits and tries again. Match it with
// errors.Is.
var ErrFull error = errors.New(errors.CodeUnavailable, "transport: full")

// isWindows selects the Windows reading of file:///C:/… URLs.
const isWindows = runtime.GOOS == "windows"

// errNilMessage is what sending a nil message gives.
var errNilMessage = errors.New(errors.CodeValidation, "transport: message is nil")

// checkMessage is the edge check every carrier makes before sending: a
// message its receiver would reject is never sent. The error has code
// validation and wraps the protocol error.
func checkMessage(msg *protocol.Message) error {
	if msg == nil {
		return errNilMessage
	}
	// What protocol.Message.Validate checks (API.md: version, id, source
	// and type non-empty, timestamp_ns > 0, payload within the limit),
	// tested inline first: Validate itself is called, for its error, only
	// when one fails. The current version is always supported, so only
	// another one is parsed.
	if msg.Version == protocol.CurrentVersion && msg.ID != "" && msg.Source != "" && msg.Type != "" &&
		msg.TimestampNS > 0 && len(msg.Payload) <= protocol.MaxMessageSize {
		return nil
	}
	if err := msg.Validate(); err != nil {
		return errors.Wrap(errors.CodeValidation, err, "transport: invalid message")
	}
	if err := protocol.CheckVersion(msg.Version); err != nil {
		return errors.Wrap(errors.CodeValidation, err, "transport: invalid message")
	}
	return nil
}

// sameValue reports whether a and b hold the same value, without panicking
// on values of an uncomparable type (or of a comparable type that holds an
// uncomparable interface value, for which it reports false).
func sameValue(a, b any) (same bool) {
	if a == nil || b == nil {
		return false
	}
	ta := reflect.TypeOf(a)
	if ta != reflect.TypeOf(b) || !ta.Comparable() {
		return false
	}
	defer func() {
		if recover() != nil { // == panicked on an uncomparable field value
			same = false
		}
	}()
	return a == b
}

// zeroValue is the error a method of a zero (not constructed) value
// returns instead of panicking.
func zeroValue(typ, ctor string) *errors.Error {
	return errors.Newf(errors.CodeValidation, "transport: the zero %s is not usable; use %s", typ, ctor)
}

// encode checks msg and returns its wire form (MarshalWithChecksum), with a
// trailing newline when line is true. Messages whose encoding exceeds
// protocol.MaxMessageSize are rejected with code validation.
func encode(msg *protocol.Message, line bool) ([]byte, error) {
	if err := checkMessage(msg); err != nil {
		return nil, err
	}
	data, err := msg.MarshalWithChecksum()
	if err != nil {
		return nil, errors.Wrap(errors.CodeValidation, err, "transport: encode message")
	}
	if len(data) > protocol.MaxMessageSize {
		return nil, errors.Newf(errors.CodeValidation,
			"transport: %s message is %d bytes, over the limit of %d", msg.Type, len(data), protocol.MaxMessageSize).
			WithMeta("reason", "size")
	}
	if line {
		data = append(data, '\n')
	}
	return data, nil
}

// Dial opens a transport from a URL. The scheme is whatever precedes the
// first "://" (matched without regard to case):
//
//	http://host:port[/path][?query]  NewHTTP; an empty path or "/" becomes /mist
//	https://…                         the same over TLS
//	file:///abs/path.jsonl            NewFile("/abs/path.jsonl")
//	file://rel/path.jsonl             NewFile("rel/path.jsonl"), relative to the working directory
//	file:///C:/dir/a.jsonl            NewFile("C:/dir/a.jsonl") on Windows
//	stdio://                          NewStdio
//	chan://                           NewChannel(256), a loopback
//
// A URL without "://", or with another scheme, fails with code validation
// and the text `transport: unsupported scheme "<s>" in "<url>"`. An http(s)
// URL without a host, or a file URL without a path, fails with code
// validation too. File paths are used as written, without percent-decoding.
// Dial does no I/O.
func Dial(url string) (Transport, error) {
	i := strings.Index(url, "://")
	if i < 0 {
		return nil, unsupported("", url)
	}
	scheme, rest := url[:i], url[i+3:]
	switch strings.ToLower(scheme) {
	case "http", "https":
		target, err := httpTarget(url, i+3)
		if err != nil {
			return nil, err
		}
		return NewHTTP(target), nil
	case "file":
		f, err := NewFile(filePathFromURL(rest, isWindows))
		if err != nil {
			return nil, err
		}
		return f, nil
	case "stdio":
		return NewStdio(), nil
	case "chan":
		return NewChannel(256), nil
	}
	return nil, unsupported(scheme, url)
}

func unsupported(scheme, url string) error {
	return errors.Newf(errors.CodeValidation, "transport: unsupported scheme %q in %q", scheme, url)
}

// httpTarget returns url with an empty or "/" path replaced by /mist.
// authStart is the index just after "://".
func httpTarget(url string, authStart int) (string, error) {
	rest := url[authStart:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if end == 0 {
		return "", errors.Newf(errors.CodeValidation, "transport: missing host in %q", url)
	}
	host, tail := rest[:end], rest[end:]
	path, suffix := tail, ""
	if j := strings.IndexAny(tail, "?#"); j >= 0 {
		path, suffix = tail[:j], tail[j:]
	}
	if path == "" || path == "/" {
		path = "/mist"
	}
	return url[:authStart] + host + path + suffix, nil
}

// filePathFromURL turns what follows "file://" into a path. On Windows a
// leading "/" before a drive letter ("/C:/a") is dropped.
func filePathFromURL(rest string, windows bool) string {
	if windows && len(rest) >= 3 && rest[0] == '/' && rest[2] == ':' && isLetter(rest[1]) {
		return rest[1:]
	}
	return rest
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// BlockingSend sends msg, waiting while t reports [ErrFull]. It retries only
// errors that match errors.Is(err, ErrFull), after waits of 1 ms, doubling
// up to 100 ms, and returns any other outcome at once. When ctx ends during
// a wait, the error matches both ctx.Err() and ErrFull. A nil t gives an
// error with code validation.
func BlockingSend(ctx context.Context, t Transport, msg *protocol.Message) error {
	return blockingSend(ctx, t, msg, time.After)
}

func blockingSend(ctx context.Context, t Transport, msg *protocol.Message, after func(time.Duration) <-chan time.Time) error {
	if t == nil {
		return errors.New(errors.CodeValidation, "transport: blocking send: transport is nil")
	}
	const maxWait = 100 * time.Millisecond
	wait := time.Millisecond
	for {
		err := t.Send(ctx, msg)
		if err == nil || !errors.Is(err, ErrFull) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-after(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

// mergeDone returns a context that is cancelled when ctx ends or done is
// closed, and a function that releases it.
func mergeDone(ctx context.Context, done context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(done, cancel)
	return c, func() {
		stop()
		cancel()
	}
}
