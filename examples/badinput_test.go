package examples_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/protocol"
)

// envelope returns the JSON of a message of type typ with the given raw
// payload, with a checksum.
func envelope(t *testing.T, typ, payload string) []byte {
	t.Helper()
	msg, err := protocol.New("examples-test", typ, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg.Payload = []byte(payload)
	data, err := msg.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// unsized hides the length of a reader, so the request is sent chunked,
// without a Content-Length.
type unsized struct{ io.Reader }

// Malformed envelopes, oversize bodies and wrong types get coded errors
// with the right statuses, and the service keeps serving.
func TestEchoServiceRefusesBadInput(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	dir := t.TempDir()
	// This instance accepts infer.request only, so an eval.run (what the
	// pipeline sends) is a wrong type here.
	echo := startEcho(ctx, t, dir, "127.0.0.1:0", "ECHO_MIST_ACCEPT=infer.request")
	c := newClient(t)

	good := envelope(t, protocol.TypeInferRequest, `{"model":"auto","messages":[{"role":"user","content":"hi"}]}`)
	badChecksum := bytes.Replace(good, []byte(`"hi"`), []byte(`"ho"`), 1)
	oversize := bytes.Repeat([]byte(" "), protocol.MaxMessageSize+1)

	tests := []struct {
		name   string
		method string
		body   io.Reader
		status int
		inMsg  string // part of the coded error's message or cause
	}{
		{"not JSON", "POST", strings.NewReader("hello"), 400, "not valid json"},
		{"JSON array", "POST", strings.NewReader("[1,2]"), 400, "protocol"},
		{"missing id", "POST", strings.NewReader(`{"version":"1","source":"x","type":"infer.request","timestamp_ns":1,"payload":{}}`), 400, "id is missing"},
		{"unsupported version", "POST", bytes.NewReader(bytes.Replace(good, []byte(`"version":"1"`), []byte(`"version":"99"`), 1)), 400, "version"},
		{"checksum mismatch", "POST", bytes.NewReader(badChecksum), 400, "checksum"},
		{"empty body", "POST", strings.NewReader(""), 400, "json"},
		{"oversize with Content-Length", "POST", bytes.NewReader(oversize), 413, "over the limit"},
		{"oversize chunked", "POST", unsized{bytes.NewReader(oversize)}, 413, "limit"},
		{"GET", "GET", nil, 405, "use POST"},
		{"wrong type eval.run", "POST", bytes.NewReader(envelope(t, protocol.TypeEvalRun, `{"suite":"s"}`)), 400, `does not accept "eval.run"`},
		{"unknown type", "POST", bytes.NewReader(envelope(t, "weather.report", `{}`)), 400, `does not accept "weather.report"`},
		{"payload of the wrong JSON type", "POST", bytes.NewReader(envelope(t, protocol.TypeInferRequest, `{"messages":"hi"}`)), 400, "infer.request payload"},
		{"payload not an object", "POST", bytes.NewReader(envelope(t, protocol.TypeInferRequest, `"hi"`)), 400, "infer.request payload"},
		{"no chat messages", "POST", bytes.NewReader(envelope(t, protocol.TypeInferRequest, `{"model":"auto","messages":[]}`)), 400, "no chat messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, tt.method, echo.url(), tt.body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s /mist: %v", tt.method, err)
			}
			defer resp.Body.Close()
			var got errors.Error
			if err := jsonDecode(resp.Body, &got); err != nil {
				t.Fatalf("reply %d is not a coded error: %v", resp.StatusCode, err)
			}
			text := got.Message + " " + got.Error()
			if resp.StatusCode != tt.status || got.Code != errors.CodeValidation || !strings.Contains(text, tt.inMsg) {
				t.Errorf("%s /mist = %d %s %q, want %d validation containing %q",
					tt.method, resp.StatusCode, got.Code, text, tt.status, tt.inMsg)
			}
		})
	}

	// The service is still up, has counted every refusal, and serves a
	// good message.
	base := "http://" + echo.addr
	var snap metrics.RegistrySnapshot
	getJSON(t, c, base+"/metricsz", &snap)
	if refused := total(snap, "echo_rejected_total"); refused != int64(len(tests)) {
		t.Errorf("echo_rejected_total = %d, want %d", refused, len(tests))
	}
	if code, e := post(t, c, echo.url(), bytes.NewReader(good), nil); code != http.StatusAccepted {
		t.Fatalf("good message after the bad ones = %d %+v, want 202", code, e)
	}
	replies := waitMessages(ctx, t, filepath.Join(dir, "echo-replies.jsonl"), "replies",
		func(m []*protocol.Message) bool { return len(m) >= 1 })
	if got := replyContents(t, replies); len(got) != 1 || got[0] != "hi" {
		t.Errorf("replies = %q, want [\"hi\"]", got)
	}
	journal, _ := readMessages(ctx, t, filepath.Join(dir, "echo-journal.jsonl"))
	if len(journal) != 1 {
		t.Errorf("journal holds %d messages, want only the good one", len(journal))
	}
}

// A bad config stops the service before it starts, with a message naming
// the problem and the exit code of its error code.
func TestEchoServiceRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name     string
		config   string // file content; "-" means no file at all
		env      []string
		wantExit int
		inStderr []string
	}{
		{"TOML syntax", "[server]\naddr = \n", nil, 2, []string{"line 2"}},
		{"unknown key", "[server]\nport = 8080\n", nil, 2, []string{"server.port"}},
		{"wrong value type", "[mist]\nworkers = \"four\"\n", nil, 2, []string{"line 2", "mist.workers"}},
		{"out of range", "[mist]\nworkers = 0\n", nil, 2, []string{"mist.workers must be >= 1 (got 0)"}},
		{"bad log level", "[log]\nlevel = \"loud\"\n", nil, 2, []string{"log.level must be one of"}},
		{"type it cannot serve", "[mist]\naccept = [\"data.schema\"]\n", nil, 2, []string{`cannot serve "data.schema"`}},
		{"bad environment variable", "", []string{"ECHO_MIST_WORKERS=many"}, 2, []string{"ECHO_MIST_WORKERS"}},
		{"bad reply URL", "[mist]\nreply-to = \"ftp://example.com/x\"\n", nil, 2, []string{"mist.reply-to", "unsupported scheme"}},
		{"missing file", "-", nil, 3, []string{"no-such.toml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t, 30*time.Second)
			dir := t.TempDir()
			path := filepath.Join(dir, "no-such.toml")
			if tt.config != "-" {
				path = filepath.Join(dir, "echo.toml")
				if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			env := append([]string{"ECHO_SERVER_ADDR=127.0.0.1:0"}, tt.env...)
			cmd := command(ctx, t, dir, env, "echo-service", "-config", path)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			p := start(t, cmd)
			code := p.wait(ctx, t)
			out := stderr.String()
			if code != tt.wantExit || !strings.HasPrefix(out, "echo-service: ") {
				t.Errorf("exit code %d, stderr %q; want %d and a line starting \"echo-service: \"", code, out, tt.wantExit)
			}
			for _, want := range tt.inStderr {
				if !strings.Contains(out, want) {
					t.Errorf("stderr %q lacks %q", out, want)
				}
			}
			if strings.Contains(out, `"msg":"listening"`) {
				t.Errorf("the service started despite the bad config:\n%s", out)
			}
		})
	}
}

// jsonDecode decodes all of r into v.
func jsonDecode(r io.Reader, v any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %q", err, data)
	}
	return nil
}
