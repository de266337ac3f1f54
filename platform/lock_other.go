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

func tryLockFile(*os.File) error { return errNoLocks }

func unlockFile(*os.File) error { return errNoLocks }
