package changelog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/errors"
)

const sample = `# Changelog

All notable changes.

## Unreleased

### Added

- New thing.

` + "```" + `
## not a heading inside a fence
` + "```" + `

## v0.1.0 - 2026-01-02

- First release.

## [0.0.9] - 2025-12-01

- Before.
`

func TestParseRoundTrip(t *testing.T) {
	for _, in := range []string{sample, "", "no sections\n", "## only\r\n\r\nbody", "#\n##\n## x\n"} {
		if got := string(Parse([]byte(in)).Bytes()); got != in {
			t.Errorf("Parse(%q).Bytes() = %q", in, got)
		}
	}
}

func TestSections(t *testing.T) {
	d := Parse([]byte(sample))
	if diff := cmp.Diff([]string{"Unreleased", "v0.1.0 - 2026-01-02", "[0.0.9] - 2025-12-01"}, d.Titles()); diff != "" {
		t.Errorf("titles (-want +got):\n%s", diff)
	}
	var versions []string
	for _, s := range d.Sections {
		versions = append(versions, s.Version())
	}
	if diff := cmp.Diff([]string{"", "v0.1.0", "v0.0.9"}, versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if d.Unreleased() != d.Sections[0] {
		t.Error("Unreleased() is not the first section")
	}
	if got := d.Latest(); got != "v0.1.0" {
		t.Errorf("Latest() = %q, want v0.1.0", got)
	}
	if !strings.Contains(d.Sections[0].Body, "## not a heading inside a fence") {
		t.Error("a ## line inside a fenced code block started a section")
	}
}

func TestRelease(t *testing.T) {
	d := Parse([]byte(sample))
	if err := d.Release("v0.2.0", "2026-11-27", "### Dependencies\n\n- dependency: errors v0.2.0"); err != nil {
		t.Fatal(err)
	}
	want := `# Changelog

All notable changes.

## Unreleased

## v0.2.0 - 2026-11-27

### Added

- New thing.

` + "```" + `
## not a heading inside a fence
` + "```" + `

### Dependencies

- dependency: errors v0.2.0

## v0.1.0 - 2026-01-02

- First release.

## [0.0.9] - 2025-12-01

- Before.
`
	if diff := cmp.Diff(want, string(d.Bytes())); diff != "" {
		t.Errorf("released changelog (-want +got):\n%s", diff)
	}
}

func TestReleaseEdgeCases(t *testing.T) {
	tests := []struct {
		name, in, version, extra, want string
	}{
		{
			name: "no Unreleased section", in: "# Changelog\n\nIntro.\n", version: "v0.1.0",
			want: "# Changelog\n\nIntro.\n\n## Unreleased\n\n## v0.1.0 - D\n\nNo notable changes.\n",
		},
		{
			name: "empty file", in: "", version: "v1.0.0", extra: "- dependency: a v0.1.0",
			want: "## Unreleased\n\n## v1.0.0 - D\n\n- dependency: a v0.1.0\n",
		},
		{
			name: "empty Unreleased, extra text", in: "# C\n\n## Unreleased\n", version: "v0.1.1", extra: "- Fixed.",
			want: "# C\n\n## Unreleased\n\n## v0.1.1 - D\n\n- Fixed.\n",
		},
		{
			name: "bracketed Unreleased", in: "# C\n\n## [Unreleased]\n\n- X.\n\n## v0.1.0 - old\n\n- Y.\n", version: "v0.1.1",
			want: "# C\n\n## Unreleased\n\n## v0.1.1 - D\n\n- X.\n\n## v0.1.0 - old\n\n- Y.\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Parse([]byte(tt.in))
			if err := d.Release(tt.version, "D", tt.extra); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(d.Bytes())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReleaseErrors(t *testing.T) {
	tests := []struct{ name, version, extra, want string }{
		{"existing version", "v0.1.0", "", "already has a section for v0.1.0"},
		{"bracketed existing version", "v0.0.9", "", "already has a section for v0.0.9"},
		{"not a version", "1.2", "", "not a semantic version"},
		{"heading in extra", "v0.3.0", "## Oops", "### headings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Parse([]byte(sample))
			err := d.Release(tt.version, "D", tt.extra)
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Code(err) != errors.CodeValidation {
				t.Errorf("Release = %v, want a validation error with %q", err, tt.want)
			}
			if string(d.Bytes()) != sample {
				t.Error("a failed Release changed the document")
			}
		})
	}
}

func TestAddTrain(t *testing.T) {
	d := Parse([]byte("# Release train\n\nEach release.\n\nNo release yet.\n"))
	d.AddTrain("2026-11-27", []string{"errors@v0.1.0: first release", "retry@v0.1.0: multi\nline"})
	want := "# Release train\n\nEach release.\n\n## 2026-11-27\n\n- errors@v0.1.0: first release\n- retry@v0.1.0: multi line\n"
	if diff := cmp.Diff(want, string(d.Bytes())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	d.AddTrain("2026-11-28", []string{"errors@v0.1.1: fix"})
	want = "# Release train\n\nEach release.\n\n## 2026-11-28\n\n- errors@v0.1.1: fix\n\n## 2026-11-27\n\n- errors@v0.1.0: first release\n- retry@v0.1.0: multi line\n"
	if diff := cmp.Diff(want, string(d.Bytes())); diff != "" {
		t.Errorf("second train (-want +got):\n%s", diff)
	}
}

func TestHasHeading(t *testing.T) {
	for in, want := range map[string]bool{
		"## x":                 true,
		"# x":                  true,
		"text\n## x\n":         true,
		"### x":                false,
		"```\n## x\n```":       false,
		"#hashtag":             false,
		"- item\n  ## nested?": false,
	} {
		if got := HasHeading(in); got != want {
			t.Errorf("HasHeading(%q) = %v, want %v", in, got, want)
		}
	}
}
