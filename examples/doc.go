// Package examples holds runnable programs and integration tests that use several mist-go modules together; it is never released.
//
// # Programs
//
//   - cmd/minimal-server: an HTTP server run under lifecycle.Run, stopping
//     gracefully on SIGINT or SIGTERM with its in-flight requests drained
//     and its shutdown hooks run newest first.
//
// # Integration tests
//
// lifecycleserver_test.go (Unix only, since it sends SIGTERM to its own
// process) shows server and lifecycle together: a request in flight completes
// during a SIGTERM-triggered shutdown, the hooks run newest first, and
// lifecycle.Run returns nil.
package examples
