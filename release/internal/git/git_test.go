package git_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/fixture"
	"github.com/greynewell/mist-go/release/internal/git"
)

var ctx = context.Background()

func TestRunner(t *testing.T) {
	r := fixture.Empty(t)
	g := git.Runner{Path: r.Git, Dir: r.Dir, Env: r.Env}
	if _, err := g.Head(ctx); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Head of an empty repository: %v, want a validation error", err)
	}
	r.Write("a/x.txt", "1")
	r.Write("b/y.txt", "1")
	r.Commit("feat(a): first")
	first := r.Run("git", "rev-parse", "HEAD")
	r.Run("git", "tag", "a/v0.1.0")
	r.Run("git", "tag", "-a", "-m", "annotated", "b/v0.1.0")
	r.Write("a/x.txt", "2")
	r.Commit("fix(a): second\n\nbody line")
	r.Write("b/new.txt", "untracked")

	tags, err := g.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range tags {
		got = append(got, tg.Name+" "+tg.Commit)
		if tg.Time.IsZero() {
			t.Errorf("tag %s has no time", tg.Name)
		}
	}
	if diff := cmp.Diff([]string{"a/v0.1.0 " + first, "b/v0.1.0 " + first}, got); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if tags[1].Object == tags[1].Commit {
		t.Error("an annotated tag's object is its commit")
	}
	files, err := g.ChangedFiles(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/x.txt", "b/new.txt"}, files); diff != "" {
		t.Errorf("changed files (-want +got):\n%s", diff)
	}
	log, err := g.Log(ctx, first, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Message != "fix(a): second\n\nbody line" || !cmp.Equal(log[0].Files, []string{"a/x.txt"}) {
		t.Errorf("log = %+v", log)
	}
	all, err := g.Log(ctx, "", "HEAD")
	if err != nil || len(all) != 2 {
		t.Errorf("whole log: %d commits, %v", len(all), err)
	}
	if b, err := g.Branch(ctx); err != nil || b != "main" {
		t.Errorf("Branch = %q, %v", b, err)
	}
	r.Run("git", "checkout", "-q", "--detach")
	if b, err := g.Branch(ctx); err != nil || b != "" {
		t.Errorf("Branch when detached = %q, %v", b, err)
	}
	st, err := g.Status(ctx)
	if err != nil || len(st) != 1 || !strings.Contains(st[0], "b/new.txt") {
		t.Errorf("Status = %q, %v", st, err)
	}
	if _, err := g.Resolve(ctx, "nope"); errors.Code(err) != errors.CodeValidation {
		t.Errorf("Resolve(nope) = %v", err)
	}
	if _, err := g.Run(ctx, "no-such-command"); errors.Code(err) != errors.CodeInternal || !strings.Contains(err.Error(), "no-such-command") {
		t.Errorf("a failing git command: %v", err)
	}
}

func TestNoGit(t *testing.T) {
	var g git.Runner
	for name, call := range map[string]func() error{
		"Run":    func() error { _, err := g.Run(ctx, "status"); return err },
		"Head":   func() error { _, err := g.Head(ctx); return err },
		"Branch": func() error { _, err := g.Branch(ctx); return err },
		"Tags":   func() error { _, err := g.Tags(ctx); return err },
	} {
		if err := call(); !errors.Is(err, git.ErrNoGit) || errors.Code(err) != errors.CodeUnavailable {
			t.Errorf("%s without git: %v", name, err)
		}
	}
}
