// Package output formats command results for people or for programs: one
// compact JSON document per line, or an aligned text table built from
// explicit rows or straight from a slice of structs.
//
// A command usually picks the format from a flag and hands every result to
// [Writer.Write]:
//
//	w := output.New(format) // "json" or "table"; anything else means "json"
//	if err := w.Write(results); err != nil {
//		output.Error("write results: %v", err)
//	}
//
// # JSON
//
// [Writer.JSON] writes one line through an [encoding/json.Encoder] with HTML
// escaping off, so "<", ">" and "&" stay readable:
//
//	w.JSON(map[string]any{"suite": "swe-bench", "score": 0.594})
//	// {"score":0.594,"suite":"swe-bench"}
//
// # Tables
//
// [Writer.Table] aligns columns with [text/tabwriter] (minwidth 0, tabwidth
// 0, padding 2, space padding, no flags). It writes the header row, a
// separator row of '-' repeated to each header's rune length, then the
// rows:
//
//	w.Table([]string{"SUITE", "SCORE", "STATUS"}, [][]string{
//		{"swe-bench-verified", "0.594", "PASS"},
//		{"swe-bench-lite", "0.621", "PASS"},
//	})
//	// SUITE               SCORE  STATUS
//	// -----               -----  ------
//	// swe-bench-verified  0.594  PASS
//	// swe-bench-lite      0.621  PASS
//
// Short rows are padded with empty cells and extra cells are kept. No line
// ends in a space: a line whose last cells are empty stops after its last
// non-empty cell (and a last cell's own trailing spaces go too). A cell
// stays on one line: tabs, newlines, carriage returns, vertical tabs and
// form feeds in it become spaces, and the byte 0xff becomes U+FFFD. The
// header and separator rows are always written, even with no headers (they
// are then empty lines), so a table has exactly len(rows)+2 lines.
//
// # Tables from structs
//
// In [FormatTable], [Writer.Write] turns a slice or array of structs or
// struct pointers into a table. Columns follow the exported fields in
// declaration order; the header is the `table:"NAME"` tag or the
// upper-cased field name, and `table:"-"` skips a field:
//
//	type result struct {
//		Suite  string  `table:"SUITE"`
//		Score  float64 // header SCORE
//		Passed *bool   // nil gives an empty cell
//		note   string  // unexported: skipped
//	}
//
// A cell is [fmt.Sprint] of the value. A nil pointer or nil interface gives
// an empty cell; other pointers are dereferenced unless their type
// implements [fmt.Stringer], error or [fmt.Formatter]. Nil elements are
// skipped, and an empty slice prints the header and separator only.
//
// Embedded structs are not flattened: an exported embedded struct is one
// column headed by its upper-cased type name whose cell is fmt.Sprint of
// the whole struct (for example "{1 2}"), and an unexported embedded struct
// is skipped with its fields. Tag it `table:"-"` to leave it out.
//
// Everything else goes through JSON: a non-slice value, a slice of
// non-structs, and a slice whose element type yields no column (such as
// []time.Time, or a struct whose fields are all skipped).
//
// # Errors
//
// Encoding and write errors are returned, wrapped so that [errors.Is] finds
// the writer's own error; an encoding failure writes nothing. [Error] writes
// a formatted line to stderr for messages meant for people. This package is
// a leaf module and does not depend on mist-go/errors: format names are not
// validated, because every name other than "table" is defined to mean
// "json".
//
// # Concurrency
//
// A [Writer] is safe for concurrent use. It holds a mutex for the whole of
// each call and hands the call's complete output to its io.Writer in one
// Write, so lines from concurrent calls never interleave. Do not change
// Format or W while the Writer is in use.
package output
