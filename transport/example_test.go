package transport_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/retry"
	"github.com/greynewell/mist-go/transport"
)

// ping returns a fixed health.ping message, so the output below is stable.
func ping(from string) *protocol.Message {
	return &protocol.Message{
		Version:     protocol.CurrentVersion,
		ID:          "4bf92f3577b34da6a3ce929d0e0e4736",
		Source:      from,
		Type:        protocol.TypeHealthPing,
		TimestampNS: 1767225600000000000,
		Payload:     []byte(`{"from":"` + from + `"}`),
	}
}

// Two ends of an in-memory pair: each receives what the other sends.
func Example() {
	ctx := context.Background()
	a, b := transport.NewChannelPair(16)
	defer a.Close() // closes b too

	msg, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeHealthPing, protocol.HealthPing{From: "matchspec"})
	if err != nil {
		panic(err)
	}
	if err := a.Send(ctx, msg); err != nil {
		panic(err)
	}
	got, err := b.Receive(ctx)
	if err != nil {
		panic(err)
	}
	p, err := protocol.DecodeAs[protocol.HealthPing](got)
	fmt.Println(got.Type, p.From, err)

	a.Close()
	_, err = b.Receive(ctx)
	fmt.Println(errors.Is(err, transport.ErrClosed))
	// Output:
	// health.ping matchspec <nil>
	// true
}

func ExampleDial() {
	ctx := context.Background()
	t, err := transport.Dial("chan://") // a loopback with a buffer of 256
	if err != nil {
		panic(err)
	}
	defer t.Close()
	if err := t.Send(ctx, ping("infermux")); err != nil {
		panic(err)
	}
	got, err := t.Receive(ctx)
	fmt.Println(got.Source, err)

	_, err = transport.Dial("tcp://localhost:9000")
	fmt.Println(err)
	// Output:
	// infermux <nil>
	// validation: transport: unsupported scheme "tcp" in "tcp://localhost:9000"
}

func ExampleWrap() {
	ctx := context.Background()
	reg := metrics.NewRegistry()
	t := transport.Wrap(transport.NewChannel(8),
		transport.WithRetry(retry.DefaultPolicy),
		transport.WithMetrics(reg),
	)
	defer t.Close()

	for range 3 {
		if err := t.Send(ctx, ping("tokentrace")); err != nil {
			panic(err)
		}
	}
	if _, err := t.Receive(ctx); err != nil {
		panic(err)
	}
	fmt.Println("sent ok:", reg.Counter("transport_sent", "type", "health.ping", "result", "ok").Value())
	fmt.Println("received:", reg.Counter("transport_received", "type", "health.ping").Value())
	fmt.Println("send latencies:", reg.Histogram("transport_send_ms", nil, "type", "health.ping").Snapshot().Count)
	// Output:
	// sent ok: 3
	// received: 1
	// send latencies: 3
}

// The receiving side is an http.Handler; here it runs on an httptest
// server, and a sender posts to it.
func ExampleHTTP_Handler() {
	ctx := context.Background()
	recv := transport.NewHTTP("", transport.WithBearerToken("s3cret"))
	defer recv.Close()
	srv := httptest.NewServer(recv.Handler())
	defer srv.Close()

	send := transport.NewHTTP(srv.URL+"/mist", transport.WithBearerToken("s3cret"))
	defer send.Close()
	if err := send.Send(ctx, ping("schemaflux")); err != nil {
		panic(err)
	}
	got, err := recv.Receive(ctx)
	fmt.Println(got.Source, got.VerifyChecksum(), err)

	intruder := transport.NewHTTP(srv.URL + "/mist") // no token
	defer intruder.Close()
	err = intruder.Send(ctx, ping("intruder"))
	var e *errors.Error // errors.As also finds it inside a retry's error
	if errors.As(err, &e) {
		fmt.Println(errors.Code(err), e.Meta["status"])
	}
	// Output:
	// schemaflux true <nil>
	// validation 401
}

// A JSON-lines file: the writer appends, a reader reads from the start and
// gets io.EOF at the end.
func ExampleNewFile() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mist-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "spans.jsonl")

	w, err := transport.NewFile(path)
	if err != nil {
		panic(err)
	}
	defer w.Close()
	if err := w.SendBatch(ctx, []*protocol.Message{ping("a"), ping("b")}); err != nil {
		panic(err)
	}

	r, err := transport.NewFile(path)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	for {
		m, err := r.Receive(ctx)
		if err == io.EOF {
			fmt.Println("end of data")
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(m.Source)
	}
	data, _ := os.ReadFile(path)
	first, _, _ := bytes.Cut(data, []byte("\n"))
	fmt.Println(string(first))
	// Output:
	// a
	// b
	// end of data
	// {"version":"1","id":"4bf92f3577b34da6a3ce929d0e0e4736","source":"a","type":"health.ping","timestamp_ns":1767225600000000000,"payload":{"from":"a"},"checksum":2049334476}
}

// Any Transport can be retried by hand, too, as the retry package's
// documentation shows (the parameter is named transport, shadowing the
// package, to match it).
// retry.Do retries every error, a message that fails validation included;
// retry.DoAuto, or Wrap with WithRetry, retries only the errors that
// errors.IsRetryable accepts.
func Example_retry() {
	ctx := context.Background()
	msg := ping("matchspec")
	send := func(transport transport.Transport) error {
		return retry.Do(ctx, retry.DefaultPolicy, func(ctx context.Context) error {
			return transport.Send(ctx, msg)
		})
	}
	c := transport.NewChannel(1)
	defer c.Close()
	fmt.Println(send(c))
	// Output:
	// <nil>
}

func ExampleNewResilient() {
	ctx := context.Background()
	dials := 0
	r := transport.NewResilient(func(ctx context.Context) (transport.Transport, error) {
		dials++
		return transport.NewChannel(8), nil
	}, transport.ResilientConfig{
		OnStateChange: func(state string) { fmt.Println("state:", state) },
	})
	if err := r.Send(ctx, ping("infermux")); err != nil { // dials first
		panic(err)
	}
	m, err := r.Receive(ctx)
	fmt.Println(m.Source, err, "dials:", dials)
	r.Close()
	// Output:
	// state: connecting
	// state: connected
	// infermux <nil> dials: 1
	// state: closed
}

func ExampleBlockingSend() {
	ctx := context.Background()
	a, b := transport.NewChannelPair(1)
	defer a.Close()
	a.Send(ctx, ping("a"))
	fmt.Println(errors.Is(a.Send(ctx, ping("a")), transport.ErrFull))

	done := make(chan error)
	go func() { done <- transport.BlockingSend(ctx, a, ping("a")) }() // waits for room
	b.Receive(ctx)
	fmt.Println(<-done)
	// Output:
	// true
	// <nil>
}

func ExampleNewStdioFrom() {
	ctx := context.Background()
	s := transport.NewStdioFrom(nil, os.Stdout) // NewStdio() uses os.Stdin and os.Stdout
	defer s.Close()                             // never closes os.Stdout
	if err := s.Send(ctx, ping("cli")); err != nil {
		panic(err)
	}
	// Output:
	// {"version":"1","id":"4bf92f3577b34da6a3ce929d0e0e4736","source":"cli","type":"health.ping","timestamp_ns":1767225600000000000,"payload":{"from":"cli"},"checksum":3614036263}
}
