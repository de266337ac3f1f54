package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/health"
)

// fakeClock is a manual clock for uptime and cache TTLs.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func ok(context.Context) error { return nil }

func TestCheck(t *testing.T) {
	refused := errors.New("connection refused")
	tests := []struct {
		name   string
		checks map[string]health.CheckFunc
		code   int
		want   health.Response
	}{
		{"no checks", nil, 200,
			health.Response{Status: "ok", Tool: "tool", Version: "v1", Uptime: "0s"}},
		{"all pass", map[string]health.CheckFunc{"db": ok, "queue": ok}, 200,
			health.Response{Status: "ok", Tool: "tool", Version: "v1", Uptime: "0s", Checks: map[string]string{"db": "ok", "queue": "ok"}}},
		{"one fails", map[string]health.CheckFunc{"db": ok, "queue": func(context.Context) error { return refused }}, 503,
			health.Response{Status: "degraded", Tool: "tool", Version: "v1", Uptime: "0s", Checks: map[string]string{"db": "ok", "queue": "connection refused"}}},
		{"wrapped error text", map[string]health.CheckFunc{"db": func(context.Context) error { return fmt.Errorf("ping db: %w", refused) }}, 503,
			health.Response{Status: "degraded", Tool: "tool", Version: "v1", Uptime: "0s", Checks: map[string]string{"db": "ping db: connection refused"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := health.NewWithClock("tool", "v1", newClock().Now)
			for name, fn := range tt.checks {
				h.AddCheck(name, fn)
			}
			got, code := h.Check(context.Background())
			if code != tt.code || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Check() = %+v, %d, want %+v, %d", got, code, tt.want, tt.code)
			}
		})
	}
}

func TestNotReady(t *testing.T) {
	h := health.NewWithClock("tool", "v1", newClock().Now)
	var calls atomic.Int32
	h.AddCheck("db", func(context.Context) error { calls.Add(1); return nil })
	h.SetReady(false)
	got, code := h.Check(context.Background())
	if code != 503 || got.Status != "not_ready" || got.Checks != nil {
		t.Errorf("not ready: Check() = %+v, %d, want not_ready, 503, no checks", got, code)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("not ready: check ran %d times, want 0", n)
	}
	h.SetReady(true)
	if got, code := h.Check(context.Background()); code != 200 || got.Status != "ok" || calls.Load() != 1 {
		t.Errorf("ready again: Check() = %+v, %d after %d calls, want ok, 200 after 1", got, code, calls.Load())
	}
}

func TestUptime(t *testing.T) {
	clock := newClock()
	h := health.NewWithClock("tool", "v1", clock.Now)
	tests := []struct {
		advance time.Duration
		want    string
	}{
		{0, "0s"},
		{499 * time.Millisecond, "0s"},
		{time.Millisecond, "1s"}, // 500ms rounds up
		{64*time.Second + 400*time.Millisecond, "1m5s"},
		{2 * time.Hour, "2h1m5s"},
	}
	for _, tt := range tests {
		clock.Advance(tt.advance)
		if got, _ := h.Check(context.Background()); got.Uptime != tt.want {
			t.Errorf("after +%v: Uptime = %q, want %q", tt.advance, got.Uptime, tt.want)
		}
	}
}

func TestZeroHandler(t *testing.T) {
	var h health.Handler
	got, code := h.Check(context.Background())
	if code != 200 || got.Status != "ok" || got.Uptime != "0s" {
		t.Errorf("zero Handler Check() = %+v, %d, want ok, 200, uptime 0s", got, code)
	}
	h.AddCheck("db", ok)
	if got, _ := h.Check(context.Background()); got.Checks["db"] != "ok" {
		t.Errorf("zero Handler after AddCheck: Checks = %v, want db: ok", got.Checks)
	}
}

func TestCheckConfig(t *testing.T) {
	tests := []struct {
		name          string
		opts          []health.CheckOption
		timeout, ttls time.Duration
	}{
		{"defaults", nil, health.DefaultCheckTimeout, 0},
		{"timeout", []health.CheckOption{health.WithTimeout(time.Second)}, time.Second, 0},
		{"zero timeout", []health.CheckOption{health.WithTimeout(0)}, health.DefaultCheckTimeout, 0},
		{"negative timeout", []health.CheckOption{health.WithTimeout(-time.Second)}, health.DefaultCheckTimeout, 0},
		{"ttl", []health.CheckOption{health.WithCacheTTL(time.Minute)}, health.DefaultCheckTimeout, time.Minute},
		{"nil option ignored", []health.CheckOption{nil, health.WithTimeout(time.Second), nil}, time.Second, 0},
	}
	for _, tt := range tests {
		h := health.New("tool", "v1")
		h.AddCheck("c", ok, tt.opts...)
		if timeout, ttl := health.Config(h, "c"); timeout != tt.timeout || ttl != tt.ttls {
			t.Errorf("%s: timeout, ttl = %v, %v, want %v, %v", tt.name, timeout, ttl, tt.timeout, tt.ttls)
		}
	}
	if health.DefaultCheckTimeout != 5*time.Second {
		t.Errorf("DefaultCheckTimeout = %v, want 5s", health.DefaultCheckTimeout)
	}
}

