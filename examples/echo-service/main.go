// Command echo-service is a small inference-router-like service that shows
// the mist-go modules wired together the way a real tool wires them.
//
// It receives MIST messages at POST /mist and answers each infer.request
// with an infer.response whose content echoes the last chat message. It
// also accepts eval.run messages (the pipeline example sends them) and
// records them. Everything else is refused with a coded error.
//
// Usage:
//
//	go run ./examples/echo-service -config examples/echo-service/echo.toml
//
// Endpoints:
//
//	POST /mist      one MIST envelope; 202 once it is queued and journaled
//	GET  /healthz   liveness (always 200 while the process runs)
//	GET  /readyz    readiness: 503 when the inbox is full or shutdown began
//	GET  /metricsz  metrics as JSON
//	GET  /metrics   metrics in the Prometheus text format
//
// Replies go to the transport URL of [mist] reply-to, an HTTP receiver or
// a JSON-lines file. Every finished span is written as a trace.span
// message to [trace] file, and every log line carries the trace and span
// IDs of the message being handled.
//
// On SIGINT or SIGTERM the service stops accepting connections, handles
// every message already queued (within [server] drain-timeout), then runs
// its shutdown hooks newest first. The exit status is 0 after a clean stop,
// and errors.ExitCode of the error's code otherwise: 2 for a bad config, 3
// for a missing config file.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/lifecycle"
	"github.com/greynewell/mist-go/logging"
)

// version is reported by /healthz; set it with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	configPath := flag.String("config", "echo.toml", "TOML config file; ECHO_* variables override it")
	flag.Parse()

	if err := run(*configPath); err != nil {
		fmt.Fprintln(os.Stderr, "echo-service:", err)
		os.Exit(errors.ExitCode(errors.Code(err)))
	}
}

func run(configPath string) error {
	// A bad config is reported before anything starts, with the file,
	// line and field at fault, and exits with status 2 (validation).
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	log := logging.New("echo-service", cfg.level(), logging.WithFormat(cfg.Log.Format))

	// lifecycle.Run cancels ctx on SIGINT or SIGTERM, waits for the drain
	// groups, then runs the OnShutdown hooks newest first.
	return lifecycle.Run(context.Background(), func(ctx context.Context) error {
		return serve(ctx, cfg, log)
	},
		lifecycle.WithDrainTimeout(cfg.Server.DrainTimeout),
		lifecycle.WithShutdownTimeout(cfg.Server.ShutdownTimeout),
	)
}
