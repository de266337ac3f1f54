package output_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/greynewell/mist-go/output"
)

// oracleCell is the documented cell cleaning: control whitespace becomes a
// space and the byte 0xff becomes U+FFFD.
func oracleCell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ", "\v", " ", "\f", " ", "\xff", "\uFFFD").Replace(s)
}

func pad(s string, width int) string {
	return s + strings.Repeat(" ", width-utf8.RuneCountInString(s))
}

// FuzzTable checks the layout invariants of Table on arbitrary cells:
// len(rows)+2 lines, no line ends in a space, and every column shared by
// all lines starts at the offset tabwriter's rule gives (widest cell plus
// padding 2, counted in runes). The fuzzer's strings are split into
// headers on "|" and into rows on ";" then "|".
func FuzzTable(f *testing.F) {
	f.Add("SUITE|SCORE|STATUS", "swe-bench|0.594|PASS;lite|0.621")
	f.Add("A|B", "1|2|3|4;;x")
	f.Add("", "a|b")
	f.Add("Ä|世界", "\xff|\t\n;  |  ")
	f.Fuzz(func(t *testing.T, headerSpec, rowSpec string) {
		headers := strings.Split(headerSpec, "|")
		if headerSpec == "" {
			headers = nil
		}
		var rows [][]string
		if rowSpec != "" {
			for r := range strings.SplitSeq(rowSpec, ";") {
				rows = append(rows, strings.Split(r, "|"))
			}
		}
		var buf bytes.Buffer
		if err := output.NewWriter("table", &buf).Table(headers, rows); err != nil {
			t.Fatalf("Table(%q, %q): %v", headers, rows, err)
		}
		out := buf.String()
		if !strings.HasSuffix(out, "\n") {
			t.Fatalf("Table(%q, %q) = %q, want a final newline", headers, rows, out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(rows)+2 {
			t.Fatalf("Table(%q, %q) has %d lines, want %d:\n%q", headers, rows, len(lines), len(rows)+2, out)
		}

		// The expected cells of every line, padded to len(headers).
		n := len(headers)
		sep := make([]string, n)
		for i, h := range headers {
			sep[i] = strings.Repeat("-", utf8.RuneCountInString(oracleCell(h)))
		}
		all := append([][]string{headers, sep}, rows...)
		cells := make([][]string, len(all))
		for i, r := range all {
			c := make([]string, max(n, len(r)))
			for j := range r {
				c[j] = oracleCell(r[j])
			}
			cells[i] = c
		}
		widths := make([]int, max(n-1, 0))
		for _, c := range cells {
			for k := range widths {
				widths[k] = max(widths[k], utf8.RuneCountInString(c[k]))
			}
		}
		for i, line := range lines {
			if strings.HasSuffix(line, " ") {
				t.Errorf("line %d %q ends in a space", i, line)
			}
			var prefix strings.Builder
			for k, w := range widths {
				prefix.WriteString(pad(cells[i][k], w+2))
			}
			if len(cells[i]) <= n {
				// No extra cells: the whole line is known.
				want := prefix.String()
				if n > 0 {
					want += cells[i][n-1]
				}
				if want = strings.TrimRight(want, " "); line != want {
					t.Errorf("line %d = %q, want %q", i, line, want)
				}
				continue
			}
			p := prefix.String()
			if padded := line + strings.Repeat(" ", len(p)); !strings.HasPrefix(padded, p) {
				t.Errorf("line %d = %q, want it to start with %q", i, line, p)
			}
		}
	})
}

// FuzzWriteStructs checks that a struct table from Write is the same as
// the explicit Table of the cells Write documents.
func FuzzWriteStructs(f *testing.F) {
	f.Add("swe-bench", "PASS", 3, false)
	f.Add("", "", 0, true)
	f.Add("a\tb", "\xff", -1, true)
	f.Fuzz(func(t *testing.T, name, note string, n int, nilNote bool) {
		type row struct {
			Name  string
			Note  *string `table:"note"`
			Count int
			Skip  string `table:"-"`
		}
		notePtr, noteCell := &note, note
		if nilNote {
			notePtr, noteCell = nil, ""
		}
		in := []*row{{Name: name, Note: notePtr, Count: n, Skip: "x"}, nil, {Name: note, Count: -n}}

		var got, want bytes.Buffer
		if err := output.NewWriter("table", &got).Write(in); err != nil {
			t.Fatal(err)
		}
		err := output.NewWriter("json", &want).Table([]string{"NAME", "note", "COUNT"}, [][]string{
			{name, noteCell, itoa(n)},
			{note, "", itoa(-n)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("Write(%#v) = %q, want %q", in, got.String(), want.String())
		}
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// FuzzJSON checks that JSON writes exactly one line that keeps <, > and &
// as they are and decodes back to the value, for valid UTF-8 strings
// (encoding/json replaces invalid bytes, so those only need valid JSON).
func FuzzJSON(f *testing.F) {
	f.Add("plain")
	f.Add("<html> & \"quotes\"\n\u2028\u2029")
	f.Add("\xff")
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		in := map[string]string{"k": s}
		if err := output.NewWriter("json", &buf).JSON(in); err != nil {
			t.Fatalf("JSON(%q): %v", s, err)
		}
		out := buf.String()
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("JSON(%q) = %q, want exactly one line", s, out)
		}
		var back map[string]string
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("JSON(%q) wrote invalid JSON %q: %v", s, out, err)
		}
		if utf8.ValidString(s) && back["k"] != s {
			t.Errorf("JSON(%q) decodes to %q", s, back["k"])
		}
		// HTML escaping is off: <, > and & are written as themselves.
		for _, c := range []string{"<", ">", "&"} {
			if utf8.ValidString(s) && strings.Count(out, c) != strings.Count(s, c) {
				t.Errorf("JSON(%q) = %q, want every %s kept as is", s, out, c)
			}
		}
	})
}
