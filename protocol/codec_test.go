package protocol_test

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// The hand-written envelope codec must behave exactly as the encoding/json
// implementation it replaced, kept as protocol.Reference* (see
// reference_test.go): same bytes out, same acceptance in, same messages,
// same errors.

// checkUnmarshalMatches fails t unless Unmarshal and the reference agree on
// data: both accept it and give deep-equal messages, or both reject it
// with the same error code, reason, field and text.
func checkUnmarshalMatches(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := protocol.Unmarshal(data)
	want, wantErr := protocol.ReferenceUnmarshal(data)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("Unmarshal(%q) = %v, %v\nencoding/json gives %v, %v", data, got, gotErr, want, wantErr)
	}
	if wantErr == nil {
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Unmarshal(%q) = %#v\nencoding/json gives %#v", data, got, want)
		}
		return
	}
	if got != nil {
		t.Fatalf("Unmarshal(%q) = %v and an error, want nil", data, got)
	}
	gc, gr, gf := reasonOf(gotErr)
	wc, wr, wf := reasonOf(wantErr)
	if gc != wc || gr != wr || gf != wf || gotErr.Error() != wantErr.Error() {
		t.Fatalf("Unmarshal(%q) error = %q (code %q reason %q field %q)\nencoding/json gives %q (code %q reason %q field %q)",
			data, gotErr, gc, gr, gf, wantErr, wc, wr, wf)
	}
}

// checkMarshalMatches fails t unless Marshal, MarshalWithChecksum and
// ComputeChecksum agree with the reference on m: same bytes, or errors with
// the same code and text. It returns what Marshal wrote, or nil.
func checkMarshalMatches(t *testing.T, m *protocol.Message) []byte {
	t.Helper()
	orig := cloneMessage(m)
	for _, tt := range []struct {
		name     string
		got, ref func(*protocol.Message) ([]byte, error)
	}{
		{"Marshal", (*protocol.Message).Marshal, protocol.ReferenceMarshal},
		{"MarshalWithChecksum", (*protocol.Message).MarshalWithChecksum, protocol.ReferenceMarshalWithChecksum},
	} {
		got, gotErr := tt.got(m)
		want, wantErr := tt.ref(m)
		if !bytes.Equal(got, want) || (gotErr == nil) != (wantErr == nil) ||
			gotErr != nil && (errors.Code(gotErr) != errors.Code(wantErr) || gotErr.Error() != wantErr.Error()) {
			t.Fatalf("%s(%#v) = %s, %v\nencoding/json gives %s, %v", tt.name, m, got, gotErr, want, wantErr)
		}
		if !reflect.DeepEqual(m, orig) {
			t.Fatalf("%s modified the message: %#v, was %#v", tt.name, m, orig)
		}
	}
	got, want := cloneMessage(m), cloneMessage(m)
	got.ComputeChecksum()
	protocol.ReferenceComputeChecksum(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ComputeChecksum(%#v) = %#v\nencoding/json gives %#v", m, got, want)
	}
	b, _ := m.Marshal()
	return b
}

func cloneMessage(m *protocol.Message) *protocol.Message {
	c := *m
	if m.Payload != nil {
		c.Payload = append(json.RawMessage{}, m.Payload...)
	}
	return &c
}

// TestCodecMatchesReferenceOnVectors runs every golden vector through the
// codec and the reference: the same verdict, message and error on its
// input, and the same bytes when the result is written again.
func TestCodecMatchesReferenceOnVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var v vector
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			in := v.Input.bytes()
			checkUnmarshalMatches(t, in)
			if m, err := protocol.Unmarshal(in); err == nil {
				checkMarshalMatches(t, m)
			}
		})
	}
}

// envelope returns a valid envelope around payload, checksummed over the
// payload as received (without the whitespace around it) when sum is set.
func envelope(payload string, sum bool) string {
	s := `{"version":"1","id":"4bf92f3577b34da6a3ce929d0e0e4736","source":"s","type":"t","timestamp_ns":5,"payload":` + payload
	if sum {
		p := strings.Trim(payload, " \t\r\n")
		s += `,"checksum":` + strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(p))), 10)
	}
	return s + "}"
}

