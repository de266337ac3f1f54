// Package health serves liveness and readiness probes for orchestrators
// such as Kubernetes.
//
// Liveness only confirms that the process can answer. Readiness runs every
// registered dependency check concurrently, each under its own timeout and
// with panic protection, optionally caching outcomes, and reports a verdict
// per check.
//
// # Probes
//
//	h := health.New("matchspec", version)
//	h.AddCheck("database", db.PingContext)
//	h.AddCheck("infermux", pingInfermux,
//		health.WithTimeout(2*time.Second), health.WithCacheTTL(10*time.Second))
//
//	mux.Handle("GET /healthz", h.Liveness())
//	mux.Handle("GET /readyz", h.Readiness())
//
// [Handler.Liveness] always answers 200:
//
//	{"status":"ok","tool":"matchspec","version":"1.4.0","uptime":"3h2m7s"}
//
// [Handler.Readiness] serves [Handler.Check]: 200 "ok" when every check
// passes, 503 "degraded" when one fails, and 503 "not_ready", without
// running any check, after SetReady(false):
//
//	{"status":"degraded","tool":"matchspec","version":"1.4.0","uptime":"3h2m7s",
//	 "checks":{"database":"ok","infermux":"timeout after 2s"}}
//
// A check's outcome is "ok", its error text, "timeout after <d>" or
// "panic: <value>". When the probe's own request ends before the check, the
// outcome is that context's error ("context canceled"). "checks" is left out
// when no check is registered. uptime is the time since [New], rounded to
// the second, as a Go duration.
//
// Both handlers answer GET and HEAD only; other methods get 405 with
// "Allow: GET, HEAD" and a plain-text body. HEAD gets the same status and
// headers as GET and no body. Bodies are application/json written by
// json.Encoder, so they end in a newline, and carry Cache-Control: no-store.
//
// # Timeouts, panics and caching
//
// Every run of a check gets a ctx derived from the probe's request and
// cancelled after the check's timeout ([WithTimeout]; [DefaultCheckTimeout]
// by default). The probe reports "timeout after <d>" when the timeout
// passes, and does not wait for a check that ignores its ctx: that check's
// goroutine is the one goroutine this package lets linger, until the check
// returns. A check never has two runs in flight: concurrent probes wait for
// the current run and share its outcome, and the run after a lingering one
// waits for it to return (and times out if it does not).
//
// A panic in a check is recovered and reported as "panic: <value>", a
// failure; the process survives.
//
// [WithCacheTTL] reuses a check's last outcome, pass or fail, for the TTL
// after the run that produced it finished, so a burst of probes runs the
// check once. [Handler.AddCheck] with an existing name replaces the check
// and discards its cached outcome. AddCheck panics on a nil [CheckFunc],
// naming the check: that is a setup mistake, not a failing dependency.
//
// # Concurrency
//
// A [Handler] is safe for concurrent use. AddCheck and SetReady may race
// with probes; a probe uses the checks registered when it started.
package health
