// Command producer writes MIST messages to its standard output, one JSON
// line each, for another program to read: the Unix-pipes pattern of the
// MIST stack.
//
// Usage:
//
//	go run ./examples/pipe/producer -n 3 | go run ./examples/pipe/consumer
//
// Each message is an infer.request whose only chat message is "prompt <i>".
// Every line is a complete envelope with a checksum, so the reader can
// verify what it got. When the reader goes away early, the next write
// fails and the producer stops (or is stopped by SIGPIPE, as any Unix
// filter is).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

func main() {
	n := flag.Int("n", 3, "number of messages to write")
	model := flag.String("model", "auto", "model named in each request")
	flag.Parse()

	if err := run(context.Background(), *n, *model); err != nil {
		fmt.Fprintln(os.Stderr, "producer:", err)
		os.Exit(errors.ExitCode(errors.Code(err)))
	}
}

func run(ctx context.Context, n int, model string) error {
	// NewStdio writes to os.Stdout (and would read os.Stdin); its Close
	// leaves both open.
	out := transport.NewStdio()
	defer out.Close()

	for i := range n {
		msg, err := protocol.New("pipe-producer", protocol.TypeInferRequest, protocol.InferRequest{
			Model:    model,
			Messages: []protocol.ChatMessage{{Role: "user", Content: fmt.Sprintf("prompt %d", i)}},
		})
		if err != nil {
			return err
		}
		if err := out.Send(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}
