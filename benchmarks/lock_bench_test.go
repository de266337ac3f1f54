//go:build unix

package benchmarks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gofrs/flock"
	"github.com/greynewell/mist-go/platform"
)

// Take and release an exclusive advisory file lock nobody else holds:
// platform.Lock and FileLock.Unlock next to gofrs/flock's Lock and Unlock.
// Both open the lock file, flock(LOCK_EX) it, flock(LOCK_UN) it and close
// it on every lock+unlock, since neither keeps a descriptor between
// holds; ours also makes the path absolute and creates its directory, as
// its contract says. Unix only: the floors call flock directly.
//
// Two floors:
//
//   - floor: flock(LOCK_EX) then flock(LOCK_UN) on a descriptor opened once
//     before the loop, the floor: the lock itself, without opening
//     anything.
//   - floor-open: open, flock(LOCK_EX), flock(LOCK_UN), close with bare
//     syscalls: the least a lock that holds no descriptor between holds
//     (as the FileLock contract requires) can do.

func BenchmarkLock(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.lock")
	b.Run("mist", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l, err := platform.Lock(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			if err := l.Unlock(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gofrs", func(b *testing.B) {
		fl := flock.New(path)
		b.ReportAllocs()
		for b.Loop() {
			if err := fl.Lock(); err != nil {
				b.Fatal(err)
			}
			if err := fl.Unlock(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		fd := int(f.Fd())
		b.ReportAllocs()
		for b.Loop() {
			if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
				b.Fatal(err)
			}
			if err := syscall.Flock(fd, syscall.LOCK_UN); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor-open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := openLockClose(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// openLockClose is one floor-open operation.
func openLockClose(path string) error {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		return err
	}
	return syscall.Flock(fd, syscall.LOCK_UN)
}

// TestLockPeersAgree checks that the three kinds of lock exclude each
// other on one path: while one holds it, the others cannot take it.
func TestLockPeersAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agree.lock")
	l, err := platform.Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	fl := flock.New(path)
	if ok, err := fl.TryLock(); ok || err != nil {
		t.Errorf("gofrs TryLock while ours holds the lock: %v, %v; want false, nil", ok, err)
	}
	fd, err := syscall.Open(path, syscall.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		t.Error("flock while ours holds the lock succeeded")
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := fl.TryLock(); !ok || err != nil {
		t.Fatalf("gofrs TryLock after Unlock: %v, %v; want true, nil", ok, err)
	}
	if _, err := platform.TryLock(path); !errors.Is(err, platform.ErrLocked) {
		t.Errorf("TryLock while gofrs holds the lock: %v, want ErrLocked", err)
	}
	if err := fl.Unlock(); err != nil {
		t.Fatal(err)
	}
}
