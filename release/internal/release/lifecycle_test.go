package release_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/fixture"
	"github.com/greynewell/mist-go/release/internal/release"
)

// planOf returns the versions the plan creates and the raised requires, as
// "dir next" and "dir: dep from->to" lines.
func planOf(p *release.Plan) (versions, raises []string) {
	for _, m := range p.Modules {
		if m.Next != "" {
			versions = append(versions, m.Dir+" "+m.Bump+" "+m.Next)
		}
		for _, r := range m.Raise {
			raises = append(raises, m.Dir+": "+r.Dir+" "+r.From+"->"+r.To)
		}
	}
	return versions, raises
}

// TestReleaseLifecycle follows one repository through a fix in the leaf,
// an API break in the v0 leaf, publishing to a file proxy, a consumer that
// pins the leaf and a dependent at different versions, and pushing to a
// bare remote, including the refusal when a tag exists there elsewhere.
func TestReleaseLifecycle(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	var out bytes.Buffer
	cfg := config(r, &out)

	// A fix in the leaf: a patch for it and for every dependent, with the
	// requires raised.
	r.Write("a/a.go", strings.Replace(r.Read("a/a.go"), "func Value() int { return 1 }", "func Value() int {\n\tone := 1\n\treturn one\n}", 1))
	r.Commit("fix(a): compute Value plainly")
	p, err := release.MakePlan(ctx, cfg, release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	versions, raises := planOf(p)
	if diff := cmp.Diff([]string{"a patch v0.1.1", "b patch v0.1.1", "c patch v0.1.1", "d patch v0.1.1", "e patch v0.1.1"}, versions); diff != "" {
		t.Errorf("versions after a fix in the leaf (-want +got):\n%s", diff)
	}
	wantRaises := []string{
		"b: a v0.1.0->v0.1.1", "c: a v0.1.0->v0.1.1",
		"d: a v0.1.0->v0.1.1", "d: b v0.1.0->v0.1.1", "d: c v0.1.0->v0.1.1",
		"e: a v0.1.0->v0.1.1", "e: b v0.1.0->v0.1.1", "e: c v0.1.0->v0.1.1", "e: d v0.1.0->v0.1.1",
		"tools: a v0.1.0->v0.1.1", "tools: b v0.1.0->v0.1.1", "tools: c v0.1.0->v0.1.1", "tools: d v0.1.0->v0.1.1", "tools: e v0.1.0->v0.1.1",
	}
	if diff := cmp.Diff(wantRaises, raises); diff != "" {
		t.Errorf("raised requires (-want +got):\n%s", diff)
	}
	if a := p.Module("a"); a.API != "none" || a.Declared != "patch" || !strings.Contains(strings.Join(a.Reasons, "\n"), "fix(a): compute Value plainly") {
		t.Errorf("plan of a: api %q declared %q reasons %q", a.API, a.Declared, a.Reasons)
	}
	if _, err := release.Apply(ctx, cfg, release.ApplyOptions{Yes: true}); err != nil {
		t.Fatalf("apply the fix: %v\n%s", err, out.String())
	}
	if got := r.Read("a/CHANGELOG.md"); !strings.Contains(got, "## v0.1.1 - 2026-11-27\n\n### Changes\n\n- fix(a): compute Value plainly (") {
		t.Errorf("a/CHANGELOG.md lacks the fix:\n%s", got)
	}
	if got := r.Read("c/CHANGELOG.md"); !strings.Contains(got, "## v0.1.1 - 2026-11-27\n\n### Dependencies\n\n- dependency: a v0.1.1\n") {
		t.Errorf("c/CHANGELOG.md lacks the generated dependency line:\n%s", got)
	}

	// An API break in the v0 leaf: a minor release, the dependents follow
	// with patches.
	r.Write("a/a.go", strings.Replace(r.Read("a/a.go"), "// Name is the name of the module.\nconst Name = \"a\"\n", "", 1))
	r.Write(".changes/drop-name.md", "---\na: minor\n---\n### Removed\n\n- `Name`: use the module path.\n")
	r.Commit("refactor(a): drop Name")
	p, err = release.MakePlan(ctx, cfg, release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	versions, _ = planOf(p)
	if diff := cmp.Diff([]string{"a minor v0.2.0", "b patch v0.1.2", "c patch v0.1.2", "d patch v0.1.2", "e patch v0.1.2"}, versions); diff != "" {
		t.Errorf("versions after an API break in the v0 leaf (-want +got):\n%s", diff)
	}
	if a := p.Module("a"); a.API != "major" || !strings.Contains(strings.Join(a.Reasons, "\n"), "incompatible") || len(a.Problems) != 0 {
		t.Errorf("plan of a: api %q reasons %q problems %q", a.API, a.Reasons, a.Problems)
	}
	res, err := release.Apply(ctx, cfg, release.ApplyOptions{Yes: true})
	if err != nil {
		t.Fatalf("apply the break: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(r.Dir, ".changes", "drop-name.md")); !os.IsNotExist(err) {
		t.Errorf("the used change file is still there: %v", err)
	}
	if got := r.Read("a/CHANGELOG.md"); !strings.Contains(got, "## v0.2.0 - 2026-11-27\n\n### Removed\n\n- `Name`: use the module path.\n") {
		t.Errorf("a/CHANGELOG.md lacks the change-file text:\n%s", got)
	}
	if got := r.Read("CHANGELOG.md"); !strings.Contains(got, "- a@v0.2.0: `Name`: use the module path.") {
		t.Errorf("release train lacks a@v0.2.0:\n%s", got)
	}

	// Publish, then consume from outside the repository: the leaf at one
	// version, a dependent at another.
	proxy := filepath.Join(t.TempDir(), "proxy")
	pub, err := release.Publish(ctx, cfg, proxy)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 15 {
		t.Errorf("published %d versions, want 15 (5 modules, 3 releases)", len(pub))
	}
	if got := readFile(t, filepath.Join(proxy, "example.com/mono/a/@v/list")); got != "v0.1.0\nv0.1.1\nv0.2.0\n" {
		t.Errorf("a/@v/list = %q", got)
	}
	consumer := t.TempDir()
	os.WriteFile(filepath.Join(consumer, "go.mod"), []byte("module consumer.test/app\n\ngo 1.26.0\n\nrequire (\n\texample.com/mono/a v0.2.0\n\texample.com/mono/b v0.1.1\n)\n"), 0o644)
	os.WriteFile(filepath.Join(consumer, "main.go"), []byte("package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/mono/a\"\n\t\"example.com/mono/b\"\n)\n\nfunc main() { fmt.Println(a.Value(), b.Value()) }\n"), 0o644)
	goEnv := append(append([]string{}, r.Env...),
		"GOWORK=off", "GOPROXY="+(&urlFile{proxy}).String(), "GONOSUMDB=example.com/mono", "GOSUMDB=off",
		"GOFLAGS=-mod=mod -modcacherw", "GOMODCACHE="+filepath.Join(t.TempDir(), "modcache"))
	for _, args := range [][]string{{"build", "./..."}, {"list", "-m", "all"}} {
		cmd := exec.Command(r.Go, args...)
		cmd.Dir, cmd.Env = consumer, goEnv
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("consumer go %v: %v\n%s", args, err, got)
		}
		if args[0] == "list" && (!strings.Contains(string(got), "example.com/mono/a v0.2.0") || !strings.Contains(string(got), "example.com/mono/b v0.1.1")) {
			t.Errorf("consumer build list:\n%s", got)
		}
	}

	// Push to a bare remote: refused while a tag of the release exists
	// there at another commit, then all at once.
	remote := filepath.Join(t.TempDir(), "remote.git")
	r.Run("git", "init", "-q", "--bare", remote)
	r.Run("git", "remote", "add", "origin", remote)
	r.Run("git", "push", "-q", "origin", "HEAD~1:refs/tags/a/v0.2.0")
	before := r.Run("git", "ls-remote", "origin")
	_, err = release.Push(ctx, cfg, "origin")
	if err == nil || errors.Code(err) != errors.CodeConflict || !strings.Contains(err.Error(), "a/v0.2.0 is at") {
		t.Fatalf("push with a conflicting remote tag: %v, want a conflict naming a/v0.2.0", err)
	}
	if after := r.Run("git", "ls-remote", "origin"); after != before {
		t.Errorf("refused push changed the remote:\n%s\nwas\n%s", after, before)
	}
	r.Run("git", "push", "-q", "origin", ":refs/tags/a/v0.2.0")
	pushed, err := release.Push(ctx, cfg, "origin")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Tags, pushed.Tags); diff != "" {
		t.Errorf("pushed tags (-want +got):\n%s", diff)
	}
	head := r.Run("git", "rev-parse", "HEAD")
	for _, ref := range append([]string{"refs/heads/main"}, prefixed("refs/tags/", res.Tags)...) {
		cmd := exec.Command(r.Git, "--git-dir", remote, "rev-parse", ref+"^{commit}")
		cmd.Env = r.Env
		got, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(got)) != head {
			t.Errorf("remote %s = %s (%v), want %s", ref, got, err, head)
		}
	}
	// Pushing again is a no-op: the tags are there at the same commit.
	again, err := release.Push(ctx, cfg, "origin")
	if err != nil || len(again.Tags) != 0 {
		t.Errorf("second push: %v, tags %v", err, again)
	}
}

func prefixed(prefix string, s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = prefix + v
	}
	return out
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// urlFile is a file:// URL for a directory.
type urlFile struct{ dir string }

func (u *urlFile) String() string { return "file://" + filepath.ToSlash(u.dir) }

var _ = fixture.Prefix
