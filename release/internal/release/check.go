package release

import (
	"context"
	"fmt"
	"strings"

	"github.com/greynewell/mist-go/release/internal/policy"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Check runs the CI gate: the workspace policy ([policy.CheckWorkspace]:
// layout, replace, root module, doc.go and package comments, CHANGELOG.md,
// examples, go directive, go.work membership and replace block, one
// version of each third-party module, module edges, import cycles) and the
// release rules:
// declared bumps not lower than the API diff needs, every require of a
// sibling naming a released version or one this release creates, tag
// names that follow Go's rules, and no refused release. It returns the
// problems found, sorted; the error is for a repository that cannot be
// read at all.
func Check(ctx context.Context, cfg *Config) ([]policy.Problem, error) {
	r, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p, err := r.plan(ctx, PlanOptions{})
	if err != nil {
		return nil, err
	}
	return r.check(p)
}

// check returns the problems of the repository and its plan p.
func (r *repo) check(p *Plan) ([]policy.Problem, error) {
	problems, err := policy.CheckWorkspace(r.ws, r.cfg.Rules)
	if err != nil {
		return nil, err
	}
	add := func(mod, rule, format string, args ...any) {
		problems = append(problems, policy.Problem{Module: mod, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	refused := map[string]bool{}
	for _, rf := range p.refused {
		refused[rf.msg] = true
		add(rf.dir, "release", "%s", rf.msg)
	}
	for _, mp := range p.Modules {
		for _, msg := range mp.Problems {
			if !refused[msg] {
				add(mp.Dir, "bump", "%s: raise the bump in the change file (or use a feat/! commit)", msg)
			}
		}
	}
	for _, m := range r.mods {
		for _, req := range m.File.Require {
			if !r.ours(req.Mod.Path) {
				continue
			}
			dir := r.dirOfPath(req.Mod.Path)
			if dir == "" {
				add(m.Dir, "require", "requires %s, which is not a module of the workspace", req.Mod.Path)
				continue
			}
			target := r.byDir[dir]
			if !target.released() {
				add(m.Dir, "require", "requires %s, which is never released: a module may not depend on %s", req.Mod.Path, dir)
				continue
			}
			v := req.Mod.Version
			tp := p.Module(dir)
			switch {
			case r.hasTag(dir, v):
			case tp != nil && tp.Next != "" && v == tp.Next:
			case v == "v0.0.0" && target.last == "" && tp != nil && tp.Next != "":
				// Not released yet; this release raises it.
			default:
				hint := "require a tagged version"
				if target.last != "" {
					hint = fmt.Sprintf("require %s (the last release) or a version this release creates", target.last)
				}
				add(m.Dir, "require", "requires %s %s, which is neither tagged (%s/%s) nor created by this release: %s", req.Mod.Path, v, dir, v, hint)
			}
		}
	}
	for name := range r.tags {
		i := strings.LastIndex(name, "/v")
		if i < 0 {
			continue
		}
		dir, v := name[:i], name[i+1:]
		if _, ok := r.byDir[dir]; !ok {
			continue
		}
		if !semver.IsValid(v) || semver.Canonical(v) != v {
			add(dir, "tag", "tag %s is not <dir>/vMAJOR.MINOR.PATCH, so Go ignores it: delete it (git tag -d %s) and tag a canonical version", name, name)
		}
	}
	for _, mp := range p.Released() {
		if err := module.Check(mp.Path, mp.Next); err != nil {
			add(mp.Dir, "tag", "tag %s does not follow Go's rules: %v", mp.Tag, err)
		}
	}
	policy.SortProblems(problems)
	return problems, nil
}
