package transport

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
)

const (
	defaultInbox     = 256
	maxResponseBody  = 64 << 10
	shutdownTimeout  = 5 * time.Second
	maxErrorDetail   = 512
	defaultPath      = "/mist"
	bearerPrefix     = "Bearer "
	jsonContentType  = "application/json"
	retryAfterSecond = "1"
)

// HTTP sends messages by POSTing them to a URL, and receives the messages
// POSTed to its [HTTP.Handler]. One value can do both: a service usually
// has one HTTP that receives (mounted on its server, or running its own
// with [HTTP.Listen]) and one per peer that it sends to.
//
// HTTP is safe for concurrent use. Sending starts no goroutines of its own
// beyond those of the http.Client; Listen's goroutines are stopped before
// Listen returns. The zero HTTP is not usable (its methods fail with code
// validation, its Handler answers 503); use NewHTTP.
type HTTP struct {
	target    string
	token     string
	client    *http.Client
	ownClient bool // client is the default one, whose idle connections Close drops
	inboxSize int
	inbox     chan *protocol.Message
	closeCtx  context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
	mu        sync.Mutex                   // orders Listen's registration with Close
	listeners sync.WaitGroup               // running Listen calls; Add only under mu before Close
	onListen  func(*http.Server, net.Addr) // test hook
}

// HTTPOption configures an [HTTP].
type HTTPOption func(*HTTP)

// WithBearerToken makes Send add "Authorization: Bearer <token>" and the
// Handler require exactly that header (401 otherwise). An empty token
// turns authentication off.
func WithBearerToken(token string) HTTPOption {
	return func(h *HTTP) { h.token = token }
}

// WithInboxSize sets how many received messages wait for Receive before
// the Handler answers 503 (default 256; n < 1 keeps the default).
func WithInboxSize(n int) HTTPOption {
	return func(h *HTTP) {
		if n >= 1 {
			h.inboxSize = n
		}
	}
}

// WithHTTPClient replaces the default client entirely. A nil c keeps the
// default.
func WithHTTPClient(c *http.Client) HTTPOption {
	return func(h *HTTP) {
		if c != nil {
			h.client, h.ownClient = c, false
		}
	}
}

// NewHTTP returns an HTTP that sends to targetURL, used exactly as given
// (see [Dial] for the /mist default). With targetURL "" it only receives,
// and Send fails with code validation. The default client has a 10 s
// timeout, TLS 1.2 or later, at most 10 idle connections (10 per host)
// kept for 30 s, and the proxy settings of the environment.
func NewHTTP(targetURL string, opts ...HTTPOption) *HTTP {
	ctx, cancel := context.WithCancel(context.Background())
	h := &HTTP{
		target:    targetURL,
		client:    defaultClient(),
		ownClient: true,
		inboxSize: defaultInbox,
		closeCtx:  ctx,
		cancel:    cancel,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(h)
		}
	}
	h.inbox = make(chan *protocol.Message, h.inboxSize)
	return h
}

func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.MaxIdleConns = 10
	t.MaxIdleConnsPerHost = 10
	t.IdleConnTimeout = 30 * time.Second
	return &http.Client{Timeout: 10 * time.Second, Transport: t}
}

// Send POSTs msg (with its checksum) to the target URL as
// application/json, with the bearer token when one is set and the W3C
// trace headers when ctx holds a span. It reads at most 64 KiB of the
// reply. Outcomes:
//
//	2xx              nil
//	429              code rate_limit
//	5xx              code unavailable; a 503 also matches errors.Is(err, ErrFull)
//	other statuses   code validation (never retried)
//	network failure  code transport
//	ctx ended        an error matching ctx.Err()
//
// Every status error has Meta["status"], the status as a decimal string,
// and its message includes the receiver's error when it sent one. A Send
// in progress when the HTTP is closed returns ErrClosed.
func (h *HTTP) Send(ctx context.Context, msg *protocol.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if h.closeCtx == nil {
		return zeroValue("HTTP", "NewHTTP")
	}
	if h.closed() {
		return ErrClosed
	}
	data, err := encode(msg, false)
	if err != nil {
		return err
	}
	if h.target == "" {
		return errors.New(errors.CodeValidation, "transport: http: no target url, this value only receives")
	}
	sctx, stop := mergeDone(ctx, h.closeCtx)
	defer stop()
	req, err := http.NewRequestWithContext(sctx, http.MethodPost, h.target, bytes.NewReader(data))
	if err != nil {
		return errors.Wrapf(errors.CodeValidation, err, "transport: http target %q", h.target)
	}
	req.Header.Set("Content-Type", jsonContentType)
	if h.token != "" {
		req.Header.Set("Authorization", bearerPrefix+h.token)
	}
	trace.InjectHTTP(ctx, req.Header)

	resp, err := h.client.Do(req)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("transport: http post %s: %w", h.target, cerr)
		}
		if h.closed() {
			return ErrClosed
		}
		return errors.Wrapf(errors.CodeTransport, err, "transport: http post %s", h.target)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return statusError(h.target, resp.StatusCode, body)
}

