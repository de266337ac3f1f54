//go:build unix

package server_test

import (
	"io"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/greynewell/mist-go/server"
)

// Fixed on purpose: SIGTERM (and SIGINT, as the package reference says)
// triggers a graceful shutdown on Unix.
//
// ListenAndServe subscribes to the signals before it writes the listening
// line, so once that line has been written a signal sent to the test process
// reaches ListenAndServe instead of killing the process.
func TestListenAndServeStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			s := server.New("127.0.0.1:0")
			s.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
			stderr := newSyncWriter()
			server.SetStderr(s, stderr)

			done := make(chan error, 1)
			go func() { done <- s.ListenAndServe() }()
			<-stderr.wrote // "listening on …": the signals are subscribed
			if r := <-get(client(t), url(t, s, "/healthz")); r.err != nil || r.status != 200 {
				t.Errorf("GET /healthz = %d %v, want 200", r.status, r.err)
			}
			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatalf("kill: %v", err)
			}
			if err := <-done; err != nil {
				t.Errorf("ListenAndServe = %v, want nil", err)
			}
			if got, want := stderr.String(), "listening on "+s.Addr()+"\nshutting down\n"; got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
		})
	}
}
