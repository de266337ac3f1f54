package checkpoint_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/checkpoint"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/platform"
)

var ctx = context.Background()

// open opens a tracker and closes it at the end of the test.
func open(t *testing.T, dir, runID string) *checkpoint.Tracker {
	t.Helper()
	tr, err := checkpoint.Open(dir, runID)
	if err != nil {
		t.Fatalf("Open(%q, %q): %v", dir, runID, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func ok(result any) func(context.Context) (any, error) {
	return func(context.Context) (any, error) { return result, nil }
}

func failing(err error) func(context.Context) (any, error) {
	return func(context.Context) (any, error) { return nil, err }
}

// logLines returns the lines of the run's log.
func logLines(t *testing.T, dir, runID string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, runID+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("log %q does not end with a newline", b)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := errors.Code(err); got != code {
		t.Errorf("error %v has code %q, want %q", err, got, code)
	}
}

func TestValidRunID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"run-2026_05-27", true},
		{"ABCxyz0189", true},
		{strings.Repeat("x", 255), true},
		{"", false},
		{strings.Repeat("x", 256), false},
		{"../x", false},
		{"a/b", false},
		{`a\b`, false},
		{"a.b", false},
		{".", false},
		{"a b", false},
		{"é", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		if got := checkpoint.ValidRunID(tt.id); got != tt.want {
			t.Errorf("ValidRunID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// Bad input: a run ID with path characters is a validation error, and
// nothing is created.
func TestOpenInvalidRunID(t *testing.T) {
	for _, id := range []string{"../x", "a/b", "", strings.Repeat("x", 256), "a.b"} {
		dir := filepath.Join(t.TempDir(), "cp")
		tr, err := checkpoint.Open(dir, id)
		if tr != nil {
			t.Errorf("Open(%q) returned a tracker", id)
		}
		wantCode(t, err, errors.CodeValidation)
		if _, serr := os.Stat(dir); serr == nil {
			t.Errorf("Open(%q) created %s", id, dir)
		}
	}
}

// Bad input: a checkpoint directory that cannot be created (its path is a
// regular file, which fails even as root) is a validation error.
func TestOpenUnwritableDirectory(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sub")} {
		tr, err := checkpoint.Open(dir, "run")
		if tr != nil || err == nil {
			t.Fatalf("Open(%q) = %v, %v, want an error", dir, tr, err)
		}
		wantCode(t, err, errors.CodeValidation)
		if errors.Is(err, platform.ErrLocked) {
			t.Errorf("Open(%q) = %v, must not look like a held lock", dir, err)
		}
	}
}

// Fixed on purpose: a second Open of a run that is already held fails with
// conflict, and the error matches platform.ErrLocked.
func TestOpenHeldRun(t *testing.T) {
	dir := t.TempDir()
	first := open(t, dir, "run")
	second, err := checkpoint.Open(dir, "run")
	if second != nil {
		t.Fatal("second Open returned a tracker")
	}
	wantCode(t, err, errors.CodeConflict)
	if !errors.Is(err, platform.ErrLocked) {
		t.Errorf("second Open = %v, want errors.Is(err, platform.ErrLocked)", err)
	}
	// Another run in the same directory is independent.
	open(t, dir, "other")
	// Once the first is closed the run can be opened again.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	open(t, dir, "run")
	if _, err := os.Stat(filepath.Join(dir, "run.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

func TestOpenCreatesDirectoryAndFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	tr := open(t, dir, "run")
	if tr.RunID() != "run" {
		t.Errorf("RunID() = %q, want run", tr.RunID())
	}
	for _, name := range []string{"run.jsonl", "run.lock"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("Open did not create %s: %v", name, err)
		}
	}
	if got := tr.CompletedSteps(); got == nil || len(got) != 0 {
		t.Errorf("CompletedSteps() of a new run = %#v, want empty", got)
	}
}

// Records are compact JSON, keys in struct order, timestamps in UTC with
// nanoseconds, one per line.
func TestRecordFormat(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	zone := time.FixedZone("X", 5*3600)
	clock := time.Date(2026, 5, 27, 12, 0, 0, 123456789, zone)
	checkpoint.SetClock(tr, func() time.Time { clock = clock.Add(time.Second); return clock })
	checkpoint.SetWait(tr, func(context.Context, time.Duration) error { return nil })

	if err := tr.Step(ctx, "load", ok(map[string]int{"rows": 12})); err != nil {
		t.Fatal(err)
	}
	boom := errors.New(errors.CodeInternal, "diverged")
	if err := tr.StepRetry(ctx, "fit", 2, failing(boom)); err != boom {
		t.Fatalf("StepRetry = %v, want %v unchanged", err, boom)
	}
	if err := tr.Step(ctx, "noresult", ok(nil)); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"step":"load","status":"running","timestamp":"2026-05-27T07:00:01.123456789Z"}`,
		`{"step":"load","status":"completed","timestamp":"2026-05-27T07:00:02.123456789Z","result":{"rows":12}}`,
		`{"step":"fit","status":"running","timestamp":"2026-05-27T07:00:03.123456789Z","attempt":1}`,
		`{"step":"fit","status":"failed","timestamp":"2026-05-27T07:00:04.123456789Z","error":"internal: diverged","attempt":1}`,
		`{"step":"fit","status":"running","timestamp":"2026-05-27T07:00:05.123456789Z","attempt":2}`,
		`{"step":"fit","status":"failed","timestamp":"2026-05-27T07:00:06.123456789Z","error":"internal: diverged","attempt":2}`,
		`{"step":"noresult","status":"running","timestamp":"2026-05-27T07:00:07.123456789Z"}`,
		`{"step":"noresult","status":"completed","timestamp":"2026-05-27T07:00:08.123456789Z"}`,
	}
	if diff := cmp.Diff(want, logLines(t, dir, "run")); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
}

func TestStepSkipsCompletedAcrossOpen(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	for _, s := range []string{"a", "b"} {
		if err := tr.Step(ctx, s, ok(map[string]any{"step": s, "n": 1})); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Step(ctx, "c", failing(fmt.Errorf("nope"))); err == nil {
		t.Fatal("failing step returned nil")
	}
	tr.Close()

	tr = open(t, dir, "run")
	calls := map[string]int{}
	count := func(s string) func(context.Context) (any, error) {
		return func(context.Context) (any, error) { calls[s]++; return s, nil }
	}
	for _, s := range []string{"a", "b", "c", "d"} {
		if err := tr.Step(ctx, s, count(s)); err != nil {
			t.Fatalf("Step(%q): %v", s, err)
		}
	}
	if diff := cmp.Diff(map[string]int{"c": 1, "d": 1}, calls); diff != "" {
		t.Errorf("fn calls mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"step": "a", "n": 1.0}, tr.Result("a")); diff != "" {
		t.Errorf("replayed Result(a) mismatch (-want +got):\n%s", diff)
	}
	if got := tr.Result("d"); got != "d" {
		t.Errorf("Result(d) = %v, want d", got)
	}
	if got := tr.Result("missing"); got != nil {
		t.Errorf("Result(missing) = %v, want nil", got)
	}
}

// Results read in the same process have the generic JSON shape a replay
// gives, so callers handle one shape.
func TestResultIsGenericJSON(t *testing.T) {
	type out struct {
		Score float64 `json:"score"`
		Tags  []string
	}
	tr := open(t, t.TempDir(), "run")
	if err := tr.Step(ctx, "s", ok(out{Score: 0.5, Tags: []string{"x"}})); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"score": 0.5, "Tags": []any{"x"}}
	if diff := cmp.Diff(want, tr.Result("s")); diff != "" {
		t.Errorf("Result mismatch (-want +got):\n%s", diff)
	}
}

func TestStepErrorUnchanged(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	sentinel := fmt.Errorf("sentinel")
	if err := tr.Step(ctx, "s", failing(sentinel)); err != sentinel {
		t.Errorf("Step = %v (%T), want the fn error itself", err, err)
	}
	if tr.IsCompleted("s") {
		t.Error("failed step is completed")
	}
	// A failed step can be run again.
	if err := tr.Step(ctx, "s", ok(1)); err != nil || !tr.IsCompleted("s") {
		t.Errorf("retry Step = %v, completed %v", err, tr.IsCompleted("s"))
	}
}

// Fixed on purpose: a result that can't be marshalled gives an error and
// leaves IsCompleted false, also after a reopen.
func TestUnmarshalableResult(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	calls := 0
	err := tr.Step(ctx, "s", func(context.Context) (any, error) { calls++; return make(chan int), nil })
	if err == nil {
		t.Fatal("Step with a chan result = nil, want an error")
	}
	wantCode(t, err, errors.CodeValidation)
	if calls != 1 || tr.IsCompleted("s") || tr.Result("s") != nil || len(tr.CompletedSteps()) != 0 {
		t.Errorf("calls %d, completed %v, result %v, steps %v: want 1, false, nil, none",
			calls, tr.IsCompleted("s"), tr.Result("s"), tr.CompletedSteps())
	}
	tr.Close()
	tr = open(t, dir, "run")
	if tr.IsCompleted("s") {
		t.Error("after reopen the step is completed")
	}
}

// Fixed on purpose: a write after Close fails with an error instead of
// being silently dropped; the in-memory queries keep working.
func TestAfterClose(t *testing.T) {
	dir := t.TempDir()
	tr, err := checkpoint.Open(dir, "run")
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Step(ctx, "a", ok("r")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tr.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	called := false
	fn := func(context.Context) (any, error) { called = true; return nil, nil }
	wantCode(t, tr.Step(ctx, "b", fn), errors.CodeUnavailable)
	wantCode(t, tr.StepRetry(ctx, "b", 3, fn), errors.CodeUnavailable)
	wantCode(t, tr.Reset(), errors.CodeUnavailable)
	if called {
		t.Error("fn was called after Close")
	}
	if !tr.IsCompleted("a") || tr.Result("a") != "r" || tr.RunID() != "run" {
		t.Error("queries stopped working after Close")
	}
	if diff := cmp.Diff([]string{"a"}, tr.CompletedSteps()); diff != "" {
		t.Errorf("CompletedSteps after Close mismatch (-want +got):\n%s", diff)
	}
	if n := len(logLines(t, dir, "run")); n != 2 {
		t.Errorf("log has %d lines, want 2: nothing written after Close", n)
	}
}

// A step interrupted by Close does not complete: its completed record is
// refused.
func TestCloseDuringStep(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	err := tr.Step(ctx, "s", func(context.Context) (any, error) {
		if err := tr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		return "r", nil
	})
	wantCode(t, err, errors.CodeUnavailable)
	if tr.IsCompleted("s") {
		t.Error("step completed after Close")
	}
}

// Fixed on purpose: a corrupt line 3 of 5 makes Open fail with ":3:"; only
// a torn final line is tolerated.
func TestCorruptMiddleLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.jsonl")
	lines := []string{
		`{"step":"a","status":"running","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:01Z"}`,
		`{"step":"b","status":"comp`,
		`{"step":"b","status":"running","timestamp":"2026-01-01T00:00:02Z"}`,
		`{"step":"b","status":"completed","timestamp":"2026-01-01T00:00:03Z"}`,
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := checkpoint.Open(dir, "run")
	if tr != nil || err == nil {
		t.Fatal("Open of a corrupt log succeeded")
	}
	wantCode(t, err, errors.CodeInternal)
	want := "checkpoint: " + path + ":3: "
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Open error %q, want it to contain %q", err, want)
	}
	// The failed Open released the lock.
	lock, lerr := platform.TryLock(filepath.Join(dir, "run.lock"))
	if lerr != nil {
		t.Fatalf("lock still held after a failed Open: %v", lerr)
	}
	lock.Unlock()
}

func TestCorruptLineKinds(t *testing.T) {
	for _, bad := range []string{`[1]`, `"x"`, `{"step":1}`, `{"timestamp":"yesterday"}`, `not json`, `{} {}`} {
		dir := t.TempDir()
		content := `{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:00Z"}` + "\n\n" + bad + "\n"
		if err := os.WriteFile(filepath.Join(dir, "run.jsonl"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := checkpoint.Open(dir, "run")
		wantCode(t, err, errors.CodeInternal)
		if err == nil || !strings.Contains(err.Error(), "run.jsonl:3: ") {
			t.Errorf("Open with line 3 %q = %v, want an error at :3:", bad, err)
		}
	}
}

// Replay skips blank lines, accepts CRLF, follows running and failed
// records, and ignores other statuses.
func TestReplayRules(t *testing.T) {
	dir := t.TempDir()
	content := strings.Join([]string{
		`{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:00Z","result":[1,"x"]}`,
		``,
		`   `,
		`{"step":"b","status":"completed","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"step":"c","status":"completed","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"step":"b","status":"running","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"step":"c","status":"failed","timestamp":"2026-01-01T00:00:00Z","error":"x"}`,
		`{"step":"d","status":"skipped","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"step":"e","status":"pending","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"step":"f","status":"completed","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"step":"a","status":"weird","timestamp":"2026-01-01T00:00:00Z"}`,
		`null`,
		`{"step":"g","status":"completed","timestamp":"2026-01-01T00:00:00Z","result":{"k":true}}`,
	}, "\r\n") + "\r\n"
	if err := os.WriteFile(filepath.Join(dir, "run.jsonl"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := open(t, dir, "run")
	if diff := cmp.Diff([]string{"a", "f", "g"}, tr.CompletedSteps()); diff != "" {
		t.Errorf("CompletedSteps mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{1.0, "x"}, tr.Result("a")); diff != "" {
		t.Errorf("Result(a) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"k": true}, tr.Result("g")); diff != "" {
		t.Errorf("Result(g) mismatch (-want +got):\n%s", diff)
	}
}

// A torn final line is ignored, left alone until the next append, and cut
// before it.
func TestTornFinalLine(t *testing.T) {
	for _, torn := range []string{`{"step":"b","status":"comp`, `{"step":"b","status":"completed","timestamp":"2026-01-01T00:00:00Z"}`, "\r", "   "} {
		dir := t.TempDir()
		path := filepath.Join(dir, "run.jsonl")
		good := `{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:00Z"}` + "\n"
		if err := os.WriteFile(path, []byte(good+torn), 0o600); err != nil {
			t.Fatal(err)
		}
		tr := open(t, dir, "run")
		if diff := cmp.Diff([]string{"a"}, tr.CompletedSteps()); diff != "" {
			t.Errorf("torn %q: CompletedSteps mismatch (-want +got):\n%s", torn, diff)
		}
		if b, _ := os.ReadFile(path); string(b) != good+torn {
			t.Errorf("torn %q: Open changed the log to %q", torn, b)
		}
		if err := tr.Step(ctx, "c", ok(nil)); err != nil {
			t.Fatal(err)
		}
		lines := logLines(t, dir, "run")
		if len(lines) != 3 || lines[0]+"\n" != good || strings.Contains(strings.Join(lines, "\n"), `"b"`) {
			t.Errorf("torn %q: log after append = %q, want the good line and two records of c", torn, lines)
		}
		tr.Close()
		tr = open(t, dir, "run")
		if diff := cmp.Diff([]string{"a", "c"}, tr.CompletedSteps()); diff != "" {
			t.Errorf("torn %q: after reopen mismatch (-want +got):\n%s", torn, diff)
		}
	}
}

// Replay has no line length limit.
func TestReplayLongLine(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	big := strings.Repeat("x", 1<<20)
	if err := tr.Step(ctx, "big", ok(big)); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	tr = open(t, dir, "run")
	if got, _ := tr.Result("big").(string); got != big {
		t.Errorf("Result(big) has %d bytes, want %d", len(got), len(big))
	}
}

// Fixed on purpose: CompletedSteps is ordered and repeatable, and returns
// a copy.
func TestCompletedStepsOrder(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	names := []string{"zeta", "alpha", "mid", "beta"}
	for _, s := range names[:2] {
		if err := tr.Step(ctx, s, ok(nil)); err != nil {
			t.Fatal(err)
		}
	}
	tr.Close()
	tr = open(t, dir, "run")
	for _, s := range names[2:] {
		if err := tr.Step(ctx, s, ok(nil)); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		got := tr.CompletedSteps()
		if diff := cmp.Diff(names, got); diff != "" {
			t.Fatalf("CompletedSteps mismatch (-want +got):\n%s", diff)
		}
		got[0] = "mutated"
	}
}

// Fixed on purpose: after Reset, new records reach the file on disk, as a
// fresh Open confirms.
func TestReset(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	for _, s := range []string{"old1", "old2"} {
		if err := tr.Step(ctx, s, ok(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Reset(); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if tr.IsCompleted("old1") || len(tr.CompletedSteps()) != 0 {
		t.Errorf("after Reset: completed %v", tr.CompletedSteps())
	}
	// Reset keeps the lock.
	if _, err := checkpoint.Open(dir, "run"); errors.Code(err) != errors.CodeConflict {
		t.Errorf("Open during Reset-ed tracker = %v, want conflict", err)
	}
	if err := tr.Step(ctx, "new", ok("n")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	fresh := open(t, dir, "run")
	if diff := cmp.Diff([]string{"new"}, fresh.CompletedSteps()); diff != "" {
		t.Errorf("fresh Open after Reset mismatch (-want +got):\n%s", diff)
	}
	if n := len(logLines(t, dir, "run")); n != 2 {
		t.Errorf("log has %d lines after Reset and one step, want 2", n)
	}
}

// Reset also drops a torn line waiting to be cut.
func TestResetAfterTornLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "run.jsonl"), []byte(`{"step":"x"`), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := open(t, dir, "run")
	if err := tr.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Step(ctx, "a", ok(nil)); err != nil {
		t.Fatal(err)
	}
	if n := len(logLines(t, dir, "run")); n != 2 {
		t.Errorf("log has %d lines, want 2", n)
	}
}

// Step on a name that is running in this Tracker is a conflict and does
// not call fn; a different step runs meanwhile, so the tracker's mutex is
// not held while fn runs.
func TestStepRunningConflictAndConcurrency(t *testing.T) {
	tr := open(t, t.TempDir(), "run")
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var firstErr error
	go func() {
		defer wg.Done()
		firstErr = tr.Step(ctx, "slow", func(context.Context) (any, error) {
			close(started)
			<-release
			return "slow", nil
		})
	}()
	<-started
	called := false
	fn := func(context.Context) (any, error) { called = true; return nil, nil }
	wantCode(t, tr.Step(ctx, "slow", fn), errors.CodeConflict)
	wantCode(t, tr.StepRetry(ctx, "slow", 3, fn), errors.CodeConflict)
	if called {
		t.Error("fn of a conflicting Step was called")
	}
	if err := tr.Step(ctx, "other", ok("o")); err != nil {
		t.Errorf("Step(other) while slow runs: %v", err)
	}
	if tr.IsCompleted("slow") {
		t.Error("slow is completed while running")
	}
	close(release)
	wg.Wait()
	if firstErr != nil || !tr.IsCompleted("slow") {
		t.Errorf("slow Step = %v, completed %v", firstErr, tr.IsCompleted("slow"))
	}
	if diff := cmp.Diff([]string{"other", "slow"}, tr.CompletedSteps()); diff != "" {
		t.Errorf("CompletedSteps mismatch (-want +got):\n%s", diff)
	}
}

// A panicking fn does not leave its step marked running.
func TestStepPanicReleasesName(t *testing.T) {
	tr := open(t, t.TempDir(), "run")
	func() {
		defer func() { recover() }()
		tr.Step(ctx, "p", func(context.Context) (any, error) { panic("boom") })
	}()
	if err := tr.Step(ctx, "p", ok(1)); err != nil {
		t.Errorf("Step after a panic = %v, want nil", err)
	}
}

func TestConcurrentSteps(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("s%02d", i)
			if err := tr.Step(ctx, name, ok(i)); err != nil {
				t.Errorf("Step(%s): %v", name, err)
			}
			tr.IsCompleted(name)
			tr.CompletedSteps()
		})
	}
	wg.Wait()
	tr.Close()
	tr = open(t, dir, "run")
	if got := len(tr.CompletedSteps()); got != n {
		t.Errorf("after reopen %d steps completed, want %d", got, n)
	}
	for _, line := range logLines(t, dir, "run") {
		if !json.Valid([]byte(line)) {
			t.Errorf("interleaved log line %q", line)
		}
	}
}

// Fixed on purpose: StepRetry with maxAttempts 0 calls fn exactly once,
// and a failed final attempt returns without any backoff.
func TestStepRetryZeroAttempts(t *testing.T) {
	for _, max := range []int{0, -3, 1} {
		tr := open(t, t.TempDir(), "run")
		var waits []time.Duration
		checkpoint.SetWait(tr, func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil })
		calls := 0
		boom := fmt.Errorf("boom")
		err := tr.StepRetry(ctx, "s", max, func(context.Context) (any, error) { calls++; return nil, boom })
		if err != boom || calls != 1 || len(waits) != 0 {
			t.Errorf("StepRetry(max %d) = %v, %d calls, waits %v; want boom, 1 call, no wait", max, err, calls, waits)
		}
	}
}

func TestStepRetryBackoff(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	var waits []time.Duration
	checkpoint.SetWait(tr, func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil })
	calls := 0
	var last error
	err := tr.StepRetry(ctx, "s", 10, func(context.Context) (any, error) {
		calls++
		last = fmt.Errorf("attempt %d", calls)
		return nil, last
	})
	if err != last || calls != 10 {
		t.Errorf("StepRetry = %v after %d calls, want the last error after 10", err, calls)
	}
	ms := time.Millisecond
	want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5000 * ms, 5000 * ms, 5000 * ms}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits mismatch (-want +got):\n%s", diff)
	}
	lines := logLines(t, dir, "run")
	if len(lines) != 20 {
		t.Fatalf("log has %d lines, want 20", len(lines))
	}
	re := regexp.MustCompile(`"status":"(running|failed)".*"attempt":(\d+)}$`)
	for i, line := range lines {
		m := re.FindStringSubmatch(line)
		wantStatus := map[bool]string{true: "running", false: "failed"}[i%2 == 0]
		if m == nil || m[1] != wantStatus || m[2] != fmt.Sprint(i/2+1) {
			t.Errorf("line %d = %s, want %s with attempt %d", i+1, line, wantStatus, i/2+1)
		}
	}
	if got := checkpoint.Backoff(1000); got != 5*time.Second {
		t.Errorf("Backoff(1000) = %v, want 5s", got)
	}
}

func TestStepRetrySucceedsLater(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	checkpoint.SetWait(tr, func(context.Context, time.Duration) error { return nil })
	calls := 0
	err := tr.StepRetry(ctx, "s", 5, func(context.Context) (any, error) {
		calls++
		if calls < 3 {
			return nil, fmt.Errorf("flaky")
		}
		return "third time", nil
	})
	if err != nil || calls != 3 || tr.Result("s") != "third time" {
		t.Errorf("StepRetry = %v after %d calls, result %v", err, calls, tr.Result("s"))
	}
	last := logLines(t, dir, "run")[5]
	if !strings.Contains(last, `"status":"completed"`) || !strings.HasSuffix(last, `"result":"third time","attempt":3}`) {
		t.Errorf("last line = %s, want completed attempt 3", last)
	}
	// Completed: no more calls.
	if err := tr.StepRetry(ctx, "s", 5, failing(fmt.Errorf("x"))); err != nil {
		t.Errorf("StepRetry on a completed step = %v", err)
	}
}

// The real wait respects ctx: cancelling during a backoff returns an error
// matching ctx.Err() and the last attempt's error.
func TestStepRetryContextCancelled(t *testing.T) {
	tr := open(t, t.TempDir(), "run")
	cctx, cancel := context.WithCancel(ctx)
	boom := fmt.Errorf("boom")
	calls := 0
	err := tr.StepRetry(cctx, "s", 3, func(context.Context) (any, error) {
		calls++
		cancel() // the backoff after this attempt must stop at once
		return nil, boom
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, boom) || calls != 1 {
		t.Errorf("StepRetry = %v after %d calls, want context.Canceled and boom after 1", err, calls)
	}
	if tr.IsCompleted("s") {
		t.Error("cancelled step completed")
	}
	// The name is free again.
	if err := tr.Step(ctx, "s", ok(nil)); err != nil {
		t.Errorf("Step after cancelled StepRetry: %v", err)
	}
}

// Every write error is returned: a failing running append stops the step
// before fn, and a failing completed append leaves it not done.
func TestAppendErrors(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	ro, err := os.Open(filepath.Join(dir, "run.jsonl")) // read-only: writes fail
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()

	good := checkpoint.SwapLog(tr, ro)
	called := false
	err = tr.Step(ctx, "a", func(context.Context) (any, error) { called = true; return nil, nil })
	wantCode(t, err, errors.CodeInternal)
	if called || tr.IsCompleted("a") {
		t.Errorf("running append failed, but fn called %v, completed %v", called, tr.IsCompleted("a"))
	}
	checkpoint.SwapLog(tr, good)

	// The completed append fails.
	err = tr.Step(ctx, "b", func(context.Context) (any, error) {
		checkpoint.SwapLog(tr, ro)
		return "r", nil
	})
	wantCode(t, err, errors.CodeInternal)
	if tr.IsCompleted("b") {
		t.Error("step completed although its completed record was not written")
	}

	// The failed append is joined to fn's error.
	checkpoint.SwapLog(tr, good)
	fnErr := fmt.Errorf("fn failed")
	err = tr.Step(ctx, "c", func(context.Context) (any, error) {
		checkpoint.SwapLog(tr, ro)
		return nil, fnErr
	})
	if !errors.Is(err, fnErr) || errors.Code(err) != errors.CodeInternal {
		t.Errorf("Step = %v, want fn's error joined with the internal append error", err)
	}
	checkpoint.SwapLog(tr, good)

	// The log is still well formed and usable.
	if err := tr.Step(ctx, "d", ok(nil)); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	tr = open(t, dir, "run")
	if diff := cmp.Diff([]string{"d"}, tr.CompletedSteps()); diff != "" {
		t.Errorf("after reopen mismatch (-want +got):\n%s", diff)
	}
}

func TestLogFileMode(t *testing.T) {
	if platform.IsWindows() {
		return // Windows has no Unix permission bits to check
	}
	dir := filepath.Join(t.TempDir(), "cp")
	open(t, dir, "run")
	for path, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, filepath.Join(dir, "run.jsonl"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (os.ModeDir | os.ModePerm); got != want {
			t.Errorf("mode of %s = %v, want %v", path, fi.Mode(), want)
		}
	}
}

// The zero Tracker does not panic: writes fail with unavailable.
func TestZeroTracker(t *testing.T) {
	var tr checkpoint.Tracker
	called := false
	fn := func(context.Context) (any, error) { called = true; return nil, nil }
	wantCode(t, tr.Step(ctx, "s", fn), errors.CodeUnavailable)
	wantCode(t, tr.StepRetry(ctx, "s", 2, fn), errors.CodeUnavailable)
	wantCode(t, tr.Reset(), errors.CodeUnavailable)
	if called || tr.IsCompleted("s") || tr.Result("s") != nil || len(tr.CompletedSteps()) != 0 || tr.RunID() != "" {
		t.Error("zero Tracker reported state")
	}
	if err := tr.Close(); err != nil {
		t.Errorf("Close of zero Tracker = %v", err)
	}
}

// An error appending the failed record ends StepRetry at once, with no
// backoff, and is returned joined with fn's error.
func TestStepRetryStopsOnAppendError(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	ro, err := os.Open(filepath.Join(dir, "run.jsonl")) // read-only: writes fail
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var waits []time.Duration
	checkpoint.SetWait(tr, func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil })
	var good *os.File
	fnErr := fmt.Errorf("fn failed")
	calls := 0
	err = tr.StepRetry(ctx, "s", 3, func(context.Context) (any, error) {
		calls++
		if good == nil {
			good = checkpoint.SwapLog(tr, ro) // the failed record cannot be written
		}
		return nil, fnErr
	})
	checkpoint.SwapLog(tr, good)
	if calls != 1 || len(waits) != 0 {
		t.Errorf("StepRetry made %d calls and waited %v, want 1 call and no wait", calls, waits)
	}
	if !errors.Is(err, fnErr) || errors.Code(err) != errors.CodeInternal {
		t.Errorf("StepRetry = %v, want fn's error joined with the internal append error", err)
	}
}

// probeResult is a step result whose MarshalJSON calls back into the
// tracker.
type probeResult struct{ tr *checkpoint.Tracker }

func (p probeResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(p.tr.IsCompleted("other"))
}

// The result is marshalled without the tracker's mutex, so a MarshalJSON
// that calls the tracker does not deadlock Step (nor Close after it).
func TestResultMarshalCallsTracker(t *testing.T) {
	tr, err := checkpoint.Open(t.TempDir(), "run")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tr.Step(ctx, "s", ok(probeResult{tr})) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Step = %v", err)
		}
	case <-time.After(5 * time.Second):
		// Deadlocked: Close would hang too, so leave the tracker.
		t.Fatal("Step did not return: deadlock while marshalling the result")
	}
	if got := tr.Result("s"); got != false {
		t.Errorf("Result = %v, want false", got)
	}
	if err := tr.Close(); err != nil {
		t.Error(err)
	}
}

// logSize returns the size of the run's log.
func logSize(t *testing.T, dir, runID string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, runID+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// An empty step name or a nil fn is refused with code validation before
// anything is written.
func TestStepInvalidArguments(t *testing.T) {
	fn := ok(nil)
	tests := []struct {
		name  string
		step  string
		fn    func(context.Context) (any, error)
		retry bool
	}{
		{"Step nil fn", "s", nil, false},
		{"StepRetry nil fn", "s", nil, true},
		{"Step empty name", "", fn, false},
		{"StepRetry empty name", "", fn, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tr := open(t, dir, "run")
			var err error
			if tt.retry {
				err = tr.StepRetry(ctx, tt.step, 2, tt.fn)
			} else {
				err = tr.Step(ctx, tt.step, tt.fn)
			}
			wantCode(t, err, errors.CodeValidation)
			if n := logSize(t, dir, "run"); n != 0 {
				t.Errorf("log has %d bytes, want 0", n)
			}
			// The name was not left reserved.
			if tt.step != "" {
				if err := tr.Step(ctx, tt.step, fn); err != nil {
					t.Errorf("Step after refused call: %v", err)
				}
			}
		})
	}
}

// A ctx that is done already gives ctx.Err() before anything is written
// or fn is called; a completed step still returns nil.
func TestStepContextDone(t *testing.T) {
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(ctx, time.Unix(0, 0))
	defer cancel2()
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"cancelled", cancelled}, {"expired", expired}} {
		for _, retry := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s retry=%v", c.name, retry), func(t *testing.T) {
				dir := t.TempDir()
				tr := open(t, dir, "run")
				called := false
				fn := func(context.Context) (any, error) { called = true; return nil, nil }
				step := func(name string) error {
					if retry {
						return tr.StepRetry(c.ctx, name, 3, fn)
					}
					return tr.Step(c.ctx, name, fn)
				}
				err := step("s")
				if !errors.Is(err, c.ctx.Err()) || called {
					t.Errorf("got %v, fn called %v; want %v, fn not called", err, called, c.ctx.Err())
				}
				if n := logSize(t, dir, "run"); n != 0 {
					t.Errorf("log has %d bytes, want 0", n)
				}
				if err := tr.Step(ctx, "done", ok(nil)); err != nil {
					t.Fatal(err)
				}
				if err := step("done"); err != nil {
					t.Errorf("completed step with a done ctx = %v, want nil", err)
				}
			})
		}
	}
}

