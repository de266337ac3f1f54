package protocol_test

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// reasonOf returns the code and Meta["reason"] of a protocol error.
func reasonOf(err error) (code, reason, field string) {
	var e *errors.Error
	if !errors.As(err, &e) {
		return errors.Code(err), "", ""
	}
	return e.Code, e.Meta["reason"], e.Meta["field"]
}

// validMessage returns a checksummed health.ping message.
func validMessage(t *testing.T) *protocol.Message {
	t.Helper()
	m, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeHealthPing, protocol.HealthPing{From: "matchspec"})
	if err != nil {
		t.Fatal(err)
	}
	m.ComputeChecksum()
	return m
}

func marshal(t *testing.T, m *protocol.Message) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return b
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestNew(t *testing.T) {
	before := time.Now().UnixNano()
	m, err := protocol.New(protocol.SourceInferMux, protocol.TypeInferResponse, protocol.InferResponse{Model: "m", Content: "<b>"})
	after := time.Now().UnixNano()
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != protocol.CurrentVersion {
		t.Errorf("Version = %q, want %q", m.Version, protocol.CurrentVersion)
	}
	if !hexID.MatchString(m.ID) {
		t.Errorf("ID = %q, want 32 lower-case hex chars", m.ID)
	}
	if m.Source != protocol.SourceInferMux || m.Type != protocol.TypeInferResponse {
		t.Errorf("Source, Type = %q, %q, want %q, %q", m.Source, m.Type, protocol.SourceInferMux, protocol.TypeInferResponse)
	}
	if m.TimestampNS < before || m.TimestampNS > after {
		t.Errorf("TimestampNS = %d, want in [%d, %d]", m.TimestampNS, before, after)
	}
	if m.Checksum != 0 {
		t.Errorf("Checksum = %d, want 0 (absent)", m.Checksum)
	}
	want, _ := json.Marshal(protocol.InferResponse{Model: "m", Content: "<b>"})
	if !bytes.Equal(m.Payload, want) {
		t.Errorf("Payload = %s, want %s", m.Payload, want)
	}
	m2, _ := protocol.New("a", "b", nil)
	if m2.ID == m.ID {
		t.Errorf("two messages share ID %q", m.ID)
	}
	if string(m2.Payload) != "null" {
		t.Errorf("New with nil payload: Payload = %s, want null", m2.Payload)
	}
	// New does not validate source or type.
	if m3, err := protocol.New("", "", 1); err != nil || m3.Source != "" || m3.Type != "" {
		t.Errorf(`New("", "", 1) = %+v, %v; want empty source and type, no error`, m3, err)
	}
}

func TestNewUnencodablePayload(t *testing.T) {
	for _, p := range []any{make(chan int), math.NaN(), map[string]any{"f": func() {}}} {
		m, err := protocol.New("s", "t", p)
		if m != nil || errors.Code(err) != errors.CodeValidation {
			t.Errorf("New(%T) = %v, %v; want nil and code validation", p, m, err)
		}
	}
}

func TestValidate(t *testing.T) {
	good := func() *protocol.Message {
		return &protocol.Message{Version: "1", ID: "x", Source: "s", Type: "t", TimestampNS: 1}
	}
	tests := []struct {
		name   string
		edit   func(*protocol.Message)
		reason string
		field  string
	}{
		{"ok without payload", func(m *protocol.Message) {}, "", ""},
		{"ok with null payload", func(m *protocol.Message) { m.Payload = json.RawMessage("null") }, "", ""},
		{"unchecked id format and version", func(m *protocol.Message) { m.ID = "not hex"; m.Version = "99" }, "", ""},
		{"unchecked checksum", func(m *protocol.Message) { m.Checksum = 12345 }, "", ""},
		{"no version", func(m *protocol.Message) { m.Version = "" }, "missing_field", "version"},
		{"no id", func(m *protocol.Message) { m.ID = "" }, "missing_field", "id"},
		{"no source", func(m *protocol.Message) { m.Source = "" }, "missing_field", "source"},
		{"no type", func(m *protocol.Message) { m.Type = "" }, "missing_field", "type"},
		{"version checked before id", func(m *protocol.Message) { m.Version, m.ID = "", "" }, "missing_field", "version"},
		{"type checked before timestamp", func(m *protocol.Message) { m.Type, m.TimestampNS = "", 0 }, "missing_field", "type"},
		{"zero timestamp", func(m *protocol.Message) { m.TimestampNS = 0 }, "timestamp", "timestamp_ns"},
		{"negative timestamp", func(m *protocol.Message) { m.TimestampNS = -1 }, "timestamp", "timestamp_ns"},
		{"payload at the limit", func(m *protocol.Message) { m.Payload = make([]byte, protocol.MaxMessageSize) }, "", ""},
		{"payload over the limit", func(m *protocol.Message) { m.Payload = make([]byte, protocol.MaxMessageSize+1) }, "size", "payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good()
			tt.edit(m)
			err := m.Validate()
			if tt.reason == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			code, reason, field := reasonOf(err)
			if code != errors.CodeProtocol || reason != tt.reason || field != tt.field {
				t.Errorf("Validate() = %v (code %q reason %q field %q), want code protocol reason %q field %q", err, code, reason, field, tt.reason, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Validate() = %q, want the field %q named", err, tt.field)
			}
		})
	}
	var nilMsg *protocol.Message
	if code, _, _ := reasonOf(nilMsg.Validate()); code != errors.CodeProtocol {
		t.Errorf("nil.Validate() code = %q, want protocol", code)
	}
	nilMsg.ComputeChecksum() // does nothing
	if nilMsg.VerifyChecksum() {
		t.Error("nil.VerifyChecksum() = true, want false")
	}
}

