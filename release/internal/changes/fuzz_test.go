package changes

import (
	"reflect"
	"testing"
)

// FuzzParse checks that every file Parse accepts survives Format: the
// canonical form parses back to the same File.
func FuzzParse(f *testing.F) {
	f.Add([]byte("---\nretry: minor\n---\n\n- Jitter.\n"))
	f.Add([]byte("---\r\n# c\r\nretry: major\r\nerrors: patch\r\n---\r\nBody\r\n"))
	f.Add([]byte("---\na: patch\n---\n```\n## not a heading\n```\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("\ufeff---\nx.y/z: patch\n---\nok"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := Parse("f.md", data)
		if err != nil {
			return
		}
		again, err := Parse("f.md", cf.Format())
		if err != nil {
			t.Fatalf("Format output does not parse: %v\n%q", err, cf.Format())
		}
		if !reflect.DeepEqual(cf, again) {
			t.Fatalf("round trip changed the file:\n%#v\n%#v", cf, again)
		}
		for _, e := range cf.Entries {
			if e.Bump < Patch || e.Bump > Major || e.Module == "" {
				t.Fatalf("bad entry %#v", e)
			}
		}
	})
}

// FuzzParseCommit checks that an accepted header has a canonical form that
// parses to the same commit.
func FuzzParseCommit(f *testing.F) {
	f.Add("feat(retry): add jitter")
	f.Add("fix!: x\n\nBREAKING CHANGE: y")
	f.Add("perf(a, b ,c): z")
	f.Add("docs: ")
	f.Fuzz(func(t *testing.T, msg string) {
		c, ok := ParseCommit(msg)
		if !ok {
			return
		}
		if c.Type == "" || c.Description == "" {
			t.Fatalf("accepted %q with an empty type or description: %#v", msg, c)
		}
		again, ok := ParseCommit(c.Header())
		if !ok {
			t.Fatalf("Header %q of %q does not parse", c.Header(), msg)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("round trip of %q:\n%#v\n%#v", msg, c, again)
		}
	})
}
