// Package resource guards shared capacity inside one process: named
// concurrency limiters, byte budgets for memory reservations, cheap runtime
// statistics, and a monitor that reports them all in one view.
//
// # Limiters
//
// A [Limiter] is a counting semaphore with a name. [Limiter.Acquire] waits
// for a free slot or for its context; [Limiter.TryAcquire] never waits.
// Every successful acquisition is paired with one [Limiter.Release].
//
//	limiter := resource.NewLimiter("infer-calls", 10)
//
//	if err := limiter.Acquire(ctx); err != nil {
//		return err // "resource infer-calls: acquire: context canceled"
//	}
//	defer limiter.Release()
//
// [Limiter.Go] acquires a slot and runs a function in a new goroutine that
// releases the slot when the function returns:
//
//	if err := limiter.Go(ctx, func() { callInfermux(ctx, req) }); err != nil {
//		return err
//	}
//
// Go does not wait for the function and does not recover its panics: the
// slot is released on the way out and the panic then crashes the program,
// as in any goroutine. Acquiring all [Limiter.Max] slots waits until every
// function started by Go has returned. A nil function is refused up front
// with the error "resource <name>: nil fn", and no slot is taken.
//
// [NewLimiter] treats a max below 1 as 1. [Limiter.Active] counts the slots
// held now and [Limiter.Total] every successful acquisition so far. A
// Release with no slot held is a programming mistake and panics at once with
// "resource <name>: Release without matching Acquire"; it never blocks.
//
// Taking a free slot and giving one back with nobody waiting are one atomic
// compare-and-swap each, with no lock and no allocation. A caller that has
// to wait queues under the limiter's mutex, and Release hands the freed
// slot to the longest waiter; a caller arriving just as a slot frees up may
// still take it first.
//
// # Memory budgets
//
// A [MemoryBudget] is bookkeeping, not measurement: reserve the bytes you
// expect to use before allocating, and release the same amount afterwards.
//
//	budget := resource.NewMemoryBudget("eval-results", 512<<20)
//	if !budget.Reserve(estimatedSize) {
//		return fmt.Errorf("memory budget exceeded")
//	}
//	defer budget.Release(estimatedSize)
//
// [MemoryBudget.Reserve] succeeds when reserved + n <= limit, returns false
// for a negative n and true for 0. [MemoryBudget.Release] panics, naming the
// budget, for a negative n or one larger than [MemoryBudget.Reserved].
// [NewMemoryBudget] has no error to return, so it treats a negative limit
// as 0 without a word: such a budget refuses every Reserve but Reserve(0).
//
// # Runtime statistics
//
// [HeapUsage] reads the bytes of heap objects from runtime/metrics, which
// does not stop the world, so it is cheap enough for every request.
// [GoroutineCount] is runtime.NumGoroutine, and [TakeSnapshot] gathers both
// with the CPU count:
//
//	snap := resource.TakeSnapshot()
//	fmt.Printf("heap: %d bytes, goroutines: %d, CPUs: %d\n",
//		snap.HeapBytes, snap.Goroutines, snap.NumCPU)
//
// # Monitor
//
// A [Monitor] tracks limiters and budgets by name, in two separate maps, so
// a limiter and a budget may share a name. Tracking a name again replaces
// the earlier entry. [Monitor.Status] encodes as
//
//	{"limiters":{"db":{"active":2,"max":10,"total":57}},"budgets":{"db":{"active":1024,"max":4096}}}
//
// where a budget reports its reserved bytes as active and its limit as max.
// Both maps are always present, as {} when empty.
//
// # Concurrency
//
// Every type is safe for concurrent use, and [Limiter] and [MemoryBudget]
// must not be copied after first use. [Snapshot], [ResourceStatus] and
// [MonitorStatus] are plain values, copies that no longer change once
// returned: any number of goroutines may read them, and a caller that
// modifies one guards it itself. Zero values: a zero Limiter admits one
// holder, a zero MemoryBudget has a limit of 0, and a zero Monitor is ready
// to use. The package starts no goroutine of its own; only [Limiter.Go]
// starts one, on the caller's behalf.
//
// # Errors and panics
//
// resource is a leaf module and does not use mist-go's errors package. Its
// errors are plain: the acquire error, which wraps the context's error
// (match it with errors.Is), and [Limiter.Go]'s "resource <name>: nil fn".
// Panics are kept for unmatched releases.
package resource
