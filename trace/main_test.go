package trace_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/greynewell/mist-go/trace"
)

// TestMain checks that no test leaves a registration behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if n := trace.ActiveRegistrations(); n != 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d exporter registrations left active\n", n)
		code = 1
	}
	os.Exit(code)
}
