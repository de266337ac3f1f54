package protocol_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors from the generator")

const vectorDir = "testdata/vectors"

// vector is the schema of one testdata/vectors/<name>.json file; see
// testdata/vectors/README.md.
type vector struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Valid       bool           `json:"valid"`
	Reason      string         `json:"reason,omitempty"`
	Field       string         `json:"field,omitempty"`
	Input       vectorBytes    `json:"input"`
	Canonical   *vectorBytes   `json:"canonical,omitempty"`
	Message     *vectorMessage `json:"message,omitempty"`
}

// vectorBytes is a JSON string holding the bytes themselves, or an
// expansion object for inputs too large to store.
type vectorBytes struct {
	Text   string
	Expand *expansion
}

type expansion struct {
	Prefix string `json:"prefix"`
	Fill   string `json:"fill"`
	Count  int    `json:"count"`
	Suffix string `json:"suffix"`
	Length int    `json:"length"`
}

func (v vectorBytes) MarshalJSON() ([]byte, error) {
	if v.Expand != nil {
		return json.Marshal(v.Expand)
	}
	return json.Marshal(v.Text)
}

func (v *vectorBytes) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		v.Expand = new(expansion)
		return json.Unmarshal(b, v.Expand)
	}
	return json.Unmarshal(b, &v.Text)
}

func (v vectorBytes) bytes() []byte {
	if v.Expand == nil {
		return []byte(v.Text)
	}
	e := v.Expand
	return []byte(e.Prefix + strings.Repeat(e.Fill, e.Count) + e.Suffix)
}

// vectorMessage is the decoded message a valid vector must give.
// timestamp_ns is a decimal string so that JavaScript keeps all 64 bits.
type vectorMessage struct {
	Version     string          `json:"version"`
	ID          string          `json:"id"`
	Source      string          `json:"source"`
	Type        string          `json:"type"`
	TimestampNS string          `json:"timestamp_ns"`
	Payload     json.RawMessage `json:"payload,omitempty"` // absent for expanded inputs
	Checksum    uint32          `json:"checksum"`
}

// Fixed values, so that the generator is deterministic.
const baseTimestamp = 1767225600000000000 // 2026-01-01T00:00:00Z

func fixedID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:16])
}

// genMessage builds the message of a vector by hand, with a checksum.
func genMessage(t *testing.T, n int, name, source, typ string, payload any) *protocol.Message {
	t.Helper()
	p, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	m := &protocol.Message{
		Version:     protocol.CurrentVersion,
		ID:          fixedID(name),
		Source:      source,
		Type:        typ,
		TimestampNS: baseTimestamp + int64(n)*1_000_000,
		Payload:     p,
	}
	m.ComputeChecksum()
	return m
}

