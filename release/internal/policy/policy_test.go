package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/release/internal/repotest"
)

// writeTree writes files (slash-separated relative names) under a new
// temporary directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const rp = "github.com/greynewell/mist-go"

// cleanTree is a workspace of two library modules, b requiring a, that
// breaks no rule. Each case below changes it in one way.
func cleanTree() map[string]string {
	return map[string]string{
		"go.work":           "go 1.26.0\n\nuse (\n\t./a\n\t./b\n)\n\nreplace " + rp + "/a v0.0.0 => ./a\n",
		"a/go.mod":          "module " + rp + "/a\n\ngo 1.26.0\n",
		"a/doc.go":          "// Package a does a.\npackage a\n",
		"a/a.go":            "package a\n\nfunc A() int { return 1 }\n",
		"a/example_test.go": "package a_test\n\nfunc ExampleA() {}\n",
		"a/CHANGELOG.md":    "# Changelog\n\n## Unreleased\n",
		"a/sub/doc.go":      "// Package sub helps a.\npackage sub\n",
		"b/go.mod":          "module " + rp + "/b\n\ngo 1.26.0\n\nrequire " + rp + "/a v0.0.0\n",
		"b/doc.go":          "// Package b does b.\npackage b\n",
		"b/b.go":            "package b\n\nimport \"" + rp + "/a/sub\"\n\nvar _ = sub.X\n",
		"b/example_test.go": "package b_test\n\nfunc Example() {}\n",
		"b/CHANGELOG.md":    "# Changelog\n\n## Unreleased\n",
	}
}

var testRules = Rules{Edges: map[string][]string{"b": {"a"}}}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(files map[string]string)
		rules  *Rules
		want   []string // "module rule" pairs
	}{
		{name: "clean"},
		{
			name:   "go.work uses a directory without go.mod",
			change: func(f map[string]string) { f["go.work"] = strings.Replace(f["go.work"], "./b\n", "./b\n\t./c\n", 1) },
			want:   []string{"go.work go.work"},
		},
		{
			name:   "go.mod not listed in go.work",
			change: func(f map[string]string) { f["c/go.mod"] = "module " + rp + "/c\n\ngo 1.26.0\n" },
			want:   []string{"go.work go.work"},
		},
		{
			name:   "replace directive",
			change: func(f map[string]string) { f["b/go.mod"] += "\nreplace " + rp + "/a => ../a\n" },
			want:   []string{"b replace"},
		},
		{
			name:   "root module required",
			change: func(f map[string]string) { f["b/go.mod"] += "\nrequire " + rp + " v1.0.0\n" },
			want:   []string{"b root-module"},
		},
		{
			name:   "root module in go.sum",
			change: func(f map[string]string) { f["b/go.sum"] = rp + " v1.0.0/go.mod h1:abc=\n" },
			want:   []string{"b root-module"},
		},
		{
			name:   "sibling in go.sum is fine",
			change: func(f map[string]string) { f["b/go.sum"] = rp + "/a v0.1.0/go.mod h1:abc=\n" },
		},
		{
			name:   "missing doc.go",
			change: func(f map[string]string) { delete(f, "a/doc.go"); f["a/a.go"] = "// Package a does a.\n" + f["a/a.go"] },
			want:   []string{"a doc"},
		},
		{
			name:   "undocumented sub-package",
			change: func(f map[string]string) { f["a/sub/doc.go"] = "package sub\n\nvar X = 1\n" },
			want:   []string{"a doc"},
		},
		{
			name:   "package comment in the wrong form",
			change: func(f map[string]string) { f["a/sub/doc.go"] = "// Helpers for a.\npackage sub\n\nvar X = 1\n" },
			want:   []string{"a doc"},
		},
		{
			// Fixed: the doc rule walked node_modules and vendor, which the
			// imports walk skips; a Go file an npm package ships is not ours.
			name: "Go files under node_modules, vendor or testdata are not packages",
			change: func(f map[string]string) {
				f["a/node_modules/x/x.go"] = "package x\n"
				f["a/vendor/y/y.go"] = "package y\n"
				f["a/testdata/z.go"] = "package z\n"
				f["a/_tmp/w.go"] = "package w\n"
			},
		},
		{
			name:   "missing CHANGELOG.md",
			change: func(f map[string]string) { delete(f, "b/CHANGELOG.md") },
			want:   []string{"b changelog"},
		},
		{
			name:   "missing example",
			change: func(f map[string]string) { f["a/example_test.go"] = "package a_test\n\nfunc TestA() {}\n" },
			want:   []string{"a example"},
		},
		{
			name: "unreleased module needs none of them",
			change: func(f map[string]string) {
				delete(f, "b/CHANGELOG.md")
				delete(f, "b/doc.go")
				delete(f, "b/example_test.go")
			},
			rules: &Rules{Unreleased: []string{"b"}},
		},
		{
			name:   "command needs a changelog only",
			change: func(f map[string]string) { delete(f, "b/doc.go"); delete(f, "b/example_test.go") },
			rules:  &Rules{Commands: []string{"b"}, Edges: testRules.Edges},
		},
		{
			name:   "wrong go directive",
			change: func(f map[string]string) { f["a/go.mod"] = "module " + rp + "/a\n\ngo 1.26\n" },
			want:   []string{"a go-directive"},
		},
		{
			name:   "wrong module path",
			change: func(f map[string]string) { f["a/go.mod"] = "module example.com/a\n\ngo 1.26.0\n" },
			want:   []string{"a module-path", "go.work work-replace"},
		},
		{
			name:   "import without require",
			change: func(f map[string]string) { f["b/go.mod"] = "module " + rp + "/b\n\ngo 1.26.0\n" },
			want:   []string{"b undeclared-import", "go.work work-replace"},
		},
		{
			name: "test-only import is an edge too",
			change: func(f map[string]string) {
				f["a/go.mod"] += "\nrequire " + rp + "/b v0.0.0\n"
				f["a/a_test.go"] = "package a\n\nimport _ \"" + rp + "/b\"\n"
				f["go.work"] += "replace " + rp + "/b v0.0.0 => ./b\n"
			},
			want: []string{"a cycle", "a edge"},
		},
		{
			name: "require cycle",
			change: func(f map[string]string) {
				f["a/go.mod"] += "\nrequire " + rp + "/b v0.0.0\n"
				f["go.work"] += "replace " + rp + "/b v0.0.0 => ./b\n"
			},
			want: []string{"a cycle"},
		},
		{
			name:   "edge not in the graph",
			change: func(f map[string]string) {},
			rules:  &Rules{},
			want:   []string{"b edge"},
		},
		{
			name:   "required sibling version not served by go.work",
			change: func(f map[string]string) { f["go.work"] = "go 1.26.0\n\nuse (\n\t./a\n\t./b\n)\n" },
			want:   []string{"go.work work-replace"},
		},
		{
			name:   "stale go.work replace",
			change: func(f map[string]string) { f["go.work"] += "replace " + rp + "/a v0.1.0 => ./a\n" },
			want:   []string{"go.work work-replace"},
		},
		{
			name: "third-party module at two versions",
			change: func(f map[string]string) {
				f["a/go.mod"] += "\nrequire golang.org/x/sync v0.24.0 // indirect\n"
				f["b/go.mod"] += "\nrequire golang.org/x/sync v0.25.0\n"
			},
			want: []string{"a third-party-version"},
		},
		{
			name: "third-party module at one version",
			change: func(f map[string]string) {
				f["a/go.mod"] += "\nrequire golang.org/x/sync v0.25.0 // indirect\n"
				f["b/go.mod"] += "\nrequire golang.org/x/sync v0.25.0\n"
			},
		},
		{
			name:   "go.work replace at all versions",
			change: func(f map[string]string) { f["go.work"] = strings.Replace(f["go.work"], "/a v0.0.0 =>", "/a =>", 1) },
			want:   []string{"go.work work-replace", "go.work work-replace"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := cleanTree()
			if tt.change != nil {
				tt.change(files)
			}
			rules := testRules
			if tt.rules != nil {
				rules = *tt.rules
			}
			problems, err := Check(writeTree(t, files), rules)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.Module+" "+p.Rule)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nall: %v", diff, problems)
			}
		})
	}
}

