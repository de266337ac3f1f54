package config

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greynewell/mist-go/errors"
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
)

// Decode copies the values of data, as returned by [ParseTOML], into v,
// which must be a non-nil pointer to a struct. See the package
// documentation for how keys are matched and values converted.
//
// Decode reports every problem it finds, joined into one error; each is an
// *errors.Error with code validation whose Meta["field"] is the dotted path
// of the key (server.port, servers[1].port). Under [Strict], keys that match
// no field are reported together in one more error. On error, fields that
// decoded cleanly keep their new values.
func Decode(data map[string]any, v any, opts ...Option) error {
	d := newDecoder(collect(opts))
	if err := d.decode(data, v); err != nil {
		return err
	}
	return d.result("", nil)
}

// decoder accumulates the problems of one Decode call.
type decoder struct {
	strict  bool
	errs    []*errors.Error // conversion errors, each with Meta["field"]
	unknown []string        // unknown dotted paths, under strict
}

func newDecoder(o options) *decoder { return &decoder{strict: o.strict} }

// decode checks the target and walks data into it. The returned error is
// only for a bad target; problems with the data are kept in d.
func (d *decoder) decode(data map[string]any, v any) error {
	sv, err := structTarget(v)
	if err != nil {
		return err
	}
	t, _ := tableOf(data) // a map[string]any, possibly nil, is always a table
	d.table("", t, sv)
	return nil
}

// result joins the collected problems. With a file name, each message is
// prefixed with it and with the line found in lines.
func (d *decoder) result(file string, lines map[string]int) error {
	var all []error
	for _, e := range d.errs {
		if file != "" {
			msg := file + ": "
			if line := lookupLine(lines, e.Meta["field"]); line > 0 {
				msg += "line " + strconv.Itoa(line) + ": "
				e = e.WithMeta("line", strconv.Itoa(line))
			}
			c := *e
			c.Message = msg + e.Message
			e = &c
		}
		all = append(all, e)
	}
	if len(d.unknown) > 0 {
		items := make([]string, len(d.unknown))
		for i, p := range d.unknown {
			items[i] = p
			if line := lookupLine(lines, p); line > 0 {
				items[i] += " (line " + strconv.Itoa(line) + ")"
			}
		}
		msg := "unknown keys: " + strings.Join(items, ", ")
		if file != "" {
			msg = file + ": " + msg
		}
		all = append(all, errors.New(errors.CodeValidation, msg).WithMeta("keys", strings.Join(d.unknown, ",")))
	}
	return errors.Join(all...)
}

func (d *decoder) fail(path string, cause error, format string, args ...any) {
	msg := path + ": " + fmt.Sprintf(format, args...)
	e := &errors.Error{Code: errors.CodeValidation, Message: msg, Cause: cause}
	d.errs = append(d.errs, e.WithMeta("field", path))
}

// table is a TOML table seen through an interface that hides whether it is
// a map[string]any (the ParseTOML case) or another map with string keys
// (hand-built input).
type table struct {
	keys []string
	get  func(string) any
}

func tableOf(v any) (table, bool) {
	if m, ok := v.(map[string]any); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return table{keys: keys, get: func(k string) any { return m[k] }}, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return table{}, false
	}
	keys := make([]string, 0, rv.Len())
	index := make(map[string]reflect.Value, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		k := it.Key().String()
		keys = append(keys, k)
		index[k] = it.Value()
	}
	slices.Sort(keys)
	return table{keys: keys, get: func(k string) any { return index[k].Interface() }}, true
}

// field describes one decodable struct field.
type field struct {
	key   string
	index int
}

// fieldsOf lists the exported, non-skipped fields of struct type t with
// their TOML keys, in declaration order. When two fields share a key the
// first one wins.
func fieldsOf(t reflect.Type) []field {
	fs := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		key, ok := fieldKey(sf)
		if !ok || slices.ContainsFunc(fs, func(f field) bool { return f.key == key }) {
			continue
		}
		fs = append(fs, field{key: key, index: i})
	}
	return fs
}

