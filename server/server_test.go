package server_test

import (
	"bytes"
	"context"
	stderrors "errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/platform"
	"github.com/greynewell/mist-go/server"
)

// client returns an HTTP client whose idle connections are closed when the
// test ends.
func client(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// port returns the port of a bound server.
func port(t *testing.T, s *server.Server) string {
	t.Helper()
	_, p, err := net.SplitHostPort(s.Addr())
	if err != nil {
		t.Fatalf("SplitHostPort(%q): %v", s.Addr(), err)
	}
	return p
}

// url returns a loopback URL for path on a bound server.
func url(t *testing.T, s *server.Server, path string) string {
	return "http://127.0.0.1:" + port(t, s) + path
}

// serve starts Serve in a goroutine and returns its result channel; the
// caller ends ctx and receives from the channel.
func serve(t *testing.T, s *server.Server, ctx context.Context) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	return done
}

type response struct {
	status int
	body   string
	err    error
}

// get performs a GET in a goroutine and returns its result channel.
func get(c *http.Client, url string) <-chan response {
	out := make(chan response, 1)
	go func() {
		resp, err := c.Get(url)
		if err != nil {
			out <- response{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- response{status: resp.StatusCode, body: string(b), err: err}
	}()
	return out
}

// waitRefused polls until a new connection to addr is refused, which shows
// that shutdown has closed the listener.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections", addr)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// Fixed on purpose: read and write timeouts are set, along with the other
// production limits.
func TestNewSetsLimits(t *testing.T) {
	s := server.New(":0")
	hs := server.HTTPServer(s)
	tests := []struct {
		name      string
		got, want any
	}{
		{"ReadHeaderTimeout", hs.ReadHeaderTimeout, 10 * time.Second},
		{"ReadTimeout", hs.ReadTimeout, 30 * time.Second},
		{"WriteTimeout", hs.WriteTimeout, 30 * time.Second},
		{"IdleTimeout", hs.IdleTimeout, 120 * time.Second},
		{"MaxHeaderBytes", hs.MaxHeaderBytes, 1 << 20},
		{"Handler is Mux", hs.Handler == http.Handler(s.Mux()), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if server.ShutdownTimeout != 5*time.Second {
		t.Errorf("ShutdownTimeout = %v, want 5s", server.ShutdownTimeout)
	}
}

// Same signal source as lifecycle.
func TestSignalsFromPlatform(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	s := server.New(busy.Addr().String())
	server.SetStderr(s, io.Discard)
	var got []os.Signal
	server.SetSignalFuncs(s, func(_ chan<- os.Signal, sigs ...os.Signal) { got = sigs }, func(chan<- os.Signal) {})
	// ListenAndServe subscribes before it listens, so it subscribes even
	// though the address is taken.
	if err := s.ListenAndServe(); err == nil {
		t.Fatal("ListenAndServe on a busy address = nil, want an error")
	}
	if want := platform.ShutdownSignals(); !slices.Equal(got, want) {
		t.Errorf("ListenAndServe subscribed to %v, want %v", got, want)
	}
}

func TestAddr(t *testing.T) {
	tests := []struct{ addr, wantHost string }{
		{":0", ""},
		{"127.0.0.1:0", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			s := server.New(tt.addr)
			if got := s.Addr(); got != tt.addr {
				t.Errorf("Addr() before Listen = %q, want %q", got, tt.addr)
			}
			if err := s.Listen(); err != nil {
				t.Fatalf("Listen: %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := serve(t, s, ctx)
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Serve = %v, want nil", err)
				}
			}()
			host, p, err := net.SplitHostPort(s.Addr())
			if err != nil {
				t.Fatalf("SplitHostPort(Addr() = %q): %v", s.Addr(), err)
			}
			if p == "0" || p == "" {
				t.Errorf("Addr() after Listen = %q, want a bound port", s.Addr())
			}
			if tt.wantHost != "" && host != tt.wantHost {
				t.Errorf("Addr() host = %q, want %q", host, tt.wantHost)
			}
		})
	}
}

func TestListenErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	t.Run("address in use", func(t *testing.T) {
		s := server.New(busy.Addr().String())
		err := s.Listen()
		if err == nil {
			t.Fatal("Listen on a busy address = nil, want an error")
		}
		if want := "server: listen " + busy.Addr().String() + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Listen error = %q, want prefix %q", err, want)
		}
		var opErr *net.OpError
		if !stderrors.As(err, &opErr) {
			t.Errorf("errors.As(%v, *net.OpError) = false, want true", err)
		}
	})
	t.Run("second Listen", func(t *testing.T) {
		s := server.New("127.0.0.1:0")
		if err := s.Listen(); err != nil {
			t.Fatalf("first Listen: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := serve(t, s, ctx)
		err := s.Listen()
		cancel()
		if serr := <-done; serr != nil {
			t.Errorf("Serve = %v, want nil", serr)
		}
		if err == nil {
			t.Fatal("second Listen = nil, want an error")
		}
		if want := "server: listen 127.0.0.1:0: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("second Listen error = %q, want prefix %q", err, want)
		}
	})
	t.Run("Serve without Listen", func(t *testing.T) {
		s := server.New(busy.Addr().String())
		err := s.Serve(context.Background())
		if want := "server: listen "; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Serve on a busy address = %v, want an error with prefix %q", err, want)
		}
	})
}

// A call that fails to listen does not use up the single Serve or
// ListenAndServe call: a retry reports the listen error again, and the
// server can still serve.
func TestFailedListenLeavesServerUsable(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	s := server.New(busy.Addr().String())
	server.SetStderr(s, io.Discard)
	server.SetSignalFuncs(s, func(chan<- os.Signal, ...os.Signal) {}, func(chan<- os.Signal) {})
	want := "server: listen " + busy.Addr().String() + ": "
	calls := []struct {
		name string
		call func() error
	}{
		{"Serve", func() error { return s.Serve(context.Background()) }},
		{"second Serve", func() error { return s.Serve(context.Background()) }},
		{"ListenAndServe", s.ListenAndServe},
		{"Serve after ListenAndServe", func() error { return s.Serve(context.Background()) }},
	}
	for _, c := range calls {
		if err := c.call(); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s on a busy address = %v, want an error with prefix %q", c.name, err, want)
		}
	}

	// The server is still unused: with a listener it serves.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // ends a pending GET if Serve refuses to run
	server.SetListener(s, ln)
	s.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := serve(t, s, ctx)
	select {
	case err := <-done:
		t.Fatalf("Serve = %v before any request, want it serving", err)
	case r := <-get(client(t), url(t, s, "/healthz")):
		if r.err != nil || r.status != http.StatusOK {
			t.Errorf("GET /healthz = %d, %v; want 200", r.status, r.err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}

func TestServeHandlesRequestsAndStops(t *testing.T) {
	s := server.New(":0")
	s.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.PathValue("name"))
	})
	s.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := serve(t, s, ctx)
	c := client(t)

	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/hello/mist", 200, "hello mist"},
		{"GET", "/healthz", 200, "ok"},
		{"POST", "/healthz", 405, ""},
		{"GET", "/missing", 404, ""},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, url(t, s, tt.path), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%s %s status = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.wantStatus)
		}
		if tt.wantBody != "" && string(b) != tt.wantBody {
			t.Errorf("%s %s body = %q, want %q", tt.method, tt.path, b, tt.wantBody)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if _, err := c.Get(url(t, s, "/healthz")); err == nil {
		t.Error("GET after Serve returned succeeded, want a connection error")
	}
}

