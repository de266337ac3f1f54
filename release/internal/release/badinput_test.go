package release_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/fixture"
	"github.com/greynewell/mist-go/release/internal/release"
)

// TestBadInput gives every bad input of the issue (and a few more) to the
// command that meets it: each must fail with a coded error that says what
// to do, and leave the repository as it was.
func TestBadInput(t *testing.T) {
	t.Parallel()
	type run func(cfg *release.Config) error
	plan := func(cfg *release.Config) error {
		_, err := release.MakePlan(ctx, cfg, release.PlanOptions{})
		return err
	}
	apply := func(cfg *release.Config) error {
		_, err := release.Apply(ctx, cfg, release.ApplyOptions{Yes: true})
		return err
	}
	push := func(cfg *release.Config) error {
		_, err := release.Push(ctx, cfg, "origin")
		return err
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, r *fixture.Repo, cfg *release.Config)
		run   run
		code  string
		want  []string
	}{
		{
			name:  "dirty working tree",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) { r.Write("a/scratch.txt", "x") },
			run:   apply, code: errors.CodeConflict,
			want: []string{"uncommitted changes", "?? a/scratch.txt", "git stash -u"},
		},
		{
			name:  "modified tracked file",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) { r.Write("a/a.go", r.Read("a/a.go")+"\n") },
			run:   apply, code: errors.CodeConflict,
			want: []string{"uncommitted changes", "a/a.go"},
		},
		{
			name:  "detached HEAD",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) { r.Run("git", "checkout", "-q", "--detach") },
			run:   apply, code: errors.CodeConflict,
			want: []string{"HEAD is detached", "git switch main"},
		},
		{
			name:  "detached HEAD on push",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) { r.Run("git", "checkout", "-q", "--detach") },
			run:   push, code: errors.CodeConflict,
			want: []string{"HEAD is detached"},
		},
		{
			name: "tag exists on the remote at another commit",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				remote := filepath.Join(t.TempDir(), "remote.git")
				r.Run("git", "init", "-q", "--bare", remote)
				r.Run("git", "remote", "add", "origin", remote)
				r.Write("a/README.md", "a\n")
				r.Commit("docs(a): readme")
				r.Run("git", "tag", "-a", "-m", "a v0.1.0", "a/v0.1.0")
				r.Run("git", "push", "-q", "origin", "HEAD~1:refs/tags/a/v0.1.0")
			},
			run: push, code: errors.CodeConflict,
			want: []string{"refusing to push", "a/v0.1.0 is at", "git push origin :refs/tags/<tag>"},
		},
		{
			name: "push without a release commit",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Run("git", "remote", "add", "origin", t.TempDir())
			},
			run: push, code: errors.CodeValidation,
			want: []string{"no module tag points at HEAD", "run release apply first"},
		},
		{
			name:  "push to a missing remote",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {},
			run:   push, code: errors.CodeNotFound,
			want: []string{`no remote "origin"`, "git remote add origin URL"},
		},
		{
			name: "go.mod not in go.work",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Write("z/go.mod", "module example.com/mono/z\n\ngo 1.26.0\n")
				r.Commit("feat(z): new module")
			},
			run: plan, code: errors.CodeValidation,
			want: []string{"go.work and the go.mod files disagree", "z/go.mod is not in go.work", "go work use ./z"},
		},
		{
			name: "go.work uses a directory without go.mod",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Remove("c/go.mod")
				r.Commit("chore: lose c/go.mod")
			},
			run: apply, code: errors.CodeValidation,
			want: []string{"go.work uses ./c, which has no go.mod", "go work edit -dropuse=./c"},
		},
		{
			name: "import cycle",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Write("a/cycle_test.go", "package a_test\n\nimport _ \"example.com/mono/d\"\n")
				r.Commit("test(a): import d")
			},
			run: plan, code: errors.CodeValidation,
			want: []string{"modules form an import cycle", "a -> d -> a"},
		},
		{
			name: "malformed change file",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Write(".changes/bad.md", "---\na: huge\n---\nx\n")
				r.Commit("docs: bad change file")
			},
			run: apply, code: errors.CodeValidation,
			want: []string{".changes/bad.md:2", "must be major, minor or patch", ".changes/README.md"},
		},
		{
			name: "change file for an unknown module",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Write(".changes/x.md", "---\nnope: patch\n---\nx\n")
				r.Commit("docs: change file")
			},
			run: plan, code: errors.CodeValidation,
			want: []string{".changes/x.md names nope, which is not a module of the workspace"},
		},
		{
			name: "change file for an unreleased module",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Write(".changes/x.md", "---\ntools: patch\n---\nx\n")
				r.Commit("docs: change file")
			},
			run: plan, code: errors.CodeValidation,
			want: []string{"names tools, which is never released"},
		},
		{
			name: "workspace policy problem",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Remove("b/CHANGELOG.md")
				r.Commit("docs(b): lose the changelog")
			},
			run: apply, code: errors.CodeValidation,
			want: []string{"release check finds 1 problem(s)", "b: CHANGELOG.md is missing [changelog]"},
		},
		{
			name:  "missing git",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) { cfg.Git = "" },
			run:   apply, code: errors.CodeUnavailable,
			want: []string{"git not found on PATH", "install git"},
		},
		{
			name:  "missing git on plan",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) { cfg.Git = "" },
			run:   plan, code: errors.CodeUnavailable,
			want: []string{"install git"},
		},
		{
			name:  "missing go",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) { cfg.Go = "" },
			run:   apply, code: errors.CodeUnavailable,
			want: []string{"go not found on PATH", "install Go"},
		},
		{
			name: "module path that does not end in its directory",
			setup: func(t *testing.T, r *fixture.Repo, _ *release.Config) {
				r.Write("c/go.mod", strings.Replace(r.Read("c/go.mod"), "module example.com/mono/c", "module example.com/mono/cc", 1))
				r.Commit("chore: rename c")
			},
			run: plan, code: errors.CodeValidation,
			want: []string{"c/go.mod declares module example.com/mono/cc, which does not end in /c"},
		},
		{
			name: "no go.work",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) {
				cfg.Dir = t.TempDir()
			},
			run: plan, code: errors.CodeValidation,
			want: []string{"no go.work in", "run the release tool inside a workspace"},
		},
		{
			name: "not a git repository",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) {
				dir := t.TempDir()
				os.WriteFile(filepath.Join(dir, "go.work"), []byte("go 1.26.0\n"), 0o644)
				cfg.Dir = dir
			},
			run: plan, code: errors.CodeValidation,
			want: []string{"is not inside a git repository"},
		},
		{
			name: "apply without confirmation",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) {
				cfg.Stdin = nil
			},
			run: func(cfg *release.Config) error {
				_, err := release.Apply(ctx, cfg, release.ApplyOptions{})
				return err
			},
			code: errors.CodeValidation,
			want: []string{"pass --yes"},
		},
		{
			name: "apply answered no",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) {
				cfg.Stdin = strings.NewReader("n\n")
			},
			run: func(cfg *release.Config) error {
				_, err := release.Apply(ctx, cfg, release.ApplyOptions{})
				return err
			},
			code: errors.CodeCancelled,
			want: []string{"release cancelled; nothing was changed"},
		},
		{
			name: "stale plan file",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) {
				name := filepath.Join(t.TempDir(), "plan.json")
				os.WriteFile(name, []byte(`{"head":"0123456789abcdef","modules":[]}`), 0o644)
				cfg.Env = append(cfg.Env, "PLAN_FILE="+name)
			},
			run: func(cfg *release.Config) error {
				var name string
				for _, kv := range cfg.Env {
					if v, ok := strings.CutPrefix(kv, "PLAN_FILE="); ok {
						name = v
					}
				}
				_, err := release.Apply(ctx, cfg, release.ApplyOptions{Yes: true, PlanFile: name})
				return err
			},
			code: errors.CodeConflict,
			want: []string{"was made at 0123456789ab", "make the plan again"},
		},
		{
			name:  "publish without a directory",
			setup: func(t *testing.T, r *fixture.Repo, cfg *release.Config) {},
			run: func(cfg *release.Config) error {
				_, err := release.Publish(ctx, cfg, "")
				return err
			},
			code: errors.CodeValidation,
			want: []string{"publish needs --dir DIR"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := fixture.New(t)
			var out bytes.Buffer
			cfg := config(r, &out)
			tt.setup(t, r, cfg)
			before := r.Snapshot()
			err := tt.run(cfg)
			if err == nil {
				t.Fatalf("succeeded; output:\n%s", out.String())
			}
			if got := errors.Code(err); got != tt.code {
				t.Errorf("code = %q, want %q (%v)", got, tt.code, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if after := r.Snapshot(); after != before {
				t.Errorf("the repository changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}
