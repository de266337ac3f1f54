// Package server is a small HTTP server with production timeouts and
// graceful shutdown. It runs on its own, blocking until a shutdown signal, or
// under a ctx the caller controls, such as the one lifecycle.Run provides.
//
// # On its own
//
//	srv := server.New(":8080")
//	srv.Handle("GET /healthz", healthHandler)
//	srv.HandleFunc("POST /mist", handleMessage)
//
//	if err := srv.ListenAndServe(); err != nil {
//		log.Fatal(err)
//	}
//
// [Server.ListenAndServe] writes "listening on <addr>" to stderr and blocks
// until the first of platform.ShutdownSignals() arrives (SIGINT or SIGTERM
// on Unix, os.Interrupt on Windows). It then writes "shutting down", stops
// accepting connections, lets requests in flight finish within
// [ShutdownTimeout] (5 s) and returns nil.
//
// # Under a ctx
//
// [Server.Serve] serves until its ctx ends, then stops the same way:
//
//	err := lifecycle.Run(ctx, func(ctx context.Context) error {
//		srv := server.New(":8080")
//		srv.Handle("GET /healthz", healthHandler)
//		return srv.Serve(ctx)
//	})
//
// The shutdown budget starts when ctx ends and does not depend on ctx's own
// deadline. A stop that overruns it closes the remaining connections and
// returns an error matching [context.DeadlineExceeded]; a failure to listen
// or serve is returned as is.
//
// # Connections without a request
//
// One behaviour goes beyond net/http's own graceful shutdown: once a fifth
// of the budget (1 s) has passed, the server closes every connection that
// has not yet sent a complete request header. net/http alone would count
// such a connection as busy for 5 s, so one idle spare connection from a
// browser or a load balancer would make every stop overrun. Requests that
// are being handled are not affected; they still get the whole budget.
//
// # Listening first
//
// [Server.Listen] binds the address before serving, so errors such as a port
// in use surface early, and [Server.Addr] then reports the bound host:port.
// This is how tests use a free port:
//
//	srv := server.New("127.0.0.1:0")
//	if err := srv.Listen(); err != nil {
//		return err
//	}
//	url := "http://" + srv.Addr() + "/healthz"
//
// # Limits
//
// [New] sets [ReadHeaderTimeout] (10 s), [ReadTimeout] (30 s),
// [WriteTimeout] (30 s), [IdleTimeout] (120 s) and [MaxHeaderBytes] (1 MiB).
// Patterns use the Go 1.22 [net/http.ServeMux] syntax, such as
// "GET /items/{id}".
//
// # Concurrency
//
// A [Server] is safe for concurrent use, and handlers may be registered while
// it serves. Listen succeeds once; Serve or ListenAndServe may be called once
// in total, where a call that fails to listen (a port in use, say) does not
// count. When Serve returns, its serving goroutine has exited; after a
// graceful stop every handler has returned too. After an overrun, a handler
// that ignores its request ctx may still be running.
package server
