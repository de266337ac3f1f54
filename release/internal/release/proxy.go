package release

import (
	stdzip "archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/zip"
)

// proxy is a GOPROXY directory being filled: <module>/@v/list, and .info,
// .mod and .zip per version.
//
// serve puts a version of one of our modules in it together with every
// version of our modules it requires, transitively: a tagged version comes
// from its tag (zip.CreateFromVCS), an untagged one from the working tree
// when tree is set (verify), and is refused otherwise (apply and the API
// diff add their new versions themselves). A proxy is safe for concurrent
// use.
type proxy struct {
	r    *repo
	dir  string
	tree map[string][]string // files of the working tree by module dir (repo.treeFiles); nil to refuse untagged versions

	mu       sync.Mutex
	versions map[string][]string // module path -> versions written
	zips     map[module.Version][]byte
}

func newProxy(r *repo, dir string, tree map[string][]string) *proxy {
	return &proxy{r: r, dir: dir, tree: tree, versions: map[string][]string{}, zips: map[module.Version][]byte{}}
}

// serveRequires serves every version of our modules that f requires.
func (p *proxy) serveRequires(ctx context.Context, f *modfile.File) error {
	for _, req := range f.Require {
		if p.r.ours(req.Mod.Path) {
			if err := p.serve(ctx, req.Mod); err != nil {
				return err
			}
		}
	}
	return nil
}

// serve makes sure mv and what it requires of ours is in the proxy.
func (p *proxy) serve(ctx context.Context, mv module.Version) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.serveLocked(ctx, mv, nil)
}

func (p *proxy) serveLocked(ctx context.Context, mv module.Version, chain []string) error {
	if _, ok := p.zips[mv]; ok {
		return nil
	}
	r := p.r
	dir := r.dirOfPath(mv.Path)
	if dir == "" {
		return errors.Newf(errors.CodeValidation, "%s requires %s %s, which is not a module of this workspace: remove the require or add the module to go.work", strings.Join(chain, " -> "), mv.Path, mv.Version)
	}
	var zipData, gomod []byte
	var when time.Time
	if t, ok := r.tagFor(dir, mv.Version); ok {
		var err error
		if zipData, err = zipCommit(ctx, r, t.Commit, dir, mv); err != nil {
			return err
		}
		if gomod, err = r.goModAt(ctx, t.Commit, dir); err != nil {
			return err
		}
		when = t.Time
	} else if p.tree != nil {
		var err error
		zipData, gomod, err = zipTree(r.root, dir, p.tree[dir], mv)
		if err != nil {
			return err
		}
		when = r.cfg.now().UTC()
	} else {
		who := "a module"
		if len(chain) > 0 {
			who = chain[len(chain)-1]
		}
		return errors.Newf(errors.CodeValidation, "%s requires %s %s, but there is no tag %s/%s: require a released version", who, mv.Path, mv.Version, dir, mv.Version)
	}
	if err := p.writeLocked(mv, zipData, gomod, when); err != nil {
		return err
	}
	f, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil {
		return errors.Wrapf(errors.CodeValidation, err, "go.mod of %s@%s", mv.Path, mv.Version)
	}
	for _, req := range f.Require {
		if p.r.ours(req.Mod.Path) {
			if err := p.serveLocked(ctx, req.Mod, append(chain, mv.Path+"@"+mv.Version)); err != nil {
				return err
			}
		}
	}
	return nil
}

// add writes one version with its content.
func (p *proxy) add(mv module.Version, zipData, gomod []byte, when time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writeLocked(mv, zipData, gomod, when)
}

// zip returns the zip of a version the proxy holds.
func (p *proxy) zip(mv module.Version) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	z, ok := p.zips[mv]
	return z, ok
}

func (p *proxy) writeLocked(mv module.Version, zipData, gomod []byte, when time.Time) error {
	if err := writeVersion(p.dir, mv, zipData, gomod, when); err != nil {
		return err
	}
	p.zips[mv] = zipData
	vs := append(p.versions[mv.Path], mv.Version)
	semver.Sort(vs)
	p.versions[mv.Path] = vs
	return writeList(p.dir, mv.Path, vs)
}

