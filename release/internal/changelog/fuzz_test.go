package changelog

import (
	"strings"
	"testing"
)

// FuzzParse checks the section parser: any text parses, renders back byte
// for byte, and releasing a version keeps every other section's text,
// leaves one empty Unreleased section and adds exactly one section for the
// version.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("## Unreleased\r\n- x\r\n## v0.1.0\r\n"))
	f.Add([]byte("~~~\n## a\n~~~\n## b\n```\n"))
	f.Add([]byte("# only a title"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := Parse(data)
		if got := d.Bytes(); string(got) != string(data) {
			t.Fatalf("round trip: got %q, want %q", got, data)
		}
		before := map[string]int{}
		for _, s := range d.Sections {
			if !s.Unreleased() {
				before[strings.TrimSpace(s.Heading+s.Body)]++
			}
		}
		if err := d.Release("v9.9.9", "D", "- generated line"); err != nil {
			return // the document already has a v9.9.9 section
		}
		again := Parse(d.Bytes())
		unreleased, released := 0, 0
		after := map[string]int{}
		for _, s := range again.Sections {
			switch {
			case s.Unreleased():
				unreleased++
				if strings.TrimSpace(s.Body) != "" {
					t.Fatalf("new Unreleased section is not empty: %q", s.Body)
				}
			case s.Version() == "v9.9.9":
				released++
				if !strings.Contains(s.Body, "- generated line") {
					t.Fatalf("released section lacks the extra text: %q", s.Body)
				}
			default:
				after[strings.TrimSpace(s.Heading+s.Body)]++
			}
		}
		if unreleased != 1 || released != 1 {
			t.Fatalf("after Release: %d Unreleased and %d v9.9.9 sections, want 1 and 1:\n%s", unreleased, released, d.Bytes())
		}
		for k, n := range before {
			if after[k] < n {
				t.Fatalf("section %q lost by Release:\n%s", k, d.Bytes())
			}
		}
	})
}
