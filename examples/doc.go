// Package examples holds runnable programs and integration tests that use several mist-go modules together; it is never released.
//
// # Programs
//
//   - echo-service: an inference-router-like service. Config from a TOML
//     file and ECHO_* variables; server and lifecycle with a graceful
//     drain of the queued messages; health probes; metrics as JSON and
//     Prometheus; a transport HTTP receiver at POST /mist that journals
//     each message before its 202 and answers infer.request with an
//     echoing infer.response sent to a reply URL; trace spans exported to
//     a file as trace.span messages; logs carrying trace IDs.
//   - pipeline: sends eval.run messages through retry, a circuit breaker
//     and a resilient transport, with a parallel pool, each send a
//     checkpoint step, so a killed run resumes where it stopped.
//   - pipe/producer and pipe/consumer: messages as JSON lines over
//     standard output and input, `producer | consumer`.
//   - cmd/minimal-server: an HTTP server run under lifecycle.Run, stopping
//     gracefully on SIGINT or SIGTERM with its in-flight requests drained
//     and its shutdown hooks run newest first.
//
// README.md describes each program and how to run it.
//
// # Integration tests
//
// The tests build the programs once per test binary (with -race when the
// tests run with it) and run them as child processes on loopback, each
// bounded by a deadline and killed at cleanup. Besides the integration
// test of each program and the bad input of the echo service, four fault
// tests (Unix only, since they send signals) kill or stop the programs
// under load and print their counts in a line that starts with "fault":
// the receiver SIGKILLed while 5,000 messages are sent, the pipeline
// SIGKILLed and resumed, a full inbox, and SIGTERM during load.
//
// lifecycleserver_test.go (Unix only, since it sends SIGTERM to its own
// process) shows server and lifecycle together in one process: a request
// in flight completes during a SIGTERM-triggered shutdown, the hooks run
// newest first, and lifecycle.Run returns nil.
package examples
