// Package checkpoint makes long jobs resumable.
//
// Each named step's start and outcome are appended durably to a per-run
// JSON-lines log, so a restarted run skips the steps that already completed
// and redoes the rest. Only one process at a time may own a run.
//
// # Usage
//
//	t, err := checkpoint.Open("/var/lib/mytool/checkpoints", "eval-2026-05-27")
//	if err != nil {
//		return err // code conflict if another process holds the run
//	}
//	defer t.Close()
//
//	for _, suite := range suites {
//		err := t.Step(ctx, suite.Name, func(ctx context.Context) (any, error) {
//			return runSuite(ctx, suite) // the result is stored as JSON
//		})
//		if err != nil {
//			return err
//		}
//	}
//
// After a crash, running the same code again with the same run ID calls
// runSuite only for the suites that had not completed. [Tracker.Result]
// gives back a completed step's result; [Tracker.StepRetry] retries a
// failing step with exponential backoff.
//
// # Files
//
// [Open] uses two files in its directory: the log <runID>.jsonl and the lock
// file <runID>.lock, which stays on disk. A run ID is 1 to 255 characters
// from [A-Za-z0-9_-] ([ValidRunID]), so it can never name a path outside the
// directory.
//
// The log holds one compact JSON [Record] per line, keys in this order:
//
//	{"step":"load","status":"running","timestamp":"2026-05-27T07:32:00.123456789Z"}
//	{"step":"load","status":"completed","timestamp":"2026-05-27T07:32:01.5Z","result":{"rows":12}}
//	{"step":"fit","status":"running","timestamp":"2026-05-27T07:32:01.6Z","attempt":1}
//	{"step":"fit","status":"failed","timestamp":"2026-05-27T07:32:02Z","error":"diverged","attempt":1}
//
// Timestamps are UTC, RFC 3339 with up to nine fractional digits. Each
// record is written with one write call followed by fsync, so when Step
// returns nil the completed record is on disk; every write, fsync and
// marshal error is returned, and a step whose completed record could not
// be written is not done.
//
// # Replay
//
// Open reads the log line by line, with no limit on line length, and skips
// blank lines; "\r\n" line ends are accepted. A completed record marks its
// step done and keeps its result as generic JSON values (map[string]any,
// []any, float64, string, bool, nil); a later running or failed record for
// the same step marks it not done again; other statuses are ignored.
//
// A crash can leave the last line half written. A final line without "\n"
// is therefore torn: replay ignores it, and the tracker cuts it from the
// file before its next append, so the log never holds a broken line in the
// middle. Any other line that does not decode is corruption: Open fails
// with code internal and the text "checkpoint: <path>:<line>: <cause>",
// counting every line from 1.
//
// # Errors
//
// Errors carry codes from github.com/greynewell/mist-go/errors:
//
//	validation   invalid run ID, unusable directory, unmarshalable result,
//	             empty step name or nil step function
//	conflict     run held by another tracker (also matches platform.ErrLocked),
//	             or a step of that name already running in this Tracker
//	internal     corrupt log line, failed read, write, fsync or close
//	unavailable  Step, StepRetry or Reset after Close
//
// # Retries
//
// [Tracker.StepRetry] records every attempt, numbered from 1 in the attempt
// field. After failed attempt n it waits 100ms·2^(n−1), capped at 5s, on a
// timer that stops early when ctx ends, and it never waits after the last
// attempt. An error writing a record ends the retries at once.
//
// # Cancellation
//
// Step and StepRetry return ctx.Err() without writing anything or calling
// the step function when ctx is done already (a completed step still
// returns nil). Otherwise the step function receives ctx and decides when
// to stop; only StepRetry's backoff waits on ctx itself.
//
// # Concurrency
//
// A [Tracker] is safe for concurrent use. Different steps may run at the
// same time: the tracker's lock is held while a record is appended, never
// while a step function runs or its result is marshalled, so a result's
// MarshalJSON may call the tracker. A second Step for a name that is running
// fails with code conflict instead of running it twice. [Tracker.Close] does
// not wait for running steps: their outcome records are refused with code
// unavailable, so a step interrupted by Close is redone by the next run.
// The package starts no goroutines.
package checkpoint
