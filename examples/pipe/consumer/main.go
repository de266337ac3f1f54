// Command consumer reads MIST messages from its standard input, one JSON
// line each, and prints one line per message: the reading end of
// `producer | consumer`.
//
// Usage:
//
//	go run ./examples/pipe/producer -n 3 | go run ./examples/pipe/consumer
//
// prints, for each message,
//
//	infer.request 3f9c… from pipe-producer: "prompt 0"
//
// A line that is not a valid envelope (bad JSON, a wrong checksum, …) is
// reported on stderr and skipped; reading goes on with the next line. At
// the end of the input the consumer prints a count on stderr, and exits
// with status 0 when every line was valid, or 8 (errors.ExitCode of code
// protocol) when some were not.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/platform"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), platform.ShutdownSignals()...)
	err := run(ctx, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(errors.ExitCode(errors.Code(err)))
	}
}

func run(ctx context.Context, w io.Writer) error {
	in := transport.NewStdio()
	defer in.Close()

	var good, bad int
	for {
		msg, err := in.Receive(ctx)
		switch {
		case errors.Is(err, io.EOF):
			fmt.Fprintf(os.Stderr, "consumer: %d messages, %d bad lines\n", good, bad)
			if bad > 0 {
				return errors.Newf(errors.CodeProtocol, "%d of %d lines were not valid messages", bad, good+bad)
			}
			return nil
		case errors.Code(err) == errors.CodeProtocol:
			// One bad line; the next Receive continues after it.
			bad++
			fmt.Fprintln(os.Stderr, "consumer: skipping a bad line:", err)
			continue
		case err != nil:
			return err // a read error, or ctx cancelled by a signal
		}
		good++
		fmt.Fprintf(w, "%s %s from %s: %s\n", msg.Type, msg.ID, msg.Source, summary(msg))
	}
}

// summary describes a payload in a few words.
func summary(msg *protocol.Message) string {
	switch msg.Type {
	case protocol.TypeInferRequest:
		req, err := protocol.DecodeAs[protocol.InferRequest](msg)
		if err != nil || len(req.Messages) == 0 {
			return "(no chat messages)"
		}
		return fmt.Sprintf("%q", req.Messages[len(req.Messages)-1].Content)
	case protocol.TypeInferResponse:
		resp, err := protocol.DecodeAs[protocol.InferResponse](msg)
		if err != nil {
			return "(unreadable payload)"
		}
		return fmt.Sprintf("%q", resp.Content)
	case protocol.TypeEvalRun:
		run, err := protocol.DecodeAs[protocol.EvalRun](msg)
		if err != nil {
			return "(unreadable payload)"
		}
		return fmt.Sprintf("suite %s, %d tasks", run.Suite, len(run.Tasks))
	case protocol.TypeTraceSpan:
		span, err := protocol.DecodeAs[protocol.TraceSpan](msg)
		if err != nil {
			return "(unreadable payload)"
		}
		return fmt.Sprintf("span %s %s, %.3f ms, trace %s", span.Operation, span.Status,
			float64(span.EndNS-span.StartNS)/1e6, span.TraceID)
	}
	return fmt.Sprintf("%d bytes of payload", len(msg.Payload))
}
