//go:build unix && !aix

package platform

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockHandle is the descriptor of a lock file opened by Lock or TryLock.
// It is a bare descriptor rather than an *os.File: taking and releasing a
// lock then costs open, flock, flock and close, and nothing else.
type lockHandle int

func openLock(abs string) (lockHandle, error) {
	for {
		fd, err := unix.Open(abs, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: abs, Err: err}
		}
		return lockHandle(fd), nil
	}
}

// tryLockHandle takes flock(LOCK_EX|LOCK_NB) on h, or returns ErrLocked.
func tryLockHandle(h lockHandle) error {
	return tryFlock(int(h))
}

// releaseHandle unlocks h and closes it.
func releaseHandle(h lockHandle) error {
	err := flock(int(h), unix.LOCK_UN)
	if err != nil {
		err = os.NewSyscallError("flock", err)
	}
	if cerr := unix.Close(int(h)); err == nil && cerr != nil {
		err = os.NewSyscallError("close", cerr)
	}
	return err
}

func closeHandle(h lockHandle) { _ = unix.Close(int(h)) }

func tryFlock(fd int) error {
	err := flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) || errors.Is(err, unix.EAGAIN) {
		return ErrLocked
	}
	if err != nil {
		return os.NewSyscallError("flock", err)
	}
	return nil
}

// tryLockFile takes flock(LOCK_EX|LOCK_NB) on f. flock locks belong to the
// open file description, so two separate opens of one path conflict even in
// one process.
func tryLockFile(f *os.File) error {
	return control(f, func(fd uintptr) error { return tryFlock(int(fd)) })
}

func unlockFile(f *os.File) error {
	return control(f, func(fd uintptr) error {
		if err := flock(int(fd), unix.LOCK_UN); err != nil {
			return os.NewSyscallError("flock", err)
		}
		return nil
	})
}

// flock retries unix.Flock when a signal interrupts it.
func flock(fd, how int) error {
	for {
		err := unix.Flock(fd, how)
		if err != unix.EINTR {
			return err
		}
	}
}
