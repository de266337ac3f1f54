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
	sv, err := structTarget(v)
	if err != nil {
		return err
	}
	d := newDecoder(collect(opts))
	d.decode(data, sv)
	return d.result("", nil)
}

// decoder accumulates the problems of one Decode call.
type decoder struct {
	strict  bool
	errs    []*errors.Error // conversion errors, each with Meta["field"]
	errAt   [][]pathStep    // the path of each of errs, to sort them
	unknown []string        // unknown dotted paths, under strict
	unkAt   [][]pathStep    // the path of each of unknown
	types   []typeFields    // the fields of each struct type met so far
}

// typeFields caches fieldsOf for one struct type during one decode.
type typeFields struct {
	t  reflect.Type
	fs []field
}

func newDecoder(o options) *decoder { return &decoder{strict: o.strict} }

// decode walks data into the struct sv, keeping the problems in d.
func (d *decoder) decode(data map[string]any, sv reflect.Value) {
	d.table(nil, table{m: data}, sv) // a nil map is an empty table
}

// failed reports whether d has found a problem.
func (d *decoder) failed() bool { return len(d.errs) > 0 || len(d.unknown) > 0 }

// result joins the collected problems, in the order of their paths (keys
// sorted, array elements by index), whatever order the tables were walked
// in. With a file name, each message is prefixed with it and with the line
// found in lines.
func (d *decoder) result(file string, lines map[string]int) error {
	d.sortProblems()
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

// sortProblems orders errs and unknown by path. Tables are walked in map
// order, so this is what makes the result repeatable. Problems with equal
// paths keep the order they were found in.
func (d *decoder) sortProblems() {
	sortByPath(d.errs, d.errAt)
	sortByPath(d.unknown, d.unkAt)
}

func sortByPath[T any](items []T, at [][]pathStep) {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return comparePaths(at[a], at[b]) })
	sorted := make([]T, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	copy(items, sorted)
}

func (d *decoder) fail(path *pathElem, cause error, format string, args ...any) {
	p := path.String()
	msg := p + ": " + fmt.Sprintf(format, args...)
	e := &errors.Error{Code: errors.CodeValidation, Message: msg, Cause: cause}
	d.errs = append(d.errs, e.WithMeta("field", p))
	d.errAt = append(d.errAt, path.steps())
}

func (d *decoder) addUnknown(path *pathElem) {
	d.unknown = append(d.unknown, path.String())
	d.unkAt = append(d.unkAt, path.steps())
}

// pathElem is one step of the path to the value being decoded, linked to
// its parent; the root table is the nil *pathElem. The dotted string
// (server.port, servers[1].port) is built only when a problem names it.
type pathElem struct {
	parent *pathElem
	key    string // the table key, when index < 0
	index  int    // the array index, or -1
}

// pathStep is one step of a path, kept to sort problems.
type pathStep struct {
	key   string
	index int // -1 for a key
}

// String returns the dotted path, "" for the root. It copies the keys into
// a new string rather than returning one of them, so that no pathElem
// escapes to the heap.
func (p *pathElem) String() string {
	return string(p.appendTo(nil))
}

func (p *pathElem) appendTo(b []byte) []byte {
	if p == nil {
		return b
	}
	b = p.parent.appendTo(b)
	if p.index >= 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.index), 10)
		return append(b, ']')
	}
	if len(b) > 0 {
		b = append(b, '.')
	}
	return append(b, p.key...)
}

// steps returns the path from the root.
func (p *pathElem) steps() []pathStep {
	var out []pathStep
	for e := p; e != nil; e = e.parent {
		// A copy of the key: were e.key itself kept, escape analysis
		// would move every pathElem to the heap.
		out = append(out, pathStep{strings.Clone(e.key), e.index})
	}
	slices.Reverse(out)
	return out
}