// A Reset that cannot close the log keeps memory as it is, matching the
// records still on disk, and a later Reset succeeds.
func TestResetCloseFailureKeepsSteps(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, "run")
	if err := tr.Step(ctx, "old", ok(nil)); err != nil {
		t.Fatal(err)
	}
	closed, err := os.Open(filepath.Join(dir, "run.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close() // closing it again fails
	good := checkpoint.SwapLog(tr, closed)
	defer good.Close()

	wantCode(t, tr.Reset(), errors.CodeInternal)
	if diff := cmp.Diff([]string{"old"}, tr.CompletedSteps()); diff != "" {
		t.Errorf("after failed Reset, completed steps mismatch (-want +got):\n%s", diff)
	}
	if n := len(logLines(t, dir, "run")); n != 2 {
		t.Errorf("log has %d lines after failed Reset, want 2", n)
	}

	if err := tr.Reset(); err != nil {
		t.Fatalf("second Reset: %v", err)
	}
	if tr.IsCompleted("old") || logSize(t, dir, "run") != 0 {
		t.Errorf("after Reset: completed %v, log size %d", tr.CompletedSteps(), logSize(t, dir, "run"))
	}
	if err := tr.Step(ctx, "new", ok(nil)); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	fresh := open(t, dir, "run")
	if diff := cmp.Diff([]string{"new"}, fresh.CompletedSteps()); diff != "" {
		t.Errorf("fresh Open after Reset mismatch (-want +got):\n%s", diff)
	}
}
