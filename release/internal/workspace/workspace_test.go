package workspace

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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

// TestWalkSources checks the one definition of a module's source tree:
// nested modules, testdata, vendor, node_modules and names starting with
// "." or "_" are not part of it.
func TestWalkSources(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.go":                  "package m\n",
		"sub/b.go":              "package sub\n",
		"sub/deeper/c.go":       "package deeper\n",
		"nested/go.mod":         "module x/nested\n",
		"nested/n.go":           "package nested\n",
		"testdata/t.go":         "package t\n",
		"vendor/v/v.go":         "package v\n",
		"node_modules/p/p.go":   "package p\n",
		".hidden/h.go":          "package h\n",
		"_scratch/s.go":         "package s\n",
		"sub/node_modules/q.go": "package q\n",
	})
	var got []string
	err := WalkSources(root, func(dir string) error {
		rel, err := filepath.Rel(root, dir)
		got = append(got, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{".", "sub", "sub/deeper"}, got); diff != "" {
		t.Errorf("directories (-want +got):\n%s", diff)
	}
}

func TestLoadAndImports(t *testing.T) {
	root := writeTree(t, map[string]string{
		"go.work":               "go 1.26.0\n\nuse (\n\t./a\n\t./b\n\t./gone\n)\n",
		"a/go.mod":              "module x/a\n\ngo 1.26.0\n",
		"a/sub/sub.go":          "package sub\n",
		"b/go.mod":              "module x/b\n\ngo 1.26.0\n\nrequire x/a v0.0.0\n",
		"b/b.go":                "package b\n\nimport (\n\t\"fmt\"\n\t\"x/a/sub\"\n\t\"x/b/own\"\n)\n",
		"b/b_test.go":           "package b\n\nimport _ \"x/a\"\n",
		"b/node_modules/n/n.go": "package n\n\nimport _ \"x/a\"\n",
		"c/go.mod":              "module x/c\n\ngo 1.26.0\n",
		"c/testdata/t/go.mod":   "module x/t\n",
	})
	ws, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range ws.Mods {
		dirs = append(dirs, m.Dir)
	}
	if diff := cmp.Diff([]string{"a", "b"}, dirs); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone"}, ws.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c"}, ws.Unlisted); diff != "" {
		t.Errorf("unlisted (-want +got):\n%s", diff)
	}
	b, ok := ws.Module("x/b")
	if !ok {
		t.Fatal("Module(x/b) not found")
	}
	if deps := ws.Requires(b); len(deps) != 1 || deps[0].Dir != "a" {
		t.Errorf("Requires(b) = %v, want a", deps)
	}
	imps, err := ws.Imports(b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, imp := range imps {
		got = append(got, imp.File+" "+imp.Path+" "+imp.Of.Dir)
	}
	want := []string{"b/b.go x/a/sub a", "b/b_test.go x/a a"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("imports (-want +got):\n%s", diff)
	}
}
