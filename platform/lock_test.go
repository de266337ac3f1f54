package platform_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/platform"
)

// lockPath returns a lock path in a fresh directory that does not exist yet,
// so Lock and TryLock must create it.
func lockPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "locks", "run.lock")
}

func mustTryLock(t *testing.T, path string) *platform.FileLock {
	t.Helper()
	l, err := platform.TryLock(path)
	if err != nil {
		t.Fatalf("TryLock(%q) error: %v", path, err)
	}
	if l == nil {
		t.Fatalf("TryLock(%q) = nil, nil", path)
	}
	t.Cleanup(func() { l.Unlock() })
	return l
}

func mustUnlock(t *testing.T, l *platform.FileLock) {
	t.Helper()
	if err := l.Unlock(); err != nil {
		t.Fatalf("Unlock() error: %v", err)
	}
}

// Fixed on purpose: while another holder has the lock, TryLock returns an
// error matching ErrLocked, even when the holder is in the same process.
func TestTryLockHeld(t *testing.T) {
	path := lockPath(t)
	first := mustTryLock(t, path)

	l, err := platform.TryLock(path)
	if !errors.Is(err, platform.ErrLocked) {
		t.Fatalf("second TryLock(%q) error = %v, want ErrLocked", path, err)
	}
	if l != nil {
		t.Errorf("second TryLock(%q) lock = %v, want nil", path, l)
	}

	mustUnlock(t, first)
	again := mustTryLock(t, path)
	mustUnlock(t, again)
}

func TestTryLockCreatesFile(t *testing.T) {
	path := lockPath(t)
	l := mustTryLock(t, path)
	if got := l.Path(); got != path {
		t.Errorf("Path() = %q, want %q", got, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("lock file: %v", err)
	}
	if !fi.Mode().IsRegular() {
		t.Errorf("lock file mode = %v, want a regular file", fi.Mode())
	}
}

func TestTryLockRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	l := mustTryLock(t, filepath.Join("sub", "rel.lock"))
	if got, want := l.Path(), filepath.Join(wd, "sub", "rel.lock"); got != want {
		t.Errorf("Path() = %q, want %q", got, want)
	}
	// The relative and the absolute spelling name the same lock.
	if _, err := platform.TryLock(l.Path()); !errors.Is(err, platform.ErrLocked) {
		t.Errorf("TryLock(%q) error = %v, want ErrLocked", l.Path(), err)
	}
}

// Fixed on purpose: in a directory that cannot be written, TryLock returns a
// non-nil error that is not ErrLocked. A regular file standing where the
// directory should be defeats even root, unlike chmod.
func TestTryLockFailures(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
	}{
		{"unwritable directory", filepath.Join(file, "run.lock")},
		{"deeper under a file", filepath.Join(file, "sub", "run.lock")},
		{"path is a directory", dir},
		{"empty path", ""},
		{"NUL in path", filepath.Join(dir, "a\x00b.lock")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := platform.TryLock(tt.path)
			if err == nil {
				l.Unlock()
				t.Fatalf("TryLock(%q) error = nil, want an error", tt.path)
			}
			if l != nil {
				t.Errorf("TryLock(%q) lock = %v, want nil", tt.path, l)
			}
			if errors.Is(err, platform.ErrLocked) {
				t.Errorf("TryLock(%q) error = %v, want an error that is not ErrLocked", tt.path, err)
			}
			if !strings.HasPrefix(err.Error(), "platform: lock:") {
				t.Errorf("TryLock(%q) error = %q, want prefix %q", tt.path, err, "platform: lock:")
			}
			// Lock fails the same way instead of waiting.
			if _, lerr := platform.Lock(t.Context(), tt.path); lerr == nil || errors.Is(lerr, platform.ErrLocked) {
				t.Errorf("Lock(%q) error = %v, want a non-ErrLocked error", tt.path, lerr)
			}
		})
	}
}

func TestEmptyPathError(t *testing.T) {
	_, err := platform.TryLock("")
	if err == nil || !strings.Contains(err.Error(), "empty path") {
		t.Errorf(`TryLock("") error = %v, want one naming the empty path`, err)
	}
}

// Fixed on purpose: the lock file still exists after Unlock.
func TestUnlockKeepsFile(t *testing.T) {
	path := lockPath(t)
	l := mustTryLock(t, path)
	mustUnlock(t, l)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("after Unlock, Stat(%q) error: %v, want the file to exist", path, err)
	}
}

func TestUnlockTwice(t *testing.T) {
	l := mustTryLock(t, lockPath(t))
	mustUnlock(t, l)
	if err := l.Unlock(); err != nil {
		t.Errorf("second Unlock() = %v, want nil", err)
	}
}

