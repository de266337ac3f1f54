package transport_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// growingReader serves data[:avail] in chunks of at most chunk bytes and
// reports io.EOF at avail, like a file that is still being written; grow
// makes the rest available.
type growingReader struct {
	data       []byte
	pos, avail int
	chunk      int
}

func (g *growingReader) Read(p []byte) (int, error) {
	if g.pos >= g.avail {
		return 0, io.EOF
	}
	n := min(len(p), g.chunk, g.avail-g.pos)
	copy(p, g.data[g.pos:g.pos+n])
	g.pos += n
	return n, nil
}

// outcome is what one call of the line reader gave: a message or the code
// of an error.
type outcome struct {
	Msg  *protocol.Message
	Code string
}

// referenceLines is the line reader's specification written plainly:
// split on '\n', drop the torn last part, strip one '\r', then: too long
// → protocol error, blank → skipped, else protocol.Unmarshal.
func referenceLines(data []byte, max int) []outcome {
	parts := bytes.Split(data, []byte("\n"))
	var out []outcome
	for _, l := range parts[:len(parts)-1] {
		l = bytes.TrimSuffix(l, []byte("\r"))
		switch {
		case len(l) > max:
			out = append(out, outcome{Code: errors.CodeProtocol})
		case len(bytes.Trim(l, " \t")) == 0:
		default:
			m, err := protocol.Unmarshal(l)
			if err != nil {
				out = append(out, outcome{Code: errors.Code(err)})
			} else {
				out = append(out, outcome{Msg: m})
			}
		}
	}
	return out
}

// FuzzLineReader reads arbitrary file contents, delivered in chunks and
// in two appends, with a small line limit and buffer. It never panics,
// every message it returns is valid with a verified checksum, every error
// has code protocol, a torn last line is never returned, it ends with
// io.EOF itself, and the whole sequence equals the plain specification.
func FuzzLineReader(f *testing.F) {
	good, _ := newMsg(f, 1).MarshalWithChecksum()
	plain, _ := newMsg(f, 2).Marshal()
	f.Add(append(append([]byte{}, good...), '\n'), uint8(7), uint8(3), uint16(400), uint16(50))
	f.Add([]byte(string(good)+"\r\n\n  \t\n"+string(plain)+"\ngarbage\n"+string(good)), uint8(1), uint8(0), uint16(300), uint16(120))
	f.Add([]byte(strings.Repeat(" ", 600)+"\n"+string(good)+"\n"), uint8(64), uint8(16), uint16(250), uint16(300))
	f.Add([]byte("{}\nnull\n[]\n\"x\"\n1\n"), uint8(2), uint8(1), uint16(10), uint16(3))
	f.Add([]byte(strings.Replace(string(good), `"version":"1"`, `"version":"7"`, 1)+"\n"), uint8(200), uint8(200), uint16(1000), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk, initial uint8, max, split uint16) {
		limit := int(max)%600 + 1
		g := &growingReader{data: data, avail: min(int(split), len(data)), chunk: int(chunk)%64 + 1}
		lr := transport.NewLineReader(g, limit, int(initial)%32+1)
		var got []outcome
		grown := false
		for calls := 0; ; calls++ {
			if calls > len(data)+2 {
				t.Fatalf("no io.EOF after %d calls", calls)
			}
			m, err := lr.Next()
			if err == io.EOF {
				if m != nil {
					t.Fatal("io.EOF with a message")
				}
				if !grown {
					grown, g.avail = true, len(data)
					continue
				}
				break
			}
			if err != nil {
				if m != nil || errors.Code(err) != errors.CodeProtocol {
					t.Fatalf("Next = (%v, %v), want only errors with code protocol", m, err)
				}
				got = append(got, outcome{Code: errors.CodeProtocol})
				continue
			}
			if m == nil {
				t.Fatal("Next = (nil, nil)")
			}
			if m.Validate() != nil || !m.VerifyChecksum() || protocol.CheckVersion(m.Version) != nil {
				t.Fatalf("Next returned an invalid message %+v", m)
			}
			got = append(got, outcome{Msg: m})
		}
		want := referenceLines(data, limit)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("read (-spec +got):\n%s", diff)
		}
	})
}

