// Package lifecycle runs a service's main function under signal handling and
// shuts it down in order: it cancels the work, waits for in-flight units to
// drain, then runs the registered shutdown hooks newest first. Each phase has
// a time limit, and every failure is reported by name.
//
// # Running a service
//
// [Run] calls fn with a run ctx and blocks until the shutdown is over:
//
//	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
//		db := openDB()
//		lifecycle.OnShutdown(ctx, "db", func(ctx context.Context) error {
//			return db.Close()
//		})
//		return srv.Serve(ctx) // returns once ctx is cancelled
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//
// Shutdown begins when fn returns, when a shutdown signal arrives, or when the
// parent ctx ends. The run ctx is then cancelled, which is fn's cue to stop.
//
// # Signals
//
// By default Run listens for platform.ShutdownSignals(): SIGINT and SIGTERM
// on Unix, os.Interrupt on Windows, the same set the server package uses.
// [WithSignals] replaces the set, ignoring nil signals, and WithSignals()
// with no arguments (or only nils) turns signal handling off. Run
// subscribes before it starts fn, so a signal sent after fn has started is
// never lost, and it unsubscribes before it returns.
// A second signal during shutdown is ignored: the shutdown that is under way
// finishes within its budgets.
//
// # Drain
//
// A unit of work that must finish before the hooks run (an HTTP request, a
// queued job) is counted in a [DrainGroup]:
//
//	wg := lifecycle.DrainGroup(ctx)
//	wg.Add(1)
//	go func() {
//		defer wg.Done()
//		handle(job)
//	}()
//
// Within one drain budget ([DefaultDrainTimeout], or [WithDrainTimeout]) Run
// waits for fn to return and for every DrainGroup to reach zero. If the
// budget runs out, Run records "lifecycle: drain timeout after <d>" (code
// timeout) and moves on to the hooks. Call Add before the run ctx is
// cancelled; a group created after the drain phase has ended is not waited
// on.
//
// # Hooks
//
// [OnShutdown] registers a named hook. Hooks run one at a time, newest first
// (like defer), sharing one shutdown budget ([DefaultShutdownTimeout], or
// [WithShutdownTimeout]). Each hook gets a ctx that keeps the run ctx's values
// but not its cancellation, and expires at the shared deadline. The reports
// are:
//
//	lifecycle: hook <name>: <err>                the hook returned err (wrapped)
//	lifecycle: hook <name> panicked: <v>         code internal; the next hooks still run
//	lifecycle: hook <name> timed out after <d>   code timeout; d is the shutdown budget
//	lifecycle: hook <name> skipped               code timeout; not started before the deadline
//
// A hook that returns its ctx's error after the deadline counts as timed out.
// At the deadline Run returns without waiting for the running hook.
//
// # Result
//
// Run returns nil when everything was clean. Otherwise it returns
// errors.Join of, in order: fn's error; a panic in fn ("lifecycle: panic:
// <v>", code internal); the drain timeout; the hook reports. When a signal or
// the parent ctx started the shutdown, a [context.Canceled] from fn counts as
// clean. The text of each report is exactly the one shown above. A hook's
// own error is wrapped with %w, so it keeps its code; every other report
// has no code in its text but carries an *errors.Error with the code in its
// chain, so errors.Code and errors.As work. Panic reports carry the stack
// in Meta["stack"].
//
// # Concurrency
//
// [OnShutdown] and [DrainGroup] are safe to call from any goroutine, with
// the run ctx or any ctx derived from it. With a ctx that did not come from
// Run, OnShutdown does nothing and DrainGroup returns a WaitGroup nobody
// waits on, so the same code works in tests without Run. Hooks added once the
// hook phase has started are ignored. Separate Run calls do not interfere;
// each has its own hooks and groups, and each receives the signals it
// subscribed to.
//
// # Goroutines that can outlive Run
//
// Run waits for everything it starts except user code that ignores
// cancellation: an fn that does not return after the run ctx is cancelled, a
// hook still blocked at the shutdown deadline, and the goroutine waiting on
// drain groups that never reach zero. Each such goroutine ends when that user
// code returns.
package lifecycle
