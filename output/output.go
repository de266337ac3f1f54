package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode/utf8"
)

// The formats a [Writer] knows. Any other format name means [FormatJSON].
const (
	FormatJSON  = "json"
	FormatTable = "table"
)

// Writer formats command results as JSON lines or as aligned text tables.
//
// Format selects what [Writer.Write] produces: [FormatTable] renders slices
// of structs as tables, and every other value (including the empty string)
// means [FormatJSON]. W is the destination; a nil W means [os.Stdout].
//
// The zero Writer is ready to use: it writes JSON to os.Stdout.
//
// A Writer is safe for concurrent use: it serialises its own calls, and
// each call hands its whole output to W in a single Write, so lines from
// different calls never interleave. Do not change Format or W while the
// Writer is in use, and do not copy a Writer after first use.
type Writer struct {
	Format string
	W      io.Writer

	mu sync.Mutex
}

// New returns a Writer with the given format that writes to [os.Stdout].
func New(format string) *Writer {
	return &Writer{Format: format, W: os.Stdout}
}

// NewWriter returns a Writer with the given format that writes to w.
func NewWriter(format string, w io.Writer) *Writer {
	return &Writer{Format: format, W: w}
}

// out returns the destination; the caller holds w.mu.
func (w *Writer) out() io.Writer {
	if w.W == nil {
		return os.Stdout
	}
	return w.W
}

// JSON writes v as one line of compact JSON, ending in "\n", through a
// [json.Encoder] with HTML escaping off. Encoding and write errors are
// returned; when encoding fails nothing is written.
func (w *Writer) JSON(v any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.json(v)
}

func (w *Writer) json(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("output: encode json: %w", err)
	}
	return write(w.out(), buf.Bytes())
}

// Table writes an aligned text table: the header row, a separator row of
// '-' repeated to each header's rune length, then the rows. Short rows are
// padded with empty cells and extra cells are kept. Columns are aligned by
// [text/tabwriter] (minwidth 0, tabwidth 0, padding 2, space padding, no
// flags), and no line ends in a space.
//
// Each cell is kept on one line: tabs, newlines, carriage returns, vertical
// tabs and form feeds in a cell become spaces, and the byte 0xff (invalid
// UTF-8, and tabwriter's escape character) becomes U+FFFD. Write errors are
// returned.
func (w *Writer) Table(headers []string, rows [][]string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.table(headers, rows)
}

func (w *Writer) table(headers []string, rows [][]string) error {
	var tabbed bytes.Buffer
	tw := tabwriter.NewWriter(&tabbed, 0, 0, 2, ' ', 0)
	sep := make([]string, len(headers))
	for i, h := range headers {
		sep[i] = strings.Repeat("-", utf8.RuneCountInString(cleanCell(h)))
	}
	writeRow(tw, headers, len(headers))
	writeRow(tw, sep, len(headers))
	for _, r := range rows {
		writeRow(tw, r, len(headers))
	}
	// Writes to a bytes.Buffer cannot fail.
	_ = tw.Flush()
	return write(w.out(), trimLines(tabbed.Bytes()))
}

// writeRow writes the cells of one line, tab-separated, padded with empty
// cells up to n. Every cell but the last is tab-terminated, so tabwriter
// pads only between cells.
func writeRow(tw io.Writer, cells []string, n int) {
	var b strings.Builder
	for i := 0; i < max(n, len(cells)); i++ {
		if i > 0 {
			b.WriteByte('\t')
		}
		if i < len(cells) {
			b.WriteString(cleanCell(cells[i]))
		}
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(tw, b.String())
}

// cellReplacer keeps a cell on one line and out of tabwriter's way.
var cellReplacer = strings.NewReplacer(
	"\t", " ", "\n", " ", "\r", " ", "\v", " ", "\f", " ", "\xff", "\uFFFD",
)

func cleanCell(s string) string {
	if !strings.ContainsAny(s, "\t\n\r\v\f\xff") {
		return s
	}
	return cellReplacer.Replace(s)
}

// trimLines removes the spaces at the end of every line. Tabwriter pads
// every tab-terminated cell, so a line whose last cells are empty would
// otherwise end in padding.
func trimLines(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var line []byte
		if i < 0 {
			line, b = b, nil
		} else {
			line, b = b[:i], b[i+1:]
		}
		out = append(out, bytes.TrimRight(line, " ")...)
		if i >= 0 {
			out = append(out, '\n')
		}
	}
	return out
}

