// Package changelog reads and edits CHANGELOG.md files in the Keep a
// Changelog format: a preamble, then level-2 sections, newest first, the
// first of which is "## Unreleased".
//
//	# Changelog
//
//	## Unreleased
//
//	### Added
//
//	- Something new.
//
//	## v0.1.0 - 2026-11-27
//
//	- First release.
//
// [Parse] splits a file into its preamble and sections without losing a
// byte: [Doc.Bytes] gives back the input. Lines inside fenced code blocks
// are never headings. [Doc.Release] turns the Unreleased section into a
// version section and opens a new, empty Unreleased section above it.
// [Doc.AddTrain] adds a release-train section to the root CHANGELOG.md.
//
// # Concurrency
//
// A Doc is a plain value; concurrent reads are safe, a write must not run
// concurrently with anything else.
package changelog

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/greynewell/mist-go/errors"
	"golang.org/x/mod/semver"
)

// Doc is a parsed changelog. The zero Doc is an empty file.
type Doc struct {
	Preamble string     // everything before the first section, byte for byte
	Sections []*Section // level-2 sections in file order
}

// Section is one level-2 section: its heading line and the text up to the
// next level-2 heading.
type Section struct {
	Heading string // the heading line with its line ending, e.g. "## v0.1.0 - 2026-11-27\n"
	Body    string // the lines after the heading, byte for byte
}

// Title returns the heading text after "## ", trimmed.
func (s *Section) Title() string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimRight(s.Heading, "\r\n"), "##"))
}

// Unreleased reports whether s is the Unreleased section.
func (s *Section) Unreleased() bool {
	t := strings.ToLower(strings.Trim(s.Title(), "[]"))
	return t == "unreleased"
}

var versionTitle = regexp.MustCompile(`^\[?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\]?(?:\s|$)`)

// Version returns the semantic version a version section is for, with a
// "v" prefix ("v0.1.0" for "## v0.1.0 - 2026-11-27" or "## [0.1.0]"), or
// "" when the heading names no valid version.
func (s *Section) Version() string {
	m := versionTitle.FindStringSubmatch(s.Title())
	if m == nil || !semver.IsValid("v"+m[1]) {
		return ""
	}
	return "v" + m[1]
}

// Parse splits a changelog into preamble and sections. It never fails:
// any text is a changelog, perhaps without sections.
func Parse(data []byte) *Doc {
	d := &Doc{}
	var cur *Section
	var fence string
	text := string(data)
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		fence = nextFence(fence, line)
		if fence == "" && isH2(line) {
			cur = &Section{Heading: line}
			d.Sections = append(d.Sections, cur)
			continue
		}
		if cur == nil {
			d.Preamble += line
		} else {
			cur.Body += line
		}
	}
	return d
}

// openFence returns the fence still open at the end of text, or "".
func openFence(text string) string {
	var fence string
	for _, line := range strings.SplitAfter(text, "\n") {
		fence = nextFence(fence, line)
	}
	return fence
}

// nextFence returns the open fence after line, given the one before it.
func nextFence(fence, line string) string {
	f := fenceMarker(line)
	switch {
	case f == "":
		return fence
	case fence == "":
		return f
	case f[0] == fence[0] && len(f) >= len(fence):
		return ""
	}
	return fence
}

