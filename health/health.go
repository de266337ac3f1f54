package health

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCheckTimeout is the time a check may take when [WithTimeout] is
// not given, or is given d ≤ 0.
const DefaultCheckTimeout = 5 * time.Second

// Status values of a [Response].
const (
	statusOK       = "ok"
	statusDegraded = "degraded"
	statusNotReady = "not_ready"
)

// CheckFunc checks one dependency. It returns nil when the dependency is
// healthy. ctx is cancelled when the check's timeout expires or the probe's
// request ends; a check should return promptly then.
//
// Within one registration a CheckFunc runs once at a time: a run starts
// only after the previous one has returned, even one that outlived its
// timeout. Different checks run concurrently, successive runs may be on
// different goroutines, and a function registered twice (under two names,
// or again under one name) may run concurrently with itself, so state it
// shares with other code must be safe for concurrent use. The zero value
// (nil) is not a valid check: [Handler.AddCheck] panics on it.
type CheckFunc func(ctx context.Context) error

// CheckOption configures one check in [Handler.AddCheck]; build it with
// [WithTimeout] or [WithCacheTTL]. An option is a plain function value
// that only fills in the configuration of the AddCheck call it is given
// to, so it can be shared between goroutines and reused for many checks.
// A nil CheckOption is ignored.
type CheckOption func(*checkConfig)

type checkConfig struct {
	timeout time.Duration
	ttl     time.Duration
}

// WithTimeout bounds each run of the check: its ctx is cancelled after d
// and the probe reports "timeout after <d>". d ≤ 0 means
// [DefaultCheckTimeout].
func WithTimeout(d time.Duration) CheckOption {
	return func(c *checkConfig) { c.timeout = d }
}

// WithCacheTTL makes probes reuse the check's last outcome, pass or fail,
// for d after the run that produced it finished. d ≤ 0 (the default) runs
// the check on every probe.
func WithCacheTTL(d time.Duration) CheckOption {
	return func(c *checkConfig) { c.ttl = d }
}

// Response is the JSON body of both probes. Checks maps each check's name
// to "ok" or the reason it failed; it is omitted when no check ran.
//
// A Response is a plain value: each one returned by [Handler.Check] is
// new, with its own Checks map, and the caller owns it. It is not safe for
// concurrent use while it is being modified. The zero Response has empty
// fields and marshals as {"status":"","tool":"","version":"","uptime":""}.
type Response struct {
	Status  string            `json:"status"`
	Tool    string            `json:"tool"`
	Version string            `json:"version"`
	Uptime  string            `json:"uptime"`
	Checks  map[string]string `json:"checks,omitempty"`
}

// Handler serves liveness and readiness probes for one tool.
//
// A Handler is safe for concurrent use: AddCheck and SetReady may race with
// probes, and a probe sees either the old or the new state. Use [New]; a
// zero Handler is ready, has no checks, and reports empty tool and version
// and an uptime of "0s".
type Handler struct {
	tool, version string
	start         time.Time
	now           func() time.Time // time.Now; tests replace it via export_test.go
	notReady      atomic.Bool

	mu     sync.RWMutex
	checks map[string]*check // guarded by mu; a *check is replaced, never edited
}

// New returns a ready Handler for tool and version with no checks. Uptime
// counts from this call.
func New(tool, version string) *Handler {
	h := &Handler{tool: tool, version: version, now: time.Now}
	h.start = h.now()
	return h
}

// AddCheck registers fn under name. Registering an existing name replaces
// that check and discards its cached outcome; a run of the old check that
// is still in flight finishes for the probes already waiting on it.
//
// AddCheck panics when fn is nil, naming the check: like a bad metric
// registration, that is a programming mistake caught at setup, and a nil
// check would otherwise fail every probe.
func (h *Handler) AddCheck(name string, fn CheckFunc, opts ...CheckOption) {
	if fn == nil {
		panic(fmt.Sprintf("health: AddCheck %q with a nil CheckFunc", name))
	}
	cfg := checkConfig{}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultCheckTimeout
	}
	c := &check{fn: fn, timeout: cfg.timeout, ttl: cfg.ttl}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.checks == nil {
		h.checks = make(map[string]*check)
	}
	h.checks[name] = c
}

