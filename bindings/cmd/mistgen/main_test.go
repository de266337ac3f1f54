package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/bindings/gen"
)

func TestRun(t *testing.T) {
	root := t.TempDir()
	var stderr bytes.Buffer
	if code := run([]string{"-root", root}, &stderr); code != 0 {
		t.Fatalf("run(-root %s) = %d, stderr %q; want 0", root, code, stderr.String())
	}
	files, err := gen.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("mistgen wrote %s different from gen.Files", name)
		}
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-nope"}, 2, "flag provided but not defined"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"-root", "/dev/null/x"}, 1, "mistgen: internal: gen: write"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		if code := run(tt.args, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
}
