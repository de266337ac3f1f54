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

func TestStatus(t *testing.T) {
	t.Parallel()
	r := released(t).Clone(t)
	r.Write("b/README.md", "b\n")
	r.Commit("docs(b): readme")
	r.Write("c/CHANGELOG.md", strings.Replace(r.Read("c/CHANGELOG.md"), "## v0.1.0 - 2026-11-27", "## v0.3.0 - 2026-11-27", 1))
	r.Commit("docs(c): wrong heading")
	var out bytes.Buffer
	rows, err := release.Status(ctx, config(r, &out))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]release.StatusRow{}
	for _, row := range rows {
		got[row.Module] = row
	}
	if a := got["a"]; a.Last != "v0.1.0" || a.Changelog != "v0.1.0" || a.Unreleased != "none" || a.Notes != "" {
		t.Errorf("a: %+v", a)
	}
	if b := got["b"]; b.Unreleased != "1 file(s), 1 commit(s)" {
		t.Errorf("b: %+v", b)
	}
	if c := got["c"]; !strings.Contains(c.Notes, "tag says v0.1.0, CHANGELOG.md says v0.3.0") || !strings.Contains(c.Notes, "no tag c/v0.3.0 exists") {
		t.Errorf("c notes: %q", c.Notes)
	}
	if tools := got["tools"]; tools.Kind != release.KindUnreleased || tools.Last != "-" {
		t.Errorf("tools: %+v", tools)
	}
}

func TestGraph(t *testing.T) {
	t.Parallel()
	r := fixture.New(t)
	var out bytes.Buffer
	rows, err := release.Graph(ctx, config(r, &out))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range rows {
		got = append(got, row.Module+" L"+string(rune('0'+row.Level))+" ["+row.Requires+"] ["+row.RequiredBy+"]")
	}
	want := []string{
		"a L0 [] [b,c,d,e,tools]",
		"b L1 [a] [d,e,tools]",
		"c L1 [a] [d,e,tools]",
		"d L2 [a,b,c] [e,tools]",
		"e L3 [a,b,c,d] [tools]",
		"tools L4 [a,b,c,d,e] []",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("graph (-want +got):\n%s", diff)
	}
	out.Reset()
	if err := release.WriteDot(&out, rows); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"digraph modules {", `"tools" [style=dashed];`, `"d" -> "b";`, `"b" -> "a";`} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("dot lacks %q:\n%s", s, out.String())
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	r := fixture.New(t)
	r.Write("c/fail_test.go", "package c\n\nimport \"testing\"\n\nfunc TestFails(t *testing.T) { t.Fatal(\"c is broken\") }\n")
	// A module without Go packages yet has nothing to build and passes.
	r.Write("z/go.mod", "module example.com/mono/z\n\ngo 1.26.0\n")
	r.Write("z/README.md", "Not code yet.\n")
	r.Write("go.work", strings.Replace(r.Read("go.work"), "\t./tools\n", "\t./tools\n\t./z\n", 1))
	r.Commit("test(c): fail")
	var out bytes.Buffer
	var results []release.VerifyResult
	err := release.Verify(ctx, config(r, &out), func(res release.VerifyResult) { results = append(results, res) })
	if errors.Code(err) != errors.CodeInternal || !strings.Contains(err.Error(), "[c]") {
		t.Errorf("Verify = %v, want an internal error naming c", err)
	}
	status := map[string]bool{}
	for _, res := range results {
		status[res.Module] = res.OK
		if !res.OK && !strings.Contains(res.Output, "c is broken") {
			t.Errorf("output of %s lacks the failure:\n%s", res.Module, res.Output)
		}
	}
	want := map[string]bool{"a": true, "b": true, "c": false, "d": true, "e": true, "tools": true, "z": true}
	if diff := cmp.Diff(want, status); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if st := r.Run("git", "status", "--porcelain"); st != "" {
		t.Errorf("verify changed the working tree:\n%s", st)
	}
}
