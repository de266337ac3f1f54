package bindings_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// fixture is the i-th test payload. The Python and TypeScript peers
// (fixture in python/tests/interop_peer.py and
// typescript/src/peer/interop_peer.ts) build exactly the same values, so
// the bytes they send must be the bytes json.Marshal writes here.
func fixture(i int) (string, any) {
	s := fmt.Sprintf("msg %d: <b>&amp;</b> h\u00e9llo \U0001f600 \u2028 \"q\" \\ \t end", i)
	f := float64(i)/8 + 0.1
	big := 1e21 * float64(i+1)
	small := 1.5e-7 * float64(i+1)
	switch i % 10 {
	case 0:
		p := protocol.DataEntities{Count: i, Format: "jsonl", Path: fmt.Sprintf("data/%d.jsonl", i)}
		if i%2 == 1 {
			p.Schema = s
		}
		return protocol.TypeDataEntities, p
	case 1:
		return protocol.TypeDataSchema, protocol.DataSchema{Name: s, Fields: []protocol.SchemaField{
			{Name: "id", Type: "string", Required: true}, {Name: s, Type: "number"},
		}}
	case 2:
		return protocol.TypeInferRequest, protocol.InferRequest{
			Model:    "auto",
			Messages: []protocol.ChatMessage{{Role: "user", Content: s}},
			Params: map[string]any{"temperature": f, "max_tokens": i, "stop": []any{"<end>"},
				"nested": map[string]any{"b": 1, "a": []any{true, nil}}},
			Meta: map[string]string{"z": s, "a": "x"},
		}
	case 3:
		return protocol.TypeInferResponse, protocol.InferResponse{
			Model: "m", Provider: "p", Content: s, TokensIn: int64(i), TokensOut: int64(2 * i), CostUSD: f,
			LatencyMS: int64(3 * i), FinishReason: "stop",
		}
	case 4:
		p := protocol.EvalRun{Suite: s, Baseline: i%2 == 0, InferURL: "http://h/mist?a=1&b=2", Tags: map[string]string{"k": s}}
		if i%3 != 0 {
			p.Tasks = []string{"t1", s}
		}
		return protocol.TypeEvalRun, p
	case 5:
		p := protocol.EvalResult{Suite: s, Task: "t", Passed: i%2 == 1, Score: f, Baseline: small, Delta: big, DurationMS: int64(i)}
		if i%2 == 1 {
			p.Error = s
		}
		return protocol.TypeEvalResult, p
	case 6:
		start := int64(1_767_225_600_000_000_000 + i*1001) // ns: beyond 2^53, so exact only as a bigint in TypeScript
		return protocol.TypeTraceSpan, protocol.TraceSpan{
			TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Operation: s,
			StartNS: start, EndNS: start + 999, Status: "ok", Attrs: map[string]any{"i": i, "f": f, "s": s},
		}
	case 7:
		return protocol.TypeTraceAlert, protocol.TraceAlert{Level: "warning", Metric: s, Value: f, Threshold: -f, Message: s}
	case 8:
		return protocol.TypeHealthPing, protocol.HealthPing{From: s}
	default:
		return protocol.TypeHealthPong, protocol.HealthPong{From: s, Version: "1.2.3", Uptime: int64(i)}
	}
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestInterop runs each peer as a real process and exchanges messages with
// it both ways over HTTP and over stdio:
//
//  1. the peer sends n messages to a Go HTTP receiver (transport.HTTP);
//  2. a Go HTTP sender sends n messages to the peer's HTTP receiver, after
//     checking its 405 and 401 replies, and the peer echoes each on stdout;
//  3. a Go Stdio sends n messages on the peer's stdin, and the peer echoes
//     each on stdout;
//  4. a torn final line and the end of stdin make the peer exit 0.
//
// Every message must arrive intact and in order: checksums verified by Go's
// receivers and by the peers, payload bytes equal to what Go writes for the
// same struct, and echoes byte-identical to what Go sent.
func TestInterop(t *testing.T) {
	const n = 50
	const token = "interop-token"
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
			defer cancel()

			recv := transport.NewHTTP("")
			srv := httptest.NewServer(recv.Handler())
			t.Cleanup(func() {
				recv.Close()
				srv.Close()
			})
			p := startPeer(t, lang, "interop", false, "MIST_URL="+srv.URL+"/mist", fmt.Sprintf("MIST_N=%d", n), "MIST_TOKEN="+token)
			out := bufio.NewReaderSize(p.stdout, 1<<16)
			peerURL := readReceiverLine(t, ctx, p, out)

			// 1. The peer's messages, in order, each as Go writes it.
			for i := range n {
				msg, err := recv.Receive(ctx)
				if err != nil {
					t.Fatalf("receive message %d from the %s peer: %v\nstderr:\n%s", i, lang, err, stderrTail(p))
				}
				checkPeerMessage(t, lang, i, msg)
			}

			// 2. Go's HTTP sender against the peer's receiver.
			checkPeerReceiver(t, ctx, peerURL, token)
			sender := transport.NewHTTP(peerURL, transport.WithBearerToken(token))
			defer sender.Close()
			link := transport.NewStdioFrom(out, p.stdin)
			defer link.Close()
			httpSent := make([]*protocol.Message, n)
			for i := range n {
				httpSent[i] = goMessage(t, i)
				if err := sender.Send(ctx, httpSent[i]); err != nil {
					t.Fatalf("send message %d to the %s peer over http: %v\nstderr:\n%s", i, lang, err, stderrTail(p))
				}
			}
			for i := range n {
				checkEcho(t, ctx, p, link, "http", i, httpSent[i])
			}

			// 3. Over stdio, sent by a goroutine while this one reads the
			// echoes, so that neither side blocks on a full pipe.
			stdioSent := make([]*protocol.Message, n)
			for i := range n {
				stdioSent[i] = goMessage(t, i)
			}
			sendErr := make(chan error, 1)
			go func() { // ends after n sends or the first error; waited for below
				for _, m := range stdioSent {
					if err := link.Send(ctx, m); err != nil {
						sendErr <- err
						return
					}
				}
				sendErr <- nil
			}()
			for i := range n {
				checkEcho(t, ctx, p, link, "stdio", i, stdioSent[i])
			}
			if err := <-sendErr; err != nil {
				t.Fatalf("send over stdio to the %s peer: %v", lang, err)
			}

			// 4. A peer whose input stops mid-line must not hang: it sees
			// the torn line and the end of its input, and exits 0.
			if _, err := io.WriteString(p.stdin, `{"version":"1","id":"torn`); err != nil {
				t.Fatalf("write a torn line: %v", err)
			}
			if err := link.Close(); err != nil { // closes the peer's stdin
				t.Fatalf("close the stdio link: %v", err)
			}
			p.wait(t)
			if s := p.stderr.String(); !strings.Contains(s, fmt.Sprintf("echoed %d over stdio", n)) {
				t.Errorf("%s peer stderr = %q, want it to report %d stdio echoes", lang, s, n)
			}
		})
	}
}

