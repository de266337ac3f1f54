package release

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/git"
	"github.com/greynewell/mist-go/release/internal/graph"
	"github.com/greynewell/mist-go/release/internal/policy"
	"github.com/greynewell/mist-go/release/internal/workspace"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Config is everything a command needs from the outside world. main fills
// it from the process; tests fill it with temporary repositories, a fixed
// clock and buffers.
//
// A Config is read, never written, by the commands: one Config may serve
// several commands in turn, but a command's writers are not shared safely
// between concurrent commands.
type Config struct {
	Dir    string           // where the command runs; go.work is looked for here and above
	Env    []string         // the environment of every git and go process
	Git    string           // the git executable; "" when git is not installed
	Go     string           // the go executable; "" when go is not installed
	Rules  policy.Rules     // kinds of modules and allowed edges
	Now    func() time.Time // the clock for changelog dates; nil means time.Now
	Stdin  io.Reader        // answers to apply's question; nil means none
	Stdout io.Writer        // results
	Stderr io.Writer        // progress
	Jobs   int              // modules verified or API-diffed at once; 0 means GOMAXPROCS
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) jobs() int {
	if c.Jobs > 0 {
		return c.Jobs
	}
	return runtime.GOMAXPROCS(0)
}

func (c *Config) stdout() io.Writer {
	if c.Stdout == nil {
		return io.Discard
	}
	return c.Stdout
}

func (c *Config) stderr() io.Writer {
	if c.Stderr == nil {
		return io.Discard
	}
	return c.Stderr
}

func (c *Config) progress(format string, args ...any) {
	fmt.Fprintf(c.stderr(), format+"\n", args...)
}

// Module kinds.
const (
	KindLibrary    = "library"
	KindCommand    = "command"
	KindUnreleased = "unreleased"
)

// mod is one module of the loaded repository.
type mod struct {
	*workspace.Module
	kind  string
	deps  []*mod // workspace modules its go.mod requires, sorted by Dir
	users []*mod // workspace modules that require it, sorted by Dir
	level int
	order int

	last    string   // highest release tag version, "" if never released
	lastTag *git.Tag // the tag of last
}

func (m *mod) released() bool { return m.kind != KindUnreleased }

// require returns the version m's go.mod requires of path, or "".
func (m *mod) require(path string) string {
	for _, r := range m.File.Require {
		if r.Mod.Path == path {
			return r.Mod.Version
		}
	}
	return ""
}

// repo is a loaded repository: the workspace, its graph and its tags.
type repo struct {
	cfg    *Config
	root   string
	git    git.Runner
	ws     *workspace.Workspace
	prefix string
	mods   []*mod // in release order
	byDir  map[string]*mod
	byPath map[string]*mod
	tags   map[string]git.Tag // by name
	head   string

	repoCache
}

// findRoot returns the directory holding the go.work that governs dir.
func findRoot(cfg *Config) (string, error) {
	if w := getenv(cfg.Env, "GOWORK"); w != "" && w != "off" {
		if _, err := os.Stat(w); err == nil {
			return filepath.Dir(w), nil
		}
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return "", errors.Wrap(errors.CodeInternal, err, "working directory")
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.Newf(errors.CodeValidation, "no go.work in %s or above: run the release tool inside a workspace whose go.work is at the repository root", dir)
		}
		d = parent
	}
}