func TestUnmarshalErrors(t *testing.T) {
	m := validMessage(t)
	good := string(marshal(t, m))
	tests := []struct {
		name   string
		in     string
		reason string
		field  string
	}{
		{"oversize garbage is not parsed", strings.Repeat("x", protocol.MaxMessageSize+1), "size", ""},
		{"syntax", `{"version":`, "json", ""},
		{"not an object", `"hello"`, "json", ""},
		{"null", `null`, "json", ""},
		{"version type", strings.Replace(good, `"version":"1"`, `"version":true`, 1), "field_type", "version"},
		{"id type", strings.Replace(good, `"id":"`+m.ID+`"`, `"id":{}`, 1), "field_type", "id"},
		{"source type", strings.Replace(good, `"source":"matchspec"`, `"source":["a"]`, 1), "field_type", "source"},
		{"type type", strings.Replace(good, `"type":"health.ping"`, `"type":1`, 1), "field_type", "type"},
		{"timestamp overflow", strings.Replace(good, `"timestamp_ns":`, `"timestamp_ns":99999999999999999999`+`,"x":`, 1), "field_type", "timestamp_ns"},
		{"checksum string", strings.Replace(good, `"checksum":`, `"checksum":"1","x":`, 1), "field_type", "checksum"},
		{"missing source", strings.Replace(good, `"source":"matchspec"`, `"Source":"matchspec"`, 1), "missing_field", "source"},
		{"timestamp zero", strings.Replace(good, `"timestamp_ns":`, `"timestamp_ns":0,"x":`, 1), "timestamp", "timestamp_ns"},
		{"version too new", strings.Replace(good, `"version":"1"`, `"version":"2"`, 1), "version", "version"},
		{"version blank", strings.Replace(good, `"version":"1"`, `"version":"  "`, 1), "version", "version"},
		{"version signed", strings.Replace(good, `"version":"1"`, `"version":"+1"`, 1), "version", "version"},
		{"payload altered", strings.Replace(good, `"from":"matchspec"`, `"from":"matchspec "`, 1), "checksum", "checksum"},
	}
	messages := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := protocol.Unmarshal([]byte(tt.in))
			code, reason, field := reasonOf(err)
			if got != nil || code != errors.CodeProtocol || reason != tt.reason || field != tt.field {
				t.Fatalf("Unmarshal = %v, %v (code %q reason %q field %q); want nil, code protocol reason %q field %q",
					got, err, code, reason, field, tt.reason, tt.field)
			}
			if tt.field != "" && !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Unmarshal error %q does not name %q", err, tt.field)
			}
			messages[tt.reason+"/"+tt.field] = err.Error()
		})
	}
	// Each class of failure has its own message.
	seen := map[string]string{}
	for k, msg := range messages {
		if prev, dup := seen[msg]; dup {
			t.Errorf("%s and %s share the message %q", prev, k, msg)
		}
		seen[msg] = k
	}
}