// Fixed on purpose: a panicking check gives 503 degraded with "panic: …",
// and the process survives.
func TestPanickingCheck(t *testing.T) {
	tests := []struct {
		name  string
		fn    health.CheckFunc
		want  string
		other string
	}{
		{"string", func(context.Context) error { panic("boom") }, "panic: boom", "ok"},
		{"error", func(context.Context) error { panic(errors.New("bad state")) }, "panic: bad state", "ok"},
		{"nil map", func(context.Context) error {
			var m map[string]int
			m["x"] = 1
			return nil
		}, "panic: assignment to entry in nil map", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := health.New("tool", "v1")
			h.AddCheck("bad", tt.fn)
			h.AddCheck("good", ok)
			got, code := h.Check(context.Background())
			if code != 503 || got.Status != "degraded" || got.Checks["bad"] != tt.want || got.Checks["good"] != tt.other {
				t.Errorf("Check() = %+v, %d, want degraded, 503, bad: %q, good: ok", got, code, tt.want)
			}
		})
	}
}

// Fixed on purpose: a check that sleeps for a minute (here: blocks until
// released, ignoring its ctx) doesn't hold readiness past its timeout.
func TestHangingCheckTimesOut(t *testing.T) {
	h := health.New("tool", "v1")
	release, exited := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h.AddCheck("hangs", func(context.Context) error {
		if calls.Add(1) == 1 {
			defer close(exited)
			<-release // ignores ctx, like a sleep would
		}
		return nil
	}, health.WithTimeout(50*time.Millisecond))
	h.AddCheck("fine", ok)
	defer func() { // release the lingering goroutine before the test ends
		select {
		case <-release:
		default:
			close(release)
		}
		<-exited
	}()

	got, code := h.Check(context.Background())
	if code != 503 || got.Status != "degraded" || got.Checks["hangs"] != "timeout after 50ms" || got.Checks["fine"] != "ok" {
		t.Fatalf("Check() = %+v, %d, want degraded, 503, hangs: timeout after 50ms", got, code)
	}

	// The first run still lingers: the next run waits for it instead of
	// starting a second one, and times out again.
	got, _ = h.Check(context.Background())
	if got.Checks["hangs"] != "timeout after 50ms" || calls.Load() != 1 {
		t.Errorf("second Check() = %+v with %d calls, want timeout after 50ms and 1 call", got, calls.Load())
	}

	close(release)
	<-exited
	got, code = h.Check(context.Background())
	if code != 200 || got.Checks["hangs"] != "ok" || calls.Load() != 2 {
		t.Errorf("after release Check() = %+v, %d with %d calls, want ok, 200 and 2 calls", got, code, calls.Load())
	}
}

func TestCheckHonouringCtxTimesOut(t *testing.T) {
	h := health.New("tool", "v1")
	h.AddCheck("slow", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}, health.WithTimeout(20*time.Millisecond))
	got, code := h.Check(context.Background())
	if code != 503 || got.Checks["slow"] != "timeout after 20ms" {
		t.Errorf("Check() = %+v, %d, want slow: timeout after 20ms, 503", got, code)
	}
}