// load reads the repository: git, go.work, go.mod files, the module graph
// and the tags. Every bad input it finds is a coded error that says what to
// do; nothing is written.
func load(ctx context.Context, cfg *Config) (*repo, error) {
	if cfg.Git == "" {
		return nil, git.ErrNoGit
	}
	root, err := findRoot(cfg)
	if err != nil {
		return nil, err
	}
	g := git.Runner{Path: cfg.Git, Dir: root, Env: cfg.Env}
	top, err := g.Toplevel(ctx)
	if err != nil {
		return nil, err
	}
	if !sameDir(top, root) {
		return nil, errors.Newf(errors.CodeValidation, "go.work is in %s but the repository root is %s: the release tool needs go.work at the root of the repository, where tags <dir>/vX.Y.Z are counted from", root, top)
	}
	head, err := g.Head(ctx)
	if err != nil {
		return nil, err
	}
	ws, err := workspace.Load(root)
	if err != nil {
		return nil, errors.Wrap(errors.CodeValidation, err, "read the workspace")
	}
	if len(ws.Missing) > 0 || len(ws.Unlisted) > 0 {
		var msgs []string
		for _, d := range ws.Missing {
			msgs = append(msgs, fmt.Sprintf("go.work uses ./%s, which has no go.mod: create %s/go.mod or run `go work edit -dropuse=./%s`", d, d, d))
		}
		for _, d := range ws.Unlisted {
			msgs = append(msgs, fmt.Sprintf("%s/go.mod is not in go.work: run `go work use ./%s` (or remove %s/go.mod)", d, d, d))
		}
		return nil, errors.Newf(errors.CodeValidation, "go.work and the go.mod files disagree:\n  %s", strings.Join(msgs, "\n  "))
	}
	if len(ws.Mods) == 0 {
		return nil, errors.New(errors.CodeValidation, "go.work uses no module: add modules with `go work use ./<dir>`")
	}
	r := &repo{cfg: cfg, root: root, git: g, ws: ws, head: head,
		byDir: map[string]*mod{}, byPath: map[string]*mod{}, tags: map[string]git.Tag{}}
	if err := r.derivePrefix(); err != nil {
		return nil, err
	}
	for _, wm := range ws.Mods {
		m := &mod{Module: wm, kind: KindLibrary}
		switch {
		case slices.Contains(cfg.Rules.Unreleased, wm.Dir):
			m.kind = KindUnreleased
		case slices.Contains(cfg.Rules.Commands, wm.Dir):
			m.kind = KindCommand
		}
		r.byDir[wm.Dir] = m
		r.byPath[wm.Path] = m
	}
	if err := r.buildGraph(); err != nil {
		return nil, err
	}
	if err := r.loadTags(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func sameDir(a, b string) bool {
	ea, err1 := filepath.EvalSymlinks(a)
	eb, err2 := filepath.EvalSymlinks(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return ea == eb
}

// derivePrefix finds the module path prefix shared by every module: each
// module path must be <prefix>/<dir>, with a /vN suffix from v2 on.
func (r *repo) derivePrefix() error {
	var prefix string
	for _, m := range r.ws.Mods {
		base, _, ok := module.SplitPathVersion(m.Path)
		if !ok {
			base = m.Path
		}
		p, found := strings.CutSuffix(base, "/"+m.Dir)
		if !found || p == "" {
			return errors.Newf(errors.CodeValidation, "%s/go.mod declares module %s, which does not end in /%s: a module path must be <prefix>/<dir> (plus /vN from v2 on) so that its tags are %s/vX.Y.Z", m.Dir, m.Path, m.Dir, m.Dir)
		}
		if prefix == "" {
			prefix = p
		} else if p != prefix {
			return errors.Newf(errors.CodeValidation, "module paths disagree on their prefix: %s and %s: every module must be <one prefix>/<dir>", prefix+"/...", p+"/"+m.Dir)
		}
	}
	r.prefix = prefix
	return nil
}

// buildGraph wires requires between workspace modules and orders them. A
// cycle of requires or imports is an error.
func (r *repo) buildGraph() error {
	nodes := make([]string, 0, len(r.byDir))
	deps := map[string][]string{}
	for _, wm := range r.ws.Mods {
		m := r.byDir[wm.Dir]
		nodes = append(nodes, m.Dir)
		for _, d := range r.ws.Requires(wm) {
			if d == wm {
				continue
			}
			dm := r.byDir[d.Dir]
			m.deps = append(m.deps, dm)
			dm.users = append(dm.users, m)
			deps[m.Dir] = append(deps[m.Dir], d.Dir)
		}
	}
	for _, m := range r.byDir {
		slices.SortFunc(m.users, func(a, b *mod) int { return strings.Compare(a.Dir, b.Dir) })
	}
	// Imports count too: a test-only import of a module that imports back is
	// a cycle the go command rejects.
	importDeps := map[string][]string{}
	for k, v := range deps {
		importDeps[k] = slices.Clone(v)
	}
	for _, wm := range r.ws.Mods {
		imps, err := r.ws.Imports(wm)
		if err != nil {
			return errors.Wrapf(errors.CodeValidation, err, "read the imports of %s", wm.Dir)
		}
		for _, imp := range imps {
			importDeps[wm.Dir] = append(importDeps[wm.Dir], imp.Of.Dir)
		}
	}
	if cyc := graph.Order(nodes, importDeps).Cycles; len(cyc) > 0 {
		var parts []string
		for _, c := range cyc {
			parts = append(parts, strings.Join(graph.CyclePath(c, importDeps), " -> "))
		}
		return errors.Newf(errors.CodeValidation, "modules form an import cycle: %s: a module may not depend on itself through other modules; move the shared code into the module lower in the graph", strings.Join(parts, "; "))
	}
	res := graph.Order(nodes, deps)
	for i, dir := range res.Order {
		m := r.byDir[dir]
		m.level = res.Level[dir]
		m.order = i + 1
		r.mods = append(r.mods, m)
	}
	return nil
}

// loadTags reads every tag and finds each module's last release.
func (r *repo) loadTags(ctx context.Context) error {
	tags, err := r.git.Tags(ctx)
	if err != nil {
		return err
	}
	for _, t := range tags {
		r.tags[t.Name] = t
		dir, v, ok := r.splitTag(t.Name)
		if !ok || semver.Prerelease(v) != "" || semver.Build(v) != "" {
			continue
		}
		m := r.byDir[dir]
		if m.last == "" || semver.Compare(v, m.last) > 0 {
			t := t
			m.last, m.lastTag = v, &t
		}
	}
	return nil
}

// splitTag splits "<dir>/vX.Y.Z" for a module dir and a canonical version.
func (r *repo) splitTag(name string) (dir, version string, ok bool) {
	i := strings.LastIndex(name, "/v")
	if i < 0 {
		return "", "", false
	}
	dir, version = name[:i], name[i+1:]
	if _, isMod := r.byDir[dir]; !isMod || !semver.IsValid(version) || semver.Canonical(version) != version {
		return "", "", false
	}
	return dir, version, true
}

// owner returns the module whose directory holds file (slash-separated,
// relative to the root): the longest module directory that is a prefix, so
// files of nested modules belong to the nested module.
func (r *repo) owner(file string) *mod {
	for d := file; ; {
		i := strings.LastIndexByte(d, '/')
		if i < 0 {
			return nil
		}
		d = d[:i]
		if m, ok := r.byDir[d]; ok {
			return m
		}
	}
}

// dirOfPath returns the module directory a module path of this repository
// names, at any major version, or "".
func (r *repo) dirOfPath(path string) string {
	if m, ok := r.byPath[path]; ok {
		return m.Dir
	}
	base, _, ok := module.SplitPathVersion(path)
	if !ok {
		return ""
	}
	rest, found := strings.CutPrefix(base, r.prefix+"/")
	if !found {
		return ""
	}
	if _, isMod := r.byDir[rest]; isMod {
		return rest
	}
	return ""
}

// ours reports whether path is a module path of this repository: it
// starts with the prefix, whether or not go.work lists that module.
func (r *repo) ours(path string) bool {
	return strings.HasPrefix(path, r.prefix+"/")
}

// goModAt returns the go.mod of module dir at commit rev.
func (r *repo) goModAt(ctx context.Context, rev, dir string) ([]byte, error) {
	return r.git.Bytes(ctx, "show", rev+":"+dir+"/go.mod")
}

// tagFor returns the tag of module dir at version, if it exists.
func (r *repo) tagFor(dir, version string) (git.Tag, bool) {
	t, ok := r.tags[dir+"/"+version]
	return t, ok
}

// hasTag reports whether module dir has a tag at version.
func (r *repo) hasTag(dir, version string) bool {
	_, ok := r.tagFor(dir, version)
	return ok
}

// getenv returns the last value of key in env.
func getenv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// setenv returns env with each "KEY=value" of kvs replacing any earlier
// value of KEY.
func setenv(env []string, kvs ...string) []string {
	drop := map[string]bool{}
	for _, kv := range kvs {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	out := make([]string, 0, len(env)+len(kvs))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, kvs...)
}

// fileURL returns the file:// URL of a local directory.
func fileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x -> /C:/x
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
