package transport_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// testTimeout bounds every wait a test makes for something that should
// happen.
const testTimeout = 10 * time.Second

// newMsg returns a valid message whose payload records i.
func newMsg(t testing.TB, i int) *protocol.Message {
	t.Helper()
	m, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeEvalResult, protocol.EvalResult{
		Suite: "transport", Task: "task", DurationMS: int64(i),
	})
	if err != nil {
		t.Fatalf("protocol.New: %v", err)
	}
	return m
}

// ctxT returns a context that ends with the test's generous timeout.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// channelPair, filePair, httpPair and stdioPair build the four pairs the
// conformance suite runs on.
func channelPair(t *testing.T) (transport.Transport, transport.Transport) {
	a, b := transport.NewChannelPair(1024)
	return a, b
}

func filePair(t *testing.T) (transport.Transport, transport.Transport) {
	path := filepath.Join(t.TempDir(), "pair.jsonl")
	w, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := transport.NewFileFollow(path, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

func httpPair(t *testing.T) (transport.Transport, transport.Transport) {
	recv := transport.NewHTTP("", transport.WithInboxSize(1024))
	srv := httptest.NewServer(recv.Handler())
	t.Cleanup(srv.Close)
	return transport.NewHTTP(srv.URL), recv
}

func stdioPair(t *testing.T) (transport.Transport, transport.Transport) {
	r1, w1 := io.Pipe() // a -> b
	r2, w2 := io.Pipe() // b -> a
	return transport.NewStdioFrom(r2, w1), transport.NewStdioFrom(r1, w2)
}

// carriers are the four pairs, by name, for the tests that run on each.
var carriers = map[string]func(*testing.T) (transport.Transport, transport.Transport){
	"channel": channelPair, "file": filePair, "http": httpPair, "stdio": stdioPair,
}

// noMessage checks that r has nothing to deliver: a Receive finds nothing
// before a short deadline.
func noMessage(t *testing.T, r transport.Receiver) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if m, err := r.Receive(ctx); m != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive = (%v, %v), want nothing delivered", m, err)
	}
}

// ourGoroutines returns the stacks of goroutines running code of package
// transport itself, other than the caller's.
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range bytes.Split(buf, []byte("\n\n")) {
		if i == 0 { // the caller
			continue
		}
		if strings.Contains(string(g), "mist-go/transport.") {
			out = append(out, string(g))
		}
	}
	return out
}

// checkNoGoroutines fails the test if goroutines of package transport are
// still running when the deadline passes.
func checkNoGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		left := ourGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d transport goroutines still running:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronisation
	}
}
