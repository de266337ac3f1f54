//go:build windows

package platform

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the locked byte lies: 1<<62, far past the data of any
// real file, so a lock never blocks a reader or writer of the file itself.
// LockFileEx accepts ranges beyond the end of the file.
const lockOffset = uint64(1) << 62

func lockRange() *windows.Overlapped {
	return &windows.Overlapped{
		Offset:     uint32(lockOffset & 0xFFFFFFFF),
		OffsetHigh: uint32(lockOffset >> 32),
	}
}

// lockHandle is the lock file opened by Lock or TryLock.
type lockHandle = *os.File

func openLock(abs string) (lockHandle, error) {
	return os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
}

func tryLockHandle(h lockHandle) error { return tryLockFile(h) }

// releaseHandle unlocks h and closes it.
func releaseHandle(h lockHandle) error {
	err := unlockFile(h)
	if cerr := h.Close(); err == nil {
		err = cerr
	}
	return err
}

func closeHandle(h lockHandle) { _ = h.Close() }

// tryLockFile takes an exclusive LockFileEx lock on one byte of f. Such locks
// belong to the handle, so two separate opens of one path conflict even in
// one process.
func tryLockFile(f *os.File) error {
	return control(f, func(fd uintptr) error {
		err := windows.LockFileEx(windows.Handle(fd),
			windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY,
			0, 1, 0, lockRange())
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return ErrLocked
		}
		if err != nil {
			return os.NewSyscallError("LockFileEx", err)
		}
		return nil
	})
}

func unlockFile(f *os.File) error {
	return control(f, func(fd uintptr) error {
		if err := windows.UnlockFileEx(windows.Handle(fd), 0, 1, 0, lockRange()); err != nil {
			return os.NewSyscallError("UnlockFileEx", err)
		}
		return nil
	})
}
