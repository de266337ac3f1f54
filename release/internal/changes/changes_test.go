package changes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *File
	}{
		{
			name: "one module",
			in:   "---\nretry: minor\n---\n\n- Jitter.\n",
			want: &File{Name: "x.md", Entries: []Entry{{"retry", Minor}}, Body: "- Jitter."},
		},
		{
			name: "several modules, comments, blank lines, CRLF",
			in:   "---\r\n# what changed\r\nretry: major\r\n\r\nerrors :  patch \r\n---\r\n### Fixed\r\n\r\n- A.\r\n\r\n",
			want: &File{Name: "x.md", Entries: []Entry{{"retry", Major}, {"errors", Patch}}, Body: "### Fixed\n\n- A."},
		},
		{
			name: "nested module directory",
			in:   "---\nbindings/python: patch\n---\nText.",
			want: &File{Name: "x.md", Entries: []Entry{{"bindings/python", Patch}}, Body: "Text."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("x.md", []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no front matter", "retry: minor\n", "x.md:1: the first line must be ---"},
		{"empty file", "", "x.md:1: the first line must be ---"},
		{"unclosed", "---\nretry: minor\n", "has no closing ---"},
		{"not a key value", "---\nretry minor\n---\nx", `x.md:2: "retry minor" is not`},
		{"bad bump", "---\nretry: huge\n---\nx", `bump "huge" for retry must be major, minor or patch`},
		{"bad module", "---\n../x: patch\n---\nx", `"../x" is not a module directory`},
		{"duplicate", "---\nretry: patch\nretry: minor\n---\nx", "x.md:3: module retry appears twice"},
		{"no module", "---\n# nothing\n---\nx", "names no module"},
		{"empty body", "---\nretry: patch\n---\n\n  \n", "the body is empty"},
		{"heading in body", "---\nretry: patch\n---\n## Fixed\n", "use ### headings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.md", []byte(tt.in))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if got := errors.Code(err); got != errors.CodeValidation {
				t.Errorf("code = %q, want %q", got, errors.CodeValidation)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), ".changes/README.md") {
				t.Errorf("error %q lacks %q or the pointer to .changes/README.md", err, tt.want)
			}
		})
	}
}

func TestFormatRoundTrip(t *testing.T) {
	f := &File{Name: "x.md", Entries: []Entry{{"b", Major}, {"a", Patch}}, Body: "### Fixed\n\n- It."}
	got, err := Parse("x.md", f.Format())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestLoad(t *testing.T) {
	root := t.TempDir()
	if got, err := Load(root); err != nil || got != nil {
		t.Fatalf("Load without .changes = %v, %v; want nil, nil", got, err)
	}
	dir := filepath.Join(root, Dir)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# How to write a change file\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.md"), []byte("---\nb: minor\n---\nB."), 0o644)
	os.WriteFile(filepath.Join(dir, "a.md"), []byte("---\na: patch\n---\nA."), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a change file"), 0o644)
	got, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range got {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{".changes/a.md", ".changes/b.md"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	os.WriteFile(filepath.Join(dir, "c.md"), []byte("no front matter"), 0o644)
	if _, err := Load(root); err == nil || !strings.Contains(err.Error(), ".changes/c.md:1") {
		t.Errorf("Load with a malformed file: %v, want an error naming .changes/c.md:1", err)
	}
}

func TestParseCommit(t *testing.T) {
	tests := []struct {
		msg  string
		ok   bool
		want Commit
		bump Bump
	}{
		{"feat(retry): add jitter", true, Commit{Type: "feat", Scopes: []string{"retry"}, Description: "add jitter"}, Minor},
		{"fix: off by one\n\nlong text", true, Commit{Type: "fix", Description: "off by one"}, Patch},
		{"perf(metrics,trace): faster", true, Commit{Type: "perf", Scopes: []string{"metrics", "trace"}, Description: "faster"}, Patch},
		{"feat(api)!: drop Foo", true, Commit{Type: "feat", Scopes: []string{"api"}, Breaking: true, Description: "drop Foo"}, Major},
		{"refactor: x\n\nBREAKING CHANGE: Foo is gone", true, Commit{Type: "refactor", Breaking: true, Description: "x"}, Major},
		{"chore: y\n\nBREAKING-CHANGE: z", true, Commit{Type: "chore", Breaking: true, Description: "y"}, Major},
		{"Feat: upper-case type", true, Commit{Type: "feat", Description: "upper-case type"}, Minor},
		{"docs(retry): typo", true, Commit{Type: "docs", Scopes: []string{"retry"}, Description: "typo"}, None},
		{"chore: breaking change mentioned in passing\n\nnot a BREAKING CHANGE: footer", true, Commit{Type: "chore", Description: "breaking change mentioned in passing"}, None},
		{"Update README", false, Commit{}, None},
		{"feat add thing", false, Commit{}, None},
		{"feat(: broken", false, Commit{}, None},
		{"", false, Commit{}, None},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			got, ok := ParseCommit(tt.msg)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCommit (-want +got):\n%s", diff)
			}
			if b := got.Bump(); b != tt.bump {
				t.Errorf("Bump() = %v, want %v", b, tt.bump)
			}
		})
	}
}

func TestBumpString(t *testing.T) {
	for _, b := range []Bump{Patch, Minor, Major} {
		got, ok := ParseBump(b.String())
		if !ok || got != b {
			t.Errorf("ParseBump(%q) = %v, %v", b.String(), got, ok)
		}
	}
	if None.String() != "none" {
		t.Errorf("None.String() = %q", None.String())
	}
	if _, ok := ParseBump("none"); ok {
		t.Error(`ParseBump("none") succeeded; a change file must ask for a bump`)
	}
}
