package bindings_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/bindings/gen"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// The differential tests give the same bytes to protocol.Unmarshal and to
// the Python and TypeScript unmarshal (their peers in judge mode), and
// require the same verdict: the same error code, reason class and field,
// or the same canonical bytes, checksum and typed re-encoding.

const vectorDir = "../protocol/testdata/vectors"

// verdict is what a judge answers for one input.
type verdict struct {
	OK           bool   `json:"ok"`
	Code         string `json:"code,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Field        string `json:"field,omitempty"`
	Canonical    []byte `json:"canonical,omitempty"`
	WithChecksum []byte `json:"with_checksum,omitempty"`
	Verified     bool   `json:"verified,omitempty"`
	Typed        []byte `json:"typed,omitempty"`
	TypedError   string `json:"typed_error,omitempty"`
}

func (v verdict) String() string {
	if !v.OK {
		return fmt.Sprintf("rejected (code %q, reason %q, field %q)", v.Code, v.Reason, v.Field)
	}
	s := fmt.Sprintf("accepted: canonical %q, with checksum %q, verified %v", truncate(v.Canonical), truncate(v.WithChecksum), v.Verified)
	if v.TypedError != "" {
		return s + fmt.Sprintf(", typed decode fails with %q", v.TypedError)
	}
	if v.Typed != nil {
		return s + fmt.Sprintf(", typed %q", truncate(v.Typed))
	}
	return s
}

// builtin reports whether typ has a generated payload type.
func builtin(typ string) bool {
	for _, p := range gen.Builtin() {
		if p.MessageType == typ {
			return true
		}
	}
	return false
}

// goVerdict is the verdict of the Go packages.
func goVerdict(input []byte) verdict {
	m, err := protocol.Unmarshal(input)
	if err != nil {
		var e *errors.Error
		if !errors.As(err, &e) {
			return verdict{Code: "not an *errors.Error: " + err.Error()}
		}
		return verdict{Code: e.Code, Reason: e.Meta["reason"], Field: e.Meta["field"]}
	}
	v := verdict{OK: true, Verified: m.VerifyChecksum()}
	v.Canonical, _ = m.Marshal()
	v.WithChecksum, _ = m.MarshalWithChecksum()
	if len(m.Payload) > 0 && builtin(m.Type) {
		p, _ := protocol.PayloadFor(m.Type)
		if err := m.Decode(p); err != nil {
			v.TypedError = errors.Code(err)
		} else {
			v.Typed, _ = json.Marshal(p)
		}
	}
	return v
}

// judge asks a peer for its verdict on input.
func judge(t testing.TB, p *peer, input []byte) verdict {
	t.Helper()
	req, _ := json.Marshal(map[string]string{"input": base64.StdEncoding.EncodeToString(input)})
	line := p.roundTrip(t, req)
	var v verdict
	if err := json.Unmarshal(line, &v); err != nil {
		t.Fatalf("%s judge answered %q: %v\nstderr:\n%s", p.lang, line, err, stderrTail(p))
	}
	return v
}

func sameVerdict(got, want verdict) bool {
	if got.OK != want.OK {
		return false
	}
	if !got.OK {
		return got.Code == want.Code && got.Reason == want.Reason && got.Field == want.Field
	}
	return bytes.Equal(got.Canonical, want.Canonical) && bytes.Equal(got.WithChecksum, want.WithChecksum) &&
		got.Verified == want.Verified && bytes.Equal(got.Typed, want.Typed) &&
		(got.TypedError == "") == (want.TypedError == "")
}

// vectorInputs returns the input of every golden vector, by name.
func vectorInputs(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in %s: %v", vectorDir, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Input json.RawMessage `json:"input"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var text string
		if json.Unmarshal(v.Input, &text) == nil {
			out[strings.TrimSuffix(filepath.Base(f), ".json")] = []byte(text)
			continue
		}
		var e struct {
			Prefix, Fill, Suffix string
			Count, Length        int
		}
		if err := json.Unmarshal(v.Input, &e); err != nil {
			t.Fatalf("%s: input: %v", f, err)
		}
		b := []byte(e.Prefix + strings.Repeat(e.Fill, e.Count) + e.Suffix)
		if len(b) != e.Length {
			t.Fatalf("%s: expansion is %d bytes, want %d", f, len(b), e.Length)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	return out
}

// tokens are inserted by mutate: JSON fragments that stress the corners
// where a hand-written parser may differ from encoding/json.
var tokens = []string{
	`"`, `\`, `\u`, `\ud800`, `\udc00`, `\ud83d\ude00`, `\u0000`, `\/`, "\x00", "\x1f", "\x7f",
	"\xff", "\xe2\x80\xa8", "\xe2\x80", "\xed\xa0\x80", "\xf0\x9f\x98\x80", "<", ">", "&", "é",
	" ", "\t", "\n", "\r", "\v", "\u00a0", ",", ":", "{", "}", "[", "]", "[]", "{}",
	"null", "true", "false", "nul", "0", "-0", "-", "01", "1.", ".5", "1e", "1e400", "1E+2",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "4294967295", "4294967296",
	`"version":"1",`, `"version":" 2 ",`, `"version":"\u0031",`, `"VERSION":"1",`, `"Version":"9",`,
	`"checksum":0,`, `"checksum":null,`, `"checksum":1,`, `"payload":null,`, `"payload":[1,2],`,
	`"timestamp_ns":1,`, `"timestamp_ns":1.0,`, `"timestamp_ns":"1",`, `"id":null,`, `"id":"",`,
	`"type":"eval.run",`, `"type":"infer.request",`, `"type":"trace.span",`, `"source":"<&>",`,
	`"from":1,`, `"From":"x",`, `"FROM":"y",`, `"count":1.5,`, `"count":-1,`, `"tasks":null,`,
	`"tasks":[null],`, `"attrs":{"a":1e308},`, `"value":1e309,`, `"uptime_s":1e2,`, `"\u017fuite":"s",`,
	strings.Repeat("[", 40) + strings.Repeat("]", 40),
}

// mutate returns a variant of b: a few random edits with the tokens above,
// byte flips, deletions and truncations.
func mutate(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	for range 1 + r.IntN(3) {
		pos := 0
		if len(out) > 0 {
			pos = r.IntN(len(out) + 1)
		}
		switch r.IntN(6) {
		case 0, 1: // insert a token
			tok := tokens[r.IntN(len(tokens))]
			out = append(out[:pos], append([]byte(tok), out[pos:]...)...)
		case 2: // replace a span with a token
			end := min(len(out), pos+r.IntN(8))
			tok := tokens[r.IntN(len(tokens))]
			out = append(out[:pos], append([]byte(tok), out[end:]...)...)
		case 3: // flip a byte
			if pos < len(out) {
				out[pos] ^= byte(1 << r.IntN(8))
			}
		case 4: // delete a span
			end := min(len(out), pos+1+r.IntN(6))
			out = append(out[:pos], out[end:]...)
		case 5: // truncate
			out = out[:pos]
		}
	}
	return out
}

// differentialCorpus returns the vector inputs plus deterministic mutants
// of the small ones and a few hand-made corner cases.
func differentialCorpus(t testing.TB, perVector int) [][]byte {
	t.Helper()
	inputs := vectorInputs(t)
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	r := rand.New(rand.NewPCG(7, 11))
	var corpus [][]byte
	for _, name := range names {
		in := inputs[name]
		corpus = append(corpus, in)
		if len(in) > 1<<16 {
			continue
		}
		for range perVector {
			corpus = append(corpus, mutate(r, in))
		}
	}
	deep := func(n int, open, close string) []byte {
		return []byte(`{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1,"payload":` +
			strings.Repeat(open, n) + strings.Repeat(close, n) + `}`)
	}
	corpus = append(corpus,
		deep(9999, "[", "]"), deep(10000, "[", "]"), deep(9999, `{"a":`, "}"), deep(2000, `{"from":`, "}"),
		[]byte(`{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":"\ud800\udc00\ud800x\udc00"}`),
		[]byte("{\"version\":\"1\",\"id\":\"\xff\xfe\",\"source\":\"\xe2\x82\",\"type\":\"t\",\"timestamp_ns\":1}"),
		[]byte("{\"version\":\"\u20281\u3000\",\"id\":\"a\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":1}"),
		[]byte("{\"version\":\"\u00851\",\"id\":\"a\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":1}"),
		[]byte("{\"version\":\"\ufeff1\",\"id\":\"a\",\"source\":\"s\",\"type\":\"t\",\"timestamp_ns\":1}"),
		[]byte(`{"version":"18446744073709551616","id":"a","source":"s","type":"t","timestamp_ns":1}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1,"payload":{"from":"a","FROM":"b"}}`),
		// The last key matching a field wins, in input order, exact or folded.
		[]byte(`{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1,"payload":{"from":"a","FROM":"b","from":"c"}}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1,"payload":{"From":"a","from":"b","FROM":"c"}}`),
		// Unknown keys are skipped unread: numbers Go cannot hold are fine there.
		[]byte(`{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1,"payload":{"from":"x","junk":1e400,"more":[-1e999,{"n":`+strings.Repeat("9", 5000)+`}]}}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"health.pong","timestamp_ns":1,"payload":{"uptime_s":`+strings.Repeat("9", 5000)+`}}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"trace.alert","timestamp_ns":1,"payload":{"value":`+strings.Repeat("9", 400)+`}}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"trace.span","timestamp_ns":1,"payload":{"attrs":{"a":1e400}}}`),
		// Integer fields are exact over their whole range.
		[]byte(`{"version":"1","id":"a","source":"s","type":"health.pong","timestamp_ns":1,"payload":{"uptime_s":9223372036854775807}}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"trace.span","timestamp_ns":1,"payload":{"start_ns":1767225600123456789,"end_ns":-9223372036854775808}}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"infer.response","timestamp_ns":1,"payload":{"tokens_in":9007199254740993,"latency_ms":-0}}`),
		// Numbers in interface fields are float64 in Go, however they are written.
		[]byte(`{"version":"1","id":"a","source":"s","type":"infer.request","timestamp_ns":1,"payload":{"params":{"a":12345678901234567890,"b":9007199254740993,"c":-0,"d":1E2,"e":[100000000000000000000000,0.1e-6]}}}`),
		[]byte(`{"version":"`+strings.Repeat("1", 5000)+`","id":"a","source":"s","type":"t","timestamp_ns":1}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":`+strings.Repeat("1", 5000)+`}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"checksum":`+strings.Repeat("1", 5000)+`}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"trace.alert","timestamp_ns":1,"payload":{"value":1e-7,"threshold":123456789012345678901234,"level":"\u2029<"}}`),
		[]byte(`{"version":"1","id":"a","source":"s","type":"infer.request","timestamp_ns":1,"payload":{"params":{"b":1,"a":2,"10":3,"9":4,"é":5,"z":6}}}`),
	)
	return corpus
}

// TestDifferential runs the corpus through both bindings and Go.
func TestDifferential(t *testing.T) {
	corpus := differentialCorpus(t, 60)
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			p := startPeer(t, lang, "judge", true)
			bad := 0
			for _, in := range corpus {
				got, want := judge(t, p, in), goVerdict(in)
				if !sameVerdict(got, want) {
					bad++
					if bad <= 10 {
						t.Errorf("input %q:\n%s: %v\n    go: %v", truncate(in), lang, got, want)
					}
				}
			}
			t.Logf("%d inputs", len(corpus))
			if bad > 0 {
				t.Errorf("%d of %d inputs differ", bad, len(corpus))
			}
		})
	}
}

func truncate(b []byte) []byte {
	if len(b) > 400 {
		return append(b[:400:400], "…"...)
	}
	return b
}
