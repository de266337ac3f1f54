package transport

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
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
	clientTimeout    = 10 * time.Second // of the default client
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
	tmpl      *http.Request // the POST to target, parsed once; each Send copies it
	tmplErr   error         // why target does not parse, for Send to report
	token     string
	auth      []string  // {"Bearer <token>"} or the URL's basic auth: a header value every request shares, read-only
	ctype     []string  // {"application/json"}, shared the same way
	bodyBufs  sync.Pool // *[]byte request bodies the Handler reads into
	client    *http.Client
	ownClient bool          // client is the default one: Send calls its transport, Close drops its idle connections
	timeout   time.Duration // the default client's timeout, which Send applies itself
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
// kept for 30 s, and the proxy settings of the environment; it does not
// follow redirects, so a 3xx reply is a Send error with code validation.
func NewHTTP(targetURL string, opts ...HTTPOption) *HTTP {
	ctx, cancel := context.WithCancel(context.Background())
	h := &HTTP{
		target:    targetURL,
		client:    defaultClient(),
		ownClient: true,
		timeout:   clientTimeout,
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
	// Header values shared by every request: net/http never modifies the
	// values of a request's header.
	h.ctype = []string{jsonContentType}
	if h.token != "" {
		h.auth = []string{bearerPrefix + h.token}
	}
	if targetURL != "" {
		// Parsed here once, exactly as http.NewRequest would parse it on
		// every Send; a target that does not parse fails each Send.
		h.tmpl, h.tmplErr = http.NewRequestWithContext(context.Background(), http.MethodPost, targetURL, nil)
		if h.tmplErr == nil && h.auth == nil && h.tmpl.URL.User != nil {
			// What http.Client adds for a URL with user info, when no
			// other Authorization is set.
			u := h.tmpl.URL.User
			pw, _ := u.Password()
			h.auth = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw))}
		}
	}
	return h
}

func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.MaxIdleConns = 10
	t.MaxIdleConnsPerHost = 10
	t.IdleConnTimeout = 30 * time.Second
	// Replies are an empty 202 or a small error: asking for gzip (an
	// Accept-Encoding header on every request) buys nothing.
	t.DisableCompression = true
	return &http.Client{Timeout: clientTimeout, Transport: t, CheckRedirect: noRedirects}
}