func TestServeListensIfNeeded(t *testing.T) {
	s := server.New("127.0.0.1:0")
	s.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	ctx, cancel := context.WithCancel(context.Background())
	done := serve(t, s, ctx)
	deadline := time.Now().Add(10 * time.Second)
	for s.Addr() == "127.0.0.1:0" {
		if time.Now().After(deadline) {
			t.Fatal("Serve did not bind the address")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	r := <-get(client(t), url(t, s, "/healthz"))
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if r.err != nil || r.status != 200 || r.body != "ok" {
		t.Errorf("GET /healthz = %d %q %v, want 200 \"ok\" <nil>", r.status, r.body, r.err)
	}
}

// Fixed on purpose: a request in flight completes during shutdown, and Serve
// then returns nil.
func TestServeInFlightRequestCompletesDuringShutdown(t *testing.T) {
	s := server.New(":0")
	entered := make(chan struct{})
	release := make(chan struct{})
	s.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	})
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := serve(t, s, ctx)
	resp := get(client(t), url(t, s, "/slow"))

	<-entered
	cancel()
	waitRefused(t, "127.0.0.1:"+port(t, s)) // shutdown is under way
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	default:
	}
	close(release)

	r := <-resp
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Errorf("in-flight GET = %d %q %v, want 200 \"done\" <nil>", r.status, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}

func TestServeShutdownOverrun(t *testing.T) {
	s := server.New("127.0.0.1:0")
	server.SetShutdownTimeout(s, 20*time.Millisecond)
	entered := make(chan struct{})
	release := make(chan struct{})
	handlerDone := make(chan struct{})
	s.HandleFunc("GET /stuck", func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		close(entered)
		<-release // ignores its request ctx on purpose
	})
	defer func() {
		close(release)
		<-handlerDone
	}()
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := serve(t, s, ctx)
	resp := get(client(t), url(t, s, "/stuck"))
	<-entered
	cancel()
	err := <-done
	if !stderrors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve = %v, want an error matching context.DeadlineExceeded", err)
	}
	if r := <-resp; r.err == nil {
		t.Errorf("stuck GET = %d, want a connection error after the forced close", r.status)
	}
}

type failingListener struct{ err error }

func (l failingListener) Accept() (net.Conn, error) { return nil, l.err }
func (l failingListener) Close() error              { return nil }
func (l failingListener) Addr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