func TestUnmarshalIgnoresUnknownKeys(t *testing.T) {
	m := validMessage(t)
	in := strings.TrimSuffix(string(marshal(t, m)), "}") + `,"extra":{"nested":[1,2]},"ID":"other"}`
	got, err := protocol.Unmarshal([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !sameMessage(got, m) {
		t.Errorf("Unmarshal = %+v, want %+v", got, m)
	}
}

// sameMessage reports whether a and b have the same fields and payload bytes.
func sameMessage(a, b *protocol.Message) bool {
	return a.Version == b.Version && a.ID == b.ID && a.Source == b.Source && a.Type == b.Type &&
		a.TimestampNS == b.TimestampNS && a.Checksum == b.Checksum && bytes.Equal(a.Payload, b.Payload)
}

func TestMarshalRoundTrip(t *testing.T) {
	m := validMessage(t)
	b := marshal(t, m)
	got, err := protocol.Unmarshal(b)
	if err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if !sameMessage(got, m) {
		t.Errorf("Unmarshal(Marshal(m)) = %+v, want %+v", got, m)
	}
	if !got.VerifyChecksum() {
		t.Error("VerifyChecksum() = false after a round trip")
	}
}

func TestMarshalFormat(t *testing.T) {
	m := &protocol.Message{Version: "1", ID: "abc", Source: "s<", Type: "t", TimestampNS: 5, Payload: json.RawMessage(`{ "a" : "x&y" }`)}
	got := string(marshal(t, m))
	want := `{"version":"1","id":"abc","source":"s\u003c","type":"t","timestamp_ns":5,"payload":{"a":"x\u0026y"}}`
	if got != want {
		t.Errorf("Marshal() = %s, want %s", got, want)
	}
	// It is exactly what encoding/json writes for the struct.
	std, _ := json.Marshal(m)
	if got != string(std) {
		t.Errorf("Marshal() = %s, encoding/json gives %s", got, std)
	}
	m.Checksum = 7
	if got := string(marshal(t, m)); !strings.HasSuffix(got, `,"checksum":7}`) {
		t.Errorf("Marshal() with checksum = %s, want it to end with the checksum", got)
	}
	m.Payload = nil
	m.Checksum = 0
	if got := string(marshal(t, m)); !strings.HasSuffix(got, `"payload":null}`) {
		t.Errorf("Marshal() without payload = %s, want payload null", got)
	}
}

func TestMarshalErrors(t *testing.T) {
	var nilMsg *protocol.Message
	if _, err := nilMsg.Marshal(); errors.Code(err) != errors.CodeValidation {
		t.Errorf("nil.Marshal() error = %v, want code validation", err)
	}
	if _, err := nilMsg.MarshalWithChecksum(); errors.Code(err) != errors.CodeValidation {
		t.Errorf("nil.MarshalWithChecksum() error = %v, want code validation", err)
	}
	m := &protocol.Message{Version: "1", ID: "a", Source: "s", Type: "t", TimestampNS: 1, Payload: json.RawMessage(`{bad`)}
	if _, err := m.Marshal(); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Marshal() of an invalid payload: error = %v, want code validation", err)
	}
}

func TestMarshalWithChecksum(t *testing.T) {
	m := validMessage(t)
	m.Checksum = 0
	orig := *m
	b, err := m.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	if m.Checksum != 0 || !bytes.Equal(m.Payload, orig.Payload) {
		t.Errorf("MarshalWithChecksum modified m: %+v", m)
	}
	got, err := protocol.Unmarshal(b)
	if err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if want := crc32.ChecksumIEEE(m.Payload); got.Checksum != want {
		t.Errorf("checksum = %d, want %d", got.Checksum, want)
	}

	// A non-compact payload is written compact, with the matching checksum.
	m.Payload = json.RawMessage(`{ "from" : "a<b" }`)
	b, err = m.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Payload) != `{ "from" : "a<b" }` {
		t.Errorf("MarshalWithChecksum modified the payload to %s", m.Payload)
	}
	if _, err := protocol.Unmarshal(b); err != nil {
		t.Errorf("Unmarshal(MarshalWithChecksum()) = %v for %s", err, b)
	}
}

