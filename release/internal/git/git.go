// Package git runs the git command for the release tool.
//
// Every call goes through a [Runner], which names the git executable, the
// working directory and the environment; nothing reads the process
// environment behind the caller's back. A Runner whose Path is empty stands
// for a machine without git: every call returns a coded "unavailable" error
// that says to install git.
//
// # Concurrency
//
// A Runner is a value with no mutable state; it is safe for concurrent use
// as long as its fields are not changed.
package git

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/greynewell/mist-go/errors"
)

// Runner runs git in one directory. The zero Runner has no git: every call
// fails with code unavailable.
type Runner struct {
	Path string   // the git executable; empty when git is not installed
	Dir  string   // the directory git runs in
	Env  []string // the full environment of the git process
}

// ErrNoGit is the error every call returns when the Runner has no git.
var ErrNoGit = errors.New(errors.CodeUnavailable, "git not found on PATH: install git (https://git-scm.com) and run the command again")

// In returns a copy of r that runs in dir.
func (r Runner) In(dir string) Runner {
	r.Dir = dir
	return r
}

// Run runs git with args and returns its standard output. A failure is an
// error with code internal whose message holds the command and git's
// standard error.
func (r Runner) Run(ctx context.Context, args ...string) (string, error) {
	out, err := r.run(ctx, args...)
	return string(out), err
}

// Bytes is Run returning the raw output.
func (r Runner) Bytes(ctx context.Context, args ...string) ([]byte, error) {
	return r.run(ctx, args...)
}

func (r Runner) run(ctx context.Context, args ...string) ([]byte, error) {
	if r.Path == "" {
		return nil, ErrNoGit
	}
	cmd := exec.CommandContext(ctx, r.Path, append([]string{"-c", "core.quotepath=off"}, args...)...)
	cmd.Dir = r.Dir
	cmd.Env = r.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), errors.Wrapf(errors.CodeInternal, err, "git %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.Bytes(), nil
}

// Toplevel returns the root directory of the work tree r runs in. Outside
// a repository the error has code validation.
func (r Runner) Toplevel(ctx context.Context) (string, error) {
	out, err := r.Run(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		if r.Path == "" {
			return "", err
		}
		return "", errors.Wrapf(errors.CodeValidation, err, "%s is not inside a git repository: run the release tool from a clone", r.Dir)
	}
	return strings.TrimSpace(out), nil
}

// Head returns the commit HEAD names. A repository without commits gives
// an error with code validation.
func (r Runner) Head(ctx context.Context) (string, error) {
	out, err := r.Run(ctx, "rev-parse", "--verify", "-q", "HEAD^{commit}")
	if err != nil {
		if r.Path == "" {
			return "", err
		}
		return "", errors.Wrap(errors.CodeValidation, err, "the repository has no commit yet: commit the workspace first")
	}
	return strings.TrimSpace(out), nil
}

// Resolve returns the commit that rev names.
func (r Runner) Resolve(ctx context.Context, rev string) (string, error) {
	out, err := r.Run(ctx, "rev-parse", "--verify", "-q", rev+"^{commit}")
	if err != nil {
		if r.Path == "" {
			return "", err
		}
		return "", errors.Wrapf(errors.CodeValidation, err, "%q does not name a commit", rev)
	}
	return strings.TrimSpace(out), nil
}

// Branch returns the short name of the branch HEAD is on, or "" when HEAD
// is detached.
func (r Runner) Branch(ctx context.Context) (string, error) {
	if r.Path == "" {
		return "", ErrNoGit
	}
	out, err := r.Run(ctx, "symbolic-ref", "-q", "--short", "HEAD")
	if err != nil {
		// symbolic-ref -q exits 1 without a message when HEAD is detached.
		if _, herr := r.Head(ctx); herr != nil {
			return "", herr
		}
		return "", nil
	}
	return strings.TrimSpace(out), nil
}