func write(dst io.Writer, p []byte) error {
	n, err := dst.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("output: write: %w", err)
	}
	return nil
}

// Write renders v in the Writer's format. In [FormatTable], a slice or
// array whose elements are structs or pointers to structs becomes a table
// (see [Writer.Table]); every other value, and every value in
// [FormatJSON], is written by [Writer.JSON].
//
// Table columns follow the exported fields of the element type in
// declaration order. The header is the field's `table:"NAME"` tag, or else
// the upper-cased field name; `table:"-"` skips the field. Unexported
// fields are skipped. An embedded exported struct is one column like any
// other field (it is not flattened), headed by its type name upper-cased.
//
// A cell is [fmt.Sprint] of the field's value, with these rules for
// pointers and interfaces: a nil pointer or nil interface gives an empty
// cell; a non-nil pointer whose type implements [fmt.Stringer], error or
// [fmt.Formatter] is printed as is, and any other pointer is dereferenced
// first (so a *int prints the number, not an address). A nil element is
// skipped, and an empty slice prints the header and separator only.
//
// When the element type has no column at all (time.Time, or a struct whose
// fields are all skipped), Write falls back to JSON.
func (w *Writer) Write(v any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.Format != FormatTable {
		return w.json(v)
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return w.json(v)
	}
	et := rv.Type().Elem()
	isPtr := et.Kind() == reflect.Pointer
	st := et
	if isPtr {
		st = et.Elem()
	}
	if st.Kind() != reflect.Struct {
		return w.json(v)
	}
	cols := columns(st)
	if len(cols) == 0 {
		return w.json(v)
	}
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.header
	}
	rows := make([][]string, 0, rv.Len())
	for i := range rv.Len() {
		ev := rv.Index(i)
		if isPtr {
			if ev.IsNil() {
				continue
			}
			ev = ev.Elem()
		}
		row := make([]string, len(cols))
		for j, c := range cols {
			row[j] = cell(ev.Field(c.index))
		}
		rows = append(rows, row)
	}
	return w.table(headers, rows)
}

type column struct {
	index  int
	header string
}

func columns(st reflect.Type) []column {
	var cols []column
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("table")
		switch tag {
		case "-":
			continue
		case "":
			tag = strings.ToUpper(f.Name)
		}
		cols = append(cols, column{index: i, header: tag})
	}
	return cols
}

var (
	stringerType  = reflect.TypeFor[fmt.Stringer]()
	errorType     = reflect.TypeFor[error]()
	formatterType = reflect.TypeFor[fmt.Formatter]()
)

func cell(v reflect.Value) string {
	// The bound stops on self-referential pointer types (type P *P).
	for range 64 {
		switch v.Kind() {
		case reflect.Interface:
			if v.IsNil() {
				return ""
			}
			v = v.Elem()
			continue
		case reflect.Pointer:
			if v.IsNil() {
				return ""
			}
			t := v.Type()
			if t.Implements(stringerType) || t.Implements(errorType) || t.Implements(formatterType) {
				return fmt.Sprint(v.Interface())
			}
			v = v.Elem()
			continue
		}
		return fmt.Sprint(v.Interface())
	}
	return fmt.Sprint(v.Interface())
}

// Error writes the text formatted as by [fmt.Sprintf], followed by "\n",
// to [os.Stderr]. Write errors are ignored. It is safe for concurrent use;
// each call is a single Write.
func Error(format string, args ...any) {
	_, _ = io.WriteString(os.Stderr, fmt.Sprintf(format, args...)+"\n")
}
