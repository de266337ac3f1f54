package checkpoint

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/platform"
)

// Status is the state a [Record] reports for a step. It is a plain string
// value, safe to share.
type Status string

// The statuses of a step. Replay acts on running, failed and completed; it
// ignores the others, which are kept for callers writing their own tools.
const (
	StatusPending   Status = "pending"
	StatusRunning   Status = "running"
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
	StatusSkipped   Status = "skipped"
)

// Record is one line of the checkpoint log. It is marshalled as compact
// JSON with its keys in field order, Timestamp in UTC with nanoseconds.
// A Record is a plain value with no methods; copies are independent, except
// for what Result points to.
type Record struct {
	Step      string    `json:"step"`
	Status    Status    `json:"status"`
	Timestamp time.Time `json:"timestamp"`
	Result    any       `json:"result,omitempty"`
	Error     string    `json:"error,omitempty"`
	Attempt   int       `json:"attempt,omitempty"`
}

// Backoff bounds of [Tracker.StepRetry].
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// Tracker records the steps of one run in <dir>/<runID>.jsonl and holds the
// run's lock, <dir>/<runID>.lock, until [Tracker.Close].
//
// A Tracker is safe for concurrent use, and different steps may run at the
// same time: the tracker's mutex is held while a record is appended, never
// while a step function runs or its result is marshalled. The zero Tracker
// is not usable; use [Open]: its Step, StepRetry and Reset fail with code
// unavailable, and it has no completed steps.
type Tracker struct {
	runID   string
	logPath string

	// Set by Open, replaced in tests through export_test.go.
	now  func() time.Time
	wait func(ctx context.Context, d time.Duration) error

	mu      sync.Mutex
	f       *os.File // the log, opened for appending; nil once closed
	lock    *platform.FileLock
	closed  bool
	size    int64 // bytes of the log that hold whole lines
	cut     bool  // bytes past size are a torn line, to cut before the next append
	done    map[string]any
	order   []string // completed steps, in completion order
	running map[string]bool
}

// ValidRunID reports whether id can name a run: 1 to 255 characters from
// [A-Za-z0-9_-], so it is a safe file name on every system.
func ValidRunID(id string) bool {
	if len(id) == 0 || len(id) > 255 {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Open takes the run's lock, replays its log and opens the log for
// appending. In order, it
//
//  1. rejects an invalid run ID (see [ValidRunID]) with code validation;
//  2. creates dir with mode 0700 if needed;
//  3. takes the lock <dir>/<runID>.lock without waiting; if another
//     tracker, in this process or another, holds it, Open fails with code
//     conflict and an error matching errors.Is(err, platform.ErrLocked);
//  4. replays <dir>/<runID>.jsonl, failing with code internal and the text
//     "checkpoint: <path>:<line>: <cause>" on a corrupt line;
//  5. opens the log with O_APPEND|O_CREATE|O_WRONLY, mode 0600.
//
// A directory that cannot be created or written gives code validation.
// When Open fails it holds no lock.
func Open(dir, runID string) (*Tracker, error) {
	if !ValidRunID(runID) {
		return nil, errors.Newf(errors.CodeValidation,
			"checkpoint: invalid run ID %q: want 1 to 255 characters from [A-Za-z0-9_-]", runID)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errors.Wrapf(errors.CodeValidation, err, "checkpoint: directory %q", dir)
	}
	lock, err := platform.TryLock(filepath.Join(dir, runID+".lock"))
	if err != nil {
		if errors.Is(err, platform.ErrLocked) {
			return nil, errors.Wrapf(errors.CodeConflict, err, "checkpoint: run %q is held by another tracker", runID)
		}
		return nil, errors.Wrapf(errors.CodeValidation, err, "checkpoint: directory %q", dir)
	}
	t := &Tracker{
		runID:   runID,
		logPath: filepath.Join(dir, runID+".jsonl"),
		now:     time.Now,
		wait:    sleep,
		lock:    lock,
		done:    map[string]any{},
		running: map[string]bool{},
	}
	if err := t.replay(); err != nil {
		lock.Unlock()
		return nil, err
	}
	f, err := os.OpenFile(t.logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		lock.Unlock()
		return nil, errors.Wrapf(errors.CodeValidation, err, "checkpoint: directory %q", dir)
	}
	t.f = f
	return t, nil
}

// replay reads the log, if there is one, into t.done and t.order.
func (t *Tracker) replay() error {
	f, err := os.Open(t.logPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errors.Wrapf(errors.CodeInternal, err, "checkpoint: replay %s", t.logPath)
	}
	defer f.Close()
	r := bufio.NewReader(f) // ReadBytes has no line length limit
	for lineNo := 1; ; lineNo++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 { // a final line without '\n' is torn
				t.cut = true
			}
			return nil
		}
		if err != nil {
			return errors.Wrapf(errors.CodeInternal, err, "checkpoint: replay %s", t.logPath)
		}
		t.size += int64(len(line))
		line = bytes.TrimSpace(line) // also drops the '\r' of "\r\n"
		if len(line) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return errors.Wrapf(errors.CodeInternal, err, "checkpoint: %s:%d", t.logPath, lineNo)
		}
		switch rec.Status {
		case StatusCompleted:
			t.markDone(rec.Step, rec.Result)
		case StatusRunning, StatusFailed:
			t.unmarkDone(rec.Step)
		}
	}
}

