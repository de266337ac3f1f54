package release

import (
	"context"
	"fmt"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/changes"
	"golang.org/x/exp/apidiff"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/tools/go/packages"
)

// apiResult is what the API diff between a module's last release and the
// working tree asks for.
type apiResult struct {
	bump         changes.Bump // Major for an incompatible change, Minor for a compatible one
	incompatible []string
	compatible   []string
}

func (a apiResult) reason() string {
	switch {
	case len(a.incompatible) > 0:
		return fmt.Sprintf("API: %d incompatible change(s), e.g. %s", len(a.incompatible), a.incompatible[0])
	case len(a.compatible) > 0:
		return fmt.Sprintf("API: %d compatible change(s), e.g. %s", len(a.compatible), a.compatible[0])
	}
	return "API: unchanged"
}

// apiDiffs compares, for each module, the exported API of its last release
// with the working tree, a few modules at a time. The old version is
// unzipped from its tag and type-checked alone (GOWORK=off) against a
// scratch proxy of tagged versions; the new one is type-checked in the
// workspace.
func (r *repo) apiDiffs(ctx context.Context, mods []*mod) (map[*mod]apiResult, error) {
	out := map[*mod]apiResult{}
	if len(mods) == 0 {
		return out, nil
	}
	tmp, err := os.MkdirTemp("", "release-api-*")
	if err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "temporary directory")
	}
	defer os.RemoveAll(tmp)
	px := newProxy(r, filepath.Join(tmp, "proxy"), nil)
	goOld, err := r.isolated(ctx, px.dir, filepath.Join(tmp, "modcache"), "-mod=mod")
	if err != nil {
		return nil, err
	}
	var (
		mu   sync.Mutex
		errs []error
	)
	forEach(mods, r.cfg.jobs(), func(m *mod) {
		res, err := r.apiDiff(ctx, m, px, goOld, filepath.Join(tmp, "old", m.Dir))
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		out[m] = res
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func (r *repo) apiDiff(ctx context.Context, m *mod, px *proxy, goOld goRunner, oldDir string) (apiResult, error) {
	t := m.lastTag
	gomod, err := r.goModAt(ctx, t.Commit, m.Dir)
	if err != nil {
		return apiResult{}, err
	}
	f, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil || f.Module == nil {
		return apiResult{}, errors.Newf(errors.CodeValidation, "%s: the go.mod of tag %s does not parse", m.Dir, t.Name)
	}
	oldPath := f.Module.Mod.Path
	mv := module.Version{Path: oldPath, Version: m.last}
	zipData, err := zipCommit(ctx, r, t.Commit, m.Dir, mv)
	if err != nil {
		return apiResult{}, err
	}
	if err := unzip(oldDir, mv, zipData); err != nil {
		return apiResult{}, err
	}
	if err := px.serveRequires(ctx, f); err != nil {
		return apiResult{}, err
	}
	oldPkgs, err := loadAPI(ctx, oldDir, goOld.env, t.Name)
	if err != nil {
		return apiResult{}, err
	}
	newPkgs, err := loadAPI(ctx, filepath.Join(r.root, filepath.FromSlash(m.Dir)), r.workspaceGo().env, m.Dir+" in the working tree")
	if err != nil {
		return apiResult{}, err
	}
	rep := apidiff.ModuleChanges(&apidiff.Module{Path: oldPath, Packages: oldPkgs}, &apidiff.Module{Path: m.Path, Packages: newPkgs})
	var res apiResult
	for _, c := range rep.Changes {
		if c.Compatible {
			res.compatible = append(res.compatible, c.Message)
		} else {
			res.incompatible = append(res.incompatible, c.Message)
		}
	}
	switch {
	case len(res.incompatible) > 0:
		res.bump = changes.Major
	case len(res.compatible) > 0:
		res.bump = changes.Minor
	}
	return res, nil
}

// loadAPI type-checks the public packages of the module in dir: not main,
// not internal.
func loadAPI(ctx context.Context, dir string, env []string, what string) ([]*types.Package, error) {
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.NeedName | packages.NeedTypes,
		Dir:     dir,
		Env:     env,
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, errors.Wrapf(errors.CodeInternal, err, "load the packages of %s for the API diff", what)
	}
	var out []*types.Package
	var msgs []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			msgs = append(msgs, e.Error())
		}
		if p.Name == "main" || p.Types == nil || isInternal(p.PkgPath) {
			continue
		}
		out = append(out, p.Types)
	}
	if len(msgs) > 0 {
		return nil, errors.Newf(errors.CodeValidation, "%s does not type-check, so its API cannot be compared:\n    %s", what, strings.Join(msgs, "\n    "))
	}
	slices.SortFunc(out, func(a, b *types.Package) int { return strings.Compare(a.Path(), b.Path()) })
	return out, nil
}

func isInternal(pkgPath string) bool {
	for _, elem := range strings.Split(pkgPath, "/") {
		if elem == "internal" {
			return true
		}
	}
	return false
}
