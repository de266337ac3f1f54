package release

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/changes"
	"github.com/greynewell/mist-go/release/internal/git"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Plan is what a release would do. Its JSON form is stable: CI reads it,
// and `release apply --plan FILE` checks that the release it makes is the
// plan that was reviewed.
type Plan struct {
	Head    string        `json:"head"`            // the commit the plan was made at
	Since   string        `json:"since,omitempty"` // --since, if given
	Prefix  string        `json:"prefix"`          // module path prefix, e.g. github.com/greynewell/mist-go
	Modules []*ModulePlan `json:"modules"`         // every module, in release order
	Tags    []string      `json:"tags"`            // tags the release creates, in release order
	Changes []string      `json:"change_files"`    // change files the release consumes

	refused []refusal // blocking problems: the plan may not be applied
}

// refusal is one reason a plan may not be applied.
type refusal struct {
	dir string // the module refused
	msg string
}

// ModulePlan is the plan for one module.
type ModulePlan struct {
	Order       int      `json:"order"` // 1-based position in release order
	Dir         string   `json:"dir"`
	Path        string   `json:"path"`
	Kind        string   `json:"kind"`     // library, command or unreleased
	Level       int      `json:"level"`    // 0 for a module that requires no sibling
	Requires    []string `json:"requires"` // directories of the workspace modules it requires
	Last        string   `json:"last"`     // last released version, "" if never released
	Changed     bool     `json:"changed"`  // content changed since the last release (or never released)
	Declared    string   `json:"declared"` // bump asked for by change files and commits
	API         string   `json:"api"`      // bump the API diff asks for, "" when not computed
	Bump        string   `json:"bump"`     // the bump applied: none, patch, minor or major
	Next        string   `json:"next"`     // the version this release creates, "" if none
	Tag         string   `json:"tag"`      // the tag this release creates, "" if none
	Raise       []Raise  `json:"raise"`    // requires raised to versions this release creates
	ChangeFiles []string `json:"change_files"`
	Commits     []string `json:"commits"` // Conventional Commits since the last release that ask for a bump
	Reasons     []string `json:"reasons"`
	Problems    []string `json:"problems"`
}

