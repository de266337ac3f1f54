package transport_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
	"github.com/greynewell/mist-go/transport"
)

// --- sender ---------------------------------------------------------------

func TestHTTPSendStatus(t *testing.T) {
	tests := []struct {
		status int
		code   string // "" for success
		full   bool
	}{
		{200, "", false},
		{202, "", false},
		{204, "", false},
		{400, errors.CodeValidation, false},
		{401, errors.CodeValidation, false},
		{404, errors.CodeValidation, false},
		{405, errors.CodeValidation, false},
		{413, errors.CodeValidation, false},
		{429, errors.CodeRateLimit, false},
		{500, errors.CodeUnavailable, false},
		{502, errors.CodeUnavailable, false},
		{503, errors.CodeUnavailable, true},
		{504, errors.CodeUnavailable, false},
		{301, errors.CodeValidation, false}, // not followed: see TestHTTPSendRedirects
		{307, errors.CodeValidation, false},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if tt.status >= 300 {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Location", "/elsewhere") // for 301; the client must not follow to success
					w.WriteHeader(tt.status)
					json.NewEncoder(w).Encode(errors.New(errors.CodeInternal, "peer says no"))
					return
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			h := transport.NewHTTP(srv.URL)
			defer h.Close()
			err := h.Send(ctxT(t), newMsg(t, 1))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Send with reply %d = %v, want nil", tt.status, err)
				}
				return
			}
			if got := errors.Code(err); got != tt.code {
				t.Errorf("Send with reply %d: code %q (%v), want %q", tt.status, got, err, tt.code)
			}
			var e *errors.Error
			if !errors.As(err, &e) || e.Meta["status"] != strconv.Itoa(tt.status) {
				t.Errorf("Send with reply %d: error %v has Meta %v, want status %d", tt.status, err, e.Meta, tt.status)
			}
			if got := errors.Is(err, transport.ErrFull); got != tt.full {
				t.Errorf("Send with reply %d: errors.Is(err, ErrFull) = %v, want %v", tt.status, got, tt.full)
			}
			if got, want := errors.IsRetryable(err), tt.code != errors.CodeValidation; got != want {
				t.Errorf("Send with reply %d: IsRetryable = %v, want %v", tt.status, got, want)
			}
			if !strings.Contains(err.Error(), "peer says no") {
				t.Errorf("Send with reply %d: error %q does not carry the receiver's error", tt.status, err)
			}
		})
	}
}

// A redirect never makes Send report a message sent that was not
// delivered. The default client does not follow redirects: a 3xx is an
// error with code validation. A client that follows them turns the POST
// into a bodiless GET on 301, 302 and 303, which Send reports the same
// way; on 307 and 308 it re-sends the body, and the final status decides.
func TestHTTPSendRedirects(t *testing.T) {
	type request struct {
		method, path string
		body         []byte
	}
	tests := []struct {
		status    int
		client    *http.Client // nil: the default one
		wantErr   bool
		delivered bool // the final request carried the message to /ok
	}{
		{301, nil, true, false},
		{302, nil, true, false},
		{303, nil, true, false},
		{307, nil, true, false},
		{308, nil, true, false},
		{302, &http.Client{}, true, false},
		{303, &http.Client{}, true, false},
		{307, &http.Client{}, false, true},
		{308, &http.Client{}, false, true},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%d/default", tt.status)
		if tt.client != nil {
			name = fmt.Sprintf("%d/following", tt.status)
		}
		t.Run(name, func(t *testing.T) {
			requests := make(chan request, 4)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				requests <- request{r.Method, r.URL.Path, b}
				if r.URL.Path == "/ok" {
					w.WriteHeader(http.StatusOK) // to any method
					return
				}
				w.Header().Set("Location", "/ok")
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			var opts []transport.HTTPOption
			if tt.client != nil {
				opts = append(opts, transport.WithHTTPClient(tt.client))
			}
			h := transport.NewHTTP(srv.URL+"/in", opts...)
			defer h.Close()
			msg := newMsg(t, 1)
			err := h.Send(ctxT(t), msg)
			srv.Close() // every request has been handled
			close(requests)
			var last request
			n := 0
			for r := range requests {
				last, n = r, n+1
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Send = %v, want nil", err)
				}
			} else {
				var e *errors.Error
				if errors.Code(err) != errors.CodeValidation || !errors.As(err, &e) || e.Meta["status"] != strconv.Itoa(tt.status) {
					t.Fatalf("Send = %v, want code validation with Meta status %d", err, tt.status)
				}
			}
			want, _ := msg.MarshalWithChecksum()
			delivered := last.method == http.MethodPost && last.path == "/ok" && bytes.Equal(last.body, want)
			if delivered != tt.delivered {
				t.Errorf("last of %d requests = %s %s with %d bytes; delivered = %v, want %v",
					n, last.method, last.path, len(last.body), delivered, tt.delivered)
			}
			if tt.client == nil && n != 1 {
				t.Errorf("the default client made %d requests, want 1 (no redirect followed)", n)
			}
		})
	}
}