func TestCodecMatchesReferenceOnTrickyInputs(t *testing.T) {
	const head = `{"version":"1","id":"x","source":"s","type":"t","timestamp_ns":5`
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name, in string
	}{
		// Not one JSON object.
		{"empty", ""},
		{"space", " \t\r\n"},
		{"null", "null"},
		{"array", `[{"version":"1"}]`},
		{"string", `"{}"`},
		{"number", `12`},
		{"true", `true`},
		{"empty object", `{}`},
		{"byte order mark", "\xef\xbb\xbf" + envelope(`1`, false)},
		{"trailing comma", head + `,}`},
		{"trailing value", envelope(`1`, false) + `{}`},
		{"trailing space", envelope(`1`, false) + " \n"},
		{"leading space", "\n\t " + envelope(`1`, false)},
		{"unterminated", head},
		{"unterminated string", head + `,"x":"abc`},
		{"unterminated string ending in e2 80", head + ",\"x\":\"\xe2\x80"},
		{"unterminated string ending in e2", head + ",\"x\":\"\xe2"},
		{"missing colon", head + `,"x" 1}`},
		{"missing colon, compact", head + `,"x"1}`},
		{"missing colon, compact, nested", head + `,"x":{"a"1}}`},
		{"other byte for the colon", head + `,"x":{"a"x1}}`},
		{"unquoted key, compact", head + `,"x":{00000":0}}`},
		{"unquoted second key, compact", head + `,"x":{"a":1,bcd":2}}`},
		{"unquoted envelope key", `{version":"1","id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"space for the colon", head + `,"x":{"a" 1}}`},
		{"missing comma, compact", head + `,"x":[1"a"]}`},
		{"colon in array, compact", head + `,"x":[1:2]}`},
		{"unclosed array, compact", head + `,"x":[1,2}`},
		{"missing comma", head + ` "x":1}`},
		{"single quotes", head + `,'x':1}`},
		{"bare word", head + `,"x":nul}`},
		{"literal prefix", head + `,"x":truex}`},
		{"control in string", head + ",\"x\":\"a\x01b\"}"},
		{"newline in string", head + ",\"x\":\"a\nb\"}"},
		{"tab in key", head + ",\"x\ty\":1}"},
		{"bad escape", head + `,"x":"\x"}`},
		{"short unicode escape", head + `,"x":"\u12"}`},
		{"bad hex", head + `,"x":"\u12g4"}`},
		{"escaped quote", head + `,"x":"a\"b"}`},
		{"leading zero", head + `,"x":01}`},
		{"minus alone", head + `,"x":-}`},
		{"fraction without digits", head + `,"x":1.}`},
		{"exponent without digits", head + `,"x":1e}`},
		{"plus sign", head + `,"x":+1}`},
		{"nested unknown", head + `,"x":{"a":[1,{"b":null}],"c":"<\u2028>"}}`},
		{"mismatched brackets", head + `,"x":[1}}`},

		// Keys.
		{"escaped key", `{"\u0076ersion":"1","id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"escaped key of an unknown field", `{"\u0056ersion":"1","id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"key with invalid utf-8", "{\"version\xff\":\"1\",\"id\":\"x\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":5}"},
		{"long escaped key", `{"\u0076\u0065\u0072\u0073\u0069\u006f\u006e":"1","id":"x","source":"s","type":"t","timestamp_ns":5,"` + strings.Repeat(`\u0041`, 40) + `":1}`},
		{"upper-case key", `{"VERSION":"1","version":"1","id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"duplicate key, last wins", head + `,"source":"other"}`},
		{"duplicate key, bad then good", `{"version":1,"version":"1","id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"duplicate key, good then bad", head + `,"version":1}`},
		{"duplicate payload", head + `,"payload":{"a" : 1},"payload":[ 2 ]}`},

		// Field types and values.
		{"null version", `{"version":null,"id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"null over a value", head + `,"source":null}`},
		{"null timestamp", head + `,"timestamp_ns":null}`},
		{"null checksum", head + `,"checksum":null}`},
		{"null payload", head + `,"payload":null}`},
		{"version number", `{"version":1,"id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"id object", `{"version":"1","id":{"a":1},"source":"s","type":"t","timestamp_ns":5}`},
		{"source array", `{"version":"1","id":"x","source":[ "s" ],"type":"t","timestamp_ns":5}`},
		{"type bool", `{"version":"1","id":"x","source":"s","type":false,"timestamp_ns":5}`},
		{"two wrong types, first in field order wins", `{"type":1,"version":"1","id":2,"source":"s","timestamp_ns":5}`},
		{"timestamp string", head + `,"timestamp_ns":"5"}`},
		{"timestamp fraction", head + `,"timestamp_ns":5.0}`},
		{"timestamp exponent", head + `,"timestamp_ns":5e3}`},
		{"timestamp minus zero", head + `,"timestamp_ns":-0}`},
		{"timestamp max", head + `,"timestamp_ns":9223372036854775807}`},
		{"timestamp over max", head + `,"timestamp_ns":9223372036854775808}`},
		{"timestamp min", head + `,"timestamp_ns":-9223372036854775808}`},
		{"timestamp under min", head + `,"timestamp_ns":-9223372036854775809}`},
		{"timestamp 20 digits", head + `,"timestamp_ns":18446744073709551615}`},
		{"timestamp 20 digits over uint64", head + `,"timestamp_ns":18446744073709551616}`},
		{"timestamp 21 digits", head + `,"timestamp_ns":100000000000000000000}`},
		{"checksum max", head + `,"checksum":4294967295}`},
		{"checksum over max", head + `,"checksum":4294967296}`},
		{"checksum minus zero", head + `,"checksum":-0}`},
		{"checksum negative", head + `,"checksum":-1}`},
		{"checksum fraction", head + `,"checksum":1.5}`},
		{"checksum true", head + `,"checksum":true}`},
		{"checksum zero", head + `,"checksum":0}`},

		// Strings in the header.
		{"escapes", `{"version":"1","id":"\"\\\/\b\f\n\r\t","source":"s","type":"t","timestamp_ns":5}`},
		{"unicode escapes", `{"version":"1","id":"\u0000\u001f\u00e9\u4e2d\uFFFD\u2028","source":"s","type":"t","timestamp_ns":5}`},
		{"surrogate pair", `{"version":"1","id":"\ud83d\ude00","source":"s","type":"t","timestamp_ns":5}`},
		{"lone high surrogate", `{"version":"1","id":"a\ud83db","source":"s","type":"t","timestamp_ns":5}`},
		{"lone low surrogate", `{"version":"1","id":"\ude00","source":"s","type":"t","timestamp_ns":5}`},
		{"reversed pair", `{"version":"1","id":"\ude00\ud83d","source":"s","type":"t","timestamp_ns":5}`},
		{"high then escape", `{"version":"1","id":"\ud83d\n","source":"s","type":"t","timestamp_ns":5}`},
		{"high then letter escape", `{"version":"1","id":"\ud83d\u0041","source":"s","type":"t","timestamp_ns":5}`},
		{"high at end", `{"version":"1","id":"\ud83d","source":"s","type":"t","timestamp_ns":5}`},
		{"invalid utf-8", "{\"version\":\"1\",\"id\":\"a\xffb\xc3\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":5}"},
		{"utf-8 surrogate half", "{\"version\":\"1\",\"id\":\"\xed\xa0\x80\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":5}"},
		{"overlong utf-8", "{\"version\":\"1\",\"id\":\"\xc0\xaf\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":5}"},
		{"invalid utf-8 and escapes", "{\"version\":\"1\",\"id\":\"\xff\\n\xfe\\u0041\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":5}"},
		{"html in header", `{"version":"1","id":"<&>","source":"s","type":"t","timestamp_ns":5}`},
		{"line separators in header", "{\"version\":\"1\",\"id\":\"\u2028\u2029\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":5}"},
		{"empty strings", `{"version":"1","id":"","source":"s","type":"t","timestamp_ns":5}`},
		{"padded version", `{"version":" 1 ","id":"x","source":"s","type":"t","timestamp_ns":5}`},
		{"escaped version", `{"version":"\u0031","id":"x","source":"s","type":"t","timestamp_ns":5}`},

		// Payloads.
		{"payload string", envelope(`"a<b"`, true)},
		{"payload number", envelope(`-1.5e+3`, true)},
		{"payload array", envelope(`[ 1, "x" ,true ]`, true)},
		{"payload true", envelope(`true`, false)},
		{"payload empty object", envelope(`{ }`, true)},
		{"payload html", envelope(`{"a":"<b> & </b>"}`, true)},
		{"payload html escaped", envelope(`{"a":"\u003cb\u003e"}`, true)},
		{"payload line separators", envelope("{\"a\":\"x\u2028y\u2029z\"}", true)},
		{"payload e2 not a separator", envelope("{\"a\":\"\u2019\u2014\xe2\x80\"}", true)},
		{"payload invalid utf-8", envelope("{\"a\":\"\xff\xfe\"}", true)},
		{"payload whitespace", envelope("\n{\t\"a\" :\r\n[ 1 , 2 ] }\n", true)},
		{"payload whitespace, no checksum", envelope("{ \"a\" : 1 }", false)},
		{"payload escapes", envelope(`{"a":"\"\\\/\b\f\n\r\t\u0000\ud83d\ude00"}`, true)},
		{"payload wrong checksum", strings.Replace(envelope(`{"a":1}`, true), `"checksum":`, `"checksum":1`, 1)},
		{"payload depth 9999", envelope(deep(9999), false)},
		{"payload depth 10000", envelope(deep(10000), false)},
		{"payload depth 64 objects", envelope(strings.Repeat(`{"a":`, 64)+"1"+strings.Repeat("}", 64), false)},
		{"payload depth 65 arrays", envelope(deep(65), true)},
		{"payload mixed depth", envelope(strings.Repeat(`[{"a":`, 100)+"1"+strings.Repeat("}]", 100), true)},
		{"payload bad nesting", envelope(strings.Repeat(`[{"a":`, 70)+"1"+strings.Repeat("]}", 70), true)},
		{"payload invalid", envelope(`{"a":}`, false)},
		{"payload long string with specials late", envelope(`{"a":"`+strings.Repeat("x", 300)+`<\n`+strings.Repeat("y", 300)+`"}`, true)},
		{"payload long string with a control late", envelope("{\"a\":\""+strings.Repeat("x", 300)+"\x1f\"}", true)},
		{"payload many escaped quotes", envelope(`"`+strings.Repeat(`\"`, 100)+`"`, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkUnmarshalMatches(t, []byte(tt.in))
			if m, err := protocol.Unmarshal([]byte(tt.in)); err == nil {
				checkMarshalMatches(t, m)
			}
		})
	}
}

