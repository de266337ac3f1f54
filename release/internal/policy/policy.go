// Package policy checks the rules every mist-go workspace keeps: the
// layout of SPEC.md §1 and the module graph of API.md.
//
// [Check] reads a workspace and returns every rule it breaks as a
// [Problem]. It is what the repository's policy test runs and what
// `release check` runs; a rule lives here once, so the two never
// disagree.
package policy

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/greynewell/mist-go/release/internal/graph"
	"github.com/greynewell/mist-go/release/internal/workspace"
	"golang.org/x/mod/semver"
)

// GoVersion is the go directive every go.mod and go.work must carry.
const GoVersion = "1.26.0"

// Rules says what kind each module is and which module edges are allowed.
type Rules struct {
	// Prefix is the module path prefix: every module is <Prefix>/<dir>, and
	// no module may depend on Prefix itself. Empty means
	// workspace.RootPath.
	Prefix string
	// Unreleased lists module directories that are never released
	// (benchmarks, examples): they need no CHANGELOG.md and may import
	// any module.
	Unreleased []string
	// Commands lists released modules that are programs rather than
	// libraries: they need a CHANGELOG.md but no doc.go or example.
	Commands []string
	// Edges lists, for each released module directory, the workspace
	// modules its Go files (tests included) may import. A released module
	// missing from Edges may import none.
	Edges map[string][]string
}

// Problem is one broken rule.
type Problem struct {
	Module string // module directory, or "go.work"
	Rule   string // short rule name, e.g. "replace"
	Msg    string
}

func (p Problem) String() string { return fmt.Sprintf("%s: %s [%s]", p.Module, p.Msg, p.Rule) }

// Check loads the workspace at root and returns the problems it finds,
// sorted by module and rule ([SortProblems]). The error is for a workspace
// that cannot be read at all.
func Check(root string, rules Rules) ([]Problem, error) {
	ws, err := workspace.Load(root)
	if err != nil {
		return nil, err
	}
	return CheckWorkspace(ws, rules)
}

// CheckWorkspace is [Check] on a workspace already loaded.
func CheckWorkspace(ws *workspace.Workspace, rules Rules) ([]Problem, error) {
	c := &checker{ws: ws, rules: rules}
	c.rootRef = rootModRef(c.prefix())
	if err := c.run(); err != nil {
		return nil, err
	}
	SortProblems(c.problems)
	return c.problems, nil
}