func TestHTTPSendHeaders(t *testing.T) {
	got := make(chan http.Header, 2)
	bodies := make(chan []byte, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.Header.Clone()
		bodies <- b
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	h := transport.NewHTTP(srv.URL+"/in", transport.WithBearerToken("s3cret"))
	defer h.Close()
	msg := newMsg(t, 7)
	// Without a span: no trace headers.
	if err := h.Send(ctxT(t), msg); err != nil {
		t.Fatal(err)
	}
	hdr, body := <-got, <-bodies
	if v := hdr.Get("Authorization"); v != "Bearer s3cret" {
		t.Errorf("Authorization = %q, want %q", v, "Bearer s3cret")
	}
	if v := hdr.Get("Content-Type"); v != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", v)
	}
	if v := hdr.Get("Traceparent"); v != "" {
		t.Errorf("traceparent without a span = %q, want none", v)
	}
	want, _ := msg.MarshalWithChecksum()
	if !bytes.Equal(body, want) {
		t.Errorf("body = %s, want MarshalWithChecksum output %s", body, want)
	}

	// With a span: traceparent and tracestate from trace.InjectHTTP.
	ctx, span := trace.Start(ctxT(t), "op")
	defer span.End("ok")
	if err := h.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	hdr, _ = <-got, <-bodies
	if v, w := hdr.Get("Traceparent"), trace.FormatTraceparent(span.TraceID, span.SpanID, true); v != w {
		t.Errorf("traceparent = %q, want %q", v, w)
	}
	if v := hdr.Get("Tracestate"); v != "mist="+span.SpanID {
		t.Errorf("tracestate = %q, want mist=%s", v, span.SpanID)
	}
}

func TestHTTPSendReceiveOnly(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	if err := h.Send(ctxT(t), newMsg(t, 1)); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send on NewHTTP(\"\") = %v, want code validation", err)
	}
	bad := transport.NewHTTP("http://bad host/\x7f")
	defer bad.Close()
	if err := bad.Send(ctxT(t), newMsg(t, 1)); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send to a malformed URL = %v, want code validation", err)
	}
}

func TestHTTPSendNetworkFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	h := transport.NewHTTP("http://" + addr + "/mist")
	defer h.Close()
	err = h.Send(ctxT(t), newMsg(t, 1))
	if errors.Code(err) != errors.CodeTransport || !errors.IsRetryable(err) {
		t.Errorf("Send to a closed port = %v (code %q), want a retryable error with code transport", err, errors.Code(err))
	}
}

func TestHTTPSendCancelled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // a slow receiver
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	h := transport.NewHTTP(srv.URL)
	defer h.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := h.Send(ctx, newMsg(t, 1))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send to a receiver that does not answer, until the deadline = %v, want context.DeadlineExceeded", err)
	}

	// A Send in progress when the HTTP closes returns ErrClosed.
	done := make(chan error, 1)
	go func() { done <- h.Send(context.Background(), newMsg(t, 2)) }()
	h.Close()
	if err := <-done; !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send across Close = %v, want ErrClosed", err)
	}
	h.Close()
	checkNoGoroutines(t)
}

