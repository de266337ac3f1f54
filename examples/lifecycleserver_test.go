//go:build unix

package examples_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/greynewell/mist-go/lifecycle"
	"github.com/greynewell/mist-go/server"
)

// server + lifecycle: a request in flight completes during a SIGTERM-triggered
// shutdown, hooks run newest first, and Run returns nil.
//
// lifecycle.Run subscribes to its default signals (SIGINT and SIGTERM here)
// before it starts fn, so the SIGTERM this test sends once fn is serving is
// caught by Run and never reaches the default action.
func TestSIGTERMDrainsInFlightRequestAndRunsHooksNewestFirst(t *testing.T) {
	type ready struct {
		addr   string
		runCtx context.Context
	}
	var (
		readyCh  = make(chan ready, 1)
		entered  = make(chan struct{})
		release  = make(chan struct{})
		mu       sync.Mutex
		order    []string
		finished bool // the in-flight handler returned before the hooks ran
	)
	record := func(name string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			if len(order) == 0 && !finished {
				t.Errorf("hook %s ran before the in-flight request finished", name)
			}
			order = append(order, name)
			return nil
		}
	}

	runErr := make(chan error, 1)
	go func() {
		runErr <- lifecycle.Run(context.Background(), func(ctx context.Context) error {
			srv := server.New("127.0.0.1:0")
			inflight := lifecycle.DrainGroup(ctx)
			srv.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
				inflight.Add(1)
				defer inflight.Done()
				close(entered)
				<-release
				io.WriteString(w, "done")
				mu.Lock()
				finished = true
				mu.Unlock()
			})
			for _, name := range []string{"first", "second", "third"} {
				lifecycle.OnShutdown(ctx, name, record(name))
			}
			if err := srv.Listen(); err != nil {
				return err
			}
			readyCh <- ready{addr: srv.Addr(), runCtx: ctx}
			return srv.Serve(ctx)
		})
	}()

	var r ready
	select {
	case r = <-readyCh:
	case err := <-runErr:
		t.Fatalf("Run returned early: %v", err)
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	type response struct {
		status int
		body   string
		err    error
	}
	respCh := make(chan response, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Get("http://" + r.addr + "/work")
		if err != nil {
			respCh <- response{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		respCh <- response{status: resp.StatusCode, body: string(b), err: err}
	}()

	<-entered // the request is in flight
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-r.runCtx.Done() // Run has begun the shutdown
	close(release)

	resp := <-respCh
	if resp.err != nil || resp.status != http.StatusOK || resp.body != "done" {
		t.Errorf("in-flight GET = %d %q %v, want 200 \"done\" <nil>", resp.status, resp.body, resp.err)
	}
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if want := []string{"third", "second", "first"}; !slices.Equal(order, want) {
		t.Errorf("hooks ran in order %q, want %q", order, want)
	}
}
