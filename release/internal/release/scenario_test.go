package release_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/fixture"
	"github.com/greynewell/mist-go/release/internal/release"
)

// dropName removes the exported constant Name from module dir: an
// incompatible API change that no other module notices.
func dropName(r *fixture.Repo, dir string) {
	file := dir + "/" + dir + ".go"
	src := r.Read(file)
	out := strings.Replace(src, "// Name is the name of the module.\nconst Name = \""+dir+"\"\n", "", 1)
	if out == src {
		panic("fixture changed: no Name in " + file)
	}
	r.Write(file, out)
}

func TestPlanFirstRelease(t *testing.T) {
	t.Parallel()
	r := fixture.New(t)
	var out bytes.Buffer
	p, err := release.MakePlan(ctx, config(r, &out), release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range p.Modules {
		order = append(order, m.Dir+" "+m.Kind+" "+m.Next)
	}
	want := []string{"a library v0.1.0", "b library v0.1.0", "c library v0.1.0", "d library v0.1.0", "e library v0.1.0", "tools unreleased "}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("modules in release order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a/v0.1.0", "b/v0.1.0", "c/v0.1.0", "d/v0.1.0", "e/v0.1.0"}, p.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if got := p.Module("d").Raise; len(got) != 3 || got[0].From != "v0.0.0" || got[0].To != "v0.1.0" {
		t.Errorf("d raises %+v, want a, b and c from v0.0.0 to v0.1.0", got)
	}
	if got := p.Module("tools").Raise; len(got) != 5 {
		t.Errorf("the unreleased module's requires are not raised: %+v", got)
	}
	if lv := []int{p.Module("a").Level, p.Module("b").Level, p.Module("d").Level, p.Module("e").Level}; !cmp.Equal(lv, []int{0, 1, 2, 3}) {
		t.Errorf("levels a, b, d, e = %v, want 0 1 2 3", lv)
	}
	if err := release.WritePlan(&out, p); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"#  MODULE  KIND", "1  a       library     -     minor  v0.1.0  first release", "Tags to create, in order:\n  a/v0.1.0", "tools: e v0.0.0 -> v0.1.0"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("plan table lacks %q:\n%s", s, out.String())
		}
	}
	problems, err := release.Check(ctx, config(r, &out))
	if err != nil || len(problems) != 0 {
		t.Errorf("check of an unreleased workspace: %v, %v", problems, err)
	}
}

func TestPlanSince(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	r.Write("b/README.md", "b\n")
	r.Commit("docs(b): readme")
	first := r.Run("git", "rev-parse", "HEAD")
	r.Write("c/README.md", "c\n")
	r.Commit("docs(c): readme")
	var out bytes.Buffer
	p, err := release.MakePlan(ctx, config(r, &out), release.PlanOptions{Since: first})
	if err != nil {
		t.Fatal(err)
	}
	versions, _ := planOf(p)
	// Since first, only c changed; d and e follow it.
	if diff := cmp.Diff([]string{"c patch v0.1.1", "d patch v0.1.1", "e patch v0.1.1"}, versions); diff != "" {
		t.Errorf("versions --since (-want +got):\n%s", diff)
	}
	if _, err := release.MakePlan(ctx, config(r, &out), release.PlanOptions{Since: "no-such-rev"}); errors.Code(err) != errors.CodeValidation {
		t.Errorf("--since with a bad revision: %v, want a validation error", err)
	}
}