func TestHTTPDefaultClient(t *testing.T) {
	h := transport.NewHTTP("http://x")
	defer h.Close()
	c := transport.HTTPClient(h)
	if c.Timeout != 10*time.Second {
		t.Errorf("client timeout = %v, want 10s", c.Timeout)
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("client transport = %T, want *http.Transport", c.Transport)
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion != tls.VersionTLS12 {
		t.Errorf("TLS config = %+v, want MinVersion TLS 1.2", tr.TLSClientConfig)
	}
	if tr.MaxIdleConns != 10 || tr.IdleConnTimeout != 30*time.Second {
		t.Errorf("MaxIdleConns = %d, IdleConnTimeout = %v, want 10 and 30s", tr.MaxIdleConns, tr.IdleConnTimeout)
	}
	if tr == http.DefaultTransport {
		t.Error("the default client shares http.DefaultTransport")
	}

	mine := &http.Client{}
	h2 := transport.NewHTTP("http://x", transport.WithHTTPClient(mine))
	defer h2.Close()
	if transport.HTTPClient(h2) != mine {
		t.Error("WithHTTPClient did not replace the client")
	}
}

// endless is a response body that never ends and counts what is read.
type endless struct {
	read   atomic.Int64
	closed atomic.Bool
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.read.Add(int64(len(p)))
	return len(p), nil
}

func (e *endless) Close() error { e.closed.Store(true); return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHTTPSendReadsAtMost64KiB(t *testing.T) {
	for _, status := range []int{202, 500} {
		body := &endless{}
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Body: body, Header: http.Header{}, Request: r}, nil
		})}
		h := transport.NewHTTP("http://x/mist", transport.WithHTTPClient(client))
		err := h.Send(ctxT(t), newMsg(t, 1))
		if (err == nil) != (status == 202) {
			t.Errorf("status %d: Send = %v", status, err)
		}
		if n := body.read.Load(); n > transport.MaxResponseBody {
			t.Errorf("status %d: read %d bytes of the reply, want at most %d", status, n, transport.MaxResponseBody)
		}
		if !body.closed.Load() {
			t.Errorf("status %d: reply body not closed", status)
		}
		if err != nil && len(err.Error()) > 2048 {
			t.Errorf("status %d: error text is %d bytes, want the reply truncated", status, len(err.Error()))
		}
		h.Close()
	}
}

func TestHTTPSendRejectsOversizeLocally(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	h := transport.NewHTTP(srv.URL)
	defer h.Close()
	msg := sizedMessage(t, protocol.MaxMessageSize+1)
	err := h.Send(ctxT(t), msg)
	if errors.Code(err) != errors.CodeValidation {
		t.Errorf("Send of a %d-byte message = %v, want code validation", protocol.MaxMessageSize+1, err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the receiver saw %d requests, want none", n)
	}
}

// --- receiver -------------------------------------------------------------

// sizedMessage returns a valid message whose MarshalWithChecksum output is
// exactly size bytes (size ≥ 256). The payload takes the bulk and the
// source, which the checksum does not cover, takes up the slack.
// Messages are built once per size and shared, so callers must not
// modify them.
func sizedMessage(t testing.TB, size int) *protocol.Message {
	t.Helper()
	if m, ok := sized.Load(size); ok {
		return m.(*protocol.Message)
	}
	m := newMsg(t, 0)
	m.Source = "s"
	m.Payload = json.RawMessage(`"` + strings.Repeat("a", size-250) + `"`)
	data, err := m.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > size {
		t.Fatalf("cannot build a %d-byte message", size)
	}
	m.Source += strings.Repeat("s", size-len(data))
	if data, _ = m.MarshalWithChecksum(); len(data) != size {
		t.Fatalf("built %d bytes, want %d", len(data), size)
	}
	sized.Store(size, m)
	return m
}

// sized caches the messages of sizedMessage by size.
var sized sync.Map

func post(t testing.TB, url string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// checkErrorReply checks a non-2xx reply: application/json holding an
// errors.Error with the given code.
func checkErrorReply(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("status %d: Content-Type = %q, want application/json", status, ct)
	}
	var e errors.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("status %d: body %q is not an error JSON: %v", status, body, err)
	}
	if e.Code != code || e.Message == "" {
		t.Errorf("status %d: error body %s has code %q, want %q and a message", status, body, e.Code, code)
	}
}

