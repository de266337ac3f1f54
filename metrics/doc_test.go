package metrics_test

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestPackageDoc fails when doc.go no longer carries the package comment.
func TestPackageDoc(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), "Package metrics ") {
		t.Errorf("doc.go has no package comment starting %q", "Package metrics ")
	}
}
