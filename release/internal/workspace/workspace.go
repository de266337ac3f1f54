// Package workspace reads the shape of a mist-go workspace: the modules
// go.work lists, their go.mod files, and the imports between them.
//
// It never guesses: modules come from go.work and from go.mod files on disk,
// and a module that appears in only one of the two is reported, not
// dropped. Nothing here runs the go command.
package workspace

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// RootPath is the path prefix of every module in the repository. It is not
// itself a module: no go.mod may require it.
const RootPath = "github.com/greynewell/mist-go"

// Workspace is a parsed go.work and the modules it lists.
type Workspace struct {
	Root string            // absolute directory holding go.work
	Work *modfile.WorkFile // the parsed go.work
	Mods []*Module         // modules listed in go.work that have a go.mod, sorted by Dir

	// Missing lists go.work entries (slash-separated, relative to Root)
	// that have no go.mod; Unlisted lists directories with a go.mod that
	// go.work does not use.
	Missing  []string
	Unlisted []string

	byPath map[string]*Module
}

// Module is one module of the workspace.
type Module struct {
	Dir  string        // slash-separated directory relative to the root, e.g. "retry"
	Path string        // module path from go.mod
	File *modfile.File // the parsed go.mod
}

// Load reads go.work in root and the go.mod of every module it uses, and
// walks root for go.mod files that go.work does not list. A syntax error in
// go.work or in a go.mod is an error.
func Load(root string) (*Workspace, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	workPath := filepath.Join(root, "go.work")
	data, err := os.ReadFile(workPath)
	if err != nil {
		return nil, fmt.Errorf("read go.work: %w", err)
	}
	wf, err := modfile.ParseWork(workPath, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse go.work: %w", err)
	}
	ws := &Workspace{Root: root, Work: wf, byPath: map[string]*Module{}}
	used := map[string]bool{}
	for _, u := range wf.Use {
		dir := path.Clean(filepath.ToSlash(u.Path))
		used[dir] = true
		gomod := filepath.Join(root, filepath.FromSlash(dir), "go.mod")
		data, err := os.ReadFile(gomod)
		if errors.Is(err, fs.ErrNotExist) {
			ws.Missing = append(ws.Missing, dir)
			continue
		}
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(gomod, data, nil)
		if err != nil {
			return nil, fmt.Errorf("parse %s/go.mod: %w", dir, err)
		}
		if f.Module == nil {
			return nil, fmt.Errorf("%s/go.mod: no module directive", dir)
		}
		m := &Module{Dir: dir, Path: f.Module.Mod.Path, File: f}
		ws.Mods = append(ws.Mods, m)
		ws.byPath[m.Path] = m
	}
	slices.SortFunc(ws.Mods, func(a, b *Module) int { return strings.Compare(a.Dir, b.Dir) })
	onDisk, err := findModules(root)
	if err != nil {
		return nil, err
	}
	for _, dir := range onDisk {
		if !used[dir] {
			ws.Unlisted = append(ws.Unlisted, dir)
		}
	}
	slices.Sort(ws.Missing)
	return ws, nil
}

// Module returns the workspace module with the given module path.
func (ws *Workspace) Module(modPath string) (*Module, bool) {
	m, ok := ws.byPath[modPath]
	return m, ok
}

// Owner returns the workspace module that provides the package importPath,
// by longest module-path prefix.
func (ws *Workspace) Owner(importPath string) (*Module, bool) {
	for p := importPath; ; {
		if m, ok := ws.byPath[p]; ok {
			return m, true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return nil, false
		}
		p = p[:i]
	}
}

// skipDir reports whether a directory is never part of any module's
// sources or a module of its own: testdata, vendor, node_modules, and
// names the go command ignores (starting with "." or "_").
func skipDir(name string) bool {
	return name == "testdata" || name == "node_modules" || name == "vendor" ||
		strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// findModules returns every directory below root (slash-separated,
// relative, "." for root) that holds a go.mod.
func findModules(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

// WalkSources calls fn for every directory that can hold packages of the
// module rooted at dir: dir itself, then its subdirectories in lexical
// order, except nested modules (a directory with a go.mod), testdata,
// vendor, node_modules and directories whose name starts with "." or "_".
// It is the one definition of a module's source tree that the imports
// ([Workspace.Imports]) and the workspace policy share.
func WalkSources(dir string, fn func(dir string) error) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if p != dir {
			if skipDir(d.Name()) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // a nested module
			}
		}
		return fn(p)
	})
}

// Requires returns the workspace modules that m's go.mod requires, direct
// and indirect, sorted by Dir.
func (ws *Workspace) Requires(m *Module) []*Module {
	var deps []*Module
	for _, r := range m.File.Require {
		if d, ok := ws.byPath[r.Mod.Path]; ok {
			deps = append(deps, d)
		}
	}
	slices.SortFunc(deps, func(a, b *Module) int { return strings.Compare(a.Dir, b.Dir) })
	return deps
}

// Import is one import of a package of another workspace module.
type Import struct {
	File string  // slash-separated path relative to the root
	Path string  // the imported package path
	Of   *Module // the module that provides it
}

// GoFiles returns the paths of the Go files (tests included) directly in
// dir, sorted.
func GoFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// Imports returns, for every Go file in m (tests and every build
// configuration included; the directories of [WalkSources]), the imports of
// packages that other workspace modules provide.
func (ws *Workspace) Imports(m *Module) ([]Import, error) {
	var out []Import
	fset := token.NewFileSet()
	err := WalkSources(filepath.Join(ws.Root, filepath.FromSlash(m.Dir)), func(dir string) error {
		files, err := GoFiles(dir)
		if err != nil {
			return err
		}
		for _, p := range files {
			f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
			if err != nil {
				return fmt.Errorf("parse imports: %w", err)
			}
			rel, _ := filepath.Rel(ws.Root, p)
			for _, spec := range f.Imports {
				ip, err := strconv.Unquote(spec.Path.Value)
				if err != nil {
					continue
				}
				if owner, ok := ws.Owner(ip); ok && owner != m {
					out = append(out, Import{File: filepath.ToSlash(rel), Path: ip, Of: owner})
				}
			}
		}
		return nil
	})
	return out, err
}
