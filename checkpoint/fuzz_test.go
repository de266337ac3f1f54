package checkpoint_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/checkpoint"
	"github.com/greynewell/mist-go/errors"
)

// FuzzReplay writes arbitrary bytes as a run's log and opens it. Open
// either succeeds or fails with code internal, and never panics. When it
// succeeds, appending one more step and reopening gives the same completed
// steps, in the same order, followed by the new one: a torn final line is
// cut, never glued to the new record.
func FuzzReplay(f *testing.F) {
	for _, seed := range []string{
		"",
		"\n\n",
		`{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:00Z","result":{"n":1}}` + "\n",
		`{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:00Z"}` + "\r\n" + `{"step":"a","status":"running","timestamp":"2026-01-01T00:00:00Z"}` + "\r\n",
		`{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:00Z"}` + "\n" + `{"step":"b","sta`,
		`{"step":"b","status":"failed","timestamp":"2026-01-01T00:00:00Z","error":"x","attempt":2}` + "\nnull\n{}\n",
		"garbage\n" + `{"step":"a","status":"completed","timestamp":"2026-01-01T00:00:00Z"}` + "\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "run.jsonl"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		tr, err := checkpoint.Open(dir, "run")
		if err != nil {
			if errors.Code(err) != errors.CodeInternal {
				t.Fatalf("Open(%q) = %v, want code internal", data, err)
			}
			return
		}
		before := tr.CompletedSteps()
		name := "new"
		for slices.Contains(before, name) {
			name += "+"
		}
		err = tr.Step(context.Background(), name, func(context.Context) (any, error) { return []int{1}, nil })
		if cerr := tr.Close(); err != nil || cerr != nil {
			t.Fatalf("Step after Open(%q) = %v, Close = %v", data, err, cerr)
		}
		tr, err = checkpoint.Open(dir, "run")
		if err != nil {
			t.Fatalf("reopen after appending to %q: %v", data, err)
		}
		defer tr.Close()
		if diff := cmp.Diff(append(before, name), tr.CompletedSteps()); diff != "" {
			t.Fatalf("completed steps of %q after append and reopen mismatch (-want +got):\n%s", data, diff)
		}
	})
}