// comparePaths orders paths as a walk of sorted keys and ascending indices
// visits them: step by step, a parent before its children.
func comparePaths(a, b []pathStep) int {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		if c := cmpInt(x.index, y.index); c != 0 {
			return c
		}
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// table is a TOML table: a map[string]any (the ParseTOML case) or, in rv,
// another map with string keys (hand-built input).
type table struct {
	m  map[string]any
	rv reflect.Value
}

func tableOf(v any) (table, bool) {
	if m, ok := v.(map[string]any); ok {
		return table{m: m}, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return table{}, false
	}
	return table{rv: rv}, true
}

func (t table) len() int {
	if t.rv.IsValid() {
		return t.rv.Len()
	}
	return len(t.m)
}

// each calls fn for every entry of t, in map order.
func (t table) each(fn func(k string, v any)) {
	if t.rv.IsValid() {
		for it := t.rv.MapRange(); it.Next(); {
			fn(it.Key().String(), it.Value().Interface())
		}
		return
	}
	for k, v := range t.m {
		fn(k, v)
	}
}

// field describes one decodable struct field.
type field struct {
	name  string // the tag name, or the Go name when lower is set
	lower bool   // the key is name in ASCII lower case
	index int
}

// matches reports whether key is the field's key, without building the
// lower-cased name.
func (f *field) matches(key string) bool { return sameName(f.name, f.lower, key, false) }

// sameKey reports whether two fields have the same key.
func sameKey(f, g *field) bool { return sameName(f.name, f.lower, g.name, g.lower) }

// sameName reports whether names a and b are equal once each is put in
// ASCII lower case when its flag says so.
func sameName(a string, lowerA bool, b string, lowerB bool) bool {
	if !lowerA && !lowerB {
		return a == b
	}
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if lowerA {
			x = lowerASCII(x)
		}
		if lowerB {
			y = lowerASCII(y)
		}
		if x != y {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// fieldsOf lists the exported, non-skipped fields of struct type t with
// their TOML keys, in declaration order, computing them once per decode.
// When two fields share a key the first one wins.
func (d *decoder) fieldsOf(t reflect.Type) []field {
	for _, c := range d.types {
		if c.t == t {
			return c.fs
		}
	}
	fs := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name, ok := tagName(sf)
		if !ok {
			continue
		}
		f := field{name: name, index: i}
		switch {
		case name != "":
		case isASCII(sf.Name):
			f.name, f.lower = sf.Name, true
		default:
			f.name = strings.ToLower(sf.Name)
		}
		if slices.ContainsFunc(fs, func(g field) bool { return sameKey(&f, &g) }) {
			continue
		}
		fs = append(fs, f)
	}
	d.types = append(d.types, typeFields{t, fs})
	return fs
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// tagName returns the name in sf's toml tag (the text before any comma,
// "" when there is none), or false when sf is unexported or tagged
// toml:"-".
func tagName(sf reflect.StructField) (string, bool) {
	if !sf.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
	return name, name != "-"
}

// fieldKey returns the TOML key of sf: its tag name, or else its
// lower-cased Go name. It returns false when sf is unexported or tagged
// toml:"-".
func fieldKey(sf reflect.StructField) (string, bool) {
	name, ok := tagName(sf)
	if ok && name == "" {
		name = strings.ToLower(sf.Name)
	}
	return name, ok
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// table decodes t into the struct sv. Its keys are visited in map order;
// result sorts the problems found.
func (d *decoder) table(path *pathElem, t table, sv reflect.Value) {
	fs := d.fieldsOf(sv.Type())
	t.each(func(k string, val any) { d.tableEntry(path, fs, sv, k, val) })
}

// tableEntry decodes the value of key k of a table into its field of sv.
func (d *decoder) tableEntry(path *pathElem, fs []field, sv reflect.Value, k string, val any) {
	p := pathElem{parent: path, key: k, index: -1}
	i := slices.IndexFunc(fs, func(f field) bool { return f.matches(k) })
	if i < 0 {
		if d.strict {
			d.addUnknown(&p)
		}
		return
	}
	if val == nil {
		return // absent in TOML; only hand-built maps hold nil
	}
	d.value(&p, val, sv.Field(fs[i].index))
}

// value decodes val into fv, whose path is path.
func (d *decoder) value(path *pathElem, val any, fv reflect.Value) {
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
	d.mismatch(path, val, ft)
}

// mismatch reports a value of the wrong TOML type for a field of type t.
func (d *decoder) mismatch(path *pathElem, val any, t reflect.Type) {
	d.fail(path, nil, "expected %s, got %s", expected(t), typeName(val))
}

func (d *decoder) mapValue(path *pathElem, t table, mv reflect.Value) {
	mt := mv.Type()
	if mv.IsNil() {
		mv.Set(reflect.MakeMapWithSize(mt, t.len()))
	}
	// One key and one element value serve every entry: SetMapIndex
	// copies them.
	kv := reflect.New(mt.Key()).Elem()
	ev := reflect.New(mt.Elem()).Elem()
	t.each(func(k string, val any) { d.mapEntry(path, mv, kv, ev, k, val) })
}

// mapEntry decodes the value of key k into the map mv, merging with the
// entry it may already have. kv and ev are scratch values of mv's key and
// element types.
func (d *decoder) mapEntry(path *pathElem, mv, kv, ev reflect.Value, k string, val any) {
	if val == nil {
		return
	}
	kv.SetString(k)
	ev.SetZero()
	if old := mv.MapIndex(kv); old.IsValid() {
		ev.Set(old)
	}
	before := len(d.errs)
	p := pathElem{parent: path, key: k, index: -1}
	d.value(&p, val, ev)
	if len(d.errs) == before {
		mv.SetMapIndex(kv, ev)
	}
}

func (d *decoder) slice(path *pathElem, val any, sv reflect.Value) {
	arr, ok := arrayOf(val)
	if !ok {
		d.fail(path, nil, "expected array, got %s", typeName(val))
		return
	}
	out := reflect.MakeSlice(sv.Type(), len(arr), len(arr))
	before := len(d.errs)
	p := pathElem{parent: path} // one element's path at a time
	for i, e := range arr {
		if e == nil {
			continue
		}
		p.index = i
		d.value(&p, e, out.Index(i))
	}
	if len(d.errs) == before {
		sv.Set(out)
	}
}

func (d *decoder) duration(path *pathElem, val any, fv reflect.Value) {
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
	d.mismatch(path, val, fv.Type())
}

func (d *decoder) time(path *pathElem, val any, fv reflect.Value) {
	switch x := val.(type) {
	case time.Time:
		setTime(fv, x)
		return
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			d.fail(path, err, "invalid RFC 3339 time %q", x)
			return
		}
		setTime(fv, t)
		return
	}
	d.mismatch(path, val, fv.Type())
}

// setTime stores t in fv, through a pointer when fv is addressable so
// that t is not boxed.
func setTime(fv reflect.Value, t time.Time) {
	if fv.CanAddr() && fv.CanSet() {
		*fv.Addr().Interface().(*time.Time) = t
		return
	}
	fv.Set(reflect.ValueOf(t))
}

// integer stores an integer (or a float without fraction) in an int or
// uint field, checking the range.
func (d *decoder) integer(path *pathElem, val any, fv reflect.Value) {
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
		d.mismatch(path, val, fv.Type())
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

func (d *decoder) float(path *pathElem, val any, fv reflect.Value) {
	var f float64
	if x, ok := asFloat(val); ok {
		f = x
	} else if i, ok := asInt(val); ok {
		f = float64(i)
	} else if u, ok := asUint(val); ok {
		f = float64(u)
	} else {
		d.mismatch(path, val, fv.Type())
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
