package transporttest_test

import (
	"context"
	"fmt"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

func pong() *protocol.Message {
	return &protocol.Message{
		Version: "1", ID: "4bf92f3577b34da6a3ce929d0e0e4736", Source: protocol.SourceInferMux,
		Type: protocol.TypeHealthPong, TimestampNS: 1767225600000000000, Payload: []byte(`{"from":"infermux"}`),
	}
}

// ping sends a health.ping and waits for the reply: the code under test.
func ping(ctx context.Context, t transport.Transport) (string, error) {
	m, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeHealthPing, protocol.HealthPing{From: "matchspec"})
	if err != nil {
		return "", err
	}
	if err := t.Send(ctx, m); err != nil {
		return "", err
	}
	reply, err := t.Receive(ctx)
	if err != nil {
		return "", err
	}
	return reply.Type, nil
}

func ExampleMock() {
	ctx := context.Background()
	m := transporttest.NewMock(pong())
	fmt.Println(ping(ctx, m))
	fmt.Println(len(m.Sent()), m.Sent()[0].Type)

	m.SetSendError(errors.New(errors.CodeUnavailable, "down"))
	fmt.Println(ping(ctx, m))
	// Output:
	// health.pong <nil>
	// 1 health.ping
	//  unavailable: down
}

func ExampleFault() {
	ctx := context.Background()
	f := transporttest.NewFault(transporttest.NewMock(pong()), transporttest.FaultConfig{ErrorRate: 1})
	_, err := ping(ctx, f)
	fmt.Println(errors.Code(err), errors.IsRetryable(err))
	// Output:
	// transport true
}

func ExampleRecord() {
	ctx := context.Background()
	r := transporttest.NewRecord(transporttest.NewMock(pong()))
	ping(ctx, r)
	fmt.Println(len(r.Sent()), len(r.Received()))

	replay := r.Replay() // a Mock that answers the same again
	fmt.Println(ping(ctx, replay))
	// Output:
	// 1 1
	// health.pong <nil>
}