func TestChecksum(t *testing.T) {
	m := validMessage(t)
	if want := crc32.ChecksumIEEE(m.Payload); m.Checksum != want {
		t.Errorf("ComputeChecksum: Checksum = %d, want CRC-32 %d", m.Checksum, want)
	}
	if !m.VerifyChecksum() {
		t.Error("VerifyChecksum() = false right after ComputeChecksum")
	}
	m.Checksum++
	if m.VerifyChecksum() {
		t.Error("VerifyChecksum() = true for a wrong checksum")
	}
	m.Checksum = 0
	if !m.VerifyChecksum() {
		t.Error("VerifyChecksum() = false for an absent checksum")
	}

	// ComputeChecksum canonicalises the payload first, so that it matches
	// what Marshal writes.
	m.Payload = json.RawMessage("{ \"from\" : \"x>y\" }")
	m.ComputeChecksum()
	if want := `{"from":"x\u003ey"}`; string(m.Payload) != want {
		t.Errorf("payload after ComputeChecksum = %s, want %s", m.Payload, want)
	}
	if _, err := protocol.Unmarshal(marshal(t, m)); err != nil {
		t.Errorf("Unmarshal(Marshal()) after ComputeChecksum: %v", err)
	}

	// An absent payload is checksummed as null, as it is written.
	m.Payload = nil
	m.ComputeChecksum()
	if want := crc32.ChecksumIEEE([]byte("null")); m.Checksum != want {
		t.Errorf("checksum of an absent payload = %d, want %d (the CRC of null)", m.Checksum, want)
	}
	got, err := protocol.Unmarshal(marshal(t, m))
	if err != nil || string(got.Payload) != "null" || got.Checksum != m.Checksum {
		t.Errorf("round trip of an absent payload = %+v, %v", got, err)
	}

	// An invalid payload is checksummed as stored.
	m.Payload = json.RawMessage("{x")
	m.ComputeChecksum()
	if want := crc32.ChecksumIEEE([]byte("{x")); m.Checksum != want || string(m.Payload) != "{x" {
		t.Errorf("ComputeChecksum of invalid JSON: payload %s checksum %d, want {x and %d", m.Payload, m.Checksum, want)
	}
}

// Fixed on purpose: a payload whose CRC is 0 gets checksum 1 and verifies.
func TestChecksumOfZeroCRC(t *testing.T) {
	if got := protocol.StoredChecksum(0); got != 1 {
		t.Errorf("StoredChecksum(0) = %d, want 1", got)
	}
	if got := protocol.StoredChecksum(0xdeadbeef); got != 0xdeadbeef {
		t.Errorf("StoredChecksum(0xdeadbeef) = %#x, want it unchanged", got)
	}
	m := validMessage(t)
	m.Payload = zeroCRCPayload()
	m.ComputeChecksum()
	if m.Checksum != 1 {
		t.Fatalf("checksum of %s = %d, want 1", m.Payload, m.Checksum)
	}
	if !m.VerifyChecksum() {
		t.Error("VerifyChecksum() = false")
	}
	got, err := protocol.Unmarshal(marshal(t, m))
	if err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if got.Checksum != 1 || !bytes.Equal(got.Payload, m.Payload) {
		t.Errorf("Unmarshal: checksum %d payload %s, want 1 and %s", got.Checksum, got.Payload, m.Payload)
	}
	if p, err := protocol.DecodeAs[protocol.HealthPing](got); err != nil || !strings.HasPrefix(p.From, "crc32 is zero") {
		t.Errorf("DecodeAs = %+v, %v", p, err)
	}
}

// Fixed on purpose: Unmarshal rejects version "99", a payload altered after
// checksumming, and timestamp_ns <= 0.
func TestUnmarshalFixedOnPurpose(t *testing.T) {
	m := validMessage(t)
	good := string(marshal(t, m))
	tests := []struct {
		name, in, reason string
	}{
		{"version 99", strings.Replace(good, `"version":"1"`, `"version":"99"`, 1), "version"},
		{"payload altered", strings.Replace(good, `"from":"matchspec"`, `"from":"infermux"`, 1), "checksum"},
		{"timestamp 0", strings.Replace(good, `"timestamp_ns":`, `"timestamp_ns":0,"x":`, 1), "timestamp"},
		{"timestamp -1", strings.Replace(good, `"timestamp_ns":`, `"timestamp_ns":-1,"x":`, 1), "timestamp"},
	}
	for _, tt := range tests {
		_, err := protocol.Unmarshal([]byte(tt.in))
		if code, reason, _ := reasonOf(err); code != errors.CodeProtocol || reason != tt.reason {
			t.Errorf("%s: Unmarshal error = %v, want code protocol, reason %s", tt.name, err, tt.reason)
		}
	}
	_, err := protocol.Unmarshal([]byte(strings.Replace(good, `"version":"1"`, `"version":"99"`, 1)))
	if !strings.Contains(err.Error(), "too new") {
		t.Errorf("version 99 error = %q, want it to say too new", err)
	}
}

