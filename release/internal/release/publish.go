package release

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/greynewell/mist-go/errors"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Published is one version written by [Publish].
type Published struct {
	Module  string `table:"MODULE" json:"module"`
	Version string `table:"VERSION" json:"version"`
	Tag     string `table:"TAG" json:"tag"`
	Status  string `table:"STATUS" json:"status"` // "written" or "present"
}

// Publish writes every released version (every tag <dir>/vX.Y.Z of a
// module of the workspace) into dir in the GOPROXY layout:
// <module>/@v/list, and <version>.info, .mod and .zip, the zip made from
// the tagged commit with zip.CreateFromVCS. Versions already in dir are
// kept; the list files are rewritten. A tag whose go.mod names a module
// path that does not fit its major version is skipped, as Go would ignore
// it. The result lists the versions in module, then version order.
func Publish(ctx context.Context, cfg *Config, dir string) ([]Published, error) {
	if dir == "" {
		return nil, errors.New(errors.CodeValidation, "publish needs --dir DIR: the GOPROXY directory to write")
	}
	r, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "publish directory")
	}
	names := make([]string, 0, len(r.tags))
	for name := range r.tags {
		names = append(names, name)
	}
	slices.Sort(names)
	lists := map[string][]string{}
	var out []Published
	for _, name := range names {
		mdir, v, ok := r.splitTag(name)
		if !ok {
			continue
		}
		t := r.tags[name]
		gomod, err := r.goModAt(ctx, t.Commit, mdir)
		if err != nil {
			return nil, errors.Wrapf(errors.CodeValidation, err, "tag %s has no %s/go.mod", name, mdir)
		}
		f, err := modfile.ParseLax("go.mod", gomod, nil)
		if err != nil || f.Module == nil {
			return nil, errors.Newf(errors.CodeValidation, "tag %s: %s/go.mod does not parse", name, mdir)
		}
		mv := module.Version{Path: f.Module.Mod.Path, Version: v}
		if err := module.Check(mv.Path, mv.Version); err != nil {
			fmt.Fprintf(cfg.stderr(), "publish: skipping tag %s: %v\n", name, err)
			continue
		}
		base, err := versionBase(dir, mv)
		if err != nil {
			return nil, err
		}
		status := "present"
		if _, err := os.Stat(base + ".zip"); err != nil {
			zipData, err := zipCommit(ctx, r, t.Commit, mdir, mv)
			if err != nil {
				return nil, err
			}
			if err := writeVersion(dir, mv, zipData, gomod, t.Time); err != nil {
				return nil, err
			}
			status = "written"
		}
		lists[mv.Path] = append(lists[mv.Path], v)
		out = append(out, Published{Module: mv.Path, Version: v, Tag: name, Status: status})
	}
	for path, versions := range lists {
		ep, _ := module.EscapePath(path)
		if old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ep), "@v", "list")); err == nil {
			for _, l := range strings.Fields(string(old)) {
				if semver.IsValid(l) && !slices.Contains(versions, l) {
					versions = append(versions, l)
				}
			}
		}
		semver.Sort(versions)
		if err := writeList(dir, path, versions); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Published) int {
		if a.Module != b.Module {
			return strings.Compare(a.Module, b.Module)
		}
		return semver.Compare(a.Version, b.Version)
	})
	return out, nil
}
