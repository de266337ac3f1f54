//go:build windows

package platform_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/greynewell/mist-go/platform"
)

// TestLockFileSameFile pins the Windows side of LockFile's documentation:
// LockFileEx refuses a locked range even through the same handle, so a
// second LockFile on the same *os.File waits until ctx ends, and succeeds
// once the first lock is released.
func TestLockFileSameFile(t *testing.T) {
	f1, _ := openTwice(t)
	unlock1, err := platform.LockFile(t.Context(), f1)
	if err != nil {
		t.Fatalf("LockFile(f1): %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := platform.LockFile(ctx, f1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second LockFile(f1) while it holds: error = %v, want DeadlineExceeded", err)
	}
	if err := unlock1(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	unlock2, err := platform.LockFile(t.Context(), f1)
	if err != nil {
		t.Fatalf("LockFile(f1) after release: %v", err)
	}
	if err := unlock2(); err != nil {
		t.Errorf("unlock: %v", err)
	}
}
