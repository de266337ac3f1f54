package protocol_test

import (
	"strings"
	"testing"

	"github.com/greynewell/mist-go/protocol"
)

// benchMessage returns a checksummed message whose payload is about 1 KB.
func benchMessage(b testing.TB) *protocol.Message {
	b.Helper()
	m, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeInferRequest, protocol.InferRequest{
		Model: "auto",
		Messages: []protocol.ChatMessage{
			{Role: "system", Content: "You are a careful assistant."},
			{Role: "user", Content: strings.Repeat("Summarise the failing test output. ", 23)},
		},
		Params: map[string]any{"temperature": 0.2, "max_tokens": 256},
		Meta:   map[string]string{"suite": "swe-bench", "task": "django__django-11099"},
	})
	if err != nil {
		b.Fatal(err)
	}
	if n := len(m.Payload); n < 1000 || n > 1100 {
		b.Fatalf("payload is %d bytes, want about 1 KB", n)
	}
	m.ComputeChecksum()
	return m
}

// The envelope codec on a 1 KB payload. benchmarks/envelope_test.go runs
// the same message through encoding/json and github.com/goccy/go-json.

func BenchmarkMarshal1KB(b *testing.B) {
	m := benchMessage(b)
	data, err := m.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalWithChecksum1KB(b *testing.B) {
	m := benchMessage(b)
	data, err := m.MarshalWithChecksum()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MarshalWithChecksum(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshal1KB(b *testing.B) {
	data, err := benchMessage(b).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	p := protocol.HealthPong{From: "infermux", Version: "0.4.0", Uptime: 3600}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.New(protocol.SourceInferMux, protocol.TypeHealthPong, p); err != nil {
			b.Fatal(err)
		}
	}
}
