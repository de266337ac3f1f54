// Command pipeline sends a batch of eval.run messages to a MIST receiver,
// such as the echo-service example, and survives both ends failing.
//
// Usage:
//
//	go run ./examples/pipeline -to http://127.0.0.1:8080/mist -n 1000 -run demo
//
// Each message is one step of a checkpoint run: the step named msg-00042
// sends message 42, and its completion is written to
// <dir>/<run>.jsonl (fsynced) once the receiver has answered 202. Kill the
// pipeline at any moment and start it again with the same -run: the
// completed steps are skipped, and only the others are sent.
//
// Sends go through three layers of resilience:
//
//   - a retry policy (backoff with jitter) for errors that may pass, such as
//     a receiver that is restarting or answers 503 because it is full;
//   - a circuit breaker, shared by all sends, so that while the receiver is
//     down the workers fail fast and wait instead of hammering it;
//   - a resilient transport around both, which drops a connection whose
//     retries are exhausted and dials a new one.
//
// A parallel.Pool bounds how many messages are in flight, and -rate paces
// them. The last line on stdout is a summary:
//
//	pipeline: run=demo steps=1000 sent=640 skipped=360
//
// The exit status is 0 when every step completed, and errors.ExitCode of
// the error's code otherwise (6 when the receiver stayed unavailable, 130
// after SIGINT or SIGTERM): run the same command again to resume.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"time"

	"github.com/greynewell/mist-go/checkpoint"
	"github.com/greynewell/mist-go/circuitbreaker"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/parallel"
	"github.com/greynewell/mist-go/platform"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/retry"
	"github.com/greynewell/mist-go/trace"
	"github.com/greynewell/mist-go/transport"
)

type options struct {
	to      string // receiver URL
	n       int    // number of messages
	runID   string
	dir     string // checkpoint directory
	workers int
	rate    int // messages per second; 0 means no limit
	suite   string
}

// sendPolicy retries for about 15 s in all: long enough to ride out a
// receiver restart, short enough to give up on a receiver that is gone.
var sendPolicy = retry.Policy{
	MaxAttempts: 12,
	InitialWait: 50 * time.Millisecond,
	MaxWait:     2 * time.Second,
	Multiplier:  2,
	Jitter:      0.25,
}

func main() {
	var o options
	flag.StringVar(&o.to, "to", "http://127.0.0.1:8080/mist", "URL of the MIST receiver")
	flag.IntVar(&o.n, "n", 100, "number of eval.run messages to send")
	flag.StringVar(&o.runID, "run", "demo", "run ID: the same ID resumes the same run")
	flag.StringVar(&o.dir, "dir", "pipeline-checkpoints", "directory of the checkpoint logs")
	flag.IntVar(&o.workers, "workers", 8, "messages in flight at once")
	flag.IntVar(&o.rate, "rate", 0, "messages per second at most (0: no limit)")
	flag.StringVar(&o.suite, "suite", "echo-suite", "suite named in each eval.run")
	flag.Parse()

	// SIGINT or SIGTERM cancel ctx: the steps in flight fail, nothing
	// completed is lost, and the next run resumes.
	ctx, stop := signal.NotifyContext(context.Background(), platform.ShutdownSignals()...)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(errors.ExitCode(errors.Code(err)))
	}
}

func run(ctx context.Context, o options) error {
	if o.n < 0 || o.workers < 1 || o.rate < 0 {
		return errors.New(errors.CodeValidation, "-n and -rate must be >= 0, -workers >= 1")
	}
	log := logging.New("pipeline", logging.LevelInfo)

	// The tracker holds the run's lock until Close: a second pipeline with
	// the same -run fails at once with code conflict.
	tracker, err := checkpoint.Open(o.dir, o.runID)
	if err != nil {
		return err
	}
	defer tracker.Close()

	steps := make([]string, o.n)
	skipped := 0
	for i := range steps {
		steps[i] = fmt.Sprintf("msg-%05d", i)
		if tracker.IsCompleted(steps[i]) {
			skipped++
		}
	}

	ctx, span := trace.Start(ctx, "pipeline.run")
	log.Info(ctx, "starting", "run", o.runID, "to", o.to, "steps", o.n, "completed_before", skipped)

	breaker := circuitbreaker.New(circuitbreaker.Config{
		Threshold: 5,
		Timeout:   500 * time.Millisecond,
		OnStateChange: func(from, to circuitbreaker.State) {
			log.Warn(ctx, "circuit breaker", "from", from.String(), "to", to.String())
		},
	})
	// The retry and the breaker work inside one connection, and the
	// Resilient around them dials a new connection only once the retries
	// are exhausted, then sends once more (a second round of retries: a
	// send to a receiver that stays down gives up after about twice
	// sendPolicy's time, a 503 after one round). Wrapped the other
	// way round, every failed attempt would make the Resilient redial and
	// re-send at once, outside the retry's backoff. In either order the
	// sends in flight on a connection the Resilient drops are not lost:
	// they get ErrClosed from it, and the Resilient sends them again on the
	// new connection. (For HTTP a connection is only a client for one URL,
	// so a dial cannot fail; other carriers really reconnect.)
	out := transport.NewResilient(func(context.Context) (transport.Transport, error) {
		return transport.Wrap(transport.NewHTTP(o.to),
			transport.WithRetry(sendPolicy),
			transport.WithBreaker(breaker),
			transport.WithLogger(log.Slog()),
		), nil
	}, transport.ResilientConfig{})
	defer out.Close()

	var limiter *parallel.RateLimiter
	if o.rate > 0 {
		limiter = parallel.NewRateLimiter(1, time.Second/time.Duration(o.rate)) // one message every 1/rate s
	}

	var sent atomic.Int64
	// parallel.Do runs at most o.workers steps at once and stops at the
	// first failure; the steps that were not started stay for the next run.
	err = parallel.Do(ctx, parallel.NewPool(o.workers), steps, func(ctx context.Context, name string) error {
		// Step does nothing for a step completed by an earlier run.
		return tracker.Step(ctx, name, func(ctx context.Context) (any, error) {
			if limiter != nil {
				if err := limiter.Wait(ctx); err != nil {
					return nil, err
				}
			}
			msg, err := protocol.New("pipeline", protocol.TypeEvalRun, protocol.EvalRun{
				Suite: o.suite,
				Tasks: []string{name},
				Tags:  map[string]string{"run": o.runID, "step": name},
			})
			if err != nil {
				return nil, err
			}
			// The span in ctx makes the send carry a traceparent header,
			// so the receiver's spans join this run's trace.
			if err := out.Send(ctx, msg); err != nil {
				return nil, err
			}
			sent.Add(1)
			return map[string]string{"id": msg.ID}, nil // stored in the checkpoint log
		})
	})
	if err != nil {
		span.End("error")
		log.Error(ctx, "run stopped; run again to resume", "run", o.runID, "sent", sent.Load(), "error", err)
		fmt.Printf("pipeline: run=%s steps=%d sent=%d skipped=%d (incomplete)\n", o.runID, o.n, sent.Load(), skipped)
		return err
	}
	span.End("ok")
	log.Info(ctx, "done", "run", o.runID, "sent", sent.Load(), "skipped", skipped)
	fmt.Printf("pipeline: run=%s steps=%d sent=%d skipped=%d\n", o.runID, o.n, sent.Load(), skipped)
	return nil
}
