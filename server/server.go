package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/greynewell/mist-go/platform"
)

// Production limits applied by [New], and the budget of a graceful stop.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 1 << 20
	ShutdownTimeout   = 5 * time.Second
)

// Server is an HTTP server with production timeouts and graceful shutdown.
//
// Server is safe for concurrent use: handlers may be added while it is
// serving, and Addr may be called at any time. Listen succeeds once, and
// Serve or ListenAndServe may be called once in total (a call that fails to
// listen does not count). The zero Server is not usable; create one with
// [New].
type Server struct {
	mux *http.ServeMux
	srv *http.Server

	// Set by New; export_test.go replaces them before use.
	stderr          io.Writer
	notify          func(c chan<- os.Signal, sig ...os.Signal)
	stop            func(c chan<- os.Signal)
	shutdownTimeout time.Duration

	mu     sync.Mutex
	ln     net.Listener
	served bool

	// The connections that have not sent a complete request header yet,
	// which shutdown closes once newConnGrace has passed.
	connMu   sync.Mutex
	newConns map[net.Conn]struct{}
}

// New returns a server for addr (host:port, or ":0" for any free port) with
// a fresh [http.ServeMux] and the limits [ReadHeaderTimeout], [ReadTimeout],
// [WriteTimeout], [IdleTimeout] and [MaxHeaderBytes]. New does no I/O.
func New(addr string) *Server {
	mux := http.NewServeMux()
	s := &Server{
		mux:      mux,
		newConns: make(map[net.Conn]struct{}),
		srv: &http.Server{
			Addr:              addr,
			Handler:           mux,
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    MaxHeaderBytes,
		},
		stderr:          os.Stderr,
		notify:          signal.Notify,
		stop:            signal.Stop,
		shutdownTimeout: ShutdownTimeout,
	}
	s.srv.ConnState = s.trackConn
	return s
}

// newConnGrace is the share of the shutdown budget after which connections
// that have not yet sent a complete request header are closed. net/http
// counts such a connection as busy for its first 5 s, so without this bound
// one idle pre-connected client (a browser or a load balancer opening a spare
// connection) would make every shutdown overrun the 5 s budget.
const newConnGrace = 5

// trackConn is the http.Server's ConnState hook. A connection leaves
// StateNew once, for good: when its first request header is complete, or
// when it is hijacked or closed.
func (s *Server) trackConn(c net.Conn, st http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if st == http.StateNew {
		s.newConns[c] = struct{}{}
	} else {
		delete(s.newConns, c)
	}
}

// closeNewConns closes the connections that have not sent a complete request
// header yet.
func (s *Server) closeNewConns() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c := range s.newConns {
		c.Close()
	}
}

// Handle registers h for pattern on the server's mux. Patterns use the Go
// 1.22 [http.ServeMux] syntax, for example "GET /healthz". Like
// [http.ServeMux.Handle], it panics on an invalid or conflicting pattern or
// a nil handler, which are programming mistakes. Handle may be called while
// serving.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// HandleFunc registers f for pattern, as [Server.Handle] does.
func (s *Server) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	s.mux.HandleFunc(pattern, f)
}

// Mux returns the server's mux, for code that takes an [http.ServeMux].
func (s *Server) Mux() *http.ServeMux { return s.mux }

// Listen binds TCP on the server's address. Errors read
// "server: listen <addr>: …"; calling Listen again after it succeeded is an
// error.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return fmt.Errorf("server: listen %s: already listening on %s", s.srv.Addr, s.ln.Addr())
	}
	return s.listenLocked()
}

// listenLocked binds the listener. s.mu must be held.
func (s *Server) listenLocked() error {
	ln, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", s.srv.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr returns the configured address before [Server.Listen], and the bound
// host:port after it, so a server created with ":0" reveals its port.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.srv.Addr
}

// Serve serves until ctx ends, then shuts down gracefully: it stops
// accepting, waits up to [ShutdownTimeout] (a fresh deadline, not ctx's) for
// requests in flight to finish, and returns nil. If requests are still
// running at that deadline, Serve closes their connections and returns an
// error matching [context.DeadlineExceeded].
//
// Beyond net/http's own Shutdown, Serve closes the connections that have
// not sent a complete request header once a fifth of the budget (1 s) has
// passed, instead of waiting 5 s for each of them; a request already
// being handled is never cut off by this.
//
// Serve calls [Server.Listen] first unless that has already been done, and
// returns a listen or serving failure as is. Serve may be called only
// once, and not after [Server.ListenAndServe]; a call that fails to listen
// does not count, so it can be retried.
func (s *Server) Serve(ctx context.Context) error {
	ln, err := s.claim()
	if err != nil {
		return err
	}
	return s.serve(ctx, ln, nil)
}

// ListenAndServe listens (unless [Server.Listen] has already been called),
// writes "listening on <Addr()>\n" to stderr, and serves until the first of
// platform.ShutdownSignals() arrives (SIGINT or SIGTERM on Unix,
// os.Interrupt on Windows). It then writes "shutting down\n" and stops as
// [Server.Serve] does, returning nil after a graceful stop. It subscribes to
// the signals before it listens and unsubscribes before it returns. Like
// Serve, it may be called only once, and a call that fails to listen does
// not count. Use Serve to control shutdown with a ctx, for example under
// lifecycle.Run.
func (s *Server) ListenAndServe() error {
	s.mu.Lock()
	served := s.served
	s.mu.Unlock()
	if served {
		return errServed
	}
	sig := make(chan os.Signal, 1)
	s.notify(sig, platform.ShutdownSignals()...)
	defer s.stop(sig)
	ln, err := s.claim()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "listening on %s\n", s.Addr())
	return s.serve(context.Background(), ln, sig)
}

var errServed = errors.New("server: serve: already called")

// claim listens, unless [Server.Listen] has already bound the listener, and
// then claims the server's single Serve or ListenAndServe call. A failed
// listen claims nothing, so the server stays usable.
func (s *Server) claim() (net.Listener, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.served {
		return nil, errServed
	}
	if s.ln == nil {
		if err := s.listenLocked(); err != nil {
			return nil, err
		}
	}
	s.served = true
	return s.ln, nil
}

// serve runs the http.Server until ctx ends or sig delivers a signal, then
// shuts it down. The serving goroutine has exited when serve returns.
func (s *Server) serve(ctx context.Context, ln net.Listener, sig <-chan os.Signal) error {
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(ln) }()

	select {
	case err := <-served:
		s.srv.Close() // end the connections still open
		return err    // a serving failure, as is
	case <-ctx.Done():
	case <-sig: // nil for Serve: never ready
		fmt.Fprint(s.stderr, "shutting down\n")
	}

	sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- s.srv.Shutdown(sctx) }()
	grace := time.NewTimer(s.shutdownTimeout / newConnGrace)
	defer grace.Stop()
	var err error
	select {
	case err = <-stopped:
	case <-grace.C:
		s.closeNewConns()
		err = <-stopped
	}
	if err != nil {
		// Overrun: close the connections still open; the handlers see
		// their request ctx cancelled.
		s.srv.Close()
		err = fmt.Errorf("server: shutdown: %w", err)
	}
	<-served // http.ErrServerClosed once Shutdown has begun
	return err
}
