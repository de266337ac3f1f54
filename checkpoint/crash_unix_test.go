//go:build unix

package checkpoint_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/checkpoint"
)

// helperEnv names the checkpoint directory of TestHelperProcess; the test
// does nothing when it is unset.
const helperEnv = "CHECKPOINT_TEST_HELPER_DIR"

func stepName(i int) string { return fmt.Sprintf("step-%05d", i) }

// TestHelperProcess is the child of TestResumeAfterSIGKILL, not a test of
// its own: it opens the run and completes steps until it is killed,
// printing "done <step>" after each step is durably completed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return
	}
	tr, err := checkpoint.Open(dir, "crash")
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	// Bounded so an orphaned child cannot run for ever; the parent kills
	// it long before.
	for i := range 1_000_000 {
		err := tr.Step(context.Background(), stepName(i), func(context.Context) (any, error) {
			return map[string]int{"i": i}, nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "step:", err)
			os.Exit(3)
		}
		fmt.Printf("done %s\n", stepName(i)) // os.Stdout is unbuffered
	}
	os.Exit(0)
}

// A child process writes steps and is killed with SIGKILL; the parent
// reopens the run and resumes: every step the child reported is skipped,
// none is lost, and a torn last line is ignored and then cut.
func TestResumeAfterSIGKILL(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	t.Cleanup(func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	// If the child hangs without printing, killing it ends the read below.
	watchdog := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer watchdog.Stop()

	const want = 25
	var reported []string
	sc := bufio.NewScanner(stdout)
	for len(reported) < want && sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "done "); ok {
			reported = append(reported, name)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	cmd.Wait()
	waited = true
	if len(reported) < want {
		t.Fatalf("child reported %d steps before dying, want %d; stderr:\n%s", len(reported), want, stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL; stderr:\n%s", cmd.ProcessState, stderr.String())
	}

	// Tear the last line on purpose, on top of whatever the kill left.
	path := filepath.Join(dir, "crash.jsonl")
	torn := `{"step":"torn-step","status":"compl`
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(torn); err != nil {
		t.Fatal(err)
	}
	f.Close()

	tr := open(t, dir, "crash")
	completed := tr.CompletedSteps()
	for _, name := range reported {
		if !tr.IsCompleted(name) {
			t.Errorf("step %s was reported done by the child but is not completed", name)
		}
	}
	// The child runs steps in order, so the completed steps are a prefix.
	k := len(completed)
	for i, name := range completed {
		if name != stepName(i) {
			t.Fatalf("completed steps %v are not step 0..%d in order", completed, k-1)
		}
	}
	if k < len(reported) {
		t.Fatalf("%d steps completed, fewer than the %d reported", k, len(reported))
	}
	t.Logf("the child reported %d steps; %d were completed on disk", len(reported), k)
	if tr.IsCompleted("torn-step") {
		t.Error("the torn line counted as a completed step")
	}
	if diff := cmp.Diff(map[string]any{"i": float64(k - 1)}, tr.Result(stepName(k-1))); diff != "" {
		t.Errorf("result of the last completed step mismatch (-want +got):\n%s", diff)
	}
	if b, _ := os.ReadFile(path); !bytes.HasSuffix(b, []byte(torn)) {
		t.Error("Open changed the log before any append")
	}

	// Resume: completed steps are skipped, the others run.
	var ran []string
	for i := range k + 10 {
		name := stepName(i)
		err := tr.Step(context.Background(), name, func(context.Context) (any, error) {
			ran = append(ran, name)
			return map[string]int{"i": i}, nil
		})
		if err != nil {
			t.Fatalf("resume Step(%s): %v", name, err)
		}
	}
	var wantRan []string
	for i := k; i < k+10; i++ {
		wantRan = append(wantRan, stepName(i))
	}
	if diff := cmp.Diff(wantRan, ran); diff != "" {
		t.Errorf("steps run on resume mismatch (-want +got):\n%s", diff)
	}

	// The torn line was cut before the first append: every line is whole.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("\n")) || bytes.Contains(b, []byte("torn-step")) {
		t.Errorf("log still holds the torn line or lacks a final newline")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("line %d is not valid JSON: %q", i+1, line)
		}
	}
	tr.Close()
	tr = open(t, dir, "crash")
	if got := len(tr.CompletedSteps()); got != k+10 {
		t.Errorf("after resume and reopen %d steps completed, want %d", got, k+10)
	}
}
