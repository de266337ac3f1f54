package health_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/greynewell/mist-go/health"
)

func Example() {
	h := health.New("matchspec", "1.4.0")
	h.AddCheck("database", func(ctx context.Context) error {
		return nil // e.g. db.PingContext(ctx)
	})
	h.AddCheck("infermux", func(ctx context.Context) error {
		return errors.New("dial tcp 10.0.0.7:8080: connection refused")
	}, health.WithTimeout(2*time.Second), health.WithCacheTTL(10*time.Second))

	mux := http.NewServeMux()
	mux.Handle("/healthz", h.Liveness())
	mux.Handle("/readyz", h.Readiness())

	for _, path := range []string{"/healthz", "/readyz"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 {"status":"ok","tool":"matchspec","version":"1.4.0","uptime":"0s"}
	// 503 {"status":"degraded","tool":"matchspec","version":"1.4.0","uptime":"0s","checks":{"database":"ok","infermux":"dial tcp 10.0.0.7:8080: connection refused"}}
}

func ExampleHandler_Check() {
	h := health.New("tokentrace", "0.9.1")
	h.AddCheck("cache", func(ctx context.Context) error { panic("nil cache") })
	h.AddCheck("disk", func(ctx context.Context) error {
		<-ctx.Done() // a slow check that honours its ctx
		return ctx.Err()
	}, health.WithTimeout(10*time.Millisecond))

	resp, code := h.Check(context.Background())
	fmt.Println(code, resp.Status)
	fmt.Println(resp.Checks["cache"])
	fmt.Println(resp.Checks["disk"])
	// Output:
	// 503 degraded
	// panic: nil cache
	// timeout after 10ms
}

func ExampleHandler_SetReady() {
	h := health.New("schemaflux", "2.0.0")
	h.SetReady(false) // e.g. while warming caches

	rec := httptest.NewRecorder()
	h.Readiness().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())

	rec = httptest.NewRecorder()
	h.Readiness().ServeHTTP(rec, httptest.NewRequest("POST", "/readyz", nil))
	fmt.Println(rec.Code, rec.Header().Get("Allow"))
	// Output:
	// 503 {"status":"not_ready","tool":"schemaflux","version":"2.0.0","uptime":"0s"}
	// 405 GET, HEAD
}