// Raise is one require raised by the release.
type Raise struct {
	Path string `json:"path"`
	Dir  string `json:"dir"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Released returns the module plans that create a version, in order.
func (p *Plan) Released() []*ModulePlan {
	var out []*ModulePlan
	for _, m := range p.Modules {
		if m.Next != "" {
			out = append(out, m)
		}
	}
	return out
}

// Module returns the plan of the module in dir, or nil.
func (p *Plan) Module(dir string) *ModulePlan {
	for _, m := range p.Modules {
		if m.Dir == dir {
			return m
		}
	}
	return nil
}

// PlanOptions are the options of [MakePlan].
type PlanOptions struct {
	Since string // look for changes since this revision instead of each module's last tag
}

// MakePlan loads the repository and works out the release. A plan that may
// not be applied (a breaking change that needs a /vN module path) is an
// error with code conflict that says what to do.
func MakePlan(ctx context.Context, cfg *Config, opts PlanOptions) (*Plan, error) {
	r, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p, err := r.plan(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := p.refusal(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) refusal() error {
	if len(p.refused) == 0 {
		return nil
	}
	msgs := make([]string, len(p.refused))
	for i, rf := range p.refused {
		msgs[i] = rf.msg
	}
	return errors.Newf(errors.CodeConflict, "the release is refused:\n  %s", strings.Join(msgs, "\n  "))
}

// modState is the working state of one module while planning.
type modState struct {
	m          *mod
	mp         *ModulePlan
	base       string // commit changes are counted from; "" for a first release
	declared   changes.Bump
	fileMajor  bool // a change file declares major
	goChanged  bool // Go files or go.mod changed
	commitMsgs []string
}

// plan computes the plan; refusals are recorded in the plan, not returned.
func (r *repo) plan(ctx context.Context, opts PlanOptions) (*Plan, error) {
	files, err := changes.Load(r.root)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		for _, e := range f.Entries {
			m, ok := r.byDir[e.Module]
			switch {
			case !ok:
				return nil, errors.Newf(errors.CodeValidation, "%s names %s, which is not a module of the workspace: use a module directory such as %s", f.Name, e.Module, r.mods[0].Dir)
			case !m.released():
				return nil, errors.Newf(errors.CodeValidation, "%s names %s, which is never released: remove it from the change file", f.Name, e.Module)
			}
		}
	}
	since := ""
	if opts.Since != "" {
		if since, err = r.git.Resolve(ctx, opts.Since); err != nil {
			return nil, err
		}
	}
	p := &Plan{Head: r.head, Since: opts.Since, Prefix: r.prefix}
	states := make(map[*mod]*modState, len(r.mods))
	bases := map[string]bool{}
	for _, m := range r.mods {
		st := &modState{m: m, mp: &ModulePlan{
			Order: m.order, Dir: m.Dir, Path: m.Path, Kind: m.kind, Level: m.level,
			Requires: []string{}, Last: m.last, Bump: changes.None.String(),
			Raise: []Raise{}, ChangeFiles: []string{}, Commits: []string{}, Reasons: []string{}, Problems: []string{},
		}}
		for _, d := range m.deps {
			st.mp.Requires = append(st.mp.Requires, d.Dir)
		}
		switch {
		case since != "":
			st.base = since
		case m.lastTag != nil:
			st.base = m.lastTag.Commit
		}
		if st.base != "" && m.released() {
			bases[st.base] = true
		}
		states[m] = st
		p.Modules = append(p.Modules, st.mp)
	}

	// What changed, per base: one git diff and one git log per distinct
	// base commit.
	infos := map[string]*changeSet{}
	for _, base := range slices.Sorted(maps.Keys(bases)) {
		if infos[base], err = r.changesSince(ctx, base); err != nil {
			return nil, err
		}
	}

	var needAPI []*mod
	for _, m := range r.mods {
		st := states[m]
		mp := st.mp
		if !m.released() {
			continue
		}
		for _, f := range files {
			if b := f.Bump(m.Dir); b != changes.None {
				st.declared = max(st.declared, b)
				st.fileMajor = st.fileMajor || b == changes.Major
				mp.ChangeFiles = append(mp.ChangeFiles, f.Name)
				mp.Reasons = append(mp.Reasons, fmt.Sprintf("change file %s: %s", f.Name, b))
			}
		}
		if m.lastTag == nil {
			mp.Changed = true
			mp.Reasons = append(mp.Reasons, "first release")
		}
		if st.base != "" {
			cs := infos[st.base]
			if fs := cs.files[m]; len(fs) > 0 {
				mp.Changed = true
				from := m.last
				if since != "" {
					from = opts.Since
				}
				mp.Reasons = append(mp.Reasons, fmt.Sprintf("%d file(s) changed since %s", len(fs), from))
				for _, f := range fs {
					if strings.HasSuffix(f, ".go") || f == m.Dir+"/go.mod" {
						st.goChanged = true
					}
				}
			}
			if m.lastTag != nil {
				var counted []string
				for _, c := range cs.commits[m] {
					cc, ok := changes.ParseCommit(c.Message)
					if !ok {
						continue
					}
					b := cc.Bump()
					if len(cc.Scopes) > 0 && !slices.Contains(cc.Scopes, m.Dir) && b > changes.Patch {
						b = changes.Patch // the commit is about another module; here it is a patch
					}
					if b == changes.None {
						continue
					}
					st.declared = max(st.declared, b)
					counted = append(counted, fmt.Sprintf("commit %s %s: %s", short(c.Hash), b, cc.Header()))
					mp.Commits = append(mp.Commits, fmt.Sprintf("%s (%s)", cc.Header(), short(c.Hash)))
				}
				if len(counted) > 3 {
					counted = append(counted[:3], fmt.Sprintf("and %d more commit(s)", len(counted)-3))
				}
				mp.Reasons = append(mp.Reasons, counted...)
			}
		}
		if st.declared != changes.None {
			mp.Declared = st.declared.String()
		}
		if m.lastTag != nil && mp.Changed && st.goChanged && m.kind == KindLibrary {
			needAPI = append(needAPI, m)
		}
	}

	apis, err := r.apiDiffs(ctx, needAPI)
	if err != nil {
		return nil, err
	}

	next := map[*mod]string{}
	for _, m := range r.mods {
		st := states[m]
		mp := st.mp
		for _, d := range m.deps {
			to, ok := next[d]
			if !ok {
				continue
			}
			from := m.require(d.Path)
			if from == to {
				continue
			}
			if from != "" && semver.Compare(from, to) > 0 {
				p.refused = append(p.refused, refusal{m.Dir, fmt.Sprintf("%s requires %s %s, newer than the %s this release creates: lower the require", m.Dir, d.Dir, from, to)})
				continue
			}
			mp.Raise = append(mp.Raise, Raise{Path: d.Path, Dir: d.Dir, From: from, To: to})
		}
		if !m.released() {
			continue
		}
		bump := st.declared
		if res, ok := apis[m]; ok {
			need := res.bump
			if need == changes.Major && semver.Major(m.last) == "v0" {
				need = changes.Minor
			}
			mp.API = res.bump.String()
			mp.Reasons = append(mp.Reasons, res.reason())
			if st.declared != changes.None && st.declared < need {
				msg := fmt.Sprintf("declared %s, but the API diff needs %s: %s", st.declared, need, firstOf(res.incompatible, res.compatible))
				mp.Problems = append(mp.Problems, msg)
			}
			bump = max(bump, res.bump)
		}
		if len(mp.Raise) > 0 {
			var deps []string
			for _, rs := range mp.Raise {
				deps = append(deps, rs.Dir+" "+rs.To)
			}
			mp.Reasons = append(mp.Reasons, "dependencies: "+strings.Join(deps, ", "))
		}
		if len(mp.Raise) > 0 || mp.Changed {
			bump = max(bump, changes.Patch)
		}
		if bump == changes.None {
			continue // unchanged
		}
		v, b, refused := nextVersion(m, bump, st.fileMajor)
		if refused != "" {
			p.refused = append(p.refused, refusal{m.Dir, refused})
			mp.Problems = append(mp.Problems, refused)
			continue
		}
		if b != bump && m.lastTag != nil {
			mp.Reasons = append(mp.Reasons, "below v1 a breaking change is a minor release")
		}
		mp.Bump, mp.Next, mp.Tag = b.String(), v, m.Dir+"/"+v
		if t, exists := r.tags[mp.Tag]; exists {
			p.refused = append(p.refused, refusal{m.Dir, fmt.Sprintf("tag %s already exists at %s: release a higher version (add a change file) or delete the tag if it is wrong", mp.Tag, short(t.Commit))})
			continue
		}
		next[m] = v
		p.Tags = append(p.Tags, mp.Tag)
	}
	for _, f := range files {
		p.Changes = append(p.Changes, f.Name)
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Changes == nil {
		p.Changes = []string{}
	}
	return p, nil
}

// changeSet is what changed since one base commit, attributed to modules
// by longest directory prefix (files of a nested module are its own).
type changeSet struct {
	files   map[*mod][]string     // files changed since base, untracked ones included
	commits map[*mod][]git.Commit // non-merge commits since base that touch the module
}

// changesSince runs one git diff and one git log from base to HEAD and
// attributes them to modules.
func (r *repo) changesSince(ctx context.Context, base string) (*changeSet, error) {
	cs := &changeSet{files: map[*mod][]string{}, commits: map[*mod][]git.Commit{}}
	changed, err := r.git.ChangedFiles(ctx, base)
	if err != nil {
		return nil, err
	}
	for _, f := range changed {
		if m := r.owner(f); m != nil {
			cs.files[m] = append(cs.files[m], f)
		}
	}
	commits, err := r.git.Log(ctx, base, "HEAD")
	if err != nil {
		return nil, err
	}
	for _, c := range commits {
		seen := map[*mod]bool{}
		for _, f := range c.Files {
			if m := r.owner(f); m != nil && !seen[m] {
				seen[m] = true
				cs.commits[m] = append(cs.commits[m], c)
			}
		}
	}
	return cs, nil
}

// nextVersion returns the version a module's release creates and the bump
// it amounts to, or a refusal message.
func nextVersion(m *mod, bump changes.Bump, fileMajor bool) (string, changes.Bump, string) {
	_, pathMajor, _ := module.SplitPathVersion(m.Path)
	pathN := 1
	if pathMajor != "" {
		pathN, _ = strconv.Atoi(strings.TrimPrefix(pathMajor, "/v"))
	}
	if m.last == "" {
		switch {
		case pathN >= 2:
			return fmt.Sprintf("v%d.0.0", pathN), changes.Major, ""
		case fileMajor:
			return "v1.0.0", changes.Major, ""
		}
		return "v0.1.0", changes.Minor, ""
	}
	major, minor, patch := parts(m.last)
	if bump == changes.Major && major == 0 && !fileMajor {
		bump = changes.Minor
	}
	switch bump {
	case changes.Major:
		major, minor, patch = major+1, 0, 0
	case changes.Minor:
		minor, patch = minor+1, 0
	default:
		patch++
	}
	v := fmt.Sprintf("v%d.%d.%d", major, minor, patch)
	wantN := max(major, 1)
	if pathN != wantN {
		base, _, _ := module.SplitPathVersion(m.Path)
		if major > pathN {
			return "", bump, fmt.Sprintf("%s: a breaking change takes %s from %s to %s, and from v2 on Go needs the major version in the module path: change the module line of %s/go.mod to %s/v%d, update the imports of it across the workspace, and run release plan again (or undo the breaking change)", m.Dir, m.Dir, m.last, v, m.Dir, base, major)
		}
		return "", bump, fmt.Sprintf("%s: the module path %s says v%d, but the release would be %s: declare major for %s in a change file (.changes/<name>.md) or restore the module path", m.Dir, m.Path, pathN, v, m.Dir)
	}
	return v, bump, ""
}

// parts splits a canonical vX.Y.Z.
func parts(v string) (major, minor, patch int) {
	f := strings.SplitN(strings.TrimPrefix(semver.Canonical(v), "v"), ".", 3)
	if len(f) == 3 {
		major, _ = strconv.Atoi(f[0])
		minor, _ = strconv.Atoi(f[1])
		patch, _ = strconv.Atoi(strings.SplitN(f[2], "-", 2)[0])
	}
	return major, minor, patch
}

func firstOf(lists ...[]string) string {
	for _, l := range lists {
		if len(l) > 0 {
			return l[0]
		}
	}
	return ""
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
