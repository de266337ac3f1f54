package server_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/greynewell/mist-go/server"
)

// Serve under a ctx the caller controls, on a free port.
func ExampleServer_Serve() {
	srv := server.New("127.0.0.1:0")
	srv.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	if err := srv.Listen(); err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()

	resp, err := http.Get("http://" + srv.Addr() + "/healthz")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	cancel() // graceful stop
	fmt.Println("Serve:", <-done)
	// Output:
	// 200 ok
	// Serve: <nil>
}

// The package reference's minimal server: it prints the listening address
// to stderr and blocks until SIGINT or SIGTERM, then stops gracefully within
// 5 seconds. (Not run: it waits for a signal.)
func ExampleServer_ListenAndServe() {
	healthHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	readyHandler := healthHandler
	messageHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	metricsHandler := http.NotFoundHandler()

	srv := server.New(":8080")
	srv.Handle("GET /healthz", healthHandler)
	srv.Handle("GET /readyz", readyHandler)
	srv.Handle("POST /mist", messageHandler)
	srv.Handle("GET /metricsz", metricsHandler)

	if err := srv.ListenAndServe(); err != nil {
		log.Fatal(err)
	}
}

// Handlers can be added while the server is running.
func ExampleServer_Handle() {
	srv := server.New("127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Listen(); err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()

	srv.Handle("GET /items/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s", r.PathValue("id"))
	}))
	resp, err := http.Get("http://" + srv.Addr() + "/items/42")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	cancel()
	fmt.Println("Serve:", <-done)
	// Output:
	// item 42
	// Serve: <nil>
}
