package release

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/release/internal/changes"
	"github.com/greynewell/mist-go/release/internal/git"
	"github.com/greynewell/mist-go/release/internal/workspace"
	"golang.org/x/mod/modfile"
)

func testMod(path, last string) *mod {
	f := &modfile.File{Module: &modfile.Module{}}
	f.Module.Mod.Path = path
	m := &mod{Module: &workspace.Module{Dir: "a", Path: path, File: f}, kind: KindLibrary, last: last}
	if last != "" {
		m.lastTag = &git.Tag{Name: "a/" + last}
	}
	return m
}

func TestNextVersion(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		last      string
		bump      changes.Bump
		fileMajor bool
		want      string
		wantBump  changes.Bump
		refused   string
	}{
		{"first release", "x/a", "", changes.Patch, false, "v0.1.0", changes.Minor, ""},
		{"first release declared major", "x/a", "", changes.Major, true, "v1.0.0", changes.Major, ""},
		{"first release of a /v2 path", "x/a/v2", "", changes.Minor, false, "v2.0.0", changes.Major, ""},
		{"patch", "x/a", "v0.3.4", changes.Patch, false, "v0.3.5", changes.Patch, ""},
		{"minor", "x/a", "v0.3.4", changes.Minor, false, "v0.4.0", changes.Minor, ""},
		{"v0 break is minor", "x/a", "v0.3.4", changes.Major, false, "v0.4.0", changes.Minor, ""},
		{"v0 declared major leaves v0", "x/a", "v0.3.4", changes.Major, true, "v1.0.0", changes.Major, ""},
		{"v1 minor", "x/a", "v1.2.3", changes.Minor, false, "v1.3.0", changes.Minor, ""},
		{"v1 break refused", "x/a", "v1.2.3", changes.Major, false, "", changes.Major, "needs the major version in the module path: change the module line of a/go.mod to x/a/v2"},
		{"v1 break with /v2 path", "x/a/v2", "v1.2.3", changes.Major, false, "v2.0.0", changes.Major, ""},
		{"v2 break refused", "x/a/v2", "v2.0.1", changes.Major, true, "", changes.Major, "to x/a/v3"},
		{"/v2 path without a major bump", "x/a/v2", "v1.2.3", changes.Minor, false, "", changes.Minor, "says v2, but the release would be v1.3.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, b, refused := nextVersion(testMod(tt.path, tt.last), tt.bump, tt.fileMajor)
			if got != tt.want || b != tt.wantBump {
				t.Errorf("nextVersion = %q %v, want %q %v", got, b, tt.want, tt.wantBump)
			}
			if (refused == "") != (tt.refused == "") || !strings.Contains(refused, tt.refused) {
				t.Errorf("refusal = %q, want one containing %q", refused, tt.refused)
			}
		})
	}
}

func TestSetBindingsVersion(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"python/pyproject.toml":        "[build-system]\nrequires = [\"setuptools\"]\nversion = \"keep\"\n\n[project]\nname = \"mist\"\nversion = \"0.0.0\"  # set by release\ndescription = \"x\"\n\n[tool.x]\nversion = \"keep\"\n",
		"typescript/package.json":      "{\n  \"name\": \"@mist/mist\",\n  \"version\": \"0.0.0\",\n  \"dependencies\": {\"version\": \"keep\", \"x\": {\"version\": \"keep\"}},\n  \"scripts\": {\"test\": \"node --test\"}\n}\n",
		"typescript/package-lock.json": "{\n  \"name\": \"@mist/mist\",\n  \"version\": \"0.0.0\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"@mist/mist\", \"version\": \"0.0.0\"},\n    \"node_modules/x\": {\"version\": \"1.2.3\"}\n  }\n}\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	if err := setBindingsVersion(dir, "v0.4.1"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"python/pyproject.toml":        strings.Replace(files["python/pyproject.toml"], `version = "0.0.0"  # set`, `version = "0.4.1"  # set`, 1),
		"typescript/package.json":      strings.Replace(files["typescript/package.json"], `"version": "0.0.0"`, `"version": "0.4.1"`, 1),
		"typescript/package-lock.json": strings.ReplaceAll(files["typescript/package-lock.json"], `"version": "0.0.0"`, `"version": "0.4.1"`),
	}
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	// Missing files are skipped.
	if err := setBindingsVersion(t.TempDir(), "v1.0.0"); err != nil {
		t.Errorf("bindings without package files: %v", err)
	}
}

func TestSetVersionErrors(t *testing.T) {
	if _, err := setTOMLVersion([]byte("[tool]\nversion = \"1\"\n"), "2"); err == nil {
		t.Error("pyproject.toml without [project] version accepted")
	}
	for _, in := range []string{`{"name": "x"}`, `{"a": {"version": "1"}}`, `not json`, `["version"]`} {
		if _, err := setJSONVersion([]byte(in), "2", false); err == nil {
			t.Errorf("setJSONVersion(%q) succeeded", in)
		}
	}
	got, err := setJSONVersion([]byte(`{"a":"\"version\"","version":"1","b":[{"version":"x"}]}`), "2", false)
	if err != nil || string(got) != `{"a":"\"version\"","version":"2","b":[{"version":"x"}]}` {
		t.Errorf("escaped strings: %s, %v", got, err)
	}
}

func TestEnv(t *testing.T) {
	env := []string{"A=1", "GOFLAGS=-mod=mod", "A=2", "B=x"}
	if got := getenv(env, "A"); got != "2" {
		t.Errorf("getenv A = %q", got)
	}
	got := setenv(env, "A=3", "C=")
	if diff := cmp.Diff([]string{"GOFLAGS=-mod=mod", "B=x", "A=3", "C="}, got); diff != "" {
		t.Errorf("setenv (-want +got):\n%s", diff)
	}
	r := &repo{cfg: &Config{Env: []string{"GOFLAGS=-mod=mod -trimpath", "GOWORK=off"}}, root: "/r"}
	w := r.workspaceGo().env
	if getenv(w, "GOFLAGS") != "-trimpath" || getenv(w, "GOWORK") != filepath.Join("/r", "go.work") {
		t.Errorf("workspace env: GOFLAGS=%q GOWORK=%q", getenv(w, "GOFLAGS"), getenv(w, "GOWORK"))
	}
}

func TestFileURL(t *testing.T) {
	want := "file:///tmp/proxy"
	in := "/tmp/proxy"
	if runtime.GOOS == "windows" {
		in, want = `C:\tmp\proxy`, "file:///C:/tmp/proxy"
	}
	if got := fileURL(in); got != want {
		t.Errorf("fileURL(%q) = %q, want %q", in, got, want)
	}
}

func TestSummarize(t *testing.T) {
	mp := &ModulePlan{Last: "v0.1.0", Reasons: []string{"dependencies: a v0.2.0"}}
	for text, want := range map[string]string{
		"### Added\n\n- New `X`.\n- Other.": "New `X`.",
		"":                                  "dependencies: a v0.2.0",
		"Just prose.":                       "dependencies: a v0.2.0",
	} {
		if got := summarize(text, mp); got != want {
			t.Errorf("summarize(%q) = %q, want %q", text, got, want)
		}
	}
	if got := summarize("", &ModulePlan{}); got != "first release" {
		t.Errorf("summarize of a first release = %q", got)
	}
}