// noRedirects makes the default client return a 3xx reply as it is, so
// that Send reports it (code validation) instead of following it: a
// client following a 301, 302 or 303 re-sends a POST as a GET without its
// body, and the message would be reported sent without being delivered.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Send POSTs msg (with its checksum) to the target URL as
// application/json, with the bearer token when one is set (otherwise the
// basic auth of a URL with user info, as http.Client adds it) and the W3C
// trace headers when ctx holds a span. It reads at most 64 KiB of the
// reply. Outcomes:
//
//	2xx              nil
//	429              code rate_limit
//	5xx              code unavailable; a 503 also matches errors.Is(err, ErrFull)
//	other statuses   code validation (never retried), 3xx included
//	network failure  code transport
//	ctx ended        an error matching ctx.Err()
//
// Every status error has Meta["status"], the status as a decimal string,
// and its message includes the receiver's error when it sent one. The
// default client does not follow redirects. With a client of your own
// ([WithHTTPClient]) that does, a redirect that turns the POST into a GET
// (301, 302, 303) drops the body, so Send reports that redirect's status
// with code validation whatever the GET got; a 307 or 308 re-sends the
// body and the final status decides. A Send in progress when the HTTP is
// closed returns ErrClosed.
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
	if h.tmplErr != nil {
		return errors.Wrapf(errors.CodeValidation, h.tmplErr, "transport: http target %q", h.target)
	}
	sctx, stop := h.sendContext(ctx)
	defer stop()
	rctx := sctx
	if h.ownClient {
		// The default client's own timeout, as its Do would set it.
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(sctx, h.timeout)
		defer cancel()
	}
	req := h.request(rctx, data)
	trace.InjectHTTP(ctx, req.Header)
	var resp *http.Response
	if h.ownClient {
		// The default client's transport, called as the client's Do would
		// call it for this request, without what Do adds that Send does
		// not need: copies of the request and its header kept for
		// redirects (the default client follows none, and a 3xx comes
		// back as it is) and a wrapper around the reply body. The timeout
		// is set above, and the URL's basic auth by request.
		resp, err = h.client.Transport.RoundTrip(req)
	} else {
		resp, err = h.client.Do(req)
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("transport: http post %s: %w", h.target, cerr)
		}
		if h.closed() {
			return ErrClosed
		}
		if h.ownClient {
			if rctx.Err() != nil {
				return errors.Wrapf(errors.CodeTransport, err, "transport: http post %s: no reply within %v", h.target, h.timeout)
			}
			var rh tls.RecordHeaderError // as the client's Do reports it
			if errors.As(err, &rh) && string(rh.RecordHeader[:]) == "HTTP/" {
				err = http.ErrSchemeMismatch
			}
		}
		return errors.Wrapf(errors.CodeTransport, err, "transport: http post %s", h.target)
	}
	defer resp.Body.Close()
	if r := resp.Request; r != nil && r.Method != http.MethodPost && r.Response != nil {
		// A client of the caller's that follows redirects turned the POST
		// into a GET without the body (301, 302, 303): whatever answered
		// that GET, the message was not delivered.
		return statusError(h.target, r.Response.StatusCode,
			fmt.Sprintf("redirected to %s as %s, the message was not delivered", r.URL.Redacted(), r.Method))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if resp.ContentLength != 0 { // 202 has none; drain another reply so the connection is reused
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody)) // the status has decided
		}
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody)) // the status has decided; the body is detail
	return statusError(h.target, resp.StatusCode, replyDetail(body))
}

// request returns the POST of data to the target, with ctx, a header of
// its own holding Content-Type and Authorization, and a body that the
// client can rewind to retry on a dead keep-alive connection. It is what
// http.NewRequestWithContext returns, without parsing the URL again.
func (h *HTTP) request(ctx context.Context, data []byte) *http.Request {
	req := h.tmpl.WithContext(ctx) // a shallow copy
	u := *h.tmpl.URL               // its own URL, so no RoundTripper can change the template's
	req.URL = &u
	req.Header = make(http.Header, 4)
	req.Header["Content-Type"] = h.ctype
	if h.auth != nil {
		req.Header["Authorization"] = h.auth
	}
	req.ContentLength = int64(len(data))
	// io.NopCloser of a *bytes.Reader, as NewRequest makes it: net/http
	// knows that body is in memory and writes it with the header in one
	// write; a body type of our own would cost a second one.
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return req
}

// sendContext returns the context of one request: it ends when ctx ends
// or the HTTP is closed, so that Close aborts a Send in progress, and it
// carries ctx's values. stop releases it.
//
// When ctx can never end (context.Background, or any ctx whose Done is
// nil), which is how most sends are made, this costs one small value: the
// HTTP's own close context, with ctx's values in front. Otherwise ctx and
// the close context are merged, at the price of a cancel context and a
// registration with the close context.
func (h *HTTP) sendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Done() == nil {
		return closeScoped{Context: h.closeCtx, values: ctx}, func() {}
	}
	return mergeDone(ctx, h.closeCtx)
}

// closeScoped is a context that ends with its embedded close context and
// looks values up in a context that never ends first. A lookup values
// cannot answer falls through to the close context, so a child context
// (such as the http.Client's timeout) registers with the close context
// directly, as it would with its parent.
type closeScoped struct {
	context.Context // the close context: Done and Err
	values          context.Context
}

func (c closeScoped) Deadline() (time.Time, bool) { return c.values.Deadline() }

func (c closeScoped) Value(key any) any {
	if v := c.values.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}

