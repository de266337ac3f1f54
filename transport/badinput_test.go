package transport_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// badInputs are wire forms every receiving edge must reject with a coded
// error and never deliver.
func badInputs(t *testing.T) map[string][]byte {
	good, _ := newMsg(t, 1).MarshalWithChecksum()
	over, _ := sizedMessage(t, protocol.MaxMessageSize+1).MarshalWithChecksum()
	return map[string][]byte{
		"oversize":      over,
		"malformed":     []byte(`{"version":"1","id":`),
		"not json":      []byte(`hello`),
		"wrong version": bytes.Replace(good, []byte(`"version":"1"`), []byte(`"version":"2"`), 1),
		"bad checksum":  bytes.Replace(good, []byte(`"suite":"transport"`), []byte(`"suite":"Transport"`), 1),
		"no timestamp":  bytes.Replace(good, []byte(`"timestamp_ns":`), []byte(`"timestamp_ns":-`), 1),
		"missing id":    bytes.Replace(good, []byte(`"id":`), []byte(`"xid":`), 1),
		"wrong type":    bytes.Replace(good, []byte(`"version":"1"`), []byte(`"version":1`), 1),
	}
}

// TestBadInputRejectedAtTheEdge feeds each bad input, followed by a good
// message, to the file reader, the stdio reader and the HTTP handler: the
// bad one gives a coded error, and only the good one is delivered.
func TestBadInputRejectedAtTheEdge(t *testing.T) {
	goodMsg := newMsg(t, 2)
	goodLine := line(t, goodMsg)
	for name, bad := range badInputs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			// Lines: file and stdio report code protocol for the bad line,
			// then deliver the good one.
			path := filepath.Join(t.TempDir(), "in.jsonl")
			appendTo(t, path, string(bad)+"\n"+goodLine)
			f, err := transport.NewFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s := transport.NewStdioFrom(strings.NewReader(string(bad)+"\n"+goodLine), io.Discard)
			defer s.Close()
			for edge, r := range map[string]transport.Receiver{"file": f, "stdio": s} {
				m, err := r.Receive(ctx)
				if m != nil || errors.Code(err) != errors.CodeProtocol {
					t.Errorf("%s: Receive of the bad line = (%v, %v), want code protocol", edge, m, err)
				}
				if m, err := r.Receive(ctx); err != nil || m.ID != goodMsg.ID {
					t.Errorf("%s: Receive after the bad line = (%v, %v), want the good message", edge, m, err)
				}
				if m, err := r.Receive(ctx); err != io.EOF {
					t.Errorf("%s: Receive at the end = (%v, %v), want io.EOF", edge, m, err)
				}
			}

			// HTTP: 400 or 413 with a JSON error carrying a code.
			h := transport.NewHTTP("")
			defer h.Close()
			srv := httptest.NewServer(h.Handler())
			defer srv.Close()
			resp, body := post(t, srv.URL, bad, nil)
			if resp.StatusCode != 400 && resp.StatusCode != 413 {
				t.Errorf("http: status %d, want 400 or 413", resp.StatusCode)
			}
			var e errors.Error
			if err := json.Unmarshal(body, &e); err != nil || e.Code != errors.CodeValidation {
				t.Errorf("http: body %q, want an error JSON with code validation", body)
			}
			noMessage(t, h)
		})
	}
}

// Every sender rejects a message its receiver would reject, with code
// validation, and reports nothing sent.
func TestBadMessageRejectedBySenders(t *testing.T) {
	bad := map[string]*protocol.Message{
		"nil":          nil,
		"no version":   {ID: "x", Source: "s", Type: "t", TimestampNS: 1},
		"too new":      {Version: "2", ID: "x", Source: "s", Type: "t", TimestampNS: 1},
		"no timestamp": {Version: "1", ID: "x", Source: "s", Type: "t"},
		"bad payload":  {Version: "1", ID: "x", Source: "s", Type: "t", TimestampNS: 1, Payload: json.RawMessage(`{"a":`)},
	}
	for pname, pair := range carriers {
		for mname, m := range bad {
			if pname == "channel" && mname == "bad payload" {
				continue // Channel passes pointers and never encodes the payload
			}
			t.Run(pname+"/"+mname, func(t *testing.T) {
				a, b := pair(t)
				defer a.Close()
				defer b.Close()
				if err := a.Send(ctxT(t), m); errors.Code(err) != errors.CodeValidation {
					t.Errorf("Send = %v, want code validation", err)
				}
				noMessage(t, b)
			})
		}
	}
}