// writeVersion writes the .info, .mod and .zip files of one version.
func writeVersion(dir string, mv module.Version, zipData, gomod []byte, when time.Time) error {
	base, err := versionBase(dir, mv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return errors.Wrap(errors.CodeInternal, err, "proxy directory")
	}
	info, _ := json.Marshal(struct {
		Version string
		Time    string
	}{mv.Version, when.UTC().Format(time.RFC3339)})
	for ext, data := range map[string][]byte{".info": info, ".mod": gomod, ".zip": zipData} {
		if err := os.WriteFile(base+ext, data, 0o644); err != nil {
			return errors.Wrap(errors.CodeInternal, err, "write proxy file")
		}
	}
	return nil
}

func versionBase(dir string, mv module.Version) (string, error) {
	ep, err := module.EscapePath(mv.Path)
	if err != nil {
		return "", errors.Wrapf(errors.CodeValidation, err, "module path %s", mv.Path)
	}
	ev, err := module.EscapeVersion(mv.Version)
	if err != nil {
		return "", errors.Wrapf(errors.CodeValidation, err, "version %s", mv.Version)
	}
	return filepath.Join(dir, filepath.FromSlash(ep), "@v", ev), nil
}

// writeList writes <module>/@v/list.
func writeList(dir, modPath string, versions []string) error {
	ep, err := module.EscapePath(modPath)
	if err != nil {
		return errors.Wrapf(errors.CodeValidation, err, "module path %s", modPath)
	}
	name := filepath.Join(dir, filepath.FromSlash(ep), "@v", "list")
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return errors.Wrap(errors.CodeInternal, err, "proxy directory")
	}
	var b strings.Builder
	for _, v := range versions {
		b.WriteString(v + "\n")
	}
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		return errors.Wrap(errors.CodeInternal, err, "write proxy list")
	}
	return nil
}

// diskFile is a zip.File on disk.
type diskFile struct {
	name string // slash-separated, relative to the module root
	path string // on disk
	info os.FileInfo
}

func (f diskFile) Path() string                 { return f.name }
func (f diskFile) Lstat() (os.FileInfo, error)  { return f.info, nil }
func (f diskFile) Open() (io.ReadCloser, error) { return os.Open(f.path) }

// treeFiles lists the files of the working tree once (tracked or
// untracked, not ignored, as git ls-files gives them) and returns them by
// the module that owns them, the input of [zipTree] for every module.
func (r *repo) treeFiles(ctx context.Context) (map[string][]string, error) {
	names, err := r.git.Files(ctx, "")
	if err != nil {
		return nil, err
	}
	byDir := map[string][]string{}
	for _, n := range names {
		if m := r.owner(n); m != nil {
			byDir[m.Dir] = append(byDir[m.Dir], n)
		}
	}
	return byDir, nil
}

// zipTree zips module dir of the tree at root as mv from names, the files
// git lists under dir (slash-separated, relative to root), adding the root
// LICENSE when the module has none, as the go command does for a module in
// a subdirectory. Names that are gone from disk or not regular files are
// left out. It returns the zip and the go.mod.
func zipTree(root, dir string, names []string, mv module.Version) (zipData, gomod []byte, err error) {
	var files []zip.File
	hasLicense := false
	for _, n := range names {
		rel, ok := strings.CutPrefix(n, dir+"/")
		if !ok {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(n))
		info, err := os.Lstat(p)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted but still tracked, or not a regular file
		}
		if rel == "LICENSE" {
			hasLicense = true
		}
		files = append(files, diskFile{name: rel, path: p, info: info})
	}
	if !hasLicense {
		p := filepath.Join(root, "LICENSE")
		if info, err := os.Lstat(p); err == nil && info.Mode().IsRegular() {
			files = append(files, diskFile{name: "LICENSE", path: p, info: info})
		}
	}
	slices.SortFunc(files, func(a, b zip.File) int { return strings.Compare(a.Path(), b.Path()) })
	var buf bytes.Buffer
	if err := zip.Create(&buf, mv, files); err != nil {
		return nil, nil, errors.Wrapf(errors.CodeValidation, err, "zip %s from %s", mv.Path, dir)
	}
	gomod, err = os.ReadFile(filepath.Join(root, filepath.FromSlash(dir), "go.mod"))
	if err != nil {
		return nil, nil, errors.Wrap(errors.CodeInternal, err, "read go.mod")
	}
	return buf.Bytes(), gomod, nil
}