// closeFence returns text with a closing fence appended when it ends
// inside a fenced code block, so that what follows it stays outside.
func closeFence(text string) string {
	f := openFence(text)
	if f == "" {
		return text
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return text + f + "\n"
}

// trimBlank removes the blank lines (nothing but white space) at the start
// and at the end of text. Other lines are kept as they are, so a line that
// is not a heading never becomes one.
func trimBlank(text string) string {
	lines := strings.Split(text, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// fenceMarker returns the run of ``` or ~~~ that opens or closes a fenced
// code block on line, or "".
func fenceMarker(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return ""
	}
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(t) && t[n] == c {
			n++
		}
		if n >= 3 {
			return t[:n]
		}
	}
	return ""
}

func isH2(line string) bool {
	l := strings.TrimRight(line, "\r\n")
	return l == "##" || strings.HasPrefix(l, "## ") || strings.HasPrefix(l, "##\t")
}

// Bytes renders the document; for a parsed Doc it is the parsed input.
func (d *Doc) Bytes() []byte {
	var b strings.Builder
	b.WriteString(d.Preamble)
	for _, s := range d.Sections {
		b.WriteString(s.Heading)
		b.WriteString(s.Body)
	}
	return []byte(b.String())
}

// Unreleased returns the Unreleased section, or nil.
func (d *Doc) Unreleased() *Section {
	for _, s := range d.Sections {
		if s.Unreleased() {
			return s
		}
	}
	return nil
}

// Latest returns the highest version a section is for, or "".
func (d *Doc) Latest() string {
	latest := ""
	for _, s := range d.Sections {
		if v := s.Version(); v != "" && (latest == "" || semver.Compare(v, latest) > 0) {
			latest = v
		}
	}
	return latest
}

// HasHeading reports whether text holds a level-1 or level-2 heading
// outside fenced code blocks: such text cannot go inside a section.
func HasHeading(text string) bool {
	var fence string
	for _, line := range strings.SplitAfter(text, "\n") {
		if f := fenceMarker(line); f != "" {
			fence = nextFence(fence, line)
			continue
		}
		l := strings.TrimRight(line, "\r\n")
		if fence == "" && (isH2(line) || l == "#" || strings.HasPrefix(l, "# ") || strings.HasPrefix(l, "#\t")) {
			return true
		}
	}
	return false
}

// Release turns the Unreleased section into the section of version,
// headed "## <version> - <date>", and opens an empty Unreleased section
// above it. extra is appended to the new section (change-file text,
// dependency lines); when the section would be empty, it says so. Without
// an Unreleased section the new section goes before the first section.
// The error, coded validation, is for a version that already has a section
// or extra text holding a level-1 or level-2 heading.
func (d *Doc) Release(version, date, extra string) error {
	if !semver.IsValid(version) {
		return errors.Newf(errors.CodeValidation, "changelog: %q is not a semantic version", version)
	}
	for _, s := range d.Sections {
		if s.Version() == version {
			return errors.Newf(errors.CodeValidation, "changelog already has a section for %s: remove it or release another version", version)
		}
	}
	if HasHeading(extra) {
		return errors.New(errors.CodeValidation, "changelog text may not hold # or ## headings; use ### headings")
	}
	idx := -1
	for i, s := range d.Sections {
		if s.Unreleased() {
			if idx >= 0 {
				return errors.New(errors.CodeValidation, "changelog has more than one Unreleased section: merge them into one")
			}
			idx = i
		}
	}
	var body string
	if idx >= 0 {
		body = trimBlank(closeFence(d.Sections[idx].Body))
	}
	if e := trimBlank(closeFence(extra)); e != "" {
		if body != "" {
			body += "\n\n"
		}
		body += e
	}
	if body == "" {
		body = "No notable changes."
	}
	unreleased := &Section{Heading: "## Unreleased\n", Body: "\n"}
	released := &Section{Heading: fmt.Sprintf("## %s - %s\n", version, date), Body: "\n" + body + "\n\n"}
	if idx >= 0 {
		d.Sections = append(d.Sections[:idx], append([]*Section{unreleased, released}, d.Sections[idx+1:]...)...)
		d.trimLast()
		return nil
	}
	d.Preamble = closeFence(d.Preamble)
	d.ensurePreambleBreak()
	d.Sections = append([]*Section{unreleased, released}, d.Sections...)
	d.trimLast()
	return nil
}

// AddTrain adds a release-train section headed "## <title>" before the first
// section, with one "- <item>" line per item, and drops a preamble line
// that reads "No release yet.".
func (d *Doc) AddTrain(title string, items []string) {
	var kept []string
	for _, line := range strings.SplitAfter(d.Preamble, "\n") {
		if strings.TrimSpace(line) == "No release yet." {
			continue
		}
		kept = append(kept, line)
	}
	d.Preamble = closeFence(strings.Join(kept, ""))
	d.ensurePreambleBreak()
	var body strings.Builder
	body.WriteString("\n")
	for _, it := range items {
		body.WriteString("- " + strings.ReplaceAll(strings.TrimSpace(it), "\n", " ") + "\n")
	}
	body.WriteString("\n")
	d.Sections = append([]*Section{{Heading: "## " + title + "\n", Body: body.String()}}, d.Sections...)
	d.trimLast()
}

// Titles returns the titles of the sections.
func (d *Doc) Titles() []string {
	var out []string
	for _, s := range d.Sections {
		out = append(out, s.Title())
	}
	return out
}

// ensurePreambleBreak makes the preamble end with a blank line, so that a
// section added after it is a paragraph of its own.
func (d *Doc) ensurePreambleBreak() {
	p := strings.TrimRight(d.Preamble, "\r\n\t ")
	if p == "" {
		d.Preamble = ""
		return
	}
	d.Preamble = p + "\n\n"
}

// trimLast makes the file end with exactly one newline after its last
// non-blank line.
func (d *Doc) trimLast() {
	if n := len(d.Sections); n > 0 {
		last := d.Sections[n-1]
		lines := strings.Split(last.Body, "\n")
		for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
			lines = lines[:len(lines)-1]
		}
		last.Body = ""
		if len(lines) > 0 {
			last.Body = strings.Join(lines, "\n") + "\n"
		}
	}
}