func TestHTTPHandlerReplies(t *testing.T) {
	good, _ := newMsg(t, 1).MarshalWithChecksum()
	badSum := bytes.Replace(good, []byte(`"checksum":`), []byte(`"checksum":1`), 1)
	tooNew := bytes.Replace(good, []byte(`"version":"1"`), []byte(`"version":"99"`), 1)
	tests := []struct {
		name   string
		method string
		auth   string
		body   []byte
		status int
		code   string
	}{
		{"get", http.MethodGet, "Bearer tok", nil, 405, errors.CodeValidation},
		{"put", http.MethodPut, "Bearer tok", good, 405, errors.CodeValidation},
		{"get without token: method first", http.MethodGet, "", nil, 405, errors.CodeValidation},
		{"no token", http.MethodPost, "", good, 401, errors.CodeAuth},
		{"wrong token", http.MethodPost, "Bearer nope", good, 401, errors.CodeAuth},
		{"token prefix", http.MethodPost, "Bearer to", good, 401, errors.CodeAuth},
		{"lower-case scheme", http.MethodPost, "bearer tok", good, 401, errors.CodeAuth},
		{"token with suffix", http.MethodPost, "Bearer tok2", good, 401, errors.CodeAuth},
		{"token twice", http.MethodPost, "Bearer tok tok", good, 401, errors.CodeAuth},
		{"bad token before bad body", http.MethodPost, "", []byte("garbage"), 401, errors.CodeAuth},
		{"garbage", http.MethodPost, "Bearer tok", []byte("garbage"), 400, errors.CodeValidation},
		{"empty", http.MethodPost, "Bearer tok", nil, 400, errors.CodeValidation},
		{"not an object", http.MethodPost, "Bearer tok", []byte(`[1,2]`), 400, errors.CodeValidation},
		{"missing fields", http.MethodPost, "Bearer tok", []byte(`{"version":"1"}`), 400, errors.CodeValidation},
		{"wrong version", http.MethodPost, "Bearer tok", tooNew, 400, errors.CodeValidation},
		{"bad checksum", http.MethodPost, "Bearer tok", badSum, 400, errors.CodeValidation},
		{"good", http.MethodPost, "Bearer tok", good, 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := transport.NewHTTP("", transport.WithBearerToken("tok"))
			defer h.Close()
			srv := httptest.NewServer(h.Handler())
			defer srv.Close()
			req, _ := http.NewRequest(tt.method, srv.URL+"/any/path", bytes.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.status == 202 {
				if resp.StatusCode != 202 || len(body) != 0 {
					t.Fatalf("reply = %d %q, want 202 with an empty body", resp.StatusCode, body)
				}
				m, err := h.Receive(ctxT(t))
				if err != nil || !m.VerifyChecksum() || m.Checksum == 0 {
					t.Errorf("Receive = (%v, %v), want the message with a verified checksum", m, err)
				}
				return
			}
			checkErrorReply(t, resp, body, tt.status, tt.code)
			switch tt.status {
			case 405:
				if v := resp.Header.Get("Allow"); v != "POST" {
					t.Errorf("Allow = %q, want POST", v)
				}
			case 401:
				if v := resp.Header.Get("WWW-Authenticate"); v != "Bearer" {
					t.Errorf("WWW-Authenticate = %q, want Bearer", v)
				}
			}
			noMessage(t, h)
		})
	}
}

// Fixed on purpose: the receiver verifies checksums, and a message that
// arrives without one is still accepted.
func TestHTTPHandlerChecksums(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()

	m := newMsg(t, 1)
	plain, _ := m.Marshal() // no checksum
	resp, body := post(t, srv.URL, plain, nil)
	if resp.StatusCode != 202 {
		t.Fatalf("message without a checksum: %d %s, want 202", resp.StatusCode, body)
	}
	got, err := h.Receive(ctxT(t))
	if err != nil || got.ID != m.ID {
		t.Fatalf("Receive = (%v, %v)", got, err)
	}

	tampered, _ := m.MarshalWithChecksum()
	tampered = bytes.Replace(tampered, []byte(`"suite":"transport"`), []byte(`"suite":"tampered!"`), 1)
	resp, body = post(t, srv.URL, tampered, nil)
	checkErrorReply(t, resp, body, 400, errors.CodeValidation)
	if !strings.Contains(string(body), "checksum") {
		t.Errorf("reply %s does not say the checksum failed", body)
	}
	noMessage(t, h)
}