// SortProblems sorts problems by module, then rule, keeping the order of
// problems with the same module and rule.
func SortProblems(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		if a.Module != b.Module {
			return strings.Compare(a.Module, b.Module)
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

type checker struct {
	ws       *workspace.Workspace
	rules    Rules
	rootRef  *regexp.Regexp
	problems []Problem
}

func (c *checker) add(module, rule, format string, args ...any) {
	c.problems = append(c.problems, Problem{Module: module, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) run() error {
	ws := c.ws
	for _, dir := range ws.Missing {
		c.add("go.work", "go.work", "uses %s, which has no go.mod", dir)
	}
	for _, dir := range ws.Unlisted {
		c.add("go.work", "go.work", "does not use %s, which has a go.mod", dir)
	}
	if ws.Work.Go == nil || ws.Work.Go.Version != GoVersion {
		c.add("go.work", "go-directive", "go directive must be %s", GoVersion)
	}
	c.checkWorkReplaces()
	c.checkThirdPartyVersions()

	edges := map[string][]string{} // module dir -> dirs it requires or imports
	var dirs []string
	for _, m := range ws.Mods {
		dirs = append(dirs, m.Dir)
		if err := c.checkModule(m, edges); err != nil {
			return fmt.Errorf("%s: %w", m.Dir, err)
		}
	}
	for _, cyc := range graph.Order(dirs, edges).Cycles {
		c.add(cyc[0], "cycle", "modules form an import cycle: %s", strings.Join(graph.CyclePath(cyc, edges), " -> "))
	}
	return nil
}

// checkThirdPartyVersions checks that every go.mod requiring a module that
// is not ours names the same version of it. The workspace builds with the
// highest version any go.mod names, so that is the one the module cache
// holds after a workspace build; a module alone (release verify) selects
// from its own go.mod, and a lower version there is one the cache may not
// have, so the offline standalone build fails on a fresh machine.
func (c *checker) checkThirdPartyVersions() {
	type use struct{ dir, version string }
	byPath := map[string][]use{}
	for _, m := range c.ws.Mods {
		for _, r := range m.File.Require {
			if _, ours := c.ws.Module(r.Mod.Path); ours {
				continue
			}
			byPath[r.Mod.Path] = append(byPath[r.Mod.Path], use{m.Dir, r.Mod.Version})
		}
	}
	for path, uses := range byPath {
		highest := uses[0]
		for _, u := range uses[1:] {
			if semver.Compare(u.version, highest.version) > 0 {
				highest = u
			}
		}
		for _, u := range uses {
			if u.version != highest.version {
				c.add(u.dir, "third-party-version", "requires %s %s but %s requires %s; require %s everywhere so the workspace and the module alone build the same version",
					path, u.version, highest.dir, highest.version, highest.version)
			}
		}
	}
}

// rootModRef matches the repository root path used as a module of its
// own in a go.mod or go.sum line: the path followed by a space or tab.
func rootModRef(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[\s(])` + regexp.QuoteMeta(prefix) + `[\s@]`)
}

// majorSuffix matches the /vN suffix of a module path from v2 on.
var majorSuffix = regexp.MustCompile(`^/v[2-9][0-9]*$|^/v[1-9][0-9]+$`)

func (c *checker) prefix() string {
	if c.rules.Prefix != "" {
		return c.rules.Prefix
	}
	return workspace.RootPath
}

func (c *checker) checkModule(m *workspace.Module, edges map[string][]string) error {
	ws, dir := c.ws, m.Dir
	abs := filepath.Join(ws.Root, filepath.FromSlash(dir))

	if want := c.prefix() + "/" + dir; m.Path != want && !majorSuffix.MatchString(strings.TrimPrefix(m.Path, want)) {
		c.add(dir, "module-path", "module path is %s, want %s", m.Path, want)
	}
	if m.File.Go == nil || m.File.Go.Version != GoVersion {
		c.add(dir, "go-directive", "go directive must be %s", GoVersion)
	}
	if len(m.File.Replace) > 0 {
		c.add(dir, "replace", "go.mod has %d replace directive(s); the workspace ties modules together through go.work", len(m.File.Replace))
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(abs, name))
		if err != nil {
			continue
		}
		if c.rootRef.Match(data) {
			c.add(dir, "root-module", "%s names %s, the repository root, as a module; no module may depend on it", name, c.prefix())
		}
	}

	released := !slices.Contains(c.rules.Unreleased, dir)
	library := released && !slices.Contains(c.rules.Commands, dir)
	if released && !exists(filepath.Join(abs, "CHANGELOG.md")) {
		c.add(dir, "changelog", "CHANGELOG.md is missing")
	}
	if library {
		if !exists(filepath.Join(abs, "doc.go")) {
			c.add(dir, "doc", "doc.go is missing")
		}
		ok, err := hasExample(abs)
		if err != nil {
			return err
		}
		if !ok {
			c.add(dir, "example", "no runnable example (func Example...) in a _test.go file at the module root")
		}
		undocumented, err := undocumentedPackages(abs)
		if err != nil {
			return err
		}
		for _, p := range undocumented {
			c.add(dir, "doc", "package in %s has no package comment that starts \"Package <name> \" (the form go doc shows)", path(dir, p))
		}
	}

	required := map[string]bool{}
	for _, d := range ws.Requires(m) {
		required[d.Dir] = true
		edges[dir] = append(edges[dir], d.Dir)
	}
	imports, err := ws.Imports(m)
	if err != nil {
		return err
	}
	allowed := c.rules.Edges[dir]
	reported := map[string]bool{}
	for _, imp := range imports {
		to := imp.Of.Dir
		edges[dir] = append(edges[dir], to)
		if reported[to] {
			continue
		}
		if !required[to] {
			reported[to] = true
			c.add(dir, "undeclared-import", "%s imports %s but go.mod does not require %s", imp.File, imp.Path, imp.Of.Path)
			continue
		}
		if released && !slices.Contains(allowed, to) {
			reported[to] = true
			c.add(dir, "edge", "%s imports %s: the edge %s -> %s is not in the module graph", imp.File, imp.Path, dir, to)
		}
	}
	return nil
}

// checkWorkReplaces checks that go.work serves every sibling version a
// go.mod requires from that sibling's directory, and nothing else.
func (c *checker) checkWorkReplaces() {
	ws := c.ws
	type key struct{ path, version string }
	needed := map[key]string{} // -> module dir that requires it
	for _, m := range ws.Mods {
		for _, r := range m.File.Require {
			if _, ok := ws.Module(r.Mod.Path); ok {
				needed[key{r.Mod.Path, r.Mod.Version}] = m.Dir
			}
		}
	}
	have := map[key]bool{}
	for _, r := range ws.Work.Replace {
		k := key{r.Old.Path, r.Old.Version}
		target, ok := ws.Module(r.Old.Path)
		switch {
		case !ok:
			c.add("go.work", "work-replace", "replaces %s, which is not a workspace module", r.Old.Path)
		case r.Old.Version == "":
			c.add("go.work", "work-replace", "replaces %s at all versions; name the required version", r.Old.Path)
		case filepath.ToSlash(filepath.Clean(r.New.Path)) != target.Dir:
			c.add("go.work", "work-replace", "replaces %s %s with %s, want ./%s", r.Old.Path, r.Old.Version, r.New.Path, target.Dir)
		case needed[k] == "":
			c.add("go.work", "work-replace", "replaces %s %s, which no go.mod requires", r.Old.Path, r.Old.Version)
		}
		have[k] = true
	}
	for k, by := range needed {
		if !have[k] {
			c.add("go.work", "work-replace", "%s requires %s %s but go.work does not serve it from the working tree", by, k.path, k.version)
		}
	}
}

func path(dir, rel string) string {
	if rel == "." {
		return dir
	}
	return dir + "/" + rel
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

var exampleFunc = regexp.MustCompile(`(?m)^func Example\w*\(\)`)

// hasExample reports whether a _test.go file in dir declares an example.
func hasExample(dir string) (bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return false, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		if exampleFunc.Match(data) {
			return true, nil
		}
	}
	return false, nil
}

// undocumentedPackages returns the directories (relative to the module
// root) of non-main packages in which no non-test file has a package
// comment that starts "Package <name> ", the form go doc shows. The
// directories are those of [workspace.WalkSources].
func undocumentedPackages(root string) ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	err := workspace.WalkSources(root, func(dir string) error {
		files, err := workspace.GoFiles(dir)
		if err != nil {
			return err
		}
		var sources, documented int
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				return err
			}
			if af.Name.Name == "main" {
				return nil
			}
			sources++
			if af.Doc != nil && strings.HasPrefix(af.Doc.Text(), "Package "+af.Name.Name+" ") {
				documented++
			}
		}
		if sources > 0 && documented == 0 {
			rel, _ := filepath.Rel(root, dir)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out, err
}
