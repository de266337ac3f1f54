// Command minimal-server serves HTTP under lifecycle.Run and stops gracefully
// on SIGINT or SIGTERM (os.Interrupt on Windows).
//
// Usage:
//
//	go run ./examples/cmd/minimal-server -addr 127.0.0.1:8080
//	curl localhost:8080/hello/mist
//
// On a shutdown signal the server stops accepting connections, the requests
// in flight finish (they are counted in a lifecycle.DrainGroup), and the
// shutdown hooks run newest first. The exit status follows the error code:
// 0 after a clean stop, errors.ExitCode of the error's code otherwise.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/lifecycle"
	"github.com/greynewell/mist-go/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()

	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		return run(ctx, *addr)
	}, lifecycle.WithDrainTimeout(10*time.Second), lifecycle.WithShutdownTimeout(5*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "minimal-server:", err)
		os.Exit(errors.ExitCode(errors.Code(err)))
	}
}

// run serves until ctx is cancelled by a signal.
func run(ctx context.Context, addr string) error {
	started := time.Now()
	srv := server.New(addr)
	inflight := lifecycle.DrainGroup(ctx)
	drained := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			inflight.Add(1)
			defer inflight.Done()
			h(w, r)
		}
	}
	srv.HandleFunc("GET /hello/{name}", drained(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.PathValue("name"))
	}))

	// Hooks run newest first: the summary is printed before the goodbye.
	lifecycle.OnShutdown(ctx, "goodbye", func(context.Context) error {
		fmt.Fprintln(os.Stderr, "goodbye")
		return nil
	})
	lifecycle.OnShutdown(ctx, "summary", func(context.Context) error {
		fmt.Fprintf(os.Stderr, "served for %s\n", time.Since(started).Round(time.Second))
		return nil
	})

	if err := srv.Listen(); err != nil {
		return errors.Wrap(errors.CodeUnavailable, err, "start")
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", srv.Addr())
	return srv.Serve(ctx)
}
