//go:build (!unix && !windows) || aix

package platform

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// errNoLocks is returned where the system offers no flock or LockFileEx.
var errNoLocks = fmt.Errorf("file locks on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// lockHandle is the lock file opened by Lock or TryLock.
type lockHandle = *os.File

func openLock(abs string) (lockHandle, error) {
	return os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
}

func tryLockHandle(lockHandle) error { return errNoLocks }

func releaseHandle(h lockHandle) error { return h.Close() }

func closeHandle(h lockHandle) { _ = h.Close() }

func tryLockFile(*os.File) error { return errNoLocks }

func unlockFile(*os.File) error { return errNoLocks }