// unzip extracts a module zip into dst, which must not exist.
func unzip(dst string, mv module.Version, zipData []byte) error {
	tmp, err := os.CreateTemp("", "release-zip-*.zip")
	if err != nil {
		return errors.Wrap(errors.CodeInternal, err, "temporary zip")
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(zipData); err != nil {
		tmp.Close()
		return errors.Wrap(errors.CodeInternal, err, "temporary zip")
	}
	if err := tmp.Close(); err != nil {
		return errors.Wrap(errors.CodeInternal, err, "temporary zip")
	}
	if err := zip.Unzip(dst, mv, tmp.Name()); err != nil {
		return errors.Wrapf(errors.CodeInternal, err, "unzip %s@%s", mv.Path, mv.Version)
	}
	// zip.Unzip makes files read-only, as in a module cache; the go command
	// must be able to update go.sum here.
	err = filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chmod(p, 0o644)
	})
	if err != nil {
		return errors.Wrap(errors.CodeInternal, err, "make unzipped files writable")
	}
	return nil
}

// zipCommit zips module dir as mv from commit rev of the repository, with
// zip.CreateFromVCS: the files git archive gives (export-ignore honoured,
// line endings as committed), plus the root LICENSE when the module has
// none. A repository root that is a linked worktree, which CreateFromVCS
// does not recognize, gets the same zip built from git archive here.
func zipCommit(ctx context.Context, r *repo, rev, dir string, mv module.Version) ([]byte, error) {
	var buf bytes.Buffer
	err := zip.CreateFromVCS(&buf, mv, r.root, rev, dir)
	if err == nil {
		return buf.Bytes(), nil
	}
	var unrecognized *zip.UnrecognizedVCSError
	if !errors.As(err, &unrecognized) {
		return nil, errors.Wrapf(errors.CodeInternal, err, "zip %s@%s from %s", mv.Path, mv.Version, short(rev))
	}
	raw, err := r.git.Bytes(ctx, "-c", "core.autocrlf=input", "-c", "core.eol=lf", "archive", "--format=zip", rev, "--", dir)
	if err != nil {
		return nil, err
	}
	zr, err := stdzip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "read git archive")
	}
	var files []zip.File
	hasLicense := false
	for _, zf := range zr.File {
		name, ok := strings.CutPrefix(zf.Name, dir+"/")
		if !ok || name == "" || strings.HasSuffix(name, "/") {
			continue
		}
		hasLicense = hasLicense || name == "LICENSE"
		files = append(files, archiveFile{name: name, f: zf})
	}
	if !hasLicense {
		if lic, err := r.git.Bytes(ctx, "cat-file", "blob", rev+":LICENSE"); err == nil {
			files = append(files, memFile{name: "LICENSE", data: lic})
		}
	}
	buf.Reset()
	if err := zip.Create(&buf, mv, files); err != nil {
		return nil, errors.Wrapf(errors.CodeValidation, err, "zip %s@%s", mv.Path, mv.Version)
	}
	return buf.Bytes(), nil
}

// archiveFile is a zip.File inside a git archive.
type archiveFile struct {
	name string
	f    *stdzip.File
}

func (f archiveFile) Path() string                 { return f.name }
func (f archiveFile) Lstat() (os.FileInfo, error)  { return f.f.FileInfo(), nil }
func (f archiveFile) Open() (io.ReadCloser, error) { return f.f.Open() }

// memFile is a zip.File in memory.
type memFile struct {
	name string
	data []byte
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (os.FileInfo, error)  { return memInfo{f}, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo struct{ f memFile }

func (i memInfo) Name() string       { return path.Base(i.f.name) }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() os.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
