package protocol_test

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
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

// FuzzCodecMatchesEncodingJSON asserts that the hand-written envelope codec
// behaves exactly as encoding/json (protocol.Reference*, see
// reference_test.go):
//
//   - any bytes: Unmarshal accepts them if and only if encoding/json does,
//     gives a deep-equal message when it does and the same error (code,
//     reason, field, text) when it does not;
//   - any field values, with strings of arbitrary bytes and payloads that
//     are either arbitrary bytes or valid JSON built from the fuzz input
//     (whitespace, escapes, raw <, >, &, U+2028, invalid UTF-8, nesting):
//     Marshal and MarshalWithChecksum write the same bytes as
//     json.Marshal, or fail with the same error, and ComputeChecksum gives
//     the same message; what they write, and an envelope around the
//     payload as built, decode the same way too.
func FuzzCodecMatchesEncodingJSON(f *testing.F) {
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
			f.Add([]byte(v.Input.Text), "1", "4bf92f3577b34da6a3ce929d0e0e4736", "s", "t", int64(1), uint32(0), []byte(`{"a":1}`))
		}
	}
	f.Add([]byte(`{"version":"\ud83d\ude00","id":"\u0041\ud800"}`), "<&>\u2028", "\xff\xfe", "\x00\x1f\x7f", "é😀", int64(-1), uint32(1<<32-1), []byte("\x83\x01a<\x05\x02\xe2\x80\xa8\x00"))
	f.Add([]byte(`[`), "", "", "", "", int64(0), uint32(0), []byte(" {\"a\" : [1,\n2]} "))
	f.Fuzz(func(t *testing.T, data []byte, version, id, source, typ string, ts int64, sum uint32, payload []byte) {
		checkUnmarshalMatches(t, data)

		gen := jsonGen{r: payload}
		built := gen.value(nil, 0)
		if !json.Valid(built) {
			t.Fatalf("the generator built invalid JSON %q from %q", built, payload)
		}
		for _, p := range []json.RawMessage{nil, payload, built} {
			m := &protocol.Message{Version: version, ID: id, Source: source, Type: typ, TimestampNS: ts, Payload: p, Checksum: sum}
			if b := checkMarshalMatches(t, m); b != nil {
				checkUnmarshalMatches(t, b)
			}
		}
		good := `{"version":"1","id":` + strconv.Quote(id) + `,"source":"s","type":"t","timestamp_ns":1,"payload":`
		checkUnmarshalMatches(t, []byte(good+string(built)+"}"))
		sum = crc32.ChecksumIEEE(bytes.Trim(built, " \t\r\n")) // over the payload as received
		checkUnmarshalMatches(t, []byte(good+string(built)+`,"checksum":`+strconv.FormatUint(uint64(sum), 10)+"}"))

		for _, s := range []string{version, id, source, typ, string(data)} {
			if msg := protocol.CheckCodecSizes(s, built); msg != "" {
				t.Fatal(msg)
			}
		}
		if msg := protocol.CheckCodecSizes("", payload); msg != "" {
			t.Fatal(msg)
		}
	})
}

// jsonGen builds a valid JSON value from fuzz bytes, with the things the
// codec must get right: whitespace anywhere, every kind of escape, raw <,
// >, & and U+2028/U+2029, invalid UTF-8, and nesting.
type jsonGen struct{ r []byte }

func (g *jsonGen) next() byte {
	if len(g.r) == 0 {
		return 0
	}
	c := g.r[0]
	g.r = g.r[1:]
	return c
}

// space appends whitespace chosen by c.
func (g *jsonGen) space(dst []byte, c byte) []byte {
	return append(dst, [...]string{"", "", "", " ", "\n", "\t", "\r\n ", "  "}[c&7]...)
}

func (g *jsonGen) value(dst []byte, depth int) []byte {
	c := g.next()
	dst = g.space(dst, c>>5)
	switch c % 6 {
	case 0, 1:
		dst = g.str(dst)
	case 2:
		dst = append(dst, [...]string{"0", "-0", "12", "-3.25", "1e5", "2.5E-3", "-0.0e+0", "123456789012345678901234567890"}[g.next()&7]...)
	case 3:
		dst = append(dst, [...]string{"true", "false", "null", "null"}[g.next()&3]...)
	case 4, 5:
		if depth > 4 || len(g.r) == 0 {
			return append(dst, "null"...)
		}
		object := c%6 == 5
		open, end := byte('['), byte(']')
		if object {
			open, end = '{', '}'
		}
		dst = append(dst, open)
		for i := range int(g.next() % 4) {
			if i > 0 {
				dst = g.space(append(dst, ','), g.next())
			}
			if object {
				dst = g.space(g.str(g.space(dst, g.next())), g.next())
				dst = append(dst, ':')
			}
			dst = g.value(dst, depth+1)
		}
		dst = append(g.space(dst, g.next()), end)
	}
	return g.space(dst, c>>3)
}

// str appends a string literal: fuzz bytes as they are where JSON allows
// them, escapes where it does not, and the special sequences.
func (g *jsonGen) str(dst []byte) []byte {
	dst = append(dst, '"')
	for range int(g.next() % 12) {
		switch c := g.next(); {
		case c == 0:
			dst = append(dst, [...]string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u0000`, `\u003c`,
				`\ud83d\ude00`, `\ud800`, `\udc00\ud800`, `\uD83D\u0041`, "\u2028", "\u2029", "\xe2\x80", "\xff", "<>&", "é"}[g.next()%20]...)
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
