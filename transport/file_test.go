package transport_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

func line(t testing.TB, m *protocol.Message) string {
	t.Helper()
	b, err := m.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func appendTo(t testing.TB, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewFile(t *testing.T) {
	if _, err := transport.NewFile(""); errors.Code(err) != errors.CodeValidation {
		t.Errorf("NewFile(\"\") = %v, want code validation", err)
	}
	if _, err := transport.NewFileFollow("", 0); errors.Code(err) != errors.CodeValidation {
		t.Errorf("NewFileFollow(\"\") = %v, want code validation", err)
	}
	t.Chdir(t.TempDir())
	f, err := transport.NewFile(filepath.Join("sub", "rel.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wd, _ := os.Getwd()
	if got, want := transport.FilePath(f), filepath.Join(wd, "sub", "rel.jsonl"); got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
	if _, err := os.Stat("sub"); !os.IsNotExist(err) {
		t.Errorf("NewFile touched the file system (stat error %v)", err)
	}
	for _, tt := range []struct {
		poll, want time.Duration
	}{{0, 100 * time.Millisecond}, {-time.Second, 100 * time.Millisecond}, {time.Second, time.Second}} {
		ff, err := transport.NewFileFollow("x.jsonl", tt.poll)
		if err != nil {
			t.Fatal(err)
		}
		if got := transport.FilePoll(ff); got != tt.want {
			t.Errorf("NewFileFollow(poll %v) polls every %v, want %v", tt.poll, got, tt.want)
		}
		ff.Close()
	}
}

func TestFileWriteFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	f, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := ctxT(t)
	m1, m2, m3 := newMsg(t, 1), newMsg(t, 2), newMsg(t, 3)
	if err := f.Send(ctx, m1); err != nil {
		t.Fatal(err)
	}
	if err := f.SendBatch(ctx, []*protocol.Message{m2, m3}); err != nil {
		t.Fatal(err)
	}
	if err := f.SendBatch(ctx, nil); err != nil {
		t.Errorf("SendBatch(nil) = %v, want nil", err)
	}
	want := line(t, m1) + line(t, m2) + line(t, m3)
	if got := readFile(t, path); got != want {
		t.Errorf("file =\n%s\nwant\n%s", got, want)
	}
	if m1.Checksum != 0 {
		t.Error("Send modified the message (set its checksum)")
	}
}

// A fragment left by a writer that crashed mid-line stays on its own line.
func TestFileWriteAfterFragment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "torn.jsonl")
	appendTo(t, path, `{"version":"1","id":"torn`)
	f, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := newMsg(t, 1)
	if err := f.Send(ctxT(t), m); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), `{"version":"1","id":"torn`+"\n"+line(t, m); got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
	// A complete file gets no extra newline.
	if err := f.Send(ctxT(t), m); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), `{"version":"1","id":"torn`+"\n"+line(t, m)+line(t, m); got != want {
		t.Errorf("file = %q, want %q", got, want)
	}

	r, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Receive(ctxT(t)); errors.Code(err) != errors.CodeProtocol {
		t.Errorf("Receive of the fragment = %v, want code protocol", err)
	}
	for range 2 {
		if got, err := r.Receive(ctxT(t)); err != nil || got.ID != m.ID {
			t.Errorf("Receive after the fragment = (%v, %v), want %s", got, err, m.ID)
		}
	}
}

func TestFileSendBatchInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	f, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = f.SendBatch(ctxT(t), []*protocol.Message{newMsg(t, 1), nil, newMsg(t, 3)})
	if errors.Code(err) != errors.CodeValidation || !strings.Contains(err.Error(), "message 1") {
		t.Errorf("SendBatch with a nil message = %v, want code validation naming message 1", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a rejected batch wrote something (stat error %v)", err)
	}
	big := sizedMessage(t, protocol.MaxMessageSize+1)
	if err := f.Send(ctxT(t), big); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send of an oversize message = %v, want code validation", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("an oversize message was written (stat error %v)", err)
	}
}