func TestCheckUnreadableWorkspace(t *testing.T) {
	if _, err := Check(t.TempDir(), Rules{}); err == nil {
		t.Error("Check on a directory without go.work succeeded")
	}
	root := writeTree(t, map[string]string{"go.work": "go 1.26.0\nuse (\n", "a/go.mod": "module x\n"})
	if _, err := Check(root, Rules{}); err == nil {
		t.Error("Check with a malformed go.work succeeded")
	}
}

// TestCycles checks the cycle rule on a workspace with a cycle of three
// modules (reported once, along the path) and one module that requires
// itself.
func TestCycles(t *testing.T) {
	files := map[string]string{"go.work": "go 1.26.0\n\nuse (\n\t./a\n\t./b\n\t./c\n\t./d\n\t./e\n)\n\nreplace (\n"}
	for dir, deps := range map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}} {
		gomod := "module " + rp + "/" + dir + "\n\ngo 1.26.0\n"
		for _, d := range deps {
			gomod += "\nrequire " + rp + "/" + d + " v0.0.0\n"
		}
		files[dir+"/go.mod"] = gomod
		if dir != "e" { // e is the only module nothing requires
			files["go.work"] += "\t" + rp + "/" + dir + " v0.0.0 => ./" + dir + "\n"
		}
	}
	files["go.work"] += ")\n"
	problems, err := Check(writeTree(t, files), Rules{Unreleased: []string{"a", "b", "c", "d", "e"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		"a: modules form an import cycle: a -> b -> c -> a [cycle]",
		"d: modules form an import cycle: d -> d [cycle]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRepository holds this repository to its own rules.
func TestRepository(t *testing.T) {
	problems, err := Check(repotest.Root(t), Mist())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
