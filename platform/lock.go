package platform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrLocked is returned by [TryLock] when another holder, in this process or
// in another one, has the lock. Match it with errors.Is.
var ErrLocked = errors.New("platform: lock is held")

// Polling bounds for Lock and LockFile. A blocking flock or LockFileEx cannot
// be cancelled, so waiting is done with non-blocking attempts spaced by a
// timer that starts at minPoll and doubles up to maxPoll.
const (
	minPoll = time.Millisecond
	maxPoll = 50 * time.Millisecond
)

// FileLock is an exclusive advisory lock on a lock file, taken by [Lock] or
// [TryLock]. It holds the lock file open until [FileLock.Unlock].
//
// A *FileLock is safe for concurrent use: Unlock may be called from several
// goroutines at once. The zero FileLock holds no lock: its Unlock returns nil
// and its Path is "". A nil *FileLock behaves the same way.
type FileLock struct {
	path string     // the absolute path; "" in a zero FileLock, which holds nothing
	h    lockHandle // the open lock file; valid when path is set

	once sync.Once
}

// Lock takes the exclusive advisory lock on the file at path, waiting until
// it holds the lock or ctx ends.
//
// Path is made absolute; its parent directory is created (mode 0700) and the
// file is opened or created (mode 0600). While the lock is held elsewhere,
// Lock retries without blocking, sleeping on a timer between attempts (1ms,
// doubling up to 50ms), so it burns no CPU and starts no goroutine. Waiters
// are not served in arrival order.
//
// When ctx ends first, Lock returns an error matching errors.Is(err,
// ctx.Err()) and holds no lock. Other failures are prefixed "platform: lock:"
// and carry the cause.
func Lock(ctx context.Context, path string) (*FileLock, error) {
	if err := ctx.Err(); err != nil {
		return nil, lockError(path, err)
	}
	h, abs, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	if err := wait(ctx, func() error { return tryLockHandle(h) }); err != nil {
		closeHandle(h)
		return nil, lockError(abs, err)
	}
	return &FileLock{path: abs, h: h}, nil
}

// TryLock takes the exclusive advisory lock on the file at path without
// waiting. The file is prepared as [Lock] does.
//
// When someone else holds the lock, including another FileLock of the same
// process, TryLock returns (nil, [ErrLocked]). Any other failure, such as a
// directory that cannot be written, gives (nil, err) where err is prefixed
// "platform: lock:" and wraps the real cause. TryLock never returns (nil, nil).
func TryLock(path string) (*FileLock, error) {
	h, abs, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	if err := tryLockHandle(h); err != nil {
		closeHandle(h)
		if errors.Is(err, ErrLocked) {
			return nil, ErrLocked
		}
		return nil, lockError(abs, err)
	}
	return &FileLock{path: abs, h: h}, nil
}

// Path returns the absolute path of the lock file.
func (l *FileLock) Path() string {
	if l == nil {
		return ""
	}
	return l.path
}

// Unlock releases the lock and closes the lock file. The file itself stays on
// disk, so the next holder reuses it: deleting it while another process waits
// on it would let two holders lock two different files.
//
// Only the first call does the work and reports its error; later and
// concurrent calls wait for it to finish and return nil.
func (l *FileLock) Unlock() error {
	if l == nil {
		return nil
	}
	var err error
	l.once.Do(func() {
		if l.path != "" {
			if err = releaseHandle(l.h); err != nil {
				err = unlockError(l.path, err)
			}
		}
	})
	return err
}

// LockFile takes an exclusive advisory lock on f, an already open file,
// waiting as [Lock] does until it holds the lock or ctx ends. It returns the
// function that releases the lock; that function leaves f open, returns nil
// when called again, and is safe to call from several goroutines. If f is
// closed before the release, the lock went with it and release returns nil.
//
// The lock belongs to f's open file (its descriptor or handle), and a
// second LockFile on the same *os.File behaves differently by system. On
// Unix, flock takes it as the lock f already holds: the call returns at
// once, and the first release of either drops the one lock. On Windows,
// LockFileEx refuses a range that is locked, even through the same handle:
// the call waits until the first lock is released or ctx ends. Either way,
// goroutines sharing one *os.File must coordinate among themselves. Two
// files opened separately on the same path do exclude each other, in one
// process or several. On Windows the locked byte range lies far past any
// data, so readers and writers of the file are never blocked by it.
func LockFile(ctx context.Context, f *os.File) (unlock func() error, err error) {
	if f == nil {
		return nil, errors.New("platform: lock: nil *os.File")
	}
	if err := wait(ctx, func() error { return tryLockFile(f) }); err != nil {
		return nil, lockError(f.Name(), err)
	}
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() { err = release(f) })
		return err
	}, nil
}

// openLockFile makes path absolute and opens or creates the lock file,
// creating its parent directory when it is missing. The file is opened
// first and the directory created only if that fails for want of it, so
// the common case costs one system call.
func openLockFile(path string) (lockHandle, string, error) {
	var none lockHandle
	if path == "" {
		return none, "", errors.New(`platform: lock: empty path ""`)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return none, "", fmt.Errorf("platform: lock: %w", err)
	}
	h, err := openLock(abs)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
			return none, "", fmt.Errorf("platform: lock: %w", err)
		}
		h, err = openLock(abs)
	}
	if err != nil {
		return none, "", fmt.Errorf("platform: lock: %w", err)
	}
	return h, abs, nil
}

// wait calls try until it succeeds, fails for a reason other than
// ErrLocked, or ctx ends. It returns ctx.Err() in the last case.
func wait(ctx context.Context, try func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	delay := minPoll
	var timer *time.Timer
	for {
		err := try()
		if !errors.Is(err, ErrLocked) {
			return err
		}
		if timer == nil {
			timer = time.NewTimer(delay)
			defer timer.Stop()
		} else {
			timer.Reset(delay)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		delay = min(2*delay, maxPoll)
	}
}

// release unlocks f, an *os.File locked by LockFile. An f closed already
// has lost its lock, so that is not an error.
func release(f *os.File) error {
	err := unlockFile(f)
	if err == nil || errors.Is(err, os.ErrClosed) {
		return nil
	}
	return unlockError(f.Name(), err)
}

func lockError(path string, err error) error {
	return fmt.Errorf("platform: lock: %s: %w", path, err)
}

func unlockError(path string, err error) error {
	return fmt.Errorf("platform: unlock: %s: %w", path, err)
}

// control runs fn with f's descriptor or handle, keeping f open meanwhile.
// It fails with os.ErrClosed when f is closed.
func control(f *os.File, fn func(fd uintptr) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = fn(fd) }); err != nil {
		// RawConn reports a closed file with an internal error value;
		// Stat turns the same condition into os.ErrClosed.
		if _, serr := f.Stat(); errors.Is(serr, os.ErrClosed) {
			return os.ErrClosed
		}
		return err
	}
	return opErr
}