// fieldKey returns the TOML key of sf, or false when sf is unexported or
// tagged toml:"-".
func fieldKey(sf reflect.StructField) (string, bool) {
	if !sf.IsExported() {
		return "", false
	}
	tag := sf.Tag.Get("toml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return "", false
	}
	if name == "" {
		name = strings.ToLower(sf.Name)
	}
	return name, true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// table decodes t into the struct sv.
func (d *decoder) table(path string, t table, sv reflect.Value) {
	fs := fieldsOf(sv.Type())
	for _, k := range t.keys {
		i := slices.IndexFunc(fs, func(f field) bool { return f.key == k })
		if i < 0 {
			if d.strict {
				d.unknown = append(d.unknown, join(path, k))
			}
			continue
		}
		val := t.get(k)
		if val == nil {
			continue // absent in TOML; only hand-built maps hold nil
		}
		d.value(join(path, k), val, sv.Field(fs[i].index))
	}
}

// value decodes val into fv, whose path is path.
func (d *decoder) value(path string, val any, fv reflect.Value) {
	ft := fv.Type()
	switch {
	case ft == durationType:
		d.duration(path, val, fv)
		return
	case ft == timeType:
		d.time(path, val, fv)
		return
	}
	switch ft.Kind() {
	case reflect.String:
		if s, ok := asString(val); ok {
			fv.SetString(s)
			return
		}
	case reflect.Bool:
		if b, ok := asBool(val); ok {
			fv.SetBool(b)
			return
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		d.integer(path, val, fv)
		return
	case reflect.Float32, reflect.Float64:
		d.float(path, val, fv)
		return
	case reflect.Slice:
		d.slice(path, val, fv)
		return
	case reflect.Map:
		if ft.Key().Kind() != reflect.String {
			d.fail(path, nil, "unsupported field type %s", ft)
			return
		}
		if t, ok := tableOf(val); ok {
			d.mapValue(path, t, fv)
			return
		}
	case reflect.Struct:
		if t, ok := tableOf(val); ok {
			d.table(path, t, fv)
			return
		}
	case reflect.Pointer:
		if ft.Elem().Kind() != reflect.Struct {
			d.fail(path, nil, "unsupported field type %s", ft)
			return
		}
		if fv.IsNil() {
			// Decode into a fresh struct and keep it only when that
			// succeeds, so a failed decode leaves the field nil.
			nv := reflect.New(ft.Elem())
			before := len(d.errs)
			d.value(path, val, nv.Elem())
			if len(d.errs) == before {
				fv.Set(nv)
			}
			return
		}
		d.value(path, val, fv.Elem())
		return
	default:
		d.fail(path, nil, "unsupported field type %s", ft)
		return
	}
	d.fail(path, nil, "expected %s, got %s", expected(ft), typeName(val))
}

func (d *decoder) mapValue(path string, t table, mv reflect.Value) {
	mt := mv.Type()
	if mv.IsNil() {
		mv.Set(reflect.MakeMapWithSize(mt, len(t.keys)))
	}
	for _, k := range t.keys {
		val := t.get(k)
		if val == nil {
			continue
		}
		kv := reflect.New(mt.Key()).Elem()
		kv.SetString(k)
		ev := reflect.New(mt.Elem()).Elem()
		if old := mv.MapIndex(kv); old.IsValid() {
			ev.Set(old)
		}
		before := len(d.errs)
		d.value(join(path, k), val, ev)
		if len(d.errs) == before {
			mv.SetMapIndex(kv, ev)
		}
	}
}

func (d *decoder) slice(path string, val any, sv reflect.Value) {
	arr, ok := arrayOf(val)
	if !ok {
		d.fail(path, nil, "expected array, got %s", typeName(val))
		return
	}
	out := reflect.MakeSlice(sv.Type(), len(arr), len(arr))
	before := len(d.errs)
	for i, e := range arr {
		if e == nil {
			continue
		}
		d.value(path+"["+strconv.Itoa(i)+"]", e, out.Index(i))
	}
	if len(d.errs) == before {
		sv.Set(out)
	}
}

func (d *decoder) duration(path string, val any, fv reflect.Value) {
	if s, ok := asString(val); ok {
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.fail(path, err, "invalid duration %q", s)
			return
		}
		fv.SetInt(int64(dur))
		return
	}
	if n, ok := asInt(val); ok {
		fv.SetInt(n)
		return
	}
	if u, ok := asUint(val); ok {
		d.fail(path, nil, "%d overflows %s", u, fv.Type())
		return
	}
	d.fail(path, nil, "expected %s, got %s", expected(fv.Type()), typeName(val))
}

func (d *decoder) time(path string, val any, fv reflect.Value) {
	switch x := val.(type) {
	case time.Time:
		fv.Set(reflect.ValueOf(x))
		return
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			d.fail(path, err, "invalid RFC 3339 time %q", x)
			return
		}
		fv.Set(reflect.ValueOf(t))
		return
	}
	d.fail(path, nil, "expected %s, got %s", expected(fv.Type()), typeName(val))
}

