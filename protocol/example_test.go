package protocol_test

import (
	"fmt"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

func Example() {
	// The sender builds a message and writes it with a checksum.
	msg, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeInferRequest, protocol.InferRequest{
		Model:    "auto",
		Messages: []protocol.ChatMessage{{Role: "user", Content: "Is 2 < 3?"}},
	})
	if err != nil {
		panic(err)
	}
	data, err := msg.MarshalWithChecksum()
	if err != nil {
		panic(err)
	}

	// The receiver checks the envelope and decodes the typed payload.
	got, err := protocol.Unmarshal(data)
	if err != nil {
		panic(err)
	}
	req, err := protocol.DecodeAs[protocol.InferRequest](got)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Version, got.Source, got.Type, got.VerifyChecksum())
	fmt.Println(req.Model, req.Messages[0].Content)
	fmt.Println(string(got.Payload))
	// Output:
	// 1 matchspec infer.request true
	// auto Is 2 < 3?
	// {"model":"auto","messages":[{"role":"user","content":"Is 2 \u003c 3?"}]}
}

func ExampleMessage_Marshal() {
	msg := &protocol.Message{
		Version:     protocol.CurrentVersion,
		ID:          "4bf92f3577b34da6a3ce929d0e0e4736",
		Source:      protocol.SourceInferMux,
		Type:        protocol.TypeHealthPong,
		TimestampNS: 1767225600000000000,
		Payload:     []byte(`{"from":"infermux","version":"0.4.0","uptime_s":3600}`),
	}
	b, _ := msg.Marshal()
	fmt.Println(string(b))

	msg.ComputeChecksum()
	b, _ = msg.Marshal()
	fmt.Println(string(b))
	// Output:
	// {"version":"1","id":"4bf92f3577b34da6a3ce929d0e0e4736","source":"infermux","type":"health.pong","timestamp_ns":1767225600000000000,"payload":{"from":"infermux","version":"0.4.0","uptime_s":3600}}
	// {"version":"1","id":"4bf92f3577b34da6a3ce929d0e0e4736","source":"infermux","type":"health.pong","timestamp_ns":1767225600000000000,"payload":{"from":"infermux","version":"0.4.0","uptime_s":3600},"checksum":2272567501}
}

func ExampleUnmarshal() {
	inputs := []string{
		`{"version":"99","id":"a","source":"s","type":"health.ping","timestamp_ns":1,"payload":{}}`,
		`{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":0,"payload":{}}`,
		`{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1,"payload":{},"checksum":42}`,
		`{"version":"1","id":"a","type":"health.ping","timestamp_ns":1}`,
		`{"version":"1",`,
	}
	for _, in := range inputs {
		_, err := protocol.Unmarshal([]byte(in))
		var e *errors.Error
		errors.As(err, &e)
		fmt.Printf("%s [%s]\n", e.Message, e.Meta["reason"])
	}
	// Output:
	// message version "99" is too new: supported versions are 1-1 [version]
	// message timestamp_ns is 0, want > 0 [timestamp]
	// message checksum 42 does not match payload checksum 2745614147 [checksum]
	// message source is missing [missing_field]
	// message is not valid json [json]
}

func ExamplePayloadFor() {
	msg, _ := protocol.New(protocol.SourceTokenTrace, protocol.TypeTraceAlert, protocol.TraceAlert{
		Level: "warning", Metric: "infer.latency_p99_ms", Value: 2150, Threshold: 2000,
	})
	v, ok := protocol.PayloadFor(msg.Type)
	if !ok {
		return
	}
	if err := msg.Decode(v); err != nil {
		panic(err)
	}
	switch p := v.(type) {
	case *protocol.TraceAlert:
		fmt.Printf("%s: %s = %g > %g\n", p.Level, p.Metric, p.Value, p.Threshold)
	}
	// Output:
	// warning: infer.latency_p99_ms = 2150 > 2000
}

func ExampleNegotiateVersion() {
	v, err := protocol.NegotiateVersion("1-3", "2-5")
	fmt.Println(v, err)
	_, err = protocol.NegotiateVersion("1", "2-3")
	fmt.Println(err)
	fmt.Println(protocol.CheckVersion("0"))
	fmt.Println(protocol.IsCompatible(protocol.CurrentVersion))
	fmt.Println(protocol.VersionInfo())
	// Output:
	// 3 <nil>
	// protocol: negotiate version: local "1" and remote "2-3" have no version in common
	// protocol: message version "0" is too old: supported versions are 1-1
	// true
	// MIST protocol version 1
}
