package benchmarks

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"
	"github.com/greynewell/mist-go/protocol"
)

// The envelope codec of protocol against encoding/json and
// github.com/goccy/go-json on the same message: a checksummed
// infer.request whose payload is about 1 KB (the message protocol's own
// BenchmarkMarshal1KB uses).
//
// What each side does per operation:
//
//   - Marshal. All three write the same bytes (TestEnvelopePeersAgree):
//     the header strings escaped, the payload validated and compacted with
//     <, > and & escaped, checksum omitted when 0. protocol sizes the
//     output first and allocates it once.
//   - Unmarshal. encoding/json and goccy decode into a new
//     protocol.Message: they validate the JSON, unescape the strings and
//     copy the payload. protocol.Unmarshal does that too and then what they
//     do not: it checks the header (Validate), the version, the CRC-32 of
//     the payload, and stores the payload in canonical form. So the
//     comparison is of the codec work, with protocol doing a little more.

// envelope returns the 1 KB message and its encoding.
func envelope(tb testing.TB) (*protocol.Message, []byte) {
	tb.Helper()
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
		tb.Fatal(err)
	}
	if n := len(m.Payload); n < 1000 || n > 1100 {
		tb.Fatalf("payload is %d bytes, want about 1 KB", n)
	}
	m.ComputeChecksum()
	data, err := m.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return m, data
}

// TestEnvelopePeersAgree checks that the benchmarks compare like with
// like: the three encoders write the same bytes, and the three decoders
// read the same message back.
func TestEnvelopePeersAgree(t *testing.T) {
	m, ours := envelope(t)
	std, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	goccy, err := gojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, std) {
		t.Errorf("protocol Marshal = %s\nencoding/json gives %s", ours, std)
	}
	if !bytes.Equal(goccy, std) {
		t.Errorf("goccy Marshal = %s\nencoding/json gives %s", goccy, std)
	}

	got, err := protocol.Unmarshal(ours)
	if err != nil {
		t.Fatal(err)
	}
	var viaStd, viaGoccy protocol.Message
	if err := json.Unmarshal(ours, &viaStd); err != nil {
		t.Fatal(err)
	}
	if err := gojson.Unmarshal(ours, &viaGoccy); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, *m) {
		t.Errorf("protocol Unmarshal = %+v, want %+v", got, m)
	}
	if !reflect.DeepEqual(viaStd, *m) {
		t.Errorf("encoding/json Unmarshal = %+v, want %+v", viaStd, m)
	}
	if !reflect.DeepEqual(viaGoccy, *m) {
		t.Errorf("goccy Unmarshal = %+v, want %+v", viaGoccy, m)
	}
}

// warmUp is how many times each side runs before the measured runs, so
// that the heap and the caches are warm for the first of them too.
const warmUp = 2000

func BenchmarkEnvelopeMarshal(b *testing.B) {
	m, data := envelope(b)
	bms := []struct {
		name    string
		marshal func(*protocol.Message) ([]byte, error)
	}{
		{"protocol", (*protocol.Message).Marshal},
		{"encoding-json", func(m *protocol.Message) ([]byte, error) { return json.Marshal(m) }},
		{"goccy", func(m *protocol.Message) ([]byte, error) { return gojson.Marshal(m) }},
	}
	for _, bm := range bms { // warm up, so that the order of the runs does not matter
		for range warmUp {
			_, _ = bm.marshal(m)
		}
	}
	for _, bm := range bms {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.marshal(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEnvelopeUnmarshal(b *testing.B) {
	_, data := envelope(b)
	bms := []struct {
		name      string
		unmarshal func([]byte) (*protocol.Message, error)
	}{
		{"protocol", protocol.Unmarshal},
		{"encoding-json", func(data []byte) (*protocol.Message, error) {
			m := new(protocol.Message)
			return m, json.Unmarshal(data, m)
		}},
		{"goccy", func(data []byte) (*protocol.Message, error) {
			m := new(protocol.Message)
			return m, gojson.Unmarshal(data, m)
		}},
	}
	for _, bm := range bms {
		for range warmUp {
			_, _ = bm.unmarshal(data)
		}
	}
	for _, bm := range bms {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.unmarshal(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
