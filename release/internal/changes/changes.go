// Package changes reads the two human inputs of a release: change files and
// Conventional Commits.
//
// # Change files
//
// A change file is a Markdown file in the .changes directory at the root of
// the repository. Its front matter names the modules it changes and by how
// much; its body is the changelog text:
//
//	---
//	retry: minor
//	errors: patch
//	---
//
//	### Added
//
//	- `retry.DoAuto` classifies errors with `errors.IsRetryable`.
//
// Each front-matter line is `<module directory>: major|minor|patch`. Blank
// lines and lines starting with # are ignored; a module may appear once per
// file; at least one module and a non-empty body are required. [Parse]
// returns a coded validation error naming the file and line otherwise.
// README.md in the directory is documentation, not a change file, and
// [Load] skips it.
//
// # Conventional Commits
//
// [ParseCommit] reads a commit message "type(scope)!: description". feat is
// a minor change, fix and perf are patches, and a "!" after the type or
// scope, or a "BREAKING CHANGE:" (or "BREAKING-CHANGE:") footer, is a major
// change. Other types (docs, test, chore, ...) ask for no bump of their
// own. The scope names module directories, separated by commas.
//
// # Concurrency
//
// Everything here is a pure function of its input, safe for concurrent use.
package changes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/changelog"
)

// Bump is the size of a version change. The zero Bump is None.
type Bump int

// The bumps, in increasing order.
const (
	None Bump = iota
	Patch
	Minor
	Major
)

// String returns "patch", "minor", "major", or "none".
func (b Bump) String() string {
	switch b {
	case Patch:
		return "patch"
	case Minor:
		return "minor"
	case Major:
		return "major"
	}
	return "none"
}

// ParseBump parses "patch", "minor" or "major".
func ParseBump(s string) (Bump, bool) {
	switch s {
	case "patch":
		return Patch, true
	case "minor":
		return Minor, true
	case "major":
		return Major, true
	}
	return None, false
}

// Dir is the directory of change files, relative to the repository root.
const Dir = ".changes"

// Entry is one front-matter line of a change file.
type Entry struct {
	Module string // module directory, e.g. "retry"
	Bump   Bump
}

// File is a parsed change file.
type File struct {
	Name    string  // file name relative to the repository root, e.g. ".changes/jitter.md"
	Entries []Entry // in file order
	Body    string  // the changelog text, without leading or trailing blank lines
}

// Bump returns the bump the file declares for module, or None.
func (f *File) Bump(module string) Bump {
	for _, e := range f.Entries {
		if e.Module == module {
			return e.Bump
		}
	}
	return None
}

var moduleKey = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)

// Parse parses a change file. name is used in error messages.
func Parse(name string, data []byte) (*File, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	bad := func(line int, format string, args ...any) error {
		return errors.Newf(errors.CodeValidation, "%s:%d: %s; a change file starts with a front matter such as\n---\nretry: minor\n---\nfollowed by the changelog text (see .changes/README.md)", name, line, fmt.Sprintf(format, args...))
	}
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t") != "---" {
		return nil, bad(1, "the first line must be ---")
	}
	f := &File{Name: name}
	end := -1
	for i := 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "---" {
			end = i
			break
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, bad(i+1, "%q is not a `module: bump` line", line)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !moduleKey.MatchString(key) {
			return nil, bad(i+1, "%q is not a module directory", key)
		}
		b, ok := ParseBump(value)
		if !ok {
			return nil, bad(i+1, "bump %q for %s must be major, minor or patch", value, key)
		}
		if f.Bump(key) != None {
			return nil, bad(i+1, "module %s appears twice", key)
		}
		f.Entries = append(f.Entries, Entry{Module: key, Bump: b})
	}
	if end < 0 {
		return nil, bad(len(lines), "the front matter has no closing ---")
	}
	if len(f.Entries) == 0 {
		return nil, bad(end+1, "the front matter names no module")
	}
	f.Body = strings.TrimSpace(strings.Join(lines[end+1:], "\n"))
	if f.Body == "" {
		return nil, bad(end+1, "the body is empty: write the changelog text below the front matter")
	}
	if changelog.HasHeading(f.Body) {
		return nil, bad(end+2, "the body holds a # or ## heading, which would split the changelog: use ### headings (### Added, ### Fixed)")
	}
	return f, nil
}

// Format returns the file in canonical form: Parse(Format()) gives back an
// equal File.
func (f *File) Format() []byte {
	var b bytes.Buffer
	b.WriteString("---\n")
	for _, e := range f.Entries {
		fmt.Fprintf(&b, "%s: %s\n", e.Module, e.Bump)
	}
	b.WriteString("---\n\n")
	b.WriteString(f.Body)
	b.WriteString("\n")
	return b.Bytes()
}

// Load reads every change file (*.md except README.md) in root/.changes,
// sorted by name. A missing directory means no change files.
func Load(root string) ([]*File, error) {
	matches, err := filepath.Glob(filepath.Join(root, Dir, "*.md"))
	if err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "list change files")
	}
	slices.Sort(matches)
	var files []*File
	for _, m := range matches {
		base := filepath.Base(m)
		if strings.EqualFold(base, "README.md") {
			continue
		}
		data, err := os.ReadFile(m)
		if err != nil {
			return nil, errors.Wrap(errors.CodeInternal, err, "read change file")
		}
		f, err := Parse(Dir+"/"+base, data)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// Commit is a parsed Conventional Commits message.
type Commit struct {
	Type        string   // lower case, e.g. "feat"
	Scopes      []string // from "type(a,b): ...", trimmed; nil without a scope
	Breaking    bool     // "!" or a BREAKING CHANGE footer
	Description string
}

var header = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*)(?:\(([^()\r\n]*)\))?(!)?: ?(\S.*)$`)

var breakingFooter = regexp.MustCompile(`(?m)^BREAKING[ -]CHANGE: *\S`)

// ParseCommit parses a commit message. ok is false when the first line is
// not a Conventional Commits header.
func ParseCommit(msg string) (c Commit, ok bool) {
	first, rest, _ := strings.Cut(strings.TrimLeft(msg, "\r\n"), "\n")
	m := header.FindStringSubmatch(strings.TrimRight(first, "\r \t"))
	if m == nil {
		return Commit{}, false
	}
	desc := strings.TrimSpace(m[4])
	if desc == "" {
		return Commit{}, false
	}
	c.Type = strings.ToLower(m[1])
	if m[2] != "" {
		for _, s := range strings.Split(m[2], ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.Scopes = append(c.Scopes, s)
			}
		}
	}
	c.Breaking = m[3] == "!" || breakingFooter.MatchString(rest)
	c.Description = desc
	return c, true
}

// Bump returns the bump the commit asks for on its own.
func (c Commit) Bump() Bump {
	switch {
	case c.Breaking:
		return Major
	case c.Type == "feat":
		return Minor
	case c.Type == "fix" || c.Type == "perf":
		return Patch
	}
	return None
}

// Header returns the canonical header line of c.
func (c Commit) Header() string {
	var b strings.Builder
	b.WriteString(c.Type)
	if len(c.Scopes) > 0 {
		b.WriteString("(" + strings.Join(c.Scopes, ",") + ")")
	}
	if c.Breaking {
		b.WriteString("!")
	}
	b.WriteString(": " + c.Description)
	return b.String()
}
