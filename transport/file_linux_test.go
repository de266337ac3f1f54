//go:build linux

package transport_test

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"

	mierrors "github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/transport"
)

// A full disk: /dev/full fails every write with ENOSPC. Send reports it
// with code transport, and nothing is reported sent.
func TestFileFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Fatalf("/dev/full is missing on this Linux system: %v", err)
	}
	f, err := transport.NewFile("/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 2 {
		err := f.Send(ctxT(t), newMsg(t, 1))
		if !errors.Is(err, syscall.ENOSPC) || mierrors.Code(err) != mierrors.CodeTransport {
			t.Errorf("Send to /dev/full = %v, want code transport matching ENOSPC", err)
		}
	}
	checkNoGoroutines(t)
}

// Stdio on a full disk fails the same way.
func TestStdioFullDisk(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := transport.NewStdioFrom(io.MultiReader(), full)
	err = s.Send(context.Background(), newMsg(t, 1))
	if !errors.Is(err, syscall.ENOSPC) || mierrors.Code(err) != mierrors.CodeTransport {
		t.Errorf("Send to /dev/full = %v, want code transport matching ENOSPC", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if _, err := full.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("the writer from NewStdioFrom is still open after Close (write error %v)", err)
	}
}