func TestCodecMatchesReferenceOnTrickyStrings(t *testing.T) {
	var controls strings.Builder
	for c := range 0x20 {
		controls.WriteByte(byte(c))
	}
	strs := []string{
		"", "plain", controls.String(), "\x7f", `"\`, "<b>&amp;</b>",
		"\u2028\u2029", "\u2027\u202a", "é中😀", "\uFFFD",
		"\xff", "a\xc3", "\xe2\x80", "\xe2\x80\xa8\xe2", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
		strings.Repeat("ab<", 100),
	}
	payloads := []json.RawMessage{
		nil, {}, json.RawMessage("null"), json.RawMessage(` {"a" : [1, 2.5e-3, true, false, null, "x"]} `),
		json.RawMessage("\"<>&\u2028\u2029\""), json.RawMessage("\"\xff\xe2\x80\xa8\""), json.RawMessage(`"\u003c"`),
		json.RawMessage(`{`), json.RawMessage("\"\xe2\x80"), json.RawMessage(`{} {}`), json.RawMessage(`{"a"x1}`), json.RawMessage(`[{"a" 1}]`),
		json.RawMessage(`{00000":0}`), json.RawMessage(`{"a":1,bcd":2}`), json.RawMessage(` {00000":0} `), json.RawMessage(`[1,]`), json.RawMessage("\"\x00\""),
		json.RawMessage(strings.Repeat("[", 10000) + strings.Repeat("]", 10000)),
		json.RawMessage(strings.Repeat("[", 10001) + strings.Repeat("]", 10001)),
	}
	for i, s := range strs {
		for _, ts := range []int64{0, 1, -1, 1<<63 - 1, -1 << 63} {
			m := &protocol.Message{Version: s, ID: s + "id", Source: "src" + s, Type: s, TimestampNS: ts, Payload: payloads[i%len(payloads)], Checksum: uint32(i)}
			checkMarshalMatches(t, m)
		}
		if msg := protocol.CheckCodecSizes(s, nil); msg != "" {
			t.Error(msg)
		}
	}
	for _, p := range payloads {
		for _, sum := range []uint32{0, 1, 1<<32 - 1} {
			checkMarshalMatches(t, &protocol.Message{Version: "1", ID: "x", Source: "s", Type: "t", TimestampNS: 1, Payload: p, Checksum: sum})
		}
		if msg := protocol.CheckCodecSizes("", p); msg != "" {
			t.Error(msg)
		}
	}
}

// TestCodecSpecialsAtEveryOffset puts each byte sequence that the
// scanner's SWAR tests and searches look for at every offset of a string
// longer than their blocks, in a payload and in a header string, so that
// no lane of eight or 64 bytes goes unchecked.
func TestCodecSpecialsAtEveryOffset(t *testing.T) {
	for _, special := range []string{"\u2028", "\u2029", "<", ">", "&", `\n`, `\u0041`, `\"`, "\x1f", "\t", "\xff", "\u2019", `\`} {
		for offset := range 140 {
			str := `"` + strings.Repeat("a", offset) + special + strings.Repeat("b", 70) + `"`
			checkMarshalMatches(t, &protocol.Message{Version: "1", ID: "x", Source: "s", Type: "t", TimestampNS: 1, Payload: json.RawMessage(str)})
			checkMarshalMatches(t, &protocol.Message{Version: "1", ID: "x", Source: "s", Type: "t", TimestampNS: 1, Payload: json.RawMessage(`{"k":` + str + `}`)})
			checkUnmarshalMatches(t, []byte(envelope(str, true)))
			checkUnmarshalMatches(t, []byte(`{"version":"1","id":`+str+`,"source":"s","type":"t","timestamp_ns":5}`))
		}
	}
	// Short strings that end at every distance from the end of the buffer.
	for n := range 20 {
		str := `"` + strings.Repeat("a", n) + `"`
		for _, p := range []string{str, "[" + str + "]", `{"k":` + str + "}", str + " "} {
			checkMarshalMatches(t, &protocol.Message{Version: "1", ID: "x", Source: "s", Type: "t", TimestampNS: 1, Payload: json.RawMessage(p)})
		}
		checkUnmarshalMatches(t, []byte(`{"version":"1","id":"x","source":"s","type":"t","timestamp_ns":5,"k":`+str+`}`))
	}
}

// Unmarshal copies what it keeps: the message does not change when the
// input buffer is reused, and appending to the payload cannot reach the
// header strings that share its allocation.
func TestUnmarshalOwnsItsMemory(t *testing.T) {
	in := []byte(envelope(`{"a":"b"}`, true))
	m, err := protocol.Unmarshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := cloneMessage(m)
	for i := range in {
		in[i] = 'x'
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("after the input was overwritten, message = %#v, want %#v", m, want)
	}
	if cap(m.Payload) != len(m.Payload) {
		t.Errorf("cap(Payload) = %d, want len %d, so that append copies", cap(m.Payload), len(m.Payload))
	}
	m.Payload = append(m.Payload, "xxxxxxxxxxxxxxxxxxxxxxxx"...)
	m.Payload[0] = '!'
	if m.Version != want.Version || m.ID != want.ID || m.Source != want.Source || m.Type != want.Type {
		t.Errorf("header after writing to the payload = %q %q %q %q, want %q %q %q %q",
			m.Version, m.ID, m.Source, m.Type, want.Version, want.ID, want.Source, want.Type)
	}
}
