// Package repotest finds the mist-go repository for the tests that hold it
// to its own rules.
//
// Those tests run in two places: in the repository (go test work, from the
// package directory) and in the standalone lane, where `release verify`
// unzips the release module alone into a scratch directory. There the
// repository is not above the package directory, so verify passes its root
// in MIST_REPO_ROOT.
package repotest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the root of the repository (the directory holding go.work
// and .git): the nearest such directory above the current one, else
// $MIST_REPO_ROOT. It fails the test when neither is found.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; {
		if isRoot(d) {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if env := os.Getenv("MIST_REPO_ROOT"); env != "" && isRoot(env) {
		return env
	}
	t.Fatalf("the mist-go repository is not above %s and MIST_REPO_ROOT does not name it: run the test inside the repository or set MIST_REPO_ROOT", dir)
	return ""
}

func isRoot(dir string) bool {
	_, err1 := os.Stat(filepath.Join(dir, "go.work"))
	_, err2 := os.Stat(filepath.Join(dir, ".git"))
	return err1 == nil && err2 == nil
}