// SetReady sets readiness. While not ready, [Handler.Check] answers 503
// not_ready without running any check. A new Handler is ready.
func (h *Handler) SetReady(ready bool) { h.notReady.Store(!ready) }

func (h *Handler) clock() time.Time {
	if h.now == nil {
		return time.Now()
	}
	return h.now()
}

func (h *Handler) response(status string) Response {
	uptime := time.Duration(0)
	if !h.start.IsZero() {
		uptime = h.clock().Sub(h.start)
	}
	return Response{Status: status, Tool: h.tool, Version: h.version, Uptime: uptime.Round(time.Second).String()}
}

// Check runs the readiness checks and returns the response and its HTTP
// status. Not ready: 503 not_ready, no checks run. Otherwise every check
// runs concurrently on a ctx derived from ctx and cancelled after the
// check's timeout, and the answer is 200 ok when every check passed or 503
// degraded when one failed, timed out or panicked.
//
// Check returns once every check has an outcome, so at most the longest
// timeout after it is called (or when ctx is done). A check that ignores
// its ctx keeps running in its own goroutine after its timeout has been
// reported; its next run waits for it to return.
func (h *Handler) Check(ctx context.Context) (Response, int) {
	if h.notReady.Load() {
		return h.response(statusNotReady), http.StatusServiceUnavailable
	}
	h.mu.RLock()
	checks := maps.Clone(h.checks)
	h.mu.RUnlock()

	outcomes := make(map[string]outcome, len(checks))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for name, c := range checks {
		// Each probe goroutine returns within the check's timeout (or when
		// ctx is done) even if the check ignores ctx, so Check can wait.
		wg.Go(func() {
			o := c.result(ctx, h.clock)
			mu.Lock()
			outcomes[name] = o
			mu.Unlock()
		})
	}
	wg.Wait()

	status, code := statusOK, http.StatusOK
	resp := h.response(status)
	if len(outcomes) > 0 {
		resp.Checks = make(map[string]string, len(outcomes))
	}
	for name, o := range outcomes {
		resp.Checks[name] = o.text
		if !o.ok {
			status, code = statusDegraded, http.StatusServiceUnavailable
		}
	}
	resp.Status = status
	return resp, code
}

// Liveness returns the liveness probe: 200 with status "ok" and no checks,
// for as long as the process can answer.
func (h *Handler) Liveness() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !allowed(w, r) {
			return
		}
		write(w, r, h.response(statusOK), http.StatusOK)
	}
}

// Readiness returns the readiness probe, which serves [Handler.Check] with
// the request's context.
func (h *Handler) Readiness() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !allowed(w, r) {
			return
		}
		resp, code := h.Check(r.Context())
		write(w, r, resp, code)
	}
}

// allowed answers 405 with Allow: GET, HEAD to anything but GET and HEAD.
func allowed(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// write sends resp as JSON written by json.Encoder (so it ends in a
// newline). HEAD gets the same status and headers and no body.
func write(w http.ResponseWriter, r *http.Request, resp Response, code int) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(resp); err != nil { // unreachable: Response has only strings
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes()) //nolint:errcheck // the prober went away; nothing to do
	}
}

// outcome is the result of one run of a check.
type outcome struct {
	text string // "ok", the error text, "timeout after <d>" or "panic: <value>"
	ok   bool
}