func (t *Tracker) markDone(step string, result any) {
	t.unmarkDone(step)
	t.done[step] = result
	t.order = append(t.order, step)
}

func (t *Tracker) unmarkDone(step string) {
	if _, ok := t.done[step]; ok {
		delete(t.done, step)
		t.order = slices.DeleteFunc(t.order, func(s string) bool { return s == step })
	}
}

// errClosed is the error of every write after Close, or on a zero Tracker.
func (t *Tracker) errClosed(op string) error {
	if t.done == nil {
		return errors.Newf(errors.CodeUnavailable, "checkpoint: %s on a Tracker not made by Open", op)
	}
	return errors.Newf(errors.CodeUnavailable, "checkpoint: %s on closed tracker for run %q", op, t.runID)
}

// unusable reports whether writes must fail: after Close, or on a zero
// Tracker. t.mu must be held.
func (t *Tracker) unusable() bool { return t.closed || t.done == nil }

// appendLocked writes rec as one line with a single write and fsyncs it.
// t.mu must be held. A torn line left by a crash or by an earlier failed
// append is cut first.
func (t *Tracker) appendLocked(rec Record) error {
	if t.f == nil {
		if t.unusable() {
			return t.errClosed("append")
		}
		return errors.Newf(errors.CodeInternal, "checkpoint: log of run %q is not open after a failed reset", t.runID)
	}
	rec.Timestamp = rec.Timestamp.UTC()
	line, err := json.Marshal(rec)
	if err != nil {
		return errors.Wrapf(errors.CodeValidation, err, "checkpoint: marshal record of step %q", rec.Step)
	}
	line = append(line, '\n')
	if t.cut {
		// By path: on Windows a file opened for appending cannot be
		// truncated through its own handle.
		if err := os.Truncate(t.logPath, t.size); err != nil {
			return errors.Wrapf(errors.CodeInternal, err, "checkpoint: cut torn line of %s", t.logPath)
		}
		t.cut = false
	}
	if _, err := t.f.Write(line); err != nil {
		t.cut = true // whatever reached the file is not a whole line
		return errors.Wrapf(errors.CodeInternal, err, "checkpoint: write %s", t.logPath)
	}
	if err := t.f.Sync(); err != nil {
		t.cut = true // not durable: take it back before the next append
		return errors.Wrapf(errors.CodeInternal, err, "checkpoint: fsync %s", t.logPath)
	}
	t.size += int64(len(line))
	return nil
}

