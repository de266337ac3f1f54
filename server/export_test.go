package server

import (
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// HTTPServer returns the underlying http.Server, to inspect its limits.
func HTTPServer(s *Server) *http.Server { return s.srv }

// SetStderr replaces the writer ListenAndServe reports to.
func SetStderr(s *Server, w io.Writer) { s.stderr = w }

// SetSignalFuncs replaces signal.Notify and signal.Stop.
func SetSignalFuncs(s *Server, notify func(chan<- os.Signal, ...os.Signal), stop func(chan<- os.Signal)) {
	s.notify = notify
	s.stop = stop
}

// SetShutdownTimeout replaces the ShutdownTimeout budget.
func SetShutdownTimeout(s *Server, d time.Duration) { s.shutdownTimeout = d }

// SetListener installs ln as if Listen had bound it.
func SetListener(s *Server, ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ln = ln
}

// NewConns returns how many connections have not sent a complete request
// header yet.
func NewConns(s *Server) int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return len(s.newConns)
}