// check is one registered check with its run state. Runs are
// single-flight: a probe either reuses the cached outcome, joins the run in
// flight, or starts a run.
type check struct {
	fn      CheckFunc
	timeout time.Duration
	ttl     time.Duration

	mu       sync.Mutex
	flight   *flight       // the run in flight, nil when none
	idle     chan struct{} // closed when the last fn goroutine returned; nil before the first run
	cached   outcome
	cachedAt time.Time // when the cached run finished
	hasCache bool
}

// flight is one run of a check that several probes may wait on.
type flight struct {
	done    chan struct{} // closed when out is set
	out     outcome
	aborted bool // the starting probe's ctx ended; joiners with a live ctx run again
	waiters int  // probes waiting on done, for tests; guarded by check.mu
}

// result returns the check's outcome for one probe.
func (c *check) result(ctx context.Context, now func() time.Time) outcome {
	for {
		c.mu.Lock()
		if c.ttl > 0 && c.hasCache && now().Sub(c.cachedAt) < c.ttl {
			o := c.cached
			c.mu.Unlock()
			return o
		}
		f := c.flight
		if f == nil {
			f = &flight{done: make(chan struct{})}
			c.flight = f
			c.mu.Unlock()
			return c.run(ctx, f, now)
		}
		f.waiters++
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.aborted && ctx.Err() == nil {
				continue // the run was cut short by another probe's request
			}
			return f.out
		case <-ctx.Done():
			c.mu.Lock()
			f.waiters--
			c.mu.Unlock()
			return outcome{text: ctx.Err().Error()}
		}
	}
}

// run performs flight f and publishes its outcome.
func (c *check) run(ctx context.Context, f *flight, now func() time.Time) outcome {
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	out, aborted := c.call(ctx, cctx)

	c.mu.Lock()
	f.out, f.aborted = out, aborted
	if !aborted {
		c.cached, c.cachedAt, c.hasCache = out, now(), true
	}
	c.flight = nil
	c.mu.Unlock()
	close(f.done)
	return out
}

// call runs fn once on cctx, after the previous run's goroutine (which may
// still be running if fn ignored its ctx) has returned. It reports whether
// the outcome is due to the probe's own ctx ending rather than the check.
func (c *check) call(ctx, cctx context.Context) (outcome, bool) {
	c.mu.Lock()
	prev := c.idle
	c.mu.Unlock()
	if prev != nil {
		select {
		case <-prev:
		case <-cctx.Done():
			return c.ended(ctx)
		}
	}

	idle := make(chan struct{})
	c.mu.Lock()
	c.idle = idle
	c.mu.Unlock()
	res := make(chan outcome, 1)
	// This goroutine is owned by the check, not by the probe: when fn
	// ignores cctx it outlives the probe, and the next run waits on idle
	// for it. A panic in fn is recovered and becomes the outcome, so the
	// process survives.
	go func() {
		returned := false
		defer func() {
			if r := recover(); r != nil {
				res <- outcome{text: fmt.Sprintf("panic: %v", r)}
			} else if !returned {
				res <- outcome{text: "check exited without returning"} // runtime.Goexit
			}
			close(idle)
		}()
		err := c.fn(cctx)
		returned = true
		if err != nil {
			res <- outcome{text: err.Error()}
		} else {
			res <- outcome{text: statusOK, ok: true}
		}
	}()

	select {
	case o := <-res:
		if !o.ok && cctx.Err() != nil {
			return c.ended(ctx) // failed because its ctx ended: report why
		}
		return o, false
	case <-cctx.Done():
		select {
		case o := <-res: // finished at the same moment; its answer wins
			if o.ok {
				return o, false
			}
		default:
		}
		return c.ended(ctx)
	}
}

// ended is the outcome of a run whose ctx is done: a timeout when the
// check's own deadline passed, or the probe's ctx error (aborted) when the
// request ended first.
func (c *check) ended(ctx context.Context) (outcome, bool) {
	if err := ctx.Err(); err != nil {
		return outcome{text: err.Error()}, true
	}
	return outcome{text: "timeout after " + c.timeout.String()}, false
}