// Fixed on purpose: two goroutines calling Unlock together are race-free and
// both get nil.
func TestUnlockConcurrent(t *testing.T) {
	path := lockPath(t)
	l := mustTryLock(t, path)

	start := make(chan struct{})
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			<-start
			errs <- l.Unlock()
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Unlock() = %v, want nil", err)
		}
	}
	// Both calls returned, so the lock is free.
	mustUnlock(t, mustTryLock(t, path))
}

func TestZeroFileLock(t *testing.T) {
	var zero platform.FileLock
	if err := zero.Unlock(); err != nil {
		t.Errorf("zero FileLock Unlock() = %v, want nil", err)
	}
	if got := zero.Path(); got != "" {
		t.Errorf("zero FileLock Path() = %q, want empty", got)
	}
	var nilLock *platform.FileLock
	if err := nilLock.Unlock(); err != nil {
		t.Errorf("nil *FileLock Unlock() = %v, want nil", err)
	}
	if got := nilLock.Path(); got != "" {
		t.Errorf("nil *FileLock Path() = %q, want empty", got)
	}
}

func TestLockFree(t *testing.T) {
	path := lockPath(t)
	l, err := platform.Lock(t.Context(), path)
	if err != nil {
		t.Fatalf("Lock(%q) error: %v", path, err)
	}
	if _, err := platform.TryLock(path); !errors.Is(err, platform.ErrLocked) {
		t.Errorf("TryLock while Lock holds: error = %v, want ErrLocked", err)
	}
	mustUnlock(t, l)
}

// waitingContext is a context that reports, by closing waiting, the first
// time Done is called. Lock asks for Done only to wait on it, once an
// attempt has found the lock held, so waiting closes once the caller is
// waiting.
type waitingContext struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newWaitingContext(ctx context.Context) *waitingContext {
	return &waitingContext{Context: ctx, waiting: make(chan struct{})}
}

func (c *waitingContext) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

func TestLockWaitsForRelease(t *testing.T) {
	path := lockPath(t)
	held := mustTryLock(t, path)

	type result struct {
		l           *platform.FileLock
		err         error
		afterUnlock bool // the holder had begun Unlock when Lock returned
	}
	var unlocking atomic.Bool
	ctx := newWaitingContext(t.Context())
	done := make(chan result, 1)
	go func() {
		l, err := platform.Lock(ctx, path)
		done <- result{l, err, unlocking.Load()}
	}()

	// The waiter has tried, found the lock held, and is waiting.
	select {
	case <-ctx.waiting:
	case r := <-done:
		t.Fatalf("Lock returned (%v, %v) without waiting while the lock was held", r.l, r.err)
	}
	// The first holder still has the lock, so the waiter cannot have it.
	if l, err := platform.TryLock(path); !errors.Is(err, platform.ErrLocked) {
		l.Unlock()
		t.Fatalf("TryLock while held: error = %v, want ErrLocked", err)
	}

	unlocking.Store(true)
	mustUnlock(t, held)
	r := <-done
	if r.err != nil {
		t.Fatalf("Lock after release: %v", r.err)
	}
	if !r.afterUnlock {
		t.Error("Lock returned before the holder unlocked")
	}
	if _, err := platform.TryLock(path); !errors.Is(err, platform.ErrLocked) {
		t.Errorf("TryLock while the waiter holds: error = %v, want ErrLocked", err)
	}
	mustUnlock(t, r.l)
}

func TestLockContextEnds(t *testing.T) {
	tests := []struct {
		name string
		ctx  func(t *testing.T) (context.Context, context.CancelFunc)
		// cancel is called after Lock has started.
		cancel bool
	}{
		{"cancelled while waiting", func(t *testing.T) (context.Context, context.CancelFunc) {
			return context.WithCancel(t.Context())
		}, true},
		{"deadline while waiting", func(t *testing.T) (context.Context, context.CancelFunc) {
			return context.WithTimeout(t.Context(), 10*time.Millisecond)
		}, false},
		{"cancelled before the call", func(t *testing.T) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx, cancel
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := lockPath(t)
			held := mustTryLock(t, path)
			ctx, cancel := tt.ctx(t)
			defer cancel()

			done := make(chan error, 1)
			go func() {
				l, err := platform.Lock(ctx, path)
				if l != nil {
					l.Unlock()
				}
				done <- err
			}()
			if tt.cancel {
				cancel()
			}
			err := <-done
			if err == nil || !errors.Is(err, ctx.Err()) {
				t.Fatalf("Lock error = %v, want one matching %v", err, ctx.Err())
			}
			// No lock was left behind: after the holder leaves, it is free.
			mustUnlock(t, held)
			mustUnlock(t, mustTryLock(t, path))
		})
	}
}

func TestLockDeadline(t *testing.T) {
	path := lockPath(t)
	mustTryLock(t, path)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	l, err := platform.Lock(ctx, path)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock error = %v, want DeadlineExceeded", err)
	}
	if l != nil {
		t.Errorf("Lock lock = %v, want nil", l)
	}
}