// The 10 MiB limit: a message of exactly protocol.MaxMessageSize bytes is
// accepted, one byte more gets 413 whether Content-Length announces it or
// not, and nothing over the limit is delivered.
func TestHTTPHandlerSizeLimit(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()

	exact := sizedMessage(t, protocol.MaxMessageSize)
	data, _ := exact.MarshalWithChecksum()
	if len(data) != protocol.MaxMessageSize {
		t.Fatalf("built %d bytes, want %d", len(data), protocol.MaxMessageSize)
	}
	resp, body := post(t, srv.URL, data, nil)
	if resp.StatusCode != 202 {
		t.Fatalf("exactly MaxMessageSize bytes: %d %s, want 202", resp.StatusCode, body)
	}
	if got, err := h.Receive(ctxT(t)); err != nil || got.ID != exact.ID {
		t.Fatalf("Receive = (%v, %v), want the 10 MiB message", got, err)
	}

	over := append(bytes.Clone(data[:len(data)-1]), ' ', '}') // valid JSON, one byte more
	if len(over) != protocol.MaxMessageSize+1 {
		t.Fatalf("built %d bytes", len(over))
	}
	resp, body = post(t, srv.URL, over, nil)
	checkErrorReply(t, resp, body, 413, errors.CodeValidation)

	// Without Content-Length (chunked), the reader stops after
	// MaxMessageSize+1 bytes.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, io.MultiReader(bytes.NewReader(over), strings.NewReader(strings.Repeat(" ", 1<<20))))
	req.ContentLength = -1
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp2.Body)
	resp2.Body.Close()
	checkErrorReply(t, resp2, body, 413, errors.CodeValidation)
	noMessage(t, h)
}

// Fixed on purpose: a 2 MiB message is accepted and an 11 MiB one gets 413.
func TestHTTPTwoAndElevenMiB(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	sender := transport.NewHTTP(srv.URL)
	defer sender.Close()

	two := sizedMessage(t, 2<<20)
	if err := sender.Send(ctxT(t), two); err != nil {
		t.Fatalf("Send of 2 MiB = %v, want nil", err)
	}
	if got, err := h.Receive(ctxT(t)); err != nil || got.ID != two.ID {
		t.Fatalf("Receive = (%v, %v)", got, err)
	}

	eleven, _ := sizedMessage(t, 11<<20).MarshalWithChecksum()
	resp, body := post(t, srv.URL, eleven, nil)
	checkErrorReply(t, resp, body, 413, errors.CodeValidation)
	noMessage(t, h)
}