func TestServeFailureReturnedAsIs(t *testing.T) {
	errAccept := stderrors.New("accept exploded")
	s := server.New("127.0.0.1:0")
	server.SetListener(s, failingListener{err: errAccept})
	if err := s.Serve(context.Background()); err != errAccept {
		t.Errorf("Serve = %v, want the accept error itself", err)
	}
}

func TestServeOnlyOnce(t *testing.T) {
	s := server.New("127.0.0.1:0")
	s.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := serve(t, s, ctx)
	if r := <-get(client(t), url(t, s, "/healthz")); r.err != nil { // the first Serve is running
		t.Fatalf("GET /healthz: %v", r.err)
	}
	if err := s.Serve(ctx); err == nil {
		t.Error("second Serve while serving = nil, want an error")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("first Serve = %v, want nil", err)
	}
	if err := s.Serve(context.Background()); err == nil {
		t.Error("Serve after Serve returned = nil, want an error")
	}
	if err := s.ListenAndServe(); err == nil {
		t.Error("ListenAndServe after Serve = nil, want an error")
	}
}

func TestHandleWhileServing(t *testing.T) {
	s := server.New("127.0.0.1:0")
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := serve(t, s, ctx)
	c := client(t)

	const n = 20
	var wg sync.WaitGroup
	results := make([]response, n)
	for i := range n {
		wg.Go(func() {
			path := fmt.Sprintf("/h%d", i)
			s.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, path) })
			_ = s.Addr()
			results[i] = <-get(c, url(t, s, path))
		})
	}
	wg.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	for i, r := range results {
		if want := fmt.Sprintf("/h%d", i); r.err != nil || r.status != 200 || r.body != want {
			t.Errorf("GET %s = %d %q %v, want 200 %q", want, r.status, r.body, r.err, want)
		}
	}
}

// syncWriter is a stderr stand-in that reports each write.
type syncWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newSyncWriter() *syncWriter { return &syncWriter{wrote: make(chan struct{}, 16)} }

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return n, err
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestListenAndServeStopsOnInjectedSignal(t *testing.T) {
	s := server.New("127.0.0.1:0")
	s.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	stderr := newSyncWriter()
	server.SetStderr(s, stderr)
	subscribed := make(chan chan<- os.Signal, 1)
	var (
		mu     sync.Mutex
		events []string
	)
	server.SetSignalFuncs(s,
		func(c chan<- os.Signal, sigs ...os.Signal) {
			mu.Lock()
			events = append(events, fmt.Sprint("notify ", sigs))
			mu.Unlock()
			subscribed <- c
		},
		func(c chan<- os.Signal) {
			mu.Lock()
			events = append(events, "stop")
			mu.Unlock()
		})

	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe() }()
	sig := <-subscribed
	<-stderr.wrote // the listening line
	if got, want := stderr.String(), "listening on "+s.Addr()+"\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	if r := <-get(client(t), url(t, s, "/healthz")); r.err != nil || r.status != 200 {
		t.Errorf("GET /healthz = %d %v, want 200", r.status, r.err)
	}
	sig <- os.Interrupt
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe = %v, want nil", err)
	}
	if got, want := stderr.String(), "listening on "+s.Addr()+"\nshutting down\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	want := []string{fmt.Sprint("notify ", platform.ShutdownSignals()), "stop"}
	if !slices.Equal(events, want) {
		t.Errorf("signal calls = %q, want %q", events, want)
	}
}

func TestListenAndServeListenFailure(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	s := server.New(busy.Addr().String())
	stderr := newSyncWriter()
	server.SetStderr(s, stderr)
	var stopped bool
	server.SetSignalFuncs(s, func(chan<- os.Signal, ...os.Signal) {}, func(chan<- os.Signal) { stopped = true })
	err = s.ListenAndServe()
	if want := "server: listen "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ListenAndServe = %v, want an error with prefix %q", err, want)
	}
	if got := stderr.String(); got != "" {
		t.Errorf("stderr = %q, want nothing", got)
	}
	if !stopped {
		t.Error("signals still subscribed after ListenAndServe returned")
	}
}

func TestServeNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		s := server.New("127.0.0.1:0")
		s.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {})
		ctx, cancel := context.WithCancel(context.Background())
		if err := s.Listen(); err != nil {
			t.Fatal(err)
		}
		done := serve(t, s, ctx)
		tr := &http.Transport{}
		if r := <-get(&http.Client{Transport: tr}, url(t, s, "/")); r.err != nil {
			t.Errorf("GET: %v", r.err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
		tr.CloseIdleConnections()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d after Serve, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// A connection that never sends a request (a browser's or load balancer's
// spare connection) must not hold the shutdown past its budget: net/http
// alone would wait 5 s for it. This test uses the real 5 s budget, and so
// takes about a second (the fifth of the budget an idle connection gets).
func TestServeIdleNewConnDoesNotOverrun(t *testing.T) {
	s := server.New("127.0.0.1:0")
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := serve(t, s, ctx)
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for server.NewConns(s) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not accept the connection")
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve with an idle new connection = %v, want nil", err)
	}
}
