package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/fixture"
	"github.com/greynewell/mist-go/release/internal/policy"
	"github.com/greynewell/mist-go/release/internal/release"
	"github.com/greynewell/mist-go/release/internal/repotest"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

func testConfig(r *fixture.Repo, stdout, stderr *bytes.Buffer) *release.Config {
	return &release.Config{
		Dir: r.Dir, Env: r.Env, Git: r.Git, Go: r.Go, Rules: fixture.Rules(),
		Now:    func() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) },
		Stdin:  strings.NewReader(""),
		Stdout: stdout, Stderr: stderr,
	}
}

func TestCommands(t *testing.T) {
	r := fixture.New(t)
	tests := []struct {
		args   []string
		change func(cfg *release.Config)
		code   int
		stdout []string
		stderr []string
	}{
		{args: []string{"plan"}, stdout: []string{"#  MODULE  KIND", "5  e       library     -     minor  v0.1.0", "Tags to create, in order:"}},
		{args: []string{"plan", "--json"}, stdout: []string{`"modules":[{"order":1,"dir":"a","path":"example.com/mono/a","kind":"library"`, `"tags":["a/v0.1.0","b/v0.1.0"`}},
		{args: []string{"check"}, stdout: []string{"release check: ok"}},
		{args: []string{"graph"}, stdout: []string{"#  MODULE  LEVEL  KIND        REQUIRES   REQUIRED BY", "4  d       2      library     a,b,c      e,tools"}},
		{args: []string{"graph", "--dot"}, stdout: []string{`"e" -> "d";`}},
		{args: []string{"graph", "--json"}, stdout: []string{`[{"order":1,"module":"a","level":0`}},
		{args: []string{"status"}, stdout: []string{"MODULE  KIND        LAST  CHANGELOG  UNRELEASED", "a       library     -     -          never released"}},
		{args: []string{"status", "--json"}, stdout: []string{`{"module":"a","kind":"library","last":"-"`}},
		{args: []string{"version"}, stdout: []string{"release devel"}},
		{args: []string{"help"}, stderr: []string{"Usage: release <command> [flags]", "apply", "verify"}},
		{args: []string{"nope"}, code: 2, stderr: []string{"release: validation: unknown command: nope"}},
		{args: []string{"plan", "extra"}, code: 2, stderr: []string{"plan takes no arguments"}},
		{args: []string{"plan", "--bogus"}, code: 2, stderr: []string{"flag provided but not defined: -bogus"}},
		{args: []string{"plan"}, change: func(cfg *release.Config) { cfg.Git = "" }, code: 6, stderr: []string{"release: unavailable: git not found on PATH"}},
		{args: []string{"apply"}, code: 130, stdout: []string{"Release 5 module(s)? [y/N]"}, stderr: []string{"release cancelled; nothing was changed"}},
		{args: []string{"publish"}, code: 2, stderr: []string{"publish needs --dir DIR"}},
		{args: []string{"publish", "--dir", t.TempDir()}, stdout: []string{"No released version yet"}},
		{args: []string{"push"}, code: 3, stderr: []string{`no remote "origin"`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cfg := testConfig(r, &stdout, &stderr)
			if tt.change != nil {
				tt.change(cfg)
			}
			if code := run(context.Background(), cfg, tt.args); code != tt.code {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
	if st := r.Run("git", "status", "--porcelain"); st != "" {
		t.Errorf("the commands changed the working tree:\n%s", st)
	}
}

func TestExitCodes(t *testing.T) {
	// The exit status is the errors package's exit code of the error's code.
	for code, want := range map[string]int{
		errors.CodeValidation:  2,
		errors.CodeNotFound:    3,
		errors.CodeUnavailable: 6,
		errors.CodeConflict:    10,
		errors.CodeCancelled:   130,
		errors.CodeInternal:    1,
	} {
		if got := errors.ExitCode(code); got != want {
			t.Errorf("ExitCode(%q) = %d, want %d", code, got, want)
		}
	}
}

// TestPlanThisRepository runs `release plan --json` on a fresh clone of
// this repository: every module of go.work appears, in a valid order, every
// released module gets a version above its last release (v0.1.0 for a first
// release), and every require of a released sibling is raised to the
// version the release creates.
func TestPlanThisRepository(t *testing.T) {
	root := repotest.Root(t)
	gitPath, goPath := fixture.Tools(t)
	base := t.TempDir()
	clone := filepath.Join(base, "clone")
	env := fixture.Env(base)
	cmd := exec.Command(gitPath, "clone", "-q", "--no-hardlinks", root, clone)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	cfg := &release.Config{Dir: clone, Env: env, Git: gitPath, Go: goPath, Rules: policy.Mist(), Stdout: &stdout, Stderr: &stderr}
	if code := run(context.Background(), cfg, []string{"plan", "--json"}); code != 0 {
		t.Fatalf("release plan --json on a fresh clone: exit %d\n%s", code, stderr.String())
	}
	var p release.Plan
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(clone, "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, u := range wf.Use {
		want = append(want, strings.TrimPrefix(filepath.ToSlash(u.Path), "./"))
	}
	pos := map[string]int{}
	next := map[string]string{}
	for i, m := range p.Modules {
		got = append(got, m.Dir)
		pos[m.Dir] = i
		next[m.Dir] = m.Next
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Fatalf("plan modules %v, want the go.work modules %v", got, want)
	}
	if p.Prefix != "github.com/greynewell/mist-go" {
		t.Errorf("prefix = %q", p.Prefix)
	}
	for _, m := range p.Modules {
		for _, d := range m.Requires {
			if pos[d] >= pos[m.Dir] {
				t.Errorf("%s comes before %s, which it requires", m.Dir, d)
			}
		}
		switch {
		case m.Kind == release.KindUnreleased:
			if m.Next != "" {
				t.Errorf("%s is never released, but the plan gives it %s", m.Dir, m.Next)
			}
		case m.Last == "":
			if m.Next != "v0.1.0" && m.Next != "v1.0.0" {
				t.Errorf("%s: first release %q, want v0.1.0 (or v1.0.0 declared)", m.Dir, m.Next)
			}
		case m.Next != "" && semver.Compare(m.Next, m.Last) <= 0:
			t.Errorf("%s: next %s is not above last %s", m.Dir, m.Next, m.Last)
		}
		for _, r := range m.Raise {
			if r.To != next[r.Dir] {
				t.Errorf("%s: require of %s raised to %s, but the release creates %s", m.Dir, r.Dir, r.To, next[r.Dir])
			}
		}
		if m.Kind != release.KindUnreleased && len(m.Raise) > 0 && m.Next == "" {
			t.Errorf("%s has raised requires but no release", m.Dir)
		}
	}
	// The table form names every module too.
	stdout.Reset()
	if code := run(context.Background(), cfg, []string{"plan"}); code != 0 {
		t.Fatalf("release plan: exit %d\n%s", code, stderr.String())
	}
	for _, d := range want {
		if !strings.Contains(stdout.String(), " "+d+" ") {
			t.Errorf("plan table lacks %s:\n%s", d, stdout.String())
		}
	}
}
