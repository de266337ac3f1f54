package main

import (
	"context"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/health"
	"github.com/greynewell/mist-go/lifecycle"
	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/retry"
	"github.com/greynewell/mist-go/server"
	"github.com/greynewell/mist-go/trace"
	"github.com/greynewell/mist-go/transport"
)

// source is the Source of every message this service sends.
const source = "echo-service"

// serve runs the service until ctx is cancelled. Each resource it opens is
// closed by an OnShutdown hook; the hooks run newest first, so the order of
// the registrations below is the reverse of the order of the shutdown:
//
//	workers  stop the workers (the queue has drained by then) and the receiver
//	replies  close the reply transport
//	journal  close the journal file
//	spans    flush the last spans to the trace file and close it
func serve(ctx context.Context, cfg Config, log *logging.Logger) error {
	reg := metrics.NewRegistry()

	// Spans: every span that ends from now on is queued for the exporter,
	// which appends it to the trace file as a trace.span message.
	if cfg.Trace.File != "" {
		spans, err := transport.NewFile(cfg.Trace.File)
		if err != nil {
			return err
		}
		exporter := trace.RegisterExporter(trace.NewMessageExporter(spans, source),
			trace.WithErrorHandler(func(err error) {
				log.Error(context.Background(), "span export failed", "error", err)
			}))
		onShutdown(ctx, log, "spans", func(ctx context.Context) error {
			return errors.Join(exporter.Shutdown(ctx), spans.Close())
		})
	}

	// Journal: the durable record of every accepted message (see receive).
	var journal *transport.File
	if cfg.Mist.Journal != "" {
		var err error
		if journal, err = transport.NewFile(cfg.Mist.Journal); err != nil {
			return err
		}
		onShutdown(ctx, log, "journal", func(context.Context) error { return journal.Close() })
	}

	// Replies: Dial picks the carrier from the URL (http:// or file://).
	// Retry makes a reply survive a short outage of the receiver; only
	// retryable errors (unavailable, transport, timeout…) are tried again.
	sink, err := transport.Dial(cfg.Mist.ReplyTo)
	if err != nil {
		return errors.Wrap(errors.CodeValidation, err, "mist.reply-to")
	}
	replies := transport.Wrap(sink,
		transport.WithRetry(retry.DefaultPolicy),
		transport.WithMetrics(reg),
		transport.WithLogger(log.Slog()),
	)
	onShutdown(ctx, log, "replies", func(context.Context) error { return replies.Close() })

	// The receiver: POST /mist queues messages in its inbox; when the
	// inbox is full it answers 503 with Retry-After, and senders back off.
	rx := transport.NewHTTP("", transport.WithInboxSize(cfg.Mist.InboxSize))

	h := health.New(source, version)
	s := &service{
		cfg:     cfg,
		log:     log,
		journal: journal,
		replies: replies,
		queued:  lifecycle.DrainGroup(ctx),
		depth:   reg.Gauge("echo_queue_depth"),
		reg:     reg,
	}
	h.AddCheck("inbox", s.checkInbox)

	// The workers get a ctx of their own: they must keep handling the
	// queue while the run ctx is already cancelled and the drain is under
	// way. The "workers" hook stops them once the drain is over.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	for range cfg.Mist.Workers {
		workers.Go(func() { s.work(workCtx, rx) })
	}
	onShutdown(ctx, log, "workers", func(ctx context.Context) error {
		stopWork()
		workers.Wait()
		// After a drain timeout some messages may still be queued; Close
		// drops them. They are in the journal: say so, loudly.
		if n := int64(s.depth.Value()); n > 0 {
			log.Error(ctx, "dropping unhandled messages; they are in the journal", "count", n, "journal", cfg.Mist.Journal)
		}
		return rx.Close()
	})

	srv := server.New(cfg.Server.Addr)
	srv.Handle("/mist", s.receive(rx.Handler()))
	srv.Handle("GET /healthz", h.Liveness())
	srv.Handle("GET /readyz", h.Readiness())
	srv.Handle("GET /metricsz", reg.Handler())
	srv.Handle("GET /metrics", reg.PrometheusHandler())

	if err := srv.Listen(); err != nil {
		return errors.Wrap(errors.CodeUnavailable, err, "listen")
	}
	log.Info(ctx, "listening", "addr", srv.Addr(), "reply_to", cfg.Mist.ReplyTo,
		"accept", cfg.Mist.Accept, "workers", cfg.Mist.Workers, "inbox", cfg.Mist.InboxSize)

	// As soon as shutdown begins, report not ready, so that a load
	// balancer stops sending.
	context.AfterFunc(ctx, func() { h.SetReady(false) })

	// Serve returns once the server has stopped and every request in
	// flight has been answered. The workers go on: lifecycle.Run now waits
	// for the queued drain group, then runs the hooks.
	err = srv.Serve(ctx)
	log.Info(context.Background(), "stopped serving", "queued", int64(s.depth.Value()))
	return err
}

// onShutdown registers a lifecycle hook that logs its name when it starts,
// so the order of the shutdown can be read in the log.
func onShutdown(ctx context.Context, log *logging.Logger, name string, fn func(context.Context) error) {
	lifecycle.OnShutdown(ctx, name, func(ctx context.Context) error {
		log.Info(ctx, "shutdown hook", "hook", name)
		start := time.Now()
		err := fn(ctx)
		log.Debug(ctx, "shutdown hook done", "hook", name, "duration_ms", time.Since(start).Milliseconds())
		return err
	})
}
