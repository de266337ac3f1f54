// Package benchmarks compares mist-go's hot paths with peer libraries; it is
// never released.
//
// It is a module of the workspace that no other module requires, so it may
// depend on third-party libraries the published modules must not: the
// Prometheus text parser checks that what metrics writes is what a real
// scraper reads (prometheus_test.go), and that metric registrations that
// would break a scrape are refused (prometheus_clash_test.go); every
// *_bench_test.go file runs
// ours and its peers on identical work in one go test -bench run:
//
//	metrics_bench_test.go    counter Inc and histogram Observe, serial and parallel:
//	                         prometheus/client_golang, VictoriaMetrics/metrics, a bare atomic
//	breaker_bench_test.go    circuit breaker Do, closed: sony/gobreaker/v2, a direct call
//	retry_bench_test.go      retry, first try succeeds: cenkalti/backoff/v5,
//	                         sethvargo/go-retry, a direct call
//	logging_bench_test.go    a JSON log line with 3 attributes and trace IDs: slog, zap, zerolog
//	parallel_bench_test.go   Map of 10,000 tiny tasks, 8 workers: errgroup, sourcegraph/conc
//	                         (pool and iter), an atomic-index loop
//	envelope_test.go         envelope marshal and unmarshal, 1 KB payload:
//	                         encoding/json, goccy/go-json
//	transport_bench_test.go  channel and HTTP transports: a bare channel, bare net/http
//	lock_bench_test.go       file lock+unlock (Unix): gofrs/flock, flock on an open descriptor
//	toml_bench_test.go       decoding a 50-line TOML file: BurntSushi/toml, go-toml/v2
//	trace_bench_test.go      span start+end: the OpenTelemetry SDK, its noop tracer
//	limiter_bench_test.go    Limiter acquire+release: golang.org/x/sync/semaphore, a channel
//
// alitto/pond, which issue 8 lists for the worker pool, is not compared: it
// is not available to this workspace.
//
// Sub-benchmarks are named so that a tool can pair them: "mist" (or
// "protocol" for the envelope) is ours, "floor" is the least the work can
// cost, and every other name is a peer. Each file also has a Test…Agree
// test checking that the sides really do the same work (same output, same
// values, same behaviour), which runs with the other tests.
//
// `make bench` runs cmd/benchtable, which compiles the benchmarks once, runs
// them all in 7 rounds of 500ms each (about 5 minutes on 2 cores), and
// prints one table of medians with ours, the fastest peer, the floor, the
// ratios and the goals of issue 8; the raw output goes to a file. The
// rounds interleave the sides, so a machine whose speed drifts slows them
// alike. No test enforces a goal: performance lives in that table.
package benchmarks
