package release_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/release/internal/fixture"
	"github.com/greynewell/mist-go/release/internal/release"
)

var ctx = context.Background()

func clock() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }

// config returns a Config over the fixture repository r; everything the
// tool prints goes to out.
func config(r *fixture.Repo, out *bytes.Buffer) *release.Config {
	return &release.Config{
		Dir: r.Dir, Env: r.Env, Git: r.Git, Go: r.Go,
		Rules: fixture.Rules(), Now: clock, Stdout: out, Stderr: out,
	}
}

// shared is the first release of the fixture, made once and cloned by the
// tests that start from a released workspace.
var shared struct {
	once   sync.Once
	dir    string
	repo   *fixture.Repo
	plan   *release.Plan
	result *release.ApplyResult
	before fixture.Snapshot
	output string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "release-test-*")
	if err != nil {
		panic(err)
	}
	shared.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// released returns the fixture after its first release (every module at
// v0.1.0), building it on first use.
func released(t *testing.T) *fixture.Repo {
	t.Helper()
	shared.once.Do(func() {
		r := fixture.NewIn(t, shared.dir)
		var out bytes.Buffer
		cfg := config(r, &out)
		p, err := release.MakePlan(ctx, cfg, release.PlanOptions{})
		if err != nil {
			t.Fatalf("plan of the fixture: %v", err)
		}
		shared.before = r.Snapshot()
		res, err := release.Apply(ctx, cfg, release.ApplyOptions{Yes: true})
		if err != nil {
			t.Fatalf("first release of the fixture: %v\n%s", err, out.String())
		}
		shared.repo, shared.plan, shared.result, shared.output = r, p, res, out.String()
	})
	if shared.repo == nil {
		t.Fatal("the first release of the fixture failed in an earlier test")
	}
	return shared.repo
}

func TestFirstRelease(t *testing.T) {
	r := released(t)
	want := []string{"a/v0.1.0", "b/v0.1.0", "c/v0.1.0", "d/v0.1.0", "e/v0.1.0"}
	if diff := cmp.Diff(want, shared.result.Tags); diff != "" {
		t.Errorf("tags created (-want +got):\n%s", diff)
	}
	after := r.Snapshot()
	if after.Head == shared.before.Head || after.Head != shared.result.Commit {
		t.Errorf("HEAD = %s, want the release commit %s (was %s)", after.Head, shared.result.Commit, shared.before.Head)
	}
	if after.Status != "" {
		t.Errorf("working tree not clean after apply:\n%s", after.Status)
	}
	if after.Worktrees != shared.before.Worktrees {
		t.Errorf("worktrees after apply:\n%s\nwant\n%s", after.Worktrees, shared.before.Worktrees)
	}
	for _, tag := range want {
		if got := r.Run("git", "rev-parse", tag+"^{commit}"); got != after.Head {
			t.Errorf("%s points at %s, want HEAD %s", tag, got, after.Head)
		}
		if typ := r.Run("git", "cat-file", "-t", tag); typ != "tag" {
			t.Errorf("%s is a %s, want an annotated tag", tag, typ)
		}
	}
	if tags := r.Run("git", "tag", "--list", "tools/*"); tags != "" {
		t.Errorf("the unreleased module was tagged: %s", tags)
	}
	// Requires raised with modfile edits; indirect markers kept.
	for file, lines := range map[string][]string{
		"b/go.mod":       {"example.com/mono/a v0.1.0\n"},
		"d/go.mod":       {"example.com/mono/a v0.1.0 // indirect", "example.com/mono/b v0.1.0\n", "example.com/mono/c v0.1.0\n"},
		"tools/go.mod":   {"example.com/mono/e v0.1.0\n"},
		"b/go.sum":       {"example.com/mono/a v0.1.0 h1:", "example.com/mono/a v0.1.0/go.mod h1:"},
		"go.work":        {"example.com/mono/a v0.1.0 => ./a", "example.com/mono/e v0.1.0 => ./e", "// Required sibling versions come from the working tree."},
		"a/CHANGELOG.md": {"## Unreleased\n\n## v0.1.0 - 2026-11-27\n\n### Added\n\n- `Value`, the first version of a.\n"},
		"b/CHANGELOG.md": {"## v0.1.0 - 2026-11-27\n\n### Added\n\n- `Value`, the first version of b.\n\n### Dependencies\n\n- dependency: a v0.1.0\n"},
		"CHANGELOG.md":   {"## 2026-11-27\n\n- a@v0.1.0: `Value`, the first version of a.\n- b@v0.1.0:", "- e@v0.1.0: "},
	} {
		got := r.Read(file)
		for _, l := range lines {
			if !strings.Contains(got, l) {
				t.Errorf("%s lacks %q:\n%s", file, l, got)
			}
		}
	}
	for _, file := range []string{"go.work", "b/go.mod", "tools/go.mod"} {
		if got := r.Read(file); strings.Contains(got, "v0.0.0") {
			t.Errorf("%s still names v0.0.0:\n%s", file, got)
		}
	}
	if got := r.Read("CHANGELOG.md"); strings.Contains(got, "No release yet.") {
		t.Errorf("root CHANGELOG.md still says no release:\n%s", got)
	}
	if msg := r.Run("git", "log", "-1", "--format=%B"); !strings.HasPrefix(msg, "chore(release): 5 module(s)") {
		t.Errorf("release commit message = %q", msg)
	}
	// The released workspace is consistent: the policy and release rules
	// hold, and nothing is left to release.
	var out bytes.Buffer
	problems, err := release.Check(ctx, config(r, &out))
	if err != nil || len(problems) > 0 {
		t.Errorf("check after the release: %v %v", problems, err)
	}
	p, err := release.MakePlan(ctx, config(r, &out), release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tags) != 0 {
		t.Errorf("plan right after a release wants tags %v", p.Tags)
	}
}