// Status returns the lines of git status --porcelain, untracked files
// included: empty for a clean tree.
func (r Runner) Status(ctx context.Context) ([]string, error) {
	out, err := r.Run(ctx, "status", "--porcelain", "--untracked-files=all")
	if err != nil {
		return nil, err
	}
	return lines(out), nil
}

// Tag is one tag of the repository.
type Tag struct {
	Name   string // e.g. "retry/v0.3.1"
	Object string // the object the tag ref names (the tag object of an annotated tag)
	Commit string // the commit the tag points to, peeled
	Time   time.Time
}

// Tags returns every tag of the repository that points at a commit
// (directly, or through an annotated tag), sorted by name.
func (r Runner) Tags(ctx context.Context) ([]Tag, error) {
	out, err := r.Run(ctx, "for-each-ref", "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(*objecttype)%00%(objecttype)%00%(creatordate:unix)%00%(*committerdate:unix)%00%(committerdate:unix)", "refs/tags")
	if err != nil {
		return nil, err
	}
	var tags []Tag
	for _, line := range lines(out) {
		f := strings.Split(line, "\x00")
		if len(f) != 8 {
			continue
		}
		t := Tag{Name: f[0], Object: f[1], Commit: f[1]}
		unix := f[7]
		if f[4] == "tag" {
			if f[3] != "commit" {
				continue
			}
			t.Commit = f[2]
			unix = f[6]
		} else if f[4] != "commit" {
			continue
		}
		var sec int64
		fmt.Sscan(unix, &sec)
		t.Time = time.Unix(sec, 0).UTC()
		tags = append(tags, t)
	}
	return tags, nil
}

// ChangedFiles returns the paths (slash-separated, relative to the top of
// the repository) that differ between base and the working tree, plus the
// untracked files that are not ignored. With base == "" it returns every
// tracked and untracked file. r must run at the top of the work tree.
func (r Runner) ChangedFiles(ctx context.Context, base string) ([]string, error) {
	if base == "" {
		return r.Files(ctx, "")
	}
	out, err := r.Run(ctx, "diff", "--name-only", "--no-renames", "-z", base, "--")
	if err != nil {
		return nil, err
	}
	other, err := r.Run(ctx, "ls-files", "-z", "--others", "--exclude-standard")
	if err != nil {
		return nil, err
	}
	return append(splitZ(out), splitZ(other)...), nil
}

// Files returns the files of the working tree under dir (slash-separated,
// relative to the top): tracked (even when deleted since) or untracked but
// not ignored. dir "" means the whole tree.
func (r Runner) Files(ctx context.Context, dir string) ([]string, error) {
	args := []string{"ls-files", "-z", "--cached", "--others", "--exclude-standard"}
	if dir != "" {
		args = append(args, "--", dir)
	}
	out, err := r.Run(ctx, args...)
	if err != nil {
		return nil, err
	}
	return splitZ(out), nil
}

// Commit is one commit of the history with the files it touched.
type Commit struct {
	Hash    string
	Message string
	Files   []string
}

// Log returns the non-merge commits reachable from head but not from base
// (every commit reachable from head when base is ""), newest first, each
// with the files it changed.
func (r Runner) Log(ctx context.Context, base, head string) ([]Commit, error) {
	rng := head
	if base != "" {
		rng = base + ".." + head
	}
	out, err := r.Run(ctx, "log", "--no-merges", "--no-renames", "--format=%x1e%H%x1f%B%x1f", "--name-only", rng, "--")
	if err != nil {
		return nil, err
	}
	var commits []Commit
	for _, rec := range strings.Split(out, "\x1e") {
		f := strings.SplitN(rec, "\x1f", 3)
		if len(f) != 3 {
			continue
		}
		c := Commit{Hash: strings.TrimSpace(f[0]), Message: strings.TrimSpace(f[1])}
		for _, name := range lines(f[2]) {
			if name = strings.TrimSpace(name); name != "" {
				c.Files = append(c.Files, name)
			}
		}
		commits = append(commits, c)
	}
	return commits, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitZ(s string) []string {
	var out []string
	for _, f := range strings.Split(s, "\x00") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
