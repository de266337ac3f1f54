package protocol_test

import (
	"fmt"

	"github.com/greynewell/mist-go/protocol"
)

// Rollout is the payload of a message type that is not built in.
type Rollout struct {
	Model   string  `json:"model"`
	Percent float64 `json:"percent"`
}

// Register custom payload types once, at start-up.
func init() {
	protocol.RegisterPayload("infer.rollout", func() any { return new(Rollout) })
}

func ExampleRegisterPayload() {
	msg, _ := protocol.New(protocol.SourceInferMux, "infer.rollout", Rollout{Model: "claude-sonnet", Percent: 10})

	v, ok := protocol.PayloadFor(msg.Type)
	if !ok {
		return
	}
	if err := msg.Decode(v); err != nil {
		panic(err)
	}
	fmt.Printf("%T %+v\n", v, *v.(*Rollout))
	// Output:
	// *protocol_test.Rollout {Model:claude-sonnet Percent:10}
}
