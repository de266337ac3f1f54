package protocol_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// addVectorSeeds adds the stored inputs of the golden vectors to the corpus.
func addVectorSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(b, &v); err != nil {
			f.Fatal(err)
		}
		if v.Input.Expand == nil {
			f.Add([]byte(v.Input.Text))
		}
	}
}

// FuzzUnmarshal asserts that Unmarshal never panics, rejects only with code
// protocol, and that every accepted message survives Marshal and Unmarshal
// unchanged, field by field and byte for byte.
func FuzzUnmarshal(f *testing.F) {
	addVectorSeeds(f)
	f.Add([]byte(`{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":{ "a" : "<\u2028>" },"checksum":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := protocol.Unmarshal(data)
		if err != nil {
			if m != nil || errors.Code(err) != errors.CodeProtocol {
				t.Fatalf("Unmarshal(%q) = %v, %v; want nil and code protocol", data, m, err)
			}
			return
		}
		if !m.VerifyChecksum() {
			t.Fatalf("accepted %q but VerifyChecksum() = false", data)
		}
		b, err := m.Marshal()
		if err != nil {
			t.Fatalf("Marshal after accepting %q: %v", data, err)
		}
		m2, err := protocol.Unmarshal(b)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(m)) = %v\ninput: %q\nmarshalled: %s", err, data, b)
		}
		same := m.Version == m2.Version && m.ID == m2.ID && m.Source == m2.Source && m.Type == m2.Type &&
			m.TimestampNS == m2.TimestampNS && m.Checksum == m2.Checksum
		// A missing payload is written as null; otherwise the bytes match.
		samePayload := bytes.Equal(m.Payload, m2.Payload) || (len(m.Payload) == 0 && string(m2.Payload) == "null")
		if !same || !samePayload {
			t.Fatalf("round trip changed the message\ninput: %q\nfirst:  %+v payload %s\nsecond: %+v payload %s", data, m, m.Payload, m2, m2.Payload)
		}
		b2, err := m2.Marshal()
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("Marshal is not stable: %s then %s (%v)", b, b2, err)
		}
	})
}

// FuzzDecodeAs asserts that decoding any payload into each registered type
// either succeeds or fails with code protocol, and never panics.
func FuzzDecodeAs(f *testing.F) {
	addVectorSeeds(f)
	f.Add([]byte(`null`))
	f.Add([]byte(`{"count":"x","fields":[{"required":1}],"attrs":{"a":[1,{}]}}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, payload []byte) {
		m := &protocol.Message{Type: "fuzz", Payload: payload}
		check := func(name string, err error) {
			if err != nil && errors.Code(err) != errors.CodeProtocol {
				t.Fatalf("%s on %q: %v, want nil or code protocol", name, payload, err)
			}
		}
		_, err := protocol.DecodeAs[protocol.DataEntities](m)
		check("DecodeAs[DataEntities]", err)
		_, err = protocol.DecodeAs[protocol.DataSchema](m)
		check("DecodeAs[DataSchema]", err)
		_, err = protocol.DecodeAs[protocol.InferRequest](m)
		check("DecodeAs[InferRequest]", err)
		_, err = protocol.DecodeAs[protocol.InferResponse](m)
		check("DecodeAs[InferResponse]", err)
		_, err = protocol.DecodeAs[protocol.EvalRun](m)
		check("DecodeAs[EvalRun]", err)
		_, err = protocol.DecodeAs[protocol.EvalResult](m)
		check("DecodeAs[EvalResult]", err)
		_, err = protocol.DecodeAs[protocol.TraceSpan](m)
		check("DecodeAs[TraceSpan]", err)
		_, err = protocol.DecodeAs[protocol.TraceAlert](m)
		check("DecodeAs[TraceAlert]", err)
		_, err = protocol.DecodeAs[protocol.HealthPing](m)
		check("DecodeAs[HealthPing]", err)
		_, err = protocol.DecodeAs[protocol.HealthPong](m)
		check("DecodeAs[HealthPong]", err)
		for _, typ := range []string{
			protocol.TypeDataEntities, protocol.TypeDataSchema, protocol.TypeInferRequest, protocol.TypeInferResponse,
			protocol.TypeEvalRun, protocol.TypeEvalResult, protocol.TypeTraceSpan, protocol.TypeTraceAlert,
			protocol.TypeHealthPing, protocol.TypeHealthPong,
		} {
			v, _ := protocol.PayloadFor(typ)
			check("Decode into PayloadFor("+typ+")", m.Decode(v))
		}
	})
}