// begin reserves step name for a run. It returns done=true for a step that
// completed already. It checks the arguments first, and refuses to start
// when ctx is done already, before anything is written.
func (t *Tracker) begin(ctx context.Context, op, name string, fn func(ctx context.Context) (any, error)) (done bool, err error) {
	if name == "" {
		return false, errors.Newf(errors.CodeValidation, "checkpoint: %s with an empty step name", op)
	}
	if fn == nil {
		return false, errors.Newf(errors.CodeValidation, "checkpoint: %s %q with a nil function", op, name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.unusable() {
		return false, t.errClosed(op)
	}
	if _, ok := t.done[name]; ok {
		return true, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if t.running[name] {
		return false, errors.Newf(errors.CodeConflict, "checkpoint: step %q is already running", name)
	}
	t.running[name] = true
	return false, nil
}

func (t *Tracker) end(name string) {
	t.mu.Lock()
	delete(t.running, name)
	t.mu.Unlock()
}

// Step runs fn as the step name, unless the step completed already, in
// which case it returns nil at once without calling fn.
//
// It appends a running record (and returns that append's error without
// calling fn if it fails), calls fn, then appends a failed record with
// fn's error text, or a completed record with fn's result. fn's error is
// returned unchanged, joined with the append error if there is one. A
// result that cannot be marshalled to JSON (code validation) or a failed
// completed append is returned, and the step stays not done. The result is
// marshalled before the tracker's mutex is taken, so its MarshalJSON may
// call the tracker.
//
// An empty name or a nil fn fails with code validation, and a ctx that is
// done already gives ctx.Err(); in both cases nothing is written and fn is
// not called. Step fails with code conflict, without calling fn, while a
// step of the same name runs in this Tracker, and with code unavailable
// after [Tracker.Close]. fn receives ctx; Step itself does not wait on it.
func (t *Tracker) Step(ctx context.Context, name string, fn func(ctx context.Context) (any, error)) error {
	done, err := t.begin(ctx, "step", name, fn)
	if done || err != nil {
		return err
	}
	defer t.end(name)
	return join(t.attempt(ctx, name, 0, fn))
}

// join returns fnErr unchanged when err is nil, and joins them otherwise.
func join(fnErr, err error) error {
	if err == nil {
		return fnErr
	}
	if fnErr == nil {
		return err
	}
	return errors.Join(fnErr, err)
}

// attempt runs fn once between a running record and its outcome record.
// It returns fn's error and, apart from it, the error of marshalling the
// result or appending a record.
func (t *Tracker) attempt(ctx context.Context, name string, n int, fn func(ctx context.Context) (any, error)) (fnErr, err error) {
	t.mu.Lock()
	err = t.appendLocked(Record{Step: name, Status: StatusRunning, Timestamp: t.now(), Attempt: n})
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}

	result, fnErr := fn(ctx)
	if fnErr != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		return fnErr, t.appendLocked(Record{Step: name, Status: StatusFailed, Timestamp: t.now(), Error: fnErr.Error(), Attempt: n})
	}
	// Marshal the result once, without the mutex (a MarshalJSON may call
	// the tracker): the log gets these bytes, and memory gets the same
	// generic JSON values a replay would produce.
	var raw json.RawMessage
	var generic any
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			return nil, errors.Wrapf(errors.CodeValidation, err, "checkpoint: marshal result of step %q", name)
		}
		if err := json.Unmarshal(b, &generic); err != nil {
			return nil, errors.Wrapf(errors.CodeValidation, err, "checkpoint: result of step %q", name)
		}
		raw = b
	}
	rec := Record{Step: name, Status: StatusCompleted, Attempt: n}
	if raw != nil {
		rec.Result = raw
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	rec.Timestamp = t.now()
	if err := t.appendLocked(rec); err != nil {
		return nil, err
	}
	t.markDone(name, generic)
	return nil, nil
}