// integer stores an integer (or a float without fraction) in an int or
// uint field, checking the range.
func (d *decoder) integer(path string, val any, fv reflect.Value) {
	signed := fv.Kind() >= reflect.Int && fv.Kind() <= reflect.Int64
	var (
		n      int64
		u      uint64
		isUint bool // u holds a value above MaxInt64
	)
	if i, ok := asInt(val); ok {
		n = i
	} else if x, ok := asUint(val); ok {
		u, isUint = x, true
	} else if f, ok := asFloat(val); ok {
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
			d.fail(path, nil, "%s is not an integer", formatFloat(f))
			return
		case f >= -(1<<63) && f < 1<<63:
			n = int64(f)
		case f >= 0 && f < 1<<64:
			u, isUint = uint64(f), true
		default:
			d.fail(path, nil, "%s overflows %s", formatFloat(f), fv.Type())
			return
		}
	} else {
		d.fail(path, nil, "expected %s, got %s", expected(fv.Type()), typeName(val))
		return
	}
	switch {
	case signed && isUint:
		d.fail(path, nil, "%d overflows %s", u, fv.Type())
	case signed:
		if fv.OverflowInt(n) {
			d.fail(path, nil, "%d overflows %s", n, fv.Type())
			return
		}
		fv.SetInt(n)
	case isUint:
		if fv.OverflowUint(u) {
			d.fail(path, nil, "%d overflows %s", u, fv.Type())
			return
		}
		fv.SetUint(u)
	default:
		if n < 0 || fv.OverflowUint(uint64(n)) {
			d.fail(path, nil, "%d overflows %s", n, fv.Type())
			return
		}
		fv.SetUint(uint64(n))
	}
}

func (d *decoder) float(path string, val any, fv reflect.Value) {
	var f float64
	if x, ok := asFloat(val); ok {
		f = x
	} else if i, ok := asInt(val); ok {
		f = float64(i)
	} else if u, ok := asUint(val); ok {
		f = float64(u)
	} else {
		d.fail(path, nil, "expected %s, got %s", expected(fv.Type()), typeName(val))
		return
	}
	if fv.OverflowFloat(f) {
		d.fail(path, nil, "%s overflows %s", formatFloat(f), fv.Type())
		return
	}
	fv.SetFloat(f)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// The as* helpers classify a decoded value. ParseTOML only produces the
// fast-path types; the reflect fallbacks accept hand-built maps holding
// other integer widths, named string types and so on.

func asString(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return rv.String(), true
	}
	return "", false
}

func asBool(v any) (bool, bool) {
	if b, ok := v.(bool); ok {
		return b, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Bool {
		return rv.Bool(), true
	}
	return false, false
}

// asInt reports integers that fit in an int64.
func asInt(v any) (int64, bool) {
	if n, ok := v.(int64); ok {
		return n, true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u), true
		}
	}
	return 0, false
}

// asUint reports unsigned integers above MaxInt64.
func asUint(v any) (uint64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u > math.MaxInt64 {
			return u, true
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	if f, ok := v.(float64); ok {
		return f, true
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Float32 || k == reflect.Float64 {
		return rv.Float(), true
	}
	return 0, false
}

func arrayOf(v any) ([]any, bool) {
	if a, ok := v.([]any); ok {
		return a, true
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k != reflect.Slice && k != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// typeName names the TOML type of a decoded value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case time.Time:
		return "datetime"
	}
	if _, ok := tableOf(v); ok {
		return "table"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return fmt.Sprintf("unsupported value %T", v)
}

// expected names what a field of type t accepts.
func expected(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration string or integer nanoseconds"
	case t == timeType:
		return "datetime or RFC 3339 string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "float or integer"
	case reflect.Slice:
		return "array"
	}
	return "table"
}