func TestFileSendHonoursContext(t *testing.T) {
	f, err := transport.NewFile(filepath.Join(t.TempDir(), "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Send(ctx, newMsg(t, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(done ctx) = %v, want context.Canceled", err)
	}
	if err := f.SendBatch(ctx, []*protocol.Message{newMsg(t, 1)}); !errors.Is(err, context.Canceled) {
		t.Errorf("SendBatch(done ctx) = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(transport.FilePath(f)); !os.IsNotExist(err) {
		t.Errorf("Send with a done ctx created the file (stat error %v)", err)
	}
}

func TestFileWriteErrors(t *testing.T) {
	dir := t.TempDir()
	f, err := transport.NewFile(filepath.Join(dir, "missing-dir", "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = f.Send(ctxT(t), newMsg(t, 1))
	if errors.Code(err) != errors.CodeTransport || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Send into a missing directory = %v, want code transport matching fs.ErrNotExist", err)
	}
}

// Fixed on purpose: end of data is io.EOF, and a file at EOF is never read
// again from the start: a later Receive returns the lines appended since.
func TestFileReadEOFAndAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	m1, m2 := newMsg(t, 1), newMsg(t, 2)
	appendTo(t, path, line(t, m1))
	r, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := ctxT(t)
	if got, err := r.Receive(ctx); err != nil || got.ID != m1.ID {
		t.Fatalf("Receive = (%v, %v), want %s", got, err, m1.ID)
	}
	for range 2 {
		if got, err := r.Receive(ctx); got != nil || err != io.EOF {
			t.Fatalf("Receive at the end = (%v, %v), want (nil, io.EOF) itself", got, err)
		}
	}
	appendTo(t, path, line(t, m2))
	if got, err := r.Receive(ctx); err != nil || got.ID != m2.ID {
		t.Fatalf("Receive after an append = (%v, %v), want %s", got, err, m2.ID)
	}
	if got, err := r.Receive(ctx); got != nil || err != io.EOF {
		t.Fatalf("Receive at the end = (%v, %v), want (nil, io.EOF)", got, err)
	}
}

func TestFileReadLines(t *testing.T) {
	m1, m2, m3 := newMsg(t, 1), newMsg(t, 2), newMsg(t, 3)
	l1, l2, l3 := line(t, m1), line(t, m2), line(t, m3)
	crlf := strings.TrimSuffix(l2, "\n") + "\r\n"
	plain, _ := m3.Marshal() // no checksum: accepted
	badVersion := strings.Replace(l1, `"version":"1"`, `"version":"99"`, 1)
	badSum := strings.Replace(l1, `"checksum":`, `"checksum":1`, 1)
	tests := []struct {
		name    string
		content string
		want    []string // message IDs, "protocol" for a protocol error
	}{
		{"empty", "", nil},
		{"one", l1, []string{m1.ID}},
		{"crlf", crlf, []string{m2.ID}},
		{"blank lines", "\n\n" + l1 + "\r\n  \t \n" + l2 + "\n", []string{m1.ID, m2.ID}},
		{"no checksum", string(plain) + "\n", []string{m3.ID}},
		{"garbage in between", l1 + "garbage\n" + l2, []string{m1.ID, "protocol", m2.ID}},
		{"wrong version", badVersion + l2, []string{"protocol", m2.ID}},
		{"bad checksum", badSum + l3, []string{"protocol", m3.ID}},
		{"json but not a message", "{}\n[1]\nnull\n" + l1, []string{"protocol", "protocol", "protocol", m1.ID}},
		{"torn last line", l1 + strings.TrimSuffix(l2, "\n"), []string{m1.ID}},
		{"lone cr is not a newline", strings.TrimSuffix(l1, "\n") + "\r", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "in.jsonl")
			appendTo(t, path, tt.content)
			r, err := transport.NewFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got []string
			for {
				m, err := r.Receive(ctxT(t))
				if err == io.EOF {
					break
				}
				switch {
				case err != nil && errors.Code(err) == errors.CodeProtocol:
					got = append(got, "protocol")
				case err != nil:
					t.Fatalf("Receive = %v", err)
				case m == nil:
					t.Fatal("Receive = (nil, nil)")
				default:
					if !m.VerifyChecksum() {
						t.Errorf("message %s does not verify", m.ID)
					}
					got = append(got, m.ID)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("read %v, want %v", got, tt.want)
			}
		})
	}
}

// A torn last line is returned once it is completed.
func TestFileTornLineCompletedLater(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	m := newMsg(t, 1)
	l := line(t, m)
	appendTo(t, path, l[:20])
	r, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := r.Receive(ctxT(t)); got != nil || err != io.EOF {
		t.Fatalf("Receive of a torn line = (%v, %v), want io.EOF", got, err)
	}
	appendTo(t, path, l[20:])
	if got, err := r.Receive(ctxT(t)); err != nil || got.ID != m.ID {
		t.Fatalf("Receive after completion = (%v, %v), want %s", got, err, m.ID)
	}
}

// Fixed on purpose: a 2 MiB line is readable. A line over MaxMessageSize is
// an error with code protocol, and reading continues after it.
func TestFileLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	two := sizedMessage(t, 2<<20)
	exact := sizedMessage(t, protocol.MaxMessageSize)
	after := newMsg(t, 1)
	tooLong := strings.Repeat("x", protocol.MaxMessageSize+1)
	appendTo(t, path, line(t, two)+strings.TrimSuffix(line(t, exact), "\n")+"\r\n"+tooLong+"\n"+line(t, after))
	r, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := ctxT(t)
	if got, err := r.Receive(ctx); err != nil || got.ID != two.ID {
		t.Fatalf("Receive of a 2 MiB line = (%v, %v)", got, err)
	}
	if got, err := r.Receive(ctx); err != nil || got.ID != exact.ID {
		t.Fatalf("Receive of a MaxMessageSize line with \\r\\n = (%v, %v)", got, err)
	}
	if got, err := r.Receive(ctx); got != nil || errors.Code(err) != errors.CodeProtocol {
		t.Fatalf("Receive of a line over the limit = (%v, %v), want code protocol", got, err)
	}
	if got, err := r.Receive(ctx); err != nil || got.ID != after.ID {
		t.Fatalf("Receive after the long line = (%v, %v), want %s", got, err, after.ID)
	}
}

