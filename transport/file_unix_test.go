//go:build unix

package transport_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/greynewell/mist-go/transport"
)

func TestFileCreatedWithMode0600(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "out.jsonl")
	f, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Send(ctxT(t), newMsg(t, 1)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %v, want 0600", got)
	}
}