// StepRetry is [Tracker.Step] with up to maxAttempts calls of fn
// (maxAttempts < 1 counts as 1). Each attempt appends a running record and
// then a failed or completed one, with attempt = 1, 2, and so on.
//
// After failed attempt n it waits 100ms·2^(n−1), capped at 5s, on a timer
// that respects ctx, and it never waits after the last attempt. When every
// attempt fails it returns the last error. When ctx ends during a wait, the
// error matches both ctx.Err() and the last error with errors.Is. An error
// appending a record (or marshalling the result) ends the retries at once;
// it is returned joined with that attempt's fn error, if any. Arguments and
// a ctx that is done already are checked as in Step, before any attempt.
func (t *Tracker) StepRetry(ctx context.Context, name string, maxAttempts int, fn func(ctx context.Context) (any, error)) error {
	maxAttempts = max(maxAttempts, 1)
	done, err := t.begin(ctx, "step", name, fn)
	if done || err != nil {
		return err
	}
	defer t.end(name)
	for n := 1; ; n++ {
		fnErr, err := t.attempt(ctx, name, n, fn)
		if err != nil || fnErr == nil || n == maxAttempts {
			return join(fnErr, err)
		}
		if werr := t.wait(ctx, backoff(n)); werr != nil {
			return errors.Join(werr, fnErr)
		}
	}
}

// backoff is the wait after failed attempt n: 100ms·2^(n−1), capped at 5s.
func backoff(n int) time.Duration {
	d := firstBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// IsCompleted reports whether step name has completed, in this process or
// in the replayed log.
func (t *Tracker) IsCompleted(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.done[name]
	return ok
}

// Result returns the result of a completed step as generic JSON values
// (map[string]any, []any, float64, string, bool or nil), the same whether
// the step completed in this process or was replayed. It is nil for a step
// that is not done.
func (t *Tracker) Result(name string) any {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done[name]
}

// CompletedSteps returns a copy of the completed step names in completion
// order: replayed steps first, then this process's.
func (t *Tracker) CompletedSteps() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append(make([]string, 0, len(t.order)), t.order...)
}

// RunID returns the run ID given to [Open].
func (t *Tracker) RunID() string { return t.runID }

// Close closes the log and releases the run's lock. Calling it again
// returns nil. Afterwards Step, StepRetry and Reset fail with code
// unavailable, while IsCompleted, Result, CompletedSteps and RunID keep
// working. Close does not wait for steps that are running; their outcome
// records are not written, and they return the unavailable error.
func (t *Tracker) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	var ferr error
	if t.f != nil {
		ferr = t.f.Close()
		t.f = nil
	}
	lerr := t.lock.Unlock()
	if err := errors.Join(ferr, lerr); err != nil {
		return errors.Wrapf(errors.CodeInternal, err, "checkpoint: close run %q", t.runID)
	}
	return nil
}

// Reset forgets every step: it closes the log, truncates it to empty,
// clears memory and reopens the log, all while keeping the lock, so a later
// [Open] sees only the records written after the reset. Memory is cleared
// only once the file is truncated: if closing or truncating fails, the
// completed steps stay both on disk and in memory, and Reset may be called
// again. Steps running during Reset write their outcome records into the
// new log. After [Tracker.Close] it fails with code unavailable.
func (t *Tracker) Reset() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.unusable() {
		return t.errClosed("reset")
	}
	if t.f != nil {
		err := t.f.Close()
		t.f = nil
		if err != nil {
			return errors.Wrapf(errors.CodeInternal, err, "checkpoint: reset %s", t.logPath)
		}
	}
	f, err := os.OpenFile(t.logPath, os.O_TRUNC|os.O_CREATE|os.O_WRONLY, 0o600)
	if err == nil {
		err = errors.Join(f.Sync(), f.Close())
	}
	if err != nil {
		return errors.Wrapf(errors.CodeInternal, err, "checkpoint: reset %s", t.logPath)
	}
	clear(t.done)
	t.order = nil
	t.cut = false
	t.size = 0
	f, err = os.OpenFile(t.logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return errors.Wrapf(errors.CodeInternal, err, "checkpoint: reset %s", t.logPath)
	}
	t.f = f
	return nil
}
