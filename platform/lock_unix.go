//go:build unix && !aix

package platform

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryLockFile takes flock(LOCK_EX|LOCK_NB) on f. flock locks belong to the
// open file description, so two separate opens of one path conflict even in
// one process.
func tryLockFile(f *os.File) error {
	return control(f, func(fd uintptr) error {
		err := flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
		if errors.Is(err, unix.EWOULDBLOCK) || errors.Is(err, unix.EAGAIN) {
			return ErrLocked
		}
		if err != nil {
			return os.NewSyscallError("flock", err)
		}
		return nil
	})
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
