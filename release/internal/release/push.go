package release

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/greynewell/mist-go/errors"
)

// PushResult is what [Push] pushed.
type PushResult struct {
	Remote string
	Branch string
	Commit string
	Tags   []string // tags pushed; tags already on the remote at the same commit are left out
}

// Push pushes the release commit (HEAD, on its branch) and every module tag
// that points at it to the remote in one `git push --atomic`, so the
// remote gets all of them or none. It refuses, before pushing anything,
// when HEAD is detached, when no module tag points at HEAD, or when one of
// the tags already exists on the remote at another commit.
func Push(ctx context.Context, cfg *Config, remote string) (*PushResult, error) {
	if remote == "" {
		remote = "origin"
	}
	r, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	branch, err := r.git.Branch(ctx)
	if err != nil {
		return nil, err
	}
	if branch == "" {
		return nil, errors.New(errors.CodeConflict, "HEAD is detached: check out the released branch (git switch main) and run release push again")
	}
	if _, err := r.git.Run(ctx, "remote", "get-url", remote); err != nil {
		return nil, errors.Wrapf(errors.CodeNotFound, err, "no remote %q: add it (git remote add %s URL) or pass --remote NAME", remote, remote)
	}
	var tags []string
	for name, t := range r.tags {
		if _, _, ok := r.splitTag(name); ok && t.Commit == r.head {
			tags = append(tags, name)
		}
	}
	if len(tags) == 0 {
		return nil, errors.Newf(errors.CodeValidation, "no module tag points at HEAD (%s): run release apply first; push sends a release commit and its tags", short(r.head))
	}
	slices.Sort(tags)
	out, err := r.git.Run(ctx, "ls-remote", "--tags", remote)
	if err != nil {
		return nil, errors.Wrapf(errors.CodeUnavailable, err, "list the tags of %s", remote)
	}
	remoteCommit := map[string]string{} // tag -> peeled commit on the remote
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		name := strings.TrimPrefix(f[1], "refs/tags/")
		if base, ok := strings.CutSuffix(name, "^{}"); ok {
			remoteCommit[base] = f[0] // the peeled commit wins over the tag object
			continue
		}
		if _, seen := remoteCommit[name]; !seen {
			remoteCommit[name] = f[0]
		}
	}
	var push []string
	var conflicts []string
	for _, name := range tags {
		have, ok := remoteCommit[name]
		switch {
		case !ok:
			push = append(push, name)
		case have != r.head:
			conflicts = append(conflicts, fmt.Sprintf("%s is at %s on %s, not at the release commit %s", name, short(have), remote, short(r.head)))
		}
	}
	if len(conflicts) > 0 {
		return nil, errors.Newf(errors.CodeConflict, "refusing to push: %s: a published version never moves; if the remote tag is wrong delete it there (git push %s :refs/tags/<tag>), otherwise release a new version", strings.Join(conflicts, "; "), remote)
	}
	args := []string{"push", "--atomic", "--porcelain", remote, "refs/heads/" + branch + ":refs/heads/" + branch}
	for _, t := range push {
		args = append(args, "refs/tags/"+t+":refs/tags/"+t)
	}
	if _, err := r.git.Run(ctx, args...); err != nil {
		return nil, errors.Wrapf(errors.CodeConflict, err, "git push --atomic to %s failed; nothing was pushed (pull, run release plan again)", remote)
	}
	return &PushResult{Remote: remote, Branch: branch, Commit: r.head, Tags: push}, nil
}