// readReceiverLine reads the peer's first stdout line, {"receiver": url}.
func readReceiverLine(t *testing.T, ctx context.Context, p *peer, out *bufio.Reader) string {
	t.Helper()
	type result struct {
		line []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() { // ends when a line arrives or the peer's stdout closes (at cleanup at the latest)
		line, err := out.ReadBytes('\n')
		ch <- result{line, err}
	}()
	select {
	case r := <-ch:
		var v struct {
			Receiver string `json:"receiver"`
		}
		if r.err != nil || json.Unmarshal(r.line, &v) != nil || v.Receiver == "" {
			t.Fatalf("%s peer's first line = %q (%v), want {\"receiver\": url}\nstderr:\n%s", p.lang, r.line, r.err, stderrTail(p))
		}
		return v.Receiver
	case <-ctx.Done():
		t.Fatalf("%s peer wrote no receiver line: %v\nstderr:\n%s", p.lang, ctx.Err(), stderrTail(p))
	}
	return ""
}

// goMessage is the i-th message Go sends to a peer.
func goMessage(t *testing.T, i int) *protocol.Message {
	t.Helper()
	typ, payload := fixture(i)
	m, err := protocol.New("go", typ, payload)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkPeerMessage checks the i-th message a peer sent: header, checksum,
// and payload bytes equal to Go's encoding of fixture(i).
func checkPeerMessage(t *testing.T, lang string, i int, msg *protocol.Message) {
	t.Helper()
	typ, payload := fixture(i)
	want, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Version != protocol.CurrentVersion || msg.Source != lang+"-peer" || msg.Type != typ ||
		!hexID.MatchString(msg.ID) || msg.TimestampNS <= 0 {
		t.Errorf("%s message %d header = %q %q %q %q %d, want version 1, source %q, type %q, a 32-hex id and a positive timestamp",
			lang, i, msg.Version, msg.ID, msg.Source, msg.Type, msg.TimestampNS, lang+"-peer", typ)
	}
	if msg.Checksum == 0 || !msg.VerifyChecksum() {
		t.Errorf("%s message %d: checksum %d, want a verified checksum", lang, i, msg.Checksum)
	}
	if !bytes.Equal(msg.Payload, want) {
		t.Errorf("%s message %d payload:\n got %s\nwant %s", lang, i, msg.Payload, want)
	}
	v, _ := protocol.PayloadFor(typ)
	if err := msg.Decode(v); err != nil {
		t.Errorf("%s message %d: decode %s: %v", lang, i, typ, err)
	}
}

// checkEcho reads the next echo from the peer and compares it with sent:
// the same header and payload, and the bytes Go writes for sent.
func checkEcho(t *testing.T, ctx context.Context, p *peer, link *transport.Stdio, via string, i int, sent *protocol.Message) {
	t.Helper()
	got, err := link.Receive(ctx)
	if err != nil {
		t.Fatalf("read the %s peer's echo of %s message %d: %v\nstderr:\n%s", p.lang, via, i, err, stderrTail(p))
	}
	gotBytes, err := got.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	wantBytes, err := sent.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotBytes, wantBytes) {
		t.Errorf("%s peer's echo of %s message %d:\n got %s\nwant %s", p.lang, via, i, gotBytes, wantBytes)
	}
	if got.Checksum == 0 || !got.VerifyChecksum() {
		t.Errorf("%s peer's echo of %s message %d: checksum %d, want a verified checksum", p.lang, via, i, got.Checksum)
	}
}

// checkPeerReceiver checks the peer receiver's 405 and 401 replies as Go's
// client sees them.
func checkPeerReceiver(t *testing.T, ctx context.Context, url, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e errors.Error
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" ||
		json.Unmarshal(body, &e) != nil || e.Code != errors.CodeValidation {
		t.Errorf("GET %s = %d, Allow %q, body %s; want 405, Allow POST and a validation error", url, resp.StatusCode, resp.Header.Get("Allow"), body)
	}

	bad := transport.NewHTTP(url, transport.WithBearerToken(token+"-wrong"))
	defer bad.Close()
	err = bad.Send(ctx, goMessage(t, 0))
	var se *errors.Error
	if !errors.As(err, &se) || se.Code != errors.CodeValidation || se.Meta["status"] != "401" ||
		!strings.Contains(se.Message, "auth: transport: missing or wrong bearer token") {
		t.Errorf("Send with a wrong token = %v, want code validation, status 401 and the receiver's auth error", err)
	}
}
