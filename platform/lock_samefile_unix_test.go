//go:build unix && !aix

package platform_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/greynewell/mist-go/platform"
)

// TestLockFileSameFile pins the Unix side of LockFile's documentation: a
// flock lock belongs to the open file, so a second LockFile on the same
// *os.File returns at once with that lock, and the first release of either
// drops it.
func TestLockFileSameFile(t *testing.T) {
	f1, f2 := openTwice(t)
	unlock1, err := platform.LockFile(t.Context(), f1)
	if err != nil {
		t.Fatalf("LockFile(f1): %v", err)
	}
	// A minute stands for "never": the call must not wait at all.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	unlock2, err := platform.LockFile(ctx, f1)
	if err != nil {
		t.Fatalf("second LockFile(f1) = %v, want it to return the lock f1 holds", err)
	}
	if err := unlock2(); err != nil {
		t.Fatalf("second unlock: %v", err)
	}
	// The one lock is gone: a separate open of the file can take it.
	unlockF2, err := platform.LockFile(t.Context(), f2)
	if err != nil {
		t.Fatalf("LockFile(f2) after the second release: %v", err)
	}
	defer unlockF2()
	if err := unlock1(); err != nil {
		t.Errorf("first unlock after the lock was dropped: %v, want nil", err)
	}
	if _, err := platform.TryLock(f1.Name()); !errors.Is(err, platform.ErrLocked) {
		t.Errorf("TryLock while f2 holds: error = %v, want ErrLocked", err)
	}
}