// FuzzHandler posts arbitrary bodies: the handler never panics, answers
// 202 exactly when protocol.Unmarshal accepts the body (and then delivers
// that message), and otherwise 400 or 413 with an error JSON with code
// validation.
func FuzzHandler(f *testing.F) {
	good, _ := newMsg(f, 1).MarshalWithChecksum()
	f.Add(good)
	f.Add([]byte(`{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":null}`))
	f.Add([]byte(`{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":{},"checksum":5}`))
	f.Add([]byte(`garbage`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		h := transport.NewHTTP("", transport.WithInboxSize(1))
		defer h.Close()
		rec := httptest.NewRecorder()
		h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mist", bytes.NewReader(body)))
		want, uerr := protocol.Unmarshal(body)
		if uerr == nil {
			if rec.Code != http.StatusAccepted || rec.Body.Len() != 0 {
				t.Fatalf("accepted body got %d %q, want 202 and no body", rec.Code, rec.Body)
			}
			got, err := h.Receive(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("delivered (-want +got):\n%s", diff)
			}
			return
		}
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("rejected body got %d, want 400 or 413", rec.Code)
		}
		var e errors.Error
		if err := e.UnmarshalJSON(rec.Body.Bytes()); err != nil || e.Code != errors.CodeValidation {
			t.Fatalf("error body %q, want an error JSON with code validation", rec.Body)
		}
	})
}

// FuzzDial: Dial never panics, fails only with code validation, and an
// http(s) URL keeps its host, query and path, except that an empty path or
// "/" becomes /mist.
func FuzzDial(f *testing.F) {
	for _, s := range []string{"http://h:1", "https://h/x?y=1", "http://h/?q", "file:///a", "file://b", "stdio://", "chan://", "ftp://x", "nope", "http://", "HTTP://H/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tr, err := transport.Dial(raw)
		if err != nil {
			if tr != nil || errors.Code(err) != errors.CodeValidation {
				t.Fatalf("Dial(%q) = (%v, %v), want (nil, code validation)", raw, tr, err)
			}
			return
		}
		defer tr.Close()
		h, ok := tr.(*transport.HTTP)
		if !ok {
			return
		}
		target := transport.HTTPTarget(h)
		in, err1 := url.Parse(raw)
		out, err2 := url.Parse(target)
		if err1 != nil || err2 != nil {
			return // not a URL net/url understands; only the no-panic property
		}
		wantPath := in.Path
		if wantPath == "" || wantPath == "/" {
			wantPath = "/mist"
		}
		if out.Host != in.Host || out.RawQuery != in.RawQuery || out.Path != wantPath {
			t.Fatalf("Dial(%q) targets %q, want host %q, query %q, path %q", raw, target, in.Host, in.RawQuery, wantPath)
		}
	})
}

// FuzzCheckMessage: the inline check every carrier makes before sending
// accepts exactly the messages that protocol.Message.Validate and
// protocol.CheckVersion accept (it re-implements them for speed), and
// rejects the others with code validation. size picks the payload length:
// 0 to 255 bytes, or the limit, or one byte over it.
func FuzzCheckMessage(f *testing.F) {
	f.Add("1", "id", "s", "t", int64(1), uint8(2))
	f.Add("", "id", "s", "t", int64(1), uint8(0))
	f.Add(" 1 ", "id", "s", "t", int64(1), uint8(0))
	f.Add("01", "id", "s", "t", int64(1), uint8(0))
	f.Add("2", "id", "s", "t", int64(1), uint8(0))
	f.Add("1", "", "s", "t", int64(1), uint8(0))
	f.Add("1", "id", "", "t", int64(1), uint8(0))
	f.Add("1", "id", "s", "", int64(1), uint8(0))
	f.Add("1", "id", "s", "t", int64(0), uint8(0))
	f.Add("1", "id", "s", "t", int64(-1), uint8(0))
	f.Add("1", "id", "s", "t", int64(1), uint8(254))
	f.Add("1", "id", "s", "t", int64(1), uint8(255))
	big := make([]byte, protocol.MaxMessageSize+1)
	f.Fuzz(func(t *testing.T, version, id, source, typ string, ts int64, size uint8) {
		n := int(size)
		switch size {
		case 254:
			n = protocol.MaxMessageSize
		case 255:
			n = protocol.MaxMessageSize + 1
		}
		m := &protocol.Message{Version: version, ID: id, Source: source, Type: typ, TimestampNS: ts, Payload: big[:n]}
		protoOK := m.Validate() == nil && protocol.CheckVersion(m.Version) == nil
		err := transport.CheckMessage(m)
		if (err == nil) != protoOK {
			t.Fatalf("checkMessage(version %q id %q source %q type %q ts %d, %d-byte payload) = %v, but protocol accepts it: %v",
				version, id, source, typ, ts, n, err, protoOK)
		}
		if err != nil && errors.Code(err) != errors.CodeValidation {
			t.Fatalf("checkMessage = %v, want code validation", err)
		}
	})
}