func TestFileMissing(t *testing.T) {
	r, err := transport.NewFile(filepath.Join(t.TempDir(), "missing.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, err := r.Receive(ctxT(t))
	if m != nil || !errors.Is(err, fs.ErrNotExist) || errors.Code(err) != errors.CodeNotFound {
		t.Errorf("Receive of a missing file = (%v, %v), want an error matching fs.ErrNotExist with code not_found", m, err)
	}
}

// Fixed on purpose: a follow reader sees lines appended after EOF. It
// also waits for a missing file to appear.
func TestFileFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "follow.jsonl")
	r, err := transport.NewFileFollow(path, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	ctx := ctxT(t)
	got := make(chan *protocol.Message)
	errc := make(chan error, 1)
	go func() {
		for range 3 {
			m, err := r.Receive(ctx)
			if err != nil {
				errc <- err
				return
			}
			got <- m
		}
		errc <- nil
	}()
	for i := range 3 {
		m := newMsg(t, i)
		if i == 1 { // a torn write completed later
			l := line(t, m)
			appendTo(t, path, l[:10])
			appendTo(t, path, l[10:])
		} else if err := w.Send(ctx, m); err != nil { // the file does not exist before the first
			t.Fatal(err)
		}
		select {
		case g := <-got:
			if g.ID != m.ID {
				t.Fatalf("follow reader got %s, want %s", g.ID, m.ID)
			}
		case err := <-errc:
			t.Fatalf("follow Receive = %v", err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestFileFollowWaitEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "follow.jsonl")
	r, err := transport.NewFileFollow(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if m, err := r.Receive(ctx); m != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("follow Receive on a missing file until the deadline = (%v, %v), want ctx.Err()", m, err)
	}

	// Close wakes a follow Receive, and a waiting Receive never blocks a Send.
	waiting := make(chan struct{}, 1)
	transport.SetFileAfter(r, func(time.Duration) <-chan time.Time {
		select {
		case waiting <- struct{}{}:
		default:
		}
		return nil // never fires
	})
	done := make(chan error, 1)
	go func() {
		_, err := r.Receive(context.Background())
		done <- err
	}()
	<-waiting // the Receive is polling for the missing file
	if err := r.Send(ctxT(t), newMsg(t, 1)); err != nil {
		t.Errorf("Send while a follow Receive waits = %v", err)
	}
	r.Close()
	if err := <-done; !errors.Is(err, transport.ErrClosed) {
		t.Errorf("follow Receive across Close = %v, want ErrClosed", err)
	}
	checkNoGoroutines(t)
}

// The injected poll timer shows the follow reader polls at its interval.
func TestFileFollowPolls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "follow.jsonl")
	r, err := transport.NewFileFollow(path, 250*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := newMsg(t, 1)
	polls := 0
	transport.SetFileAfter(r, func(d time.Duration) <-chan time.Time {
		if d != 250*time.Millisecond {
			t.Errorf("poll wait = %v, want 250ms", d)
		}
		polls++
		switch polls {
		case 2:
			appendTo(t, path, line(t, m)[:5]) // the file appears, torn
		case 4:
			appendTo(t, path, line(t, m)[5:])
		}
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	})
	got, err := r.Receive(ctxT(t))
	if err != nil || got.ID != m.ID {
		t.Fatalf("Receive = (%v, %v)", got, err)
	}
	if polls != 4 {
		t.Errorf("polled %d times, want 4", polls)
	}
}

func TestFileConcurrentWritersInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.jsonl")
	const writers, each = 4, 100
	done := make(chan error, writers)
	for g := range writers {
		go func() {
			f, err := transport.NewFile(path) // each with its own handle
			if err != nil {
				done <- err
				return
			}
			defer f.Close()
			for i := range each {
				var err error
				if i%10 == 0 {
					err = f.SendBatch(context.Background(), []*protocol.Message{newMsg(t, g), newMsg(t, g)})
				} else {
					err = f.Send(context.Background(), newMsg(t, g))
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range writers {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	if want := writers * (each + each/10); len(lines) != want {
		t.Fatalf("file has %d lines, want %d", len(lines), want)
	}
	for i, l := range lines {
		if _, err := protocol.Unmarshal([]byte(l)); err != nil {
			t.Fatalf("line %d is not intact: %v", i+1, err)
		}
	}
}

func TestFileReceiveAfterCloseAndDone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.jsonl")
	appendTo(t, path, line(t, newMsg(t, 1)))
	r, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if m, err := r.Receive(ctx); m != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Receive(done ctx) = (%v, %v), want context.Canceled", m, err)
	}
	r.Close()
	if m, err := r.Receive(context.Background()); m != nil || !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive after Close = (%v, %v), want ErrClosed", m, err)
	}
	if err := r.SendBatch(context.Background(), []*protocol.Message{newMsg(t, 1)}); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("SendBatch after Close = %v, want ErrClosed", err)
	}
	if strings.Count(readFile(t, path), "\n") != 1 {
		t.Error("the file changed after Close")
	}
}