func TestHTTPHandlerFullInbox(t *testing.T) {
	h := transport.NewHTTP("", transport.WithInboxSize(2))
	defer h.Close()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	sender := transport.NewHTTP(srv.URL)
	defer sender.Close()
	ctx := ctxT(t)
	for i := range 2 {
		if err := sender.Send(ctx, newMsg(t, i)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	data, _ := newMsg(t, 3).MarshalWithChecksum()
	resp, body := post(t, srv.URL, data, nil)
	checkErrorReply(t, resp, body, 503, errors.CodeUnavailable)
	if v := resp.Header.Get("Retry-After"); v != "1" {
		t.Errorf("Retry-After = %q, want 1", v)
	}
	// The sender sees ErrFull, so BlockingSend waits for room.
	if err := sender.Send(ctx, newMsg(t, 4)); !errors.Is(err, transport.ErrFull) {
		t.Errorf("Send to a full inbox = %v, want ErrFull", err)
	}
	done := make(chan error, 1)
	go func() { done <- transport.BlockingSend(ctx, sender, newMsg(t, 5)) }()
	if _, err := h.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("BlockingSend once there is room = %v, want nil", err)
	}
}

func TestHTTPInboxSizeOption(t *testing.T) {
	for _, n := range []int{0, -1} {
		h := transport.NewHTTP("", transport.WithInboxSize(n))
		srv := httptest.NewServer(h.Handler())
		data, _ := newMsg(t, 1).MarshalWithChecksum()
		for i := range 256 {
			if resp, body := post(t, srv.URL, data, nil); resp.StatusCode != 202 {
				t.Fatalf("WithInboxSize(%d): post %d got %d %s, want 202 (default inbox 256)", n, i, resp.StatusCode, body)
			}
		}
		resp, _ := post(t, srv.URL, data, nil)
		if resp.StatusCode != 503 {
			t.Errorf("WithInboxSize(%d): post 257 got %d, want 503", n, resp.StatusCode)
		}
		srv.Close()
		h.Close()
	}
}

func TestHTTPHandlerAfterClose(t *testing.T) {
	h := transport.NewHTTP("")
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	data, _ := newMsg(t, 1).MarshalWithChecksum()
	if resp, _ := post(t, srv.URL, data, nil); resp.StatusCode != 202 {
		t.Fatalf("before Close: %d, want 202", resp.StatusCode)
	}
	h.Close()
	resp, body := post(t, srv.URL, data, nil)
	checkErrorReply(t, resp, body, 503, errors.CodeUnavailable)
	// The message queued before Close is dropped.
	if m, err := h.Receive(context.Background()); m != nil || !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Receive after Close = (%v, %v), want (nil, ErrClosed)", m, err)
	}
}

// A peer that closes the connection in the middle of the body: nothing is
// delivered and the handler returns.
func TestHTTPHandlerPeerClosesMidBody(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()

	data, _ := newMsg(t, 1).MarshalWithChecksum()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /mist HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(data))
	conn.Write(data[:len(data)/2])
	conn.Close()

	noMessage(t, h)
	srv.Close() // waits for the handler
	checkNoGoroutines(t)
}

// A slow client that stops sending in the middle of the body: the server's
// read timeout ends the request, nothing is delivered and the handler
// returns.
func TestHTTPHandlerSlowClient(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	srv := httptest.NewUnstartedServer(h.Handler())
	srv.Config.ReadTimeout = 100 * time.Millisecond // Listen uses 10 s
	srv.Start()
	defer srv.Close()

	data, _ := newMsg(t, 1).MarshalWithChecksum()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /mist HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(data))
	conn.Write(data[:10])
	// The server gives up: it answers 400 or just closes the connection.
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	reply, _ := io.ReadAll(conn)
	if len(reply) > 0 && !bytes.HasPrefix(reply, []byte("HTTP/1.1 400")) {
		t.Errorf("reply to a stalled body = %q, want 400 or nothing", reply)
	}
	noMessage(t, h)
	srv.Close()
	checkNoGoroutines(t)
}

// Fixed on purpose: Listen has a test (serves /mist with the listed
// limits, stops with its ctx).
func TestHTTPListen(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	type bound struct {
		srv  *http.Server
		addr net.Addr
	}
	ready := make(chan bound, 1)
	transport.SetOnListen(h, func(s *http.Server, a net.Addr) { ready <- bound{s, a} })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Listen(ctx, "127.0.0.1:0") }()
	b := <-ready
	s := b.srv
	if s.ReadHeaderTimeout != 10*time.Second || s.ReadTimeout != 10*time.Second || s.WriteTimeout != 10*time.Second ||
		s.IdleTimeout != 30*time.Second || s.MaxHeaderBytes != 1<<20 {
		t.Errorf("server limits = %v %v %v %v %d, want 10s 10s 10s 30s 1MiB",
			s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout, s.MaxHeaderBytes)
	}

	sender := transport.NewHTTP("http://" + b.addr.String() + "/mist")
	defer sender.Close()
	msg := newMsg(t, 1)
	if err := sender.Send(ctxT(t), msg); err != nil {
		t.Fatalf("Send to Listen: %v", err)
	}
	if got, err := h.Receive(ctxT(t)); err != nil || got.ID != msg.ID {
		t.Fatalf("Receive = (%v, %v)", got, err)
	}
	// Only /mist is served.
	resp, _ := post(t, "http://"+b.addr.String()+"/other", nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("POST /other = %d, want 404", resp.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Listen after ctx ended = %v, want nil", err)
	}
	if _, err := net.Dial("tcp", b.addr.String()); err == nil {
		t.Error("the listener is still open after Listen returned")
	}
}