// statusError classifies a non-2xx reply.
func statusError(target string, status int, body []byte) error {
	code := errors.CodeValidation
	switch {
	case status == http.StatusTooManyRequests:
		code = errors.CodeRateLimit
	case status >= 500 && status <= 599:
		code = errors.CodeUnavailable
	}
	text := fmt.Sprintf("transport: http post %s: %d %s", target, status, http.StatusText(status))
	if d := replyDetail(body); d != "" {
		text += ": " + d
	}
	var e *errors.Error
	if status == http.StatusServiceUnavailable {
		e = errors.Wrap(code, ErrFull, text)
	} else {
		e = errors.New(code, text)
	}
	return e.WithMeta("status", strconv.Itoa(status))
}

// replyDetail returns the receiver's error text from a reply body: the
// text of an errors.Error JSON body, or else the start of the body.
func replyDetail(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var e errors.Error
	if json.Unmarshal(body, &e) == nil && e.Code != "" {
		return truncate(e.Error())
	}
	return truncate(string(body))
}

func truncate(s string) string {
	if len(s) > maxErrorDetail {
		return s[:maxErrorDetail] + "…"
	}
	return s
}

// Receive returns the next message the Handler queued, waiting until one
// arrives, ctx ends or the HTTP is closed.
func (h *HTTP) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if h.closeCtx == nil {
		return nil, zeroValue("HTTP", "NewHTTP")
	}
	if h.closed() {
		return nil, ErrClosed
	}
	select {
	case msg := <-h.inbox:
		return msg, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-h.closeCtx.Done():
		return nil, ErrClosed
	}
}

// Handler returns the receiving side as an http.Handler. It serves
// whatever path it is mounted on and answers, checking in this order:
//
//	405  the method is not POST (with Allow: POST)
//	401  a token is set and Authorization is not exactly "Bearer <token>"
//	     (compared in constant time; with WWW-Authenticate: Bearer)
//	413  the body is over protocol.MaxMessageSize, from Content-Length or
//	     after reading at most MaxMessageSize+1 bytes
//	400  the body cannot be read whole, or protocol.Unmarshal rejects it
//	     (JSON, envelope, version or checksum)
//	503  the inbox is full (with Retry-After: 1)
//	202  queued for Receive, with an empty body
//
// After Close it answers every request with 503 without reading the body.
// Every non-2xx reply is application/json holding an errors.Error: code
// validation for 400, 405 and 413, auth for 401, unavailable for 503.
func (h *HTTP) Handler() http.Handler {
	return http.HandlerFunc(h.serve)
}

func (h *HTTP) serve(w http.ResponseWriter, r *http.Request) {
	if h.closeCtx == nil {
		writeError(w, http.StatusServiceUnavailable, zeroValue("HTTP", "NewHTTP"))
		return
	}
	if h.closed() {
		writeError(w, http.StatusServiceUnavailable, errors.New(errors.CodeUnavailable, "transport: receiver is closed"))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed,
			errors.Newf(errors.CodeValidation, "transport: method %s not allowed, use POST", r.Method))
		return
	}
	if h.token != "" {
		got := r.Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(got), []byte(bearerPrefix+h.token)) != 1 {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, errors.New(errors.CodeAuth, "transport: missing or wrong bearer token"))
			return
		}
	}
	if r.ContentLength > protocol.MaxMessageSize {
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge(r.ContentLength))
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, errors.Wrap(errors.CodeValidation, err, "transport: read request body"))
		return
	}
	if len(body) > protocol.MaxMessageSize {
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge(-1))
		return
	}
	msg, err := protocol.Unmarshal(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, errors.Wrap(errors.CodeValidation, err, "transport: bad message"))
		return
	}
	select {
	case <-h.closeCtx.Done():
		writeError(w, http.StatusServiceUnavailable, errors.New(errors.CodeUnavailable, "transport: receiver is closed"))
		return
	default:
	}
	select {
	case h.inbox <- msg:
		w.WriteHeader(http.StatusAccepted)
	default:
		w.Header().Set("Retry-After", retryAfterSecond)
		writeError(w, http.StatusServiceUnavailable, errors.New(errors.CodeUnavailable, "transport: inbox is full"))
	}
}

