package platform_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/greynewell/mist-go/platform"
)

// childLockEnv names the variable that turns the test binary into a child
// process holding a lock; see TestMain.
const childLockEnv = "MIST_PLATFORM_TEST_HOLD_LOCK"

// TestMain lets TestLockHeldByOtherProcess re-run this test binary as a
// child: with childLockEnv set, the binary locks that path, prints "locked",
// holds the lock until its stdin is closed, and exits.
func TestMain(m *testing.M) {
	if path := os.Getenv(childLockEnv); path != "" {
		os.Exit(holdLock(path))
	}
	os.Exit(m.Run())
}

func holdLock(path string) int {
	l, err := platform.TryLock(path)
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	if err := l.Unlock(); err != nil {
		fmt.Println("child:", err)
		return 1
	}
	return 0
}

func TestLockHeldByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.lock")

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childLockEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens below, release the child and wait for it.
	waited := false
	wait := func() error {
		stdin.Close()
		io.Copy(io.Discard, stdout)
		waited = true
		return cmd.Wait()
	}
	defer func() {
		if !waited {
			wait()
		}
	}()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child said %q (%v), want %q", line, err, "locked\n")
	}

	if l, err := platform.TryLock(path); !errors.Is(err, platform.ErrLocked) {
		l.Unlock()
		t.Errorf("TryLock while another process holds: error = %v, want ErrLocked", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if l, err := platform.Lock(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		l.Unlock()
		t.Errorf("Lock while another process holds: error = %v, want DeadlineExceeded", err)
	}

	// Lock waits for the other process, which lets go when stdin closes.
	done := make(chan error, 1)
	go func() {
		l, err := platform.Lock(t.Context(), path)
		if err == nil {
			err = l.Unlock()
		}
		done <- err
	}()
	if err := wait(); err != nil {
		t.Fatalf("child process: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Lock after the other process released: %v", err)
	}
}