// Fixed on purpose: ListenForMessages has a test (serves until Close).
func TestHTTPListenForMessagesStopsOnClose(t *testing.T) {
	h := transport.NewHTTP("")
	ready := make(chan net.Addr, 1)
	transport.SetOnListen(h, func(_ *http.Server, a net.Addr) { ready <- a })
	done := make(chan error, 1)
	go func() { done <- h.ListenForMessages("127.0.0.1:0") }()
	addr := <-ready
	data, _ := newMsg(t, 1).MarshalWithChecksum()
	if resp, body := post(t, "http://"+addr.String()+"/mist", data, nil); resp.StatusCode != 202 {
		t.Fatalf("POST = %d %s, want 202", resp.StatusCode, body)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waited for the shutdown: the listener is already closed when
	// Close returns. (Whether the goroutine above has sent Listen's result
	// yet is up to the scheduler, so that is not what this checks.)
	if c, err := net.Dial("tcp", addr.String()); err == nil {
		c.Close()
		t.Error("the listener is still open after Close returned")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenForMessages after Close = %v, want nil", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("ListenForMessages did not return after Close")
	}
	if err := h.Listen(context.Background(), "127.0.0.1:0"); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Listen after Close = %v, want ErrClosed", err)
	}
	checkNoGoroutines(t)
}

func TestHTTPListenErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h := transport.NewHTTP("")
	defer h.Close()
	err = h.Listen(context.Background(), ln.Addr().String()) // in use
	if errors.Code(err) != errors.CodeTransport {
		t.Errorf("Listen on a port in use = %v, want code transport", err)
	}

	// A ctx already done: the server stops at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Listen(ctx, "127.0.0.1:0"); err != nil {
		t.Errorf("Listen(done ctx) = %v, want nil", err)
	}
}

// The Handler reads bodies into reused buffers: a message received
// earlier keeps its own bytes after later requests reuse the buffer.
func TestHTTPHandlerReusedBuffers(t *testing.T) {
	h := transport.NewHTTP("", transport.WithInboxSize(8))
	defer h.Close()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	var sent []*protocol.Message
	for i := range 4 {
		m := newMsg(t, 1000+i) // same size, different bytes
		m.ComputeChecksum()
		data, _ := m.MarshalWithChecksum()
		if resp, body := post(t, srv.URL, data, nil); resp.StatusCode != 202 {
			t.Fatalf("POST %d = %d %s, want 202", i, resp.StatusCode, body)
		}
		sent = append(sent, m)
	}
	bad := bytes.Repeat([]byte("x"), 300) // rejected, but read into a buffer too
	if resp, _ := post(t, srv.URL, bad, nil); resp.StatusCode != 400 {
		t.Fatalf("POST of garbage = %d, want 400", resp.StatusCode)
	}
	for i, want := range sent {
		got, err := h.Receive(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || !bytes.Equal(got.Payload, want.Payload) || got.Checksum != want.Checksum {
			t.Errorf("message %d = %s %s, want %s %s", i, got.ID, got.Payload, want.ID, want.Payload)
		}
	}
}

// shortBody announces more than it holds: n bytes, then io.EOF.
type shortBody struct{ n int }

func (b *shortBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.ErrUnexpectedEOF // what net/http's body reader says
	}
	k := min(len(p), b.n)
	for i := range k {
		p[i] = ' '
	}
	b.n -= k
	return k, nil
}

// A client that announces a 10 MiB body and sends a few bytes gets 400,
// and the Handler does not set aside 10 MiB for it: the buffer grows with
// the bytes that arrive, not with the Content-Length announced.
func TestHTTPHandlerAnnouncedLengthNotTrusted(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	req := httptest.NewRequest(http.MethodPost, "/mist", &shortBody{n: 10})
	req.ContentLength = protocol.MaxMessageSize
	rec := httptest.NewRecorder()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h.Handler().ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", rec.Code)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n >= 1<<20 {
		t.Errorf("the Handler allocated %d bytes for a 10-byte body announced as 10 MiB, want under 1 MiB", n)
	}
	noMessage(t, h)
}

