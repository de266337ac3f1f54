package bindings_test

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/bindings/gen"
)

// TestGeneratedFilesUpToDate regenerates the bindings into a temporary
// directory and fails on any difference with the committed files.
func TestGeneratedFilesUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := gen.Write(tmp); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{gen.PythonFile, gen.TypeScriptFile} {
		want, err := os.ReadFile(filepath.Join(tmp, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Errorf("read the committed %s: %v; run `go generate` in bindings/", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale (first difference at line %d); run `go generate` in bindings/", name, firstDiffLine(got, want))
		}
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// TestPackageDoc fails when doc.go loses its package comment or the
// go:generate line that runs mistgen.
func TestPackageDoc(t *testing.T) {
	for _, dir := range []string{".", "gen"} {
		path := filepath.Join(dir, "doc.go")
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		want := "Package " + f.Name.Name + " "
		if f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), want) {
			t.Errorf("%s has no package comment starting %q", path, want)
		}
	}
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\n//go:generate go run ./cmd/mistgen\n") {
		t.Errorf("doc.go has no line %q", "//go:generate go run ./cmd/mistgen")
	}
}