func mustMarshal(t *testing.T, m *protocol.Message) string {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func validVector(t *testing.T, name, desc string, input vectorBytes, want *protocol.Message) vector {
	t.Helper()
	var canon vectorBytes
	p := want.Payload
	if len(p) == 0 {
		p = json.RawMessage("null")
	}
	if input.Expand != nil {
		canon = input // the expanded vectors are already canonical
		p = nil       // too large to store; the canonical bytes hold it
	} else {
		canon.Text = mustMarshal(t, want)
	}
	return vector{
		Name: name, Description: desc, Valid: true,
		Input: input, Canonical: &canon,
		Message: &vectorMessage{
			Version: want.Version, ID: want.ID, Source: want.Source, Type: want.Type,
			TimestampNS: strconv.FormatInt(want.TimestampNS, 10),
			Payload:     p, Checksum: want.Checksum,
		},
	}
}

func invalidVector(name, desc, reason, field, input string) vector {
	return vector{Name: name, Description: desc, Reason: reason, Field: field, Input: vectorBytes{Text: input}}
}

// generateVectors returns every vector, in file order.
func generateVectors(t *testing.T) []vector {
	t.Helper()
	var vs []vector
	n := 0
	typed := func(name, source, typ string, payload any) {
		n++
		m := genMessage(t, n, name, source, typ, payload)
		vs = append(vs, validVector(t, name, fmt.Sprintf("canonical %s message with checksum", typ), vectorBytes{Text: mustMarshal(t, m)}, m))
	}

	// One canonical message per built-in type.
	typed("valid_data_entities", protocol.SourceSchemaFlux, protocol.TypeDataEntities, protocol.DataEntities{
		Count: 1200, Format: "jsonl", Path: "data/entities.jsonl", Schema: "product",
		Checksum: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	})
	typed("valid_data_schema", protocol.SourceSchemaFlux, protocol.TypeDataSchema, protocol.DataSchema{
		Name: "product", Fields: []protocol.SchemaField{
			{Name: "id", Type: "string", Required: true},
			{Name: "price", Type: "number", Required: false},
		},
	})
	typed("valid_infer_request", protocol.SourceMatchSpec, protocol.TypeInferRequest, protocol.InferRequest{
		Model: "auto",
		Messages: []protocol.ChatMessage{
			{Role: "system", Content: "Answer with one word."},
			{Role: "user", Content: "Is 2 < 3 && 5 > 4? Say « oui » or « non »."},
		},
		Params: map[string]any{"temperature": 0.2, "max_tokens": 64},
		Meta:   map[string]string{"suite": "swe-bench", "task": "t-17"},
	})
	typed("valid_infer_response", protocol.SourceInferMux, protocol.TypeInferResponse, protocol.InferResponse{
		Model: "claude-sonnet", Provider: "anthropic", Content: "oui", TokensIn: 42, TokensOut: 1,
		CostUSD: 0.000129, LatencyMS: 812, FinishReason: "stop",
	})
	typed("valid_eval_run", protocol.SourceMatchSpec, protocol.TypeEvalRun, protocol.EvalRun{
		Suite: "swe-bench-verified", Tasks: []string{"django__django-11099", "sympy__sympy-20590"},
		Baseline: true, InferURL: "http://localhost:8080/mist", Tags: map[string]string{"commit": "a5d9907"},
	})
	typed("valid_eval_result", protocol.SourceMatchSpec, protocol.TypeEvalResult, protocol.EvalResult{
		Suite: "swe-bench-verified", Task: "django__django-11099", Passed: true,
		Score: 0.75, Baseline: 0.5, Delta: 0.25, DurationMS: 93000,
	})
	typed("valid_trace_span", protocol.SourceInferMux, protocol.TypeTraceSpan, protocol.TraceSpan{
		TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", ParentID: "53995c3f42cd8ad8",
		Operation: "infer", StartNS: baseTimestamp - 812_000_000, EndNS: baseTimestamp, Status: "ok",
		Attrs: map[string]any{"model": "claude-sonnet", "tokens": 43},
	})
	typed("valid_trace_alert", protocol.SourceTokenTrace, protocol.TypeTraceAlert, protocol.TraceAlert{
		Level: "warning", Metric: "infer.latency_p99_ms", Value: 2150, Threshold: 2000,
		Message: "p99 latency 2150 ms > 2000 ms",
	})
	typed("valid_health_ping", protocol.SourceMatchSpec, protocol.TypeHealthPing, protocol.HealthPing{From: "matchspec"})
	typed("valid_health_pong", protocol.SourceInferMux, protocol.TypeHealthPong, protocol.HealthPong{
		From: "infermux", Version: "0.4.0", Uptime: 3600,
	})

	// Other valid shapes.
	ping := func(name string) *protocol.Message {
		n++
		return genMessage(t, n, name, protocol.SourceMatchSpec, protocol.TypeHealthPing, protocol.HealthPing{From: "matchspec"})
	}
	header := func(m *protocol.Message) string { // the envelope up to the payload value
		return fmt.Sprintf(`{"version":%q,"id":%q,"source":%q,"type":%q,"timestamp_ns":%d,"payload":`,
			m.Version, m.ID, m.Source, m.Type, m.TimestampNS)
	}
	{
		m := ping("valid_no_checksum")
		m.Checksum = 0
		vs = append(vs, validVector(t, "valid_no_checksum", "no checksum key: nothing to verify", vectorBytes{Text: mustMarshal(t, m)}, m))
	}
	{
		m := ping("valid_unknown_keys")
		in := strings.TrimSuffix(mustMarshal(t, m), "}") + `,"priority":5,"VERSION":"99","Checksum":7}`
		vs = append(vs, validVector(t, "valid_unknown_keys", "unknown keys are ignored, and keys match case-sensitively, so VERSION and Checksum are unknown keys", vectorBytes{Text: in}, m))
	}
	{
		m := ping("valid_whitespace")
		spaced := "{ \"from\" :\t\"matchspec\" }"
		in := fmt.Sprintf("{\n  \"version\": %q,\n  \"id\": %q,\n  \"source\": %q,\n  \"type\": %q,\n  \"timestamp_ns\": %d,\n  \"payload\": %s,\n  \"checksum\": %d\n}\n",
			m.Version, m.ID, m.Source, m.Type, m.TimestampNS, spaced, crc32.ChecksumIEEE([]byte(spaced)))
		vs = append(vs, validVector(t, "valid_whitespace", "whitespace in the envelope and the payload; the checksum is over the payload as received, and the canonical form has the compact payload with its own checksum", vectorBytes{Text: in}, m))
	}
	{
		n++
		raw := `{"from":"a<b & c>d"}`
		m := genMessage(t, n, "valid_html_unescaped", protocol.SourceMatchSpec, protocol.TypeHealthPing, protocol.HealthPing{From: "a<b & c>d"})
		in := header(m) + raw + fmt.Sprintf(`,"checksum":%d}`, crc32.ChecksumIEEE([]byte(raw)))
		vs = append(vs, validVector(t, "valid_html_unescaped", "<, > and & unescaped in the payload as received; the canonical payload escapes them as \\u003c, \\u003e and \\u0026, with its own checksum", vectorBytes{Text: in}, m))
	}
	{
		m := ping("valid_null_payload")
		m.Payload = json.RawMessage("null")
		m.ComputeChecksum()
		vs = append(vs, validVector(t, "valid_null_payload", "a null payload, checksummed as the 4 bytes null", vectorBytes{Text: mustMarshal(t, m)}, m))
	}
	{
		m := ping("valid_missing_payload")
		m.Payload, m.Checksum = nil, 0
		in := strings.TrimSuffix(header(m), `,"payload":`) + "}"
		vs = append(vs, validVector(t, "valid_missing_payload", "no payload key: the canonical form writes payload null", vectorBytes{Text: in}, m))
	}
	{
		m := ping("valid_version_padded")
		m.Version = " 1 "
		vs = append(vs, validVector(t, "valid_version_padded", "the version is read after trimming spaces, and kept as received", vectorBytes{Text: mustMarshal(t, m)}, m))
	}
	{
		m := ping("valid_escaped_header")
		in := strings.Replace(mustMarshal(t, m), `"source":"matchspec"`, `"source":"match\u0073pec"`, 1)
		vs = append(vs, validVector(t, "valid_escaped_header", "a JSON escape in a header string; the canonical form writes the decoded string", vectorBytes{Text: in}, m))
	}
	{
		m := ping("valid_crc_zero")
		m.Payload = zeroCRCPayload()
		m.ComputeChecksum()
		vs = append(vs, validVector(t, "valid_crc_zero", "a payload whose CRC-32 is 0 is stored with checksum 1", vectorBytes{Text: mustMarshal(t, m)}, m))
	}
	{
		m := ping("valid_at_size_limit")
		m.Checksum = 0
		prefix, suffix := header(m)+`{"from":"`, `"}}`
		count := protocol.MaxMessageSize - len(prefix) - len(suffix)
		m.Payload = json.RawMessage(`{"from":"` + strings.Repeat("a", count) + `"}`)
		in := vectorBytes{Expand: &expansion{Prefix: prefix, Fill: "a", Count: count, Suffix: suffix, Length: protocol.MaxMessageSize}}
		vs = append(vs, validVector(t, "valid_at_size_limit", "exactly MaxMessageSize (10485760) bytes, no checksum", in, m))
	}

	// Invalid messages: each has exactly one defect.
	good := ping("invalid")
	goodText := mustMarshal(t, good)
	without := func(key string) string { // goodText without one key
		var b strings.Builder
		b.WriteString(`{`)
		first := true
		add := func(k, v string) {
			if k == key {
				return
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			b.WriteString(strconv.Quote(k) + ":" + v)
		}
		add("version", strconv.Quote(good.Version))
		add("id", strconv.Quote(good.ID))
		add("source", strconv.Quote(good.Source))
		add("type", strconv.Quote(good.Type))
		add("timestamp_ns", strconv.FormatInt(good.TimestampNS, 10))
		add("payload", string(good.Payload))
		add("checksum", strconv.FormatUint(uint64(good.Checksum), 10))
		b.WriteString("}")
		return b.String()
	}
	with := func(old, new string) string {
		if !strings.Contains(goodText, old) {
			t.Fatalf("%s does not contain %s", goodText, old)
		}
		return strings.Replace(goodText, old, new, 1)
	}
	{
		prefix, suffix := header(good)+`{"from":"`, `"}}`
		count := protocol.MaxMessageSize + 1 - len(prefix) - len(suffix)
		v := invalidVector("invalid_oversize", "one byte over MaxMessageSize; rejected before parsing", "size", "", "")
		v.Input = vectorBytes{Expand: &expansion{Prefix: prefix, Fill: "a", Count: count, Suffix: suffix, Length: protocol.MaxMessageSize + 1}}
		vs = append(vs, v)
	}
	for _, f := range []string{"version", "id", "source", "type"} {
		vs = append(vs, invalidVector("invalid_missing_"+f, "no "+f+" key", "missing_field", f, without(f)))
	}
	vs = append(vs,
		invalidVector("invalid_empty_id", "id is the empty string", "missing_field", "id", with(`"id":"`+good.ID+`"`, `"id":""`)),
		invalidVector("invalid_null_source", "source is null, which reads as empty", "missing_field", "source", with(`"source":"matchspec"`, `"source":null`)),
		invalidVector("invalid_key_case", `"Version" instead of "version": keys match case-sensitively`, "missing_field", "version", with(`"version":`, `"Version":`)),
		invalidVector("invalid_timestamp_zero", "timestamp_ns is 0", "timestamp", "timestamp_ns", with(`"timestamp_ns":`+strconv.FormatInt(good.TimestampNS, 10), `"timestamp_ns":0`)),
		invalidVector("invalid_timestamp_negative", "timestamp_ns is negative", "timestamp", "timestamp_ns", with(`"timestamp_ns":`+strconv.FormatInt(good.TimestampNS, 10), `"timestamp_ns":-1767225600000000000`)),
		invalidVector("invalid_timestamp_missing", "no timestamp_ns key", "timestamp", "timestamp_ns", without("timestamp_ns")),
		invalidVector("invalid_version_99", "version 99 is too new", "version", "version", with(`"version":"1"`, `"version":"99"`)),
		invalidVector("invalid_version_0", "version 0 is too old", "version", "version", with(`"version":"1"`, `"version":"0"`)),
		invalidVector("invalid_version_not_integer", "version 1.0 is not a decimal integer", "version", "version", with(`"version":"1"`, `"version":"1.0"`)),
		invalidVector("invalid_checksum", "checksum does not match the payload", "checksum", "checksum", with(fmt.Sprintf(`"checksum":%d`, good.Checksum), fmt.Sprintf(`"checksum":%d`, good.Checksum^1))),
		invalidVector("invalid_payload_altered", "payload changed after the checksum was computed", "checksum", "checksum", with(`"from":"matchspec"`, `"from":"matchspeC"`)),
		invalidVector("invalid_json_malformed", "truncated JSON", "json", "", goodText[:len(goodText)/2]),
		invalidVector("invalid_json_trailing", "a second value after the object", "json", "", goodText+"}"),
		invalidVector("invalid_json_empty", "no bytes at all", "json", "", ""),
		invalidVector("invalid_json_not_object", "a JSON array", "json", "", `["1"]`),
		invalidVector("invalid_json_null", "the JSON literal null", "json", "", `null`),
		invalidVector("invalid_field_type_version", "version is a number", "field_type", "version", with(`"version":"1"`, `"version":1`)),
		invalidVector("invalid_field_type_timestamp_string", "timestamp_ns is a string", "field_type", "timestamp_ns", with(`"timestamp_ns":`+strconv.FormatInt(good.TimestampNS, 10), `"timestamp_ns":"`+strconv.FormatInt(good.TimestampNS, 10)+`"`)),
		invalidVector("invalid_field_type_timestamp_float", "timestamp_ns is not an integer literal", "field_type", "timestamp_ns", with(`"timestamp_ns":`+strconv.FormatInt(good.TimestampNS, 10), `"timestamp_ns":1.767225600000000000e18`)),
		invalidVector("invalid_field_type_checksum_negative", "checksum is negative", "field_type", "checksum", with(fmt.Sprintf(`"checksum":%d`, good.Checksum), `"checksum":-1`)),
		invalidVector("invalid_field_type_checksum_overflow", "checksum does not fit in 32 bits", "field_type", "checksum", with(fmt.Sprintf(`"checksum":%d`, good.Checksum), `"checksum":4294967296`)),
	)
	return vs
}

// encodeVector returns the file contents of v.
func encodeVector(t *testing.T, v vector) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestVectors regenerates the golden vectors in memory, compares them byte
// for byte with testdata/vectors (go test -run TestVectors -update rewrites
// the files), and checks every file against Unmarshal and Marshal.
func TestVectors(t *testing.T) {
	vs := generateVectors(t)
	want := make(map[string][]byte, len(vs))
	for _, v := range vs {
		if _, dup := want[v.Name]; dup {
			t.Fatalf("vector %s generated twice", v.Name)
		}
		want[v.Name+".json"] = encodeVector(t, v)
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join(vectorDir, "*.json"))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(vectorDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(vectorDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("%s is missing; run go test -run TestVectors -update", name)
		}
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(vectorDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[name]; !ok {
			t.Errorf("%s is not generated any more; run go test -run TestVectors -update", name)
		} else if !bytes.Equal(got, w) {
			t.Errorf("%s differs from the generator; run go test -run TestVectors -update", name)
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) { checkVector(t, name, got) })
	}
}

var reasons = []string{"size", "json", "field_type", "missing_field", "timestamp", "version", "checksum"}

// checkVector checks one vector file against the package.
func checkVector(t *testing.T, name string, file []byte) {
	var v vector
	dec := json.NewDecoder(bytes.NewReader(file))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode vector: %v", err)
	}
	if v.Name+".json" != name {
		t.Errorf("name %q does not match the file name %s", v.Name, name)
	}
	if v.Valid != (v.Canonical != nil && v.Message != nil) || v.Valid == (v.Reason != "") {
		t.Fatalf("valid = %v with reason %q, canonical %v, message %v", v.Valid, v.Reason, v.Canonical != nil, v.Message != nil)
	}
	in := v.Input.bytes()
	if e := v.Input.Expand; e != nil && len(in) != e.Length {
		t.Fatalf("expanded input is %d bytes, want length %d", len(in), e.Length)
	}
	m, err := protocol.Unmarshal(in)
	if !v.Valid {
		if !slices.Contains(reasons, v.Reason) {
			t.Fatalf("reason %q is not one of %q", v.Reason, reasons)
		}
		var e *errors.Error
		if !errors.As(err, &e) {
			t.Fatalf("Unmarshal = %v, %v; want a protocol error", m, err)
		}
		if e.Code != errors.CodeProtocol || e.Meta["reason"] != v.Reason || e.Meta["field"] != v.Field {
			t.Errorf("Unmarshal error %q: code %q, reason %q, field %q; want protocol, %q, %q",
				err, e.Code, e.Meta["reason"], e.Meta["field"], v.Reason, v.Field)
		}
		return
	}
	if err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !m.VerifyChecksum() {
		t.Errorf("VerifyChecksum() = false for checksum %d", m.Checksum)
	}
	got, err := m.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if want := v.Canonical.bytes(); !bytes.Equal(got, want) {
		t.Errorf("Marshal() = %.300s, want canonical %.300s", got, want)
	}
	w := v.Message
	if m.Version != w.Version || m.ID != w.ID || m.Source != w.Source || m.Type != w.Type ||
		strconv.FormatInt(m.TimestampNS, 10) != w.TimestampNS || m.Checksum != w.Checksum {
		t.Errorf("Unmarshal header = %q %q %q %q %d %d, want %q %q %q %q %s %d",
			m.Version, m.ID, m.Source, m.Type, m.TimestampNS, m.Checksum,
			w.Version, w.ID, w.Source, w.Type, w.TimestampNS, w.Checksum)
	}
	if w.Payload == nil {
		if v.Input.Expand == nil {
			t.Errorf("message.payload is missing")
		}
	} else if !jsonEqual(t, m.Payload, w.Payload) {
		t.Errorf("payload = %.300s, want %.300s", m.Payload, w.Payload)
	}
	if v, ok := protocol.PayloadFor(m.Type); ok && string(m.Payload) != "null" && len(m.Payload) > 0 {
		if err := m.Decode(v); err != nil {
			t.Errorf("Decode into %T: %v", v, err)
		}
	}
}

// jsonEqual reports whether a and b hold the same JSON value. An empty
// value counts as null.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(p []byte) any {
		if len(p) == 0 {
			p = []byte("null")
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(p))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatalf("decode %.100s: %v", p, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}