// Each request's ctx carries the caller's values and ends when the HTTP
// closes, whether the caller's ctx can end or not.
func TestHTTPSendContext(t *testing.T) {
	type key struct{}
	for _, cancelable := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancelable=%v", cancelable), func(t *testing.T) {
			seen := make(chan context.Context, 2)
			client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				seen <- r.Context()
				if r.Context().Value(key{}) == "stop" {
					<-r.Context().Done() // until Close
					return nil, r.Context().Err()
				}
				return &http.Response{StatusCode: 202, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
			})}
			h := transport.NewHTTP("http://x/mist", transport.WithHTTPClient(client))
			ctx := context.WithValue(context.Background(), key{}, "go")
			if cancelable {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
			}
			if err := h.Send(ctx, newMsg(t, 1)); err != nil {
				t.Fatalf("Send = %v", err)
			}
			if got := (<-seen).Value(key{}); got != "go" {
				t.Errorf("the request's ctx has value %v, want the caller's", got)
			}

			done := make(chan error, 1)
			go func() { done <- h.Send(context.WithValue(ctx, key{}, "stop"), newMsg(t, 2)) }()
			<-seen // the request is in flight
			h.Close()
			if err := <-done; !errors.Is(err, transport.ErrClosed) {
				t.Errorf("Send in flight across Close = %v, want ErrClosed", err)
			}
			checkNoGoroutines(t)
		})
	}
}

// A body that keeps returning (0, nil) gets 400 instead of a Handler that
// never returns.
func TestHTTPHandlerBodyWithoutProgress(t *testing.T) {
	h := transport.NewHTTP("")
	defer h.Close()
	req := httptest.NewRequest(http.MethodPost, "/mist", stalledReader{})
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, req)
	checkErrorReply(t, rec.Result(), rec.Body.Bytes(), http.StatusBadRequest, errors.CodeValidation)
	noMessage(t, h)
}

// Send calls the default client's transport itself; it keeps what the
// client's Do would do for it: the basic auth of a URL with user info
// (unless a bearer token is set), the client's timeout, and the error for
// an https URL served over plain HTTP.
func TestHTTPSendDefaultClientParity(t *testing.T) {
	auth := make(chan string, 4)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		auth <- r.Header.Get("Authorization")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	defer close(release)
	hostport := srv.Listener.Addr().String()

	for _, tt := range []struct {
		name string
		opts []transport.HTTPOption
		want string
	}{
		{"user info", nil, "Basic dXNlcjpwIHc="}, // user:p w
		{"token wins", []transport.HTTPOption{transport.WithBearerToken("tok")}, "Bearer tok"},
	} {
		h := transport.NewHTTP("http://user:p%20w@"+hostport+"/mist", tt.opts...)
		if err := h.Send(ctxT(t), newMsg(t, 1)); err != nil {
			t.Fatalf("%s: Send = %v", tt.name, err)
		}
		if got := <-auth; got != tt.want {
			t.Errorf("%s: Authorization = %q, want %q", tt.name, got, tt.want)
		}
		h.Close()
	}

	slow := transport.NewHTTP("http://" + hostport + "/slow")
	defer slow.Close()
	transport.SetHTTPTimeout(slow, 50*time.Millisecond) // the default client's is 10 s
	err := slow.Send(ctxT(t), newMsg(t, 1))
	if errors.Code(err) != errors.CodeTransport || !errors.IsRetryable(err) || errors.Is(err, transport.ErrClosed) ||
		!strings.Contains(err.Error(), "no reply within 50ms") {
		t.Errorf("Send past the client timeout = %v, want a retryable code transport error saying no reply came", err)
	}

	tlsToPlain := transport.NewHTTP("https://" + hostport + "/mist")
	defer tlsToPlain.Close()
	if err := tlsToPlain.Send(ctxT(t), newMsg(t, 1)); errors.Code(err) != errors.CodeTransport || !errors.Is(err, http.ErrSchemeMismatch) {
		t.Errorf("Send over TLS to a plain HTTP server = %v, want code transport matching http.ErrSchemeMismatch", err)
	}
}