func TestConventionalCommitsAndChangeFiles(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	r.Write("c/README.md", "c\n")
	r.Commit("feat(c): readme counts as a feature")
	r.Write("b/README.md", "b\n")
	r.Write("e/README.md", "e\n")
	r.Commit("feat(e)!: e and b changed, the scope names e")
	r.Write(".changes/big.md", "---\nd: major\n---\nd leaves v0.\n")
	r.Commit("docs: a change file")
	var out bytes.Buffer
	p, err := release.MakePlan(ctx, config(r, &out), release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	versions, _ := planOf(p)
	want := []string{
		"b patch v0.1.1", // touched by a breaking commit scoped to another module: a patch here
		"c minor v0.2.0", // feat
		"d major v1.0.0", // a change file declares major: the way out of v0
		"e minor v0.2.0", // breaking below v1: minor
	}
	if diff := cmp.Diff(want, versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if e := p.Module("e"); !strings.Contains(strings.Join(e.Reasons, "\n"), "below v1 a breaking change is a minor release") {
		t.Errorf("e reasons %q do not explain the v0 rule", e.Reasons)
	}
	if diff := cmp.Diff([]string{".changes/big.md"}, p.Changes); diff != "" {
		t.Errorf("change files (-want +got):\n%s", diff)
	}
}

func TestBreakInV1LeafIsRefused(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	r.Run("git", "tag", "-a", "-m", "a v1.0.0", "a/v1.0.0")
	dropName(r, "a")
	r.Commit("refactor(a): drop Name")
	var out bytes.Buffer
	cfg := config(r, &out)
	_, err := release.MakePlan(ctx, cfg, release.PlanOptions{})
	if errors.Code(err) != errors.CodeConflict {
		t.Fatalf("plan: %v, want a conflict", err)
	}
	for _, s := range []string{"a: a breaking change takes a from v1.0.0 to v2.0.0", "example.com/mono/a/v2", "a/go.mod"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("refusal %q lacks %q", err, s)
		}
	}
	before := r.Snapshot()
	if _, err := release.Apply(ctx, cfg, release.ApplyOptions{Yes: true}); errors.Code(err) != errors.CodeConflict {
		t.Errorf("apply: %v, want the same refusal", err)
	}
	if after := r.Snapshot(); after != before {
		t.Errorf("refused apply changed the repository: %+v -> %+v", before, after)
	}
	problems, err := release.Check(ctx, cfg)
	if err != nil || len(problems) != 1 || problems[0].Rule != "release" || problems[0].Module != "a" {
		t.Errorf("check: %v, %v; want one release problem for a", problems, err)
	}

	// With the /v2 path, the major release goes through.
	r.Write("a/go.mod", strings.Replace(r.Read("a/go.mod"), "module example.com/mono/a\n", "module example.com/mono/a/v2\n", 1))
	r.Commit("feat(a)!: module path a/v2")
	p, err := release.MakePlan(ctx, cfg, release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a := p.Module("a"); a.Next != "v2.0.0" || a.Path != "example.com/mono/a/v2" {
		t.Errorf("a: next %q path %q, want v2.0.0 at example.com/mono/a/v2", a.Next, a.Path)
	}
}

func TestDeclaredPatchBelowAPIBreakFailsCheck(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	dropName(r, "a")
	r.Write(".changes/oops.md", "---\na: patch\n---\n### Fixed\n\n- Nothing, really.\n")
	r.Commit("chore: tidy a")
	var out bytes.Buffer
	cfg := config(r, &out)
	problems, err := release.Check(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Module != "a" || problems[0].Rule != "bump" ||
		!strings.Contains(problems[0].Msg, "declared patch, but the API diff needs minor") || !strings.Contains(problems[0].Msg, "Name") {
		t.Errorf("check problems = %v, want one bump problem for a naming Name", problems)
	}
	p, err := release.MakePlan(ctx, cfg, release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := p.Module("a")
	if a.Next != "v0.2.0" || len(a.Problems) != 1 {
		t.Errorf("plan of a: next %q problems %q; want v0.2.0 and the problem marked", a.Next, a.Problems)
	}
	out.Reset()
	release.WritePlan(&out, p)
	if !strings.Contains(out.String(), "Problems (release check fails on these):\n  a: declared patch") {
		t.Errorf("plan table does not mark the problem:\n%s", out.String())
	}
}

func TestAPIAdditionIsMinor(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	r.Write("c/more.go", "package c\n\n// More is new.\nfunc More() int { return 2 }\n")
	r.Commit("fix(c): add More")
	var out bytes.Buffer
	p, err := release.MakePlan(ctx, config(r, &out), release.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Module("c")
	if c.Next != "v0.2.0" || c.API != "minor" || c.Declared != "patch" || len(c.Problems) != 1 {
		t.Errorf("c: next %q api %q declared %q problems %q", c.Next, c.API, c.Declared, c.Problems)
	}
}

// TestApplyFailureLeavesRepositoryUnchanged breaks a module's tests, which
// only the verification in the temporary worktree finds: the repository
// must be exactly as before.
func TestApplyFailureLeavesRepositoryUnchanged(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	r.Write("c/fail_test.go", "package c\n\nimport \"testing\"\n\nfunc TestFails(t *testing.T) { t.Fatal(\"c is broken\") }\n")
	r.Commit("fix(c): a test that fails")
	before := r.Snapshot()
	var out bytes.Buffer
	_, err := release.Apply(ctx, config(r, &out), release.ApplyOptions{Yes: true})
	if err == nil {
		t.Fatal("apply with a failing test succeeded")
	}
	if errors.Code(err) != errors.CodeInternal || !strings.Contains(err.Error(), "c is broken") || !strings.Contains(err.Error(), "the repository is unchanged") {
		t.Errorf("error = %v", err)
	}
	if after := r.Snapshot(); after != before {
		t.Errorf("repository changed by a failed apply:\nbefore %+v\nafter  %+v", before, after)
	}
}

// Fixed: check attributed a refusal whose message does not start with
// "<dir>:" to a module named "release"; it belongs to the module refused.
func TestRefusalIsReportedForItsModule(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	r.Write("a/a.go", strings.Replace(r.Read("a/a.go"), "func Value() int { return 1 }", "func Value() int { return 0 + 1 }", 1))
	r.Write("b/go.mod", strings.Replace(r.Read("b/go.mod"), "example.com/mono/a v0.1.0", "example.com/mono/a v0.5.0", 1))
	r.Write("go.work", strings.Replace(r.Read("go.work"), "example.com/mono/a v0.1.0 => ./a", "example.com/mono/a v0.1.0 => ./a\n\texample.com/mono/a v0.5.0 => ./a", 1))
	r.Commit("fix(a): compute Value another way")
	var out bytes.Buffer
	cfg := config(r, &out)
	if _, err := release.MakePlan(ctx, cfg, release.PlanOptions{}); errors.Code(err) != errors.CodeConflict || !strings.Contains(err.Error(), "b requires a v0.5.0, newer than the v0.1.1 this release creates") {
		t.Fatalf("plan: %v, want the refusal of b's require", err)
	}
	problems, err := release.Check(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		if p.Rule == "release" {
			got = append(got, p.Module)
		}
	}
	if diff := cmp.Diff([]string{"b"}, got); diff != "" {
		t.Errorf("modules of the release problems (-want +got):\n%s\nall: %v", diff, problems)
	}
}
