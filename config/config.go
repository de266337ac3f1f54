package config

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/greynewell/mist-go/errors"
	toml "github.com/pelletier/go-toml/v2"
)

// Option changes how [Decode] and [Load] treat the document. Options are
// plain functions with no state, safe to share between goroutines; a nil
// Option is ignored.
type Option func(*options)

type options struct {
	strict bool
}

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// Strict makes keys that match no struct field an error. The error lists
// every unknown dotted path, such as server.bogus or servers[1].extra.
func Strict() Option {
	return func(o *options) { o.strict = true }
}

// ParseError is a TOML syntax or semantic error (a duplicate key, a table
// defined twice) at a position in the document. Line and Column are
// 1-based; Column counts bytes. A ParseError is never changed after
// ParseTOML returns it, so it is safe to share; the zero value reads
// "line 0, column 0: ".
type ParseError struct {
	Line, Column int
	Msg          string
}

var _ error = (*ParseError)(nil)

// Error returns "line L, column C: <msg>".
func (e *ParseError) Error() string {
	return "line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column) + ": " + e.Msg
}

// ParseTOML reads a whole TOML 1.0 document from r and returns its tables
// as plain Go values: string, int64, float64, bool, time.Time, []any and
// map[string]any. Offset date-times keep their offset; local date-times and
// local dates become time.Time values in UTC; local times become
// "HH:MM:SS[.frac]" strings.
//
// A document that is not valid TOML 1.0 (duplicate keys included) gives an
// error with code validation that wraps a *[ParseError]. A read error from
// r is returned with code internal.
func ParseTOML(r io.Reader) (map[string]any, error) {
	if r == nil {
		return nil, errors.New(errors.CodeValidation, "config: nil reader")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "config: read")
	}
	m, perr := parse(data)
	if perr != nil {
		return nil, errors.Wrap(errors.CodeValidation, perr, "")
	}
	return m, nil
}

// parse turns data into a plain map or a *ParseError.
func parse(data []byte) (m map[string]any, perr *ParseError) {
	// go-toml is a third-party parser fed with untrusted bytes; a panic in
	// it must not take the caller down, so it becomes a parse error.
	defer func() {
		if p := recover(); p != nil {
			m, perr = nil, &ParseError{Line: 1, Column: 1, Msg: fmt.Sprintf("toml parser panic: %v", p)}
		}
	}()
	if err := toml.Unmarshal(data, &m); err != nil {
		return nil, toParseError(data, err)
	}
	if perr := check10(data); perr != nil {
		return nil, perr
	}
	if m == nil {
		m = map[string]any{}
	}
	convertTable(m)
	return m, nil
}

// toParseError extracts the position from go-toml's error. Errors without
// a position (none are known) are reported at the end of the document.
func toParseError(data []byte, err error) *ParseError {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return &ParseError{Line: line, Column: col, Msg: strings.TrimPrefix(de.Error(), "toml: ")}
	}
	line := bytes.Count(data, []byte("\n")) + 1
	col := len(data) - bytes.LastIndexByte(data, '\n')
	return &ParseError{Line: line, Column: col, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

// convertTable replaces go-toml's local date and time types, in place, by
// the plain types ParseTOML documents.
func convertTable(m map[string]any) {
	for k, v := range m {
		m[k] = convertValue(v)
	}
}

func convertValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		convertTable(x)
	case []any:
		for i, e := range x {
			x[i] = convertValue(e)
		}
	case toml.LocalDateTime:
		return x.AsTime(time.UTC)
	case toml.LocalDate:
		return x.AsTime(time.UTC)
	case toml.LocalTime:
		return x.String()
	}
	return v
}

// Load reads the TOML file at path, decodes it into v (a non-nil pointer
// to a struct, see [Decode]) and, when envPrefix is not empty, overlays
// environment variables named after the TOML keys (see the package
// documentation). Load does not call [Validate].
//
// A missing file gives code not_found, and the error also matches
// fs.ErrNotExist. Any other read failure has code internal. Parse, decode
// and environment errors have code validation and start with path; parse
// and decode errors also carry the line (and for parse errors the column)
// of the offending key in the file.
func Load(path, envPrefix string, v any, opts ...Option) error {
	sv, err := structTarget(v)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.Wrap(errors.CodeNotFound, err, "config")
		}
		return errors.Wrap(errors.CodeInternal, err, "config")
	}
	m, perr := parse(data)
	if perr != nil {
		return &errors.Error{Code: errors.CodeValidation, Message: path, Cause: perr}
	}
	d := newDecoder(collect(opts))
	d.decode(m, sv)
	if d.failed() {
		return d.result(path, keyLines(data))
	}
	if envPrefix != "" {
		return overlayEnv(envPrefix, sv)
	}
	return nil
}

// structTarget checks that v is a non-nil pointer to a struct and returns
// the struct.
func structTarget(v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, errors.Newf(errors.CodeValidation,
			"config: target must be a non-nil pointer to a struct, got %s", describeTarget(v))
	}
	return rv.Elem(), nil
}

func describeTarget(v any) string {
	if v == nil {
		return "nil"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return "nil " + rv.Type().String()
	}
	return rv.Type().String()
}