// Fixed on purpose: many goroutines running Lock/Unlock (and TryLock) on one
// path never see two holders at once.
func TestLockStress(t *testing.T) {
	const (
		workers = 16
		rounds  = 25
	)
	path := lockPath(t)
	var holders, max, acquired atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range rounds {
				var l *platform.FileLock
				var err error
				if w%4 == 0 {
					l, err = platform.TryLock(path)
					if errors.Is(err, platform.ErrLocked) {
						continue
					}
				} else {
					l, err = platform.Lock(t.Context(), path)
				}
				if err != nil {
					t.Errorf("worker %d: lock: %v", w, err)
					return
				}
				n := holders.Add(1)
				for {
					m := max.Load()
					if n <= m || max.CompareAndSwap(m, n) {
						break
					}
				}
				acquired.Add(1)
				holders.Add(-1)
				if err := l.Unlock(); err != nil {
					t.Errorf("worker %d: Unlock: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := max.Load(); got != 1 {
		t.Errorf("most holders at once = %d, want 1", got)
	}
	if got, min := acquired.Load(), int64(workers*rounds*3/4); got < min {
		t.Errorf("acquisitions = %d, want at least %d (every Lock call)", got, min)
	}
}

func openTwice(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.jsonl")
	open := func() *os.File {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	return open(), open()
}

func TestLockFile(t *testing.T) {
	f1, f2 := openTwice(t)

	unlock1, err := platform.LockFile(t.Context(), f1)
	if err != nil {
		t.Fatalf("LockFile(f1) error: %v", err)
	}

	// The lock is on the file, not on its data: f2 still reads and writes.
	if _, err := f2.WriteString("line\n"); err != nil {
		t.Errorf("write through a second handle while locked: %v", err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := platform.LockFile(ctx, f2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("LockFile(f2) while f1 holds: error = %v, want DeadlineExceeded", err)
	}
	// Another lock on the same path conflicts too.
	if _, err := platform.TryLock(f1.Name()); !errors.Is(err, platform.ErrLocked) {
		t.Errorf("TryLock(%q) while f1 holds: error = %v, want ErrLocked", f1.Name(), err)
	}

	if err := unlock1(); err != nil {
		t.Fatalf("unlock() error: %v", err)
	}
	if err := unlock1(); err != nil {
		t.Errorf("second unlock() = %v, want nil", err)
	}
	if _, err := f1.WriteString("still open\n"); err != nil {
		t.Errorf("f1 after unlock: %v, want it still open", err)
	}

	unlock2, err := platform.LockFile(t.Context(), f2)
	if err != nil {
		t.Fatalf("LockFile(f2) after release: %v", err)
	}
	// Closing the file drops its lock; a later unlock reports nothing.
	if err := f2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := unlock2(); err != nil {
		t.Errorf("unlock() after Close = %v, want nil", err)
	}
	unlock3, err := platform.LockFile(t.Context(), f1)
	if err != nil {
		t.Fatalf("LockFile(f1) after f2 closed: %v", err)
	}
	if err := unlock3(); err != nil {
		t.Errorf("unlock() = %v", err)
	}
}

func TestLockFileUnlockConcurrent(t *testing.T) {
	f1, f2 := openTwice(t)
	unlock, err := platform.LockFile(t.Context(), f1)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { errs <- unlock() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent unlock() = %v, want nil", err)
		}
	}
	unlock2, err := platform.LockFile(t.Context(), f2)
	if err != nil {
		t.Fatalf("LockFile(f2) after release: %v", err)
	}
	unlock2()
}

func TestLockFileFailures(t *testing.T) {
	closed, err := os.Create(filepath.Join(t.TempDir(), "closed"))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	open, _ := openTwice(t)

	tests := []struct {
		name string
		ctx  context.Context
		f    *os.File
		is   error
	}{
		{"nil file", t.Context(), nil, nil},
		{"closed file", t.Context(), closed, os.ErrClosed},
		{"cancelled context", cancelled, open, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unlock, err := platform.LockFile(tt.ctx, tt.f)
			if err == nil {
				unlock()
				t.Fatal("LockFile error = nil, want an error")
			}
			if unlock != nil {
				t.Error("LockFile returned an unlock function with its error")
			}
			if !strings.HasPrefix(err.Error(), "platform: lock:") {
				t.Errorf("LockFile error = %q, want prefix %q", err, "platform: lock:")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("LockFile error = %v, want one matching %v", err, tt.is)
			}
		})
	}
}

func BenchmarkTryLockUnlock(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.lock")
	b.ReportAllocs()
	for b.Loop() {
		l, err := platform.TryLock(path)
		if err != nil {
			b.Fatal(err)
		}
		l.Unlock()
	}
}