// Fixed on purpose: checks run concurrently (two 1 s checks take about 1 s,
// not 2 s). Each check here waits until the other has started; run one
// after the other, the first would time out.
func TestChecksRunConcurrently(t *testing.T) {
	h := health.New("tool", "v1")
	startedA, startedB := make(chan struct{}), make(chan struct{})
	barrier := func(mine, other chan struct{}) health.CheckFunc {
		return func(ctx context.Context) error {
			close(mine)
			select {
			case <-other:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	h.AddCheck("a", barrier(startedA, startedB), health.WithTimeout(30*time.Second))
	h.AddCheck("b", barrier(startedB, startedA), health.WithTimeout(30*time.Second))
	got, code := h.Check(context.Background())
	if code != 200 || got.Checks["a"] != "ok" || got.Checks["b"] != "ok" {
		t.Errorf("Check() = %+v, %d, want both ok, 200", got, code)
	}
}

// Fixed on purpose: with a 10 s TTL, 100 concurrent probes run the check
// once.
func TestCacheTTLConcurrentProbes(t *testing.T) {
	clock := newClock()
	h := health.NewWithClock("tool", "v1", clock.Now)
	var calls atomic.Int32
	h.AddCheck("db", func(context.Context) error {
		calls.Add(1)
		return errors.New("down")
	}, health.WithCacheTTL(10*time.Second))

	var wg sync.WaitGroup
	var wrong atomic.Int32
	for range 100 {
		wg.Go(func() {
			if got, code := h.Check(context.Background()); code != 503 || got.Checks["db"] != "down" {
				wrong.Add(1)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("100 concurrent probes ran the check %d times, want 1", n)
	}
	if n := wrong.Load(); n != 0 {
		t.Errorf("%d probes did not get the cached failure", n)
	}

	clock.Advance(10*time.Second - time.Nanosecond)
	h.Check(context.Background())
	if n := calls.Load(); n != 1 {
		t.Errorf("probe just inside the TTL ran the check (%d calls), want the cached outcome", n)
	}
	clock.Advance(time.Nanosecond)
	h.Check(context.Background())
	if n := calls.Load(); n != 2 {
		t.Errorf("probe at the TTL: %d calls, want a new run (2)", n)
	}
}

func TestNoCacheRunsEveryProbe(t *testing.T) {
	h := health.New("tool", "v1")
	var calls atomic.Int32
	h.AddCheck("db", func(context.Context) error { calls.Add(1); return nil })
	for range 3 {
		h.Check(context.Background())
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("3 sequential probes without TTL ran the check %d times, want 3", n)
	}
}

func TestConcurrentProbesShareRun(t *testing.T) {
	h := health.New("tool", "v1")
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h.AddCheck("db", func(context.Context) error {
		calls.Add(1)
		close(started)
		<-release
		return errors.New("slow failure")
	}, health.WithTimeout(time.Minute))
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // even when the test fails early

	first := make(chan health.Response, 1)
	go func() { r, _ := h.Check(context.Background()); first <- r }()
	<-started
	second := make(chan health.Response, 1)
	go func() { r, _ := h.Check(context.Background()); second <- r }()
	eventually(t, "the second probe to join the run", func() bool { return health.Waiters(h, "db") == 1 })
	unblock()

	for i, ch := range []chan health.Response{first, second} {
		if r := <-ch; r.Checks["db"] != "slow failure" {
			t.Errorf("probe %d: Checks = %v, want db: slow failure", i+1, r.Checks)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("two concurrent probes ran the check %d times, want 1", n)
	}
}

func TestProbeCtxCancelled(t *testing.T) {
	// The probe that started the run goes away; a probe that joined it
	// runs the check again instead of reporting another request's
	// cancellation.
	h := health.New("tool", "v1")
	var calls atomic.Int32
	started := make(chan struct{})
	h.AddCheck("db", func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}, health.WithTimeout(time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // even when the test fails early
	first := make(chan health.Response, 1)
	go func() { r, _ := h.Check(ctx); first <- r }()
	<-started
	second := make(chan health.Response, 1)
	go func() { r, _ := h.Check(context.Background()); second <- r }()
	eventually(t, "the second probe to join the run", func() bool { return health.Waiters(h, "db") == 1 })
	cancel()

	if r := <-first; r.Checks["db"] != "context canceled" || r.Status != "degraded" {
		t.Errorf("cancelled probe: %+v, want degraded with db: context canceled", r)
	}
	if r := <-second; r.Checks["db"] != "ok" || r.Status != "ok" {
		t.Errorf("joined probe: %+v, want ok after a second run", r)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
}

func TestAddCheckReplacesAndDiscardsCache(t *testing.T) {
	h := health.NewWithClock("tool", "v1", newClock().Now)
	h.AddCheck("db", ok, health.WithCacheTTL(time.Hour))
	if got, _ := h.Check(context.Background()); got.Checks["db"] != "ok" {
		t.Fatalf("Checks = %v, want db: ok", got.Checks)
	}
	h.AddCheck("db", func(context.Context) error { return errors.New("replaced") }, health.WithCacheTTL(time.Hour))
	got, code := h.Check(context.Background())
	if code != 503 || got.Checks["db"] != "replaced" || len(got.Checks) != 1 {
		t.Errorf("after replacing: Check() = %+v, %d, want only db: replaced, 503", got, code)
	}
}

// A nil check is a setup mistake: AddCheck panics, naming the check, and
// leaves the handler as it was.
func TestAddCheckNilPanics(t *testing.T) {
	h := health.New("tool", "v1")
	func() {
		defer func() {
			r := recover()
			if s, _ := r.(string); !strings.HasPrefix(s, "health: ") || !strings.Contains(s, `"db"`) {
				t.Errorf("AddCheck(\"db\", nil) panicked with %v, want a health: message naming db", r)
			}
		}()
		h.AddCheck("db", nil)
	}()
	got, code := h.Check(context.Background())
	if code != 200 || got.Checks != nil {
		t.Errorf("after the panic: Check() = %+v, %d, want ok with no checks", got, code)
	}
}

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func newMux(h *health.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/healthz", h.Liveness())
	mux.Handle("/readyz", h.Readiness())
	return mux
}

func TestHTTP(t *testing.T) {
	clock := newClock()
	h := health.NewWithClock("matchspec", "1.2.3", clock.Now)
	h.AddCheck("db", ok)
	h.AddCheck("queue", func(context.Context) error { return errors.New("connection refused") })
	clock.Advance(2 * time.Second)
	mux := newMux(h)

	tests := []struct {
		path string
		code int
		body string
	}{
		{"/healthz", 200, `{"status":"ok","tool":"matchspec","version":"1.2.3","uptime":"2s"}` + "\n"},
		{"/readyz", 503, `{"status":"degraded","tool":"matchspec","version":"1.2.3","uptime":"2s","checks":{"db":"ok","queue":"connection refused"}}` + "\n"},
	}
	for _, tt := range tests {
		res, body := get(t, mux, "GET", tt.path)
		if res.StatusCode != tt.code || body != tt.body {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, res.StatusCode, body, tt.code, tt.body)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s Content-Type = %q, want application/json", tt.path, ct)
		}

		head, headBody := get(t, mux, "HEAD", tt.path)
		if head.StatusCode != tt.code || headBody != "" {
			t.Errorf("HEAD %s = %d %q, want %d and no body", tt.path, head.StatusCode, headBody, tt.code)
		}
		for _, k := range []string{"Content-Type", "Content-Length"} {
			if got, want := head.Header.Get(k), res.Header.Get(k); got != want {
				t.Errorf("HEAD %s %s = %q, want GET's %q", tt.path, k, got, want)
			}
		}

		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			res, _ := get(t, mux, method, tt.path)
			if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s = %d Allow %q, want 405 Allow GET, HEAD", method, tt.path, res.StatusCode, res.Header.Get("Allow"))
			}
		}
	}

	h.SetReady(false)
	res, body := get(t, mux, "GET", "/readyz")
	var r health.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil || res.StatusCode != 503 || r.Status != "not_ready" || strings.Contains(body, "checks") {
		t.Errorf("not ready GET /readyz = %d %q (%v), want 503 not_ready without checks", res.StatusCode, body, err)
	}
	if res, _ := get(t, mux, "GET", "/healthz"); res.StatusCode != 200 {
		t.Errorf("not ready GET /healthz = %d, want 200", res.StatusCode)
	}
}

// Fixed on purpose: POST /readyz gets 405.
func TestPostReadyz(t *testing.T) {
	var calls atomic.Int32
	h := health.New("tool", "v1")
	h.AddCheck("db", func(context.Context) error { calls.Add(1); return nil })
	res, _ := get(t, newMux(h), "POST", "/readyz")
	if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /readyz = %d Allow %q, want 405 Allow GET, HEAD", res.StatusCode, res.Header.Get("Allow"))
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("POST /readyz ran the checks %d times, want 0", n)
	}
}

func TestReadinessUsesRequestContext(t *testing.T) {
	h := health.New("tool", "v1")
	h.AddCheck("db", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.Readiness().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil).WithContext(ctx))
	var r health.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != 503 || r.Checks["db"] != "context canceled" {
		t.Errorf("cancelled request: %d %s (%v), want 503 with db: context canceled", rec.Code, rec.Body, err)
	}
}

func TestConcurrentAddCheckAndProbes(t *testing.T) {
	h := health.New("tool", "v1")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				h.AddCheck(fmt.Sprint("c", j%5), ok, health.WithCacheTTL(time.Duration(i)*time.Millisecond))
				h.SetReady(j%7 != 0)
				h.Check(context.Background())
			}
		})
	}
	wg.Wait()
	h.SetReady(true)
	if got, code := h.Check(context.Background()); code != 200 || len(got.Checks) != 5 {
		t.Errorf("Check() = %+v, %d, want 5 checks, 200", got, code)
	}
}