// readBody reads at most MaxMessageSize+1 bytes of the body. With a known
// Content-Length (already checked) it reads exactly that much into one
// buffer.
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 {
		buf := make([]byte, n)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, protocol.MaxMessageSize+1))
}

func tooLarge(n int64) *errors.Error {
	if n >= 0 {
		return errors.Newf(errors.CodeValidation, "transport: message is %d bytes, over the limit of %d", n, protocol.MaxMessageSize)
	}
	return errors.Newf(errors.CodeValidation, "transport: message is over the limit of %d bytes", protocol.MaxMessageSize)
}

// writeError writes e as the JSON body of a status reply.
func writeError(w http.ResponseWriter, status int, e *errors.Error) {
	body, err := json.Marshal(e)
	if err != nil { // unreachable: an *errors.Error always marshals
		body = []byte(`{"code":"internal","message":"transport: encode error reply"}`)
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

// Listen serves [HTTP.Handler] at /mist on addr until ctx ends or the HTTP
// is closed, then shuts down gracefully, waiting at most 5 s for requests
// in progress before closing the rest, and returns nil. The server uses
// ReadHeaderTimeout 10 s, ReadTimeout 10 s, WriteTimeout 10 s, IdleTimeout
// 30 s and MaxHeaderBytes 1 MiB. A ctx that is already done gives a
// server that stops at once. Failing to listen gives code transport, and
// Listen after Close returns ErrClosed. Close waits for Listen's shutdown.
func (h *HTTP) Listen(ctx context.Context, addr string) error {
	if h.closeCtx == nil {
		return zeroValue("HTTP", "NewHTTP")
	}
	h.mu.Lock()
	if h.closed() {
		h.mu.Unlock()
		return ErrClosed
	}
	h.listeners.Add(1)
	h.mu.Unlock()
	defer h.listeners.Done()
	mux := http.NewServeMux()
	mux.Handle(defaultPath, h.Handler())
	srv := &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return errors.Wrapf(errors.CodeTransport, err, "transport: listen %s", addr)
	}
	if h.onListen != nil {
		h.onListen(srv, ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }() // stopped by Shutdown/Close below
	select {
	case err := <-served:
		return errors.Wrapf(errors.CodeTransport, err, "transport: serve %s", addr)
	case <-ctx.Done():
	case <-h.closeCtx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if srv.Shutdown(sctx) != nil {
		srv.Close() // overran: drop the connections still open
	}
	<-served
	return nil
}

// ListenForMessages is Listen(context.Background(), addr): it serves until
// Close.
func (h *HTTP) ListenForMessages(addr string) error {
	return h.Listen(context.Background(), addr)
}

func (h *HTTP) closed() bool { return h.closeCtx.Err() != nil }

// Close makes Send and Receive return ErrClosed (including a Receive that
// is waiting and a Send in progress), makes the Handler answer 503, stops
// every Listen (waiting for its graceful shutdown, at most 5 s), drops the
// messages still queued, and closes the idle connections of the default
// client. A second Close returns nil.
func (h *HTTP) Close() error {
	if h.closeCtx == nil {
		return nil
	}
	first := false
	h.closeOnce.Do(func() {
		first = true
		h.mu.Lock()
		h.cancel()
		h.mu.Unlock()
	})
	if !first {
		return nil
	}
	h.listeners.Wait()
	drain(h.inbox)
	if h.ownClient {
		h.client.CloseIdleConnections()
	}
	return nil
}