func TestUnmarshalCanonicalisesPayload(t *testing.T) {
	spaced := "{ \"from\" : \"a<b\"\n}"
	in := `{"version":"1","id":"x","source":"s","type":"health.ping","timestamp_ns":1,"payload":` + spaced +
		`,"checksum":` + jsonUint(crc32.ChecksumIEEE([]byte(spaced))) + `}`
	m, err := protocol.Unmarshal([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"from":"a\u003cb"}`; string(m.Payload) != want {
		t.Errorf("Payload = %s, want %s", m.Payload, want)
	}
	if want := crc32.ChecksumIEEE(m.Payload); m.Checksum != want {
		t.Errorf("Checksum = %d, want %d, the checksum of the stored payload", m.Checksum, want)
	}
	again, err := protocol.Unmarshal(marshal(t, m))
	if err != nil {
		t.Fatalf("second Unmarshal: %v", err)
	}
	if !sameMessage(again, m) {
		t.Errorf("second Unmarshal = %+v, want %+v", again, m)
	}
}

func jsonUint(v uint32) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDecode(t *testing.T) {
	m, _ := protocol.New("s", protocol.TypeEvalResult, protocol.EvalResult{Suite: "x", Score: 0.5})
	got, err := protocol.DecodeAs[protocol.EvalResult](m)
	if err != nil || got.Suite != "x" || got.Score != 0.5 {
		t.Errorf("DecodeAs = %+v, %v", got, err)
	}
	var v protocol.EvalResult
	if err := m.Decode(&v); err != nil || v != got {
		t.Errorf("Decode = %+v, %v; want %+v", v, err, got)
	}
	ptr, err := protocol.DecodeAs[*protocol.EvalResult](m)
	if err != nil || ptr == nil || *ptr != got {
		t.Errorf("DecodeAs[*EvalResult] = %v, %v", ptr, err)
	}

	null := &protocol.Message{Payload: json.RawMessage("null")}
	if got, err := protocol.DecodeAs[protocol.EvalResult](null); err != nil || got != (protocol.EvalResult{}) {
		t.Errorf("DecodeAs(null payload) = %+v, %v; want zero value, nil", got, err)
	}
	bad := []struct {
		name string
		m    *protocol.Message
	}{
		{"nil message", nil},
		{"nil payload", &protocol.Message{}},
		{"empty payload", &protocol.Message{Payload: json.RawMessage{}}},
		{"wrong type", &protocol.Message{Payload: json.RawMessage(`[1]`)}},
		{"invalid json", &protocol.Message{Payload: json.RawMessage(`{`)}},
	}
	for _, tt := range bad {
		if _, err := protocol.DecodeAs[protocol.EvalResult](tt.m); errors.Code(err) != errors.CodeProtocol {
			t.Errorf("DecodeAs(%s) error = %v, want code protocol", tt.name, err)
		}
		var v protocol.EvalResult
		if err := tt.m.Decode(&v); errors.Code(err) != errors.CodeProtocol {
			t.Errorf("Decode(%s) error = %v, want code protocol", tt.name, err)
		}
	}
}

// Concurrent reads of a message are safe; run with -race.
func TestConcurrentReads(t *testing.T) {
	m := validMessage(t)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				_, _ = m.Marshal()
				_, _ = m.MarshalWithChecksum()
				_ = m.VerifyChecksum()
				_ = m.Validate()
				_, _ = protocol.DecodeAs[protocol.HealthPing](m)
			}
		}()
	}
	for range 4 {
		<-done
	}
}

func TestDecodeErrorNamesType(t *testing.T) {
	for _, tt := range []struct{ typ, want string }{
		{protocol.TypeHealthPing, "protocol: decode health.ping payload: "},
		{"", "protocol: decode payload: "},
	} {
		m := &protocol.Message{Type: tt.typ, Payload: []byte(`{"from":5}`)}
		var p protocol.HealthPing
		err := m.Decode(&p)
		if errors.Code(err) != errors.CodeProtocol || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Decode with type %q = %v, want a protocol error starting %q", tt.typ, err, tt.want)
		}
	}
}