// statusError classifies a non-2xx reply; detail, when not empty, is
// added to the message.
func statusError(target string, status int, detail string) error {
	code := errors.CodeValidation
	switch {
	case status == http.StatusTooManyRequests:
		code = errors.CodeRateLimit
	case status >= 500 && status <= 599:
		code = errors.CodeUnavailable
	}
	text := fmt.Sprintf("transport: http post %s: %d %s", target, status, http.StatusText(status))
	if detail != "" {
		text += ": " + detail
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
	select { // a message already queued is taken without the full select
	case msg := <-h.inbox:
		return msg, nil
	default:
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

var errReceiverClosed = errors.New(errors.CodeUnavailable, "transport: receiver is closed")

func (h *HTTP) serve(w http.ResponseWriter, r *http.Request) {
	if h.closeCtx == nil {
		writeError(w, http.StatusServiceUnavailable, zeroValue("HTTP", "NewHTTP"))
		return
	}
	if h.closed() {
		writeError(w, http.StatusServiceUnavailable, errReceiverClosed)
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
	buf := h.getBodyBuf()
	defer h.putBodyBuf(buf)
	body, err := readBody(r, (*buf)[:0])
	*buf = body
	if err != nil {
		writeError(w, http.StatusBadRequest, errors.Wrap(errors.CodeValidation, err, "transport: read request body"))
		return
	}
	if len(body) > protocol.MaxMessageSize {
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge(-1))
		return
	}
	msg, err := protocol.Unmarshal(body) // copies what it keeps: buf can be reused
	if err != nil {
		writeError(w, http.StatusBadRequest, errors.Wrap(errors.CodeValidation, err, "transport: bad message"))
		return
	}
	if h.closed() { // while the body was read
		writeError(w, http.StatusServiceUnavailable, errReceiverClosed)
		return
	}
	select {
	case h.inbox <- msg:
		w.WriteHeader(http.StatusAccepted)
	default:
		w.Header().Set("Retry-After", retryAfterSecond)
		writeError(w, http.StatusServiceUnavailable, errors.New(errors.CodeUnavailable, "transport: inbox is full"))
	}
}

// readBody appends the body to buf and returns it, reading at most
// MaxMessageSize+1 bytes. It grows buf as the bytes arrive, not from the
// Content-Length a client announces, so a client that announces 10 MiB
// and sends little costs little. A body shorter than its Content-Length
// is an error (io.ErrUnexpectedEOF), and so is a body that keeps
// returning (0, nil) (io.ErrNoProgress).
func readBody(r *http.Request, buf []byte) ([]byte, error) {
	const limit = protocol.MaxMessageSize + 1
	if n := r.ContentLength; n > int64(cap(buf)) && n <= limit {
		// Room for the announced body, at most initialBodyRoom at once.
		buf = slices.Grow(buf, int(min(n, initialBodyRoom)))
	}
	for empty := 0; len(buf) < limit; {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 1) // append's growth: doubling, then 1.25×
		}
		n, err := r.Body.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		case n > 0:
			empty = 0
		default:
			if empty++; empty >= maxEmptyReads {
				return buf, io.ErrNoProgress
			}
		}
	}
	return buf, nil
}

const (
	// initialBodyRoom bounds the buffer a request body gets before its
	// bytes arrive.
	initialBodyRoom = 64 << 10
	// maxPooledBody is the largest body buffer kept for reuse.
	maxPooledBody = 1 << 20
)

// getBodyBuf returns an empty request body buffer, reused when possible.
func (h *HTTP) getBodyBuf() *[]byte {
	if b, ok := h.bodyBufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 4<<10)
	return &b
}

// putBodyBuf keeps b for reuse unless a large body made it large.
func (h *HTTP) putBodyBuf(b *[]byte) {
	if cap(*b) <= maxPooledBody {
		*b = (*b)[:0]
		h.bodyBufs.Put(b)
	}
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
	_, _ = w.Write(body) // a client that is gone cannot be told more
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
