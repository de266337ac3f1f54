package config

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/greynewell/mist-go/errors"
)

// Validate checks the validate:"..." tags of v, a struct or a non-nil
// pointer to one, and of the structs it holds. It returns nil, or every
// failure in field order joined into one error; each failure is an
// *errors.Error with code validation whose Meta["field"] is the dotted TOML
// path of the field. See the package documentation for the rules.
func Validate(v any) error {
	va := validator{onPath: map[uintptr]bool{}}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		va.onPath[rv.Pointer()] = true
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return errors.Newf(errors.CodeValidation,
			"config: Validate needs a struct or a non-nil pointer to one, got %s", describeTarget(v))
	}
	va.structure("", rv)
	return errors.Join(va.errs...)
}

type validator struct {
	errs   []error
	onPath map[uintptr]bool // pointers being walked, against cycles
}

func (va *validator) fail(path, msg string) {
	va.errs = append(va.errs, errors.New(errors.CodeValidation, msg).WithMeta("field", path))
}

func (va *validator) structure(path string, sv reflect.Value) {
	t := sv.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		key, ok := fieldKey(sf)
		if !ok {
			key = strings.ToLower(sf.Name) // toml:"-" fields are still checked
		}
		fpath, fv := join(path, key), sv.Field(i)
		if tag, ok := sf.Tag.Lookup("validate"); ok {
			va.rules(fpath, fv, tag)
		}
		va.descend(fpath, fv)
	}
}

// descend validates the structs inside fv: a nested struct, a non-nil
// *struct, or the elements of a slice or array of either.
func (va *validator) descend(path string, fv reflect.Value) {
	switch fv.Kind() {
	case reflect.Struct:
		if fv.Type() != timeType {
			va.structure(path, fv)
		}
	case reflect.Pointer:
		if fv.IsNil() || fv.Elem().Kind() != reflect.Struct {
			return
		}
		p := fv.Pointer()
		if va.onPath[p] {
			return
		}
		va.onPath[p] = true
		va.descend(path, fv.Elem())
		delete(va.onPath, p)
	case reflect.Slice, reflect.Array:
		et := fv.Type().Elem()
		if et.Kind() != reflect.Struct && (et.Kind() != reflect.Pointer || et.Elem().Kind() != reflect.Struct) {
			return
		}
		for i := range fv.Len() {
			va.descend(path+"["+strconv.Itoa(i)+"]", fv.Index(i))
		}
	}
}

func (va *validator) rules(path string, fv reflect.Value, tag string) {
	for rule := range strings.SplitSeq(tag, ",") {
		rule = strings.TrimSpace(rule)
		if rule == "" {
			continue
		}
		name, arg, _ := strings.Cut(rule, "=")
		switch name {
		case "required":
			if isEmpty(fv) {
				va.fail(path, path+" is required")
				return // the other rules would only repeat it
			}
		case "min", "max":
			va.bound(path, fv, name, strings.TrimSpace(arg))
		case "oneof":
			va.oneOf(path, fv, arg)
		default:
			va.fail(path, path+": unknown validation rule "+strconv.Quote(rule))
		}
	}
}

func isEmpty(fv reflect.Value) bool {
	switch fv.Kind() {
	case reflect.Slice, reflect.Map:
		return fv.Len() == 0
	}
	return fv.IsZero()
}

// bound checks a min or max rule. Numbers compare by value, strings by
// rune count, slices, arrays and maps by length.
func (va *validator) bound(path string, fv reflect.Value, rule, arg string) {
	op := ">="
	if rule == "max" {
		op = "<="
	}
	bad := func() { va.fail(path, path+": invalid "+rule+" bound "+strconv.Quote(arg)+" for "+fv.Type().String()) }
	var (
		cmp int    // sign of value - bound
		got string // the value as reported
	)
	switch k := fv.Kind(); {
	case fv.Type() == durationType:
		d, err := parseDuration(arg)
		if err != nil {
			bad()
			return
		}
		v := time.Duration(fv.Int())
		cmp, got = compare(v, d), v.String()
	case k >= reflect.Int && k <= reflect.Int64:
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			bad()
			return
		}
		cmp, got = compare(fv.Int(), n), strconv.FormatInt(fv.Int(), 10)
	case k >= reflect.Uint && k <= reflect.Uintptr:
		n, err := strconv.ParseUint(arg, 10, 64)
		if err != nil {
			bad()
			return
		}
		cmp, got = compare(fv.Uint(), n), strconv.FormatUint(fv.Uint(), 10)
	case k == reflect.Float32 || k == reflect.Float64:
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil {
			bad()
			return
		}
		v := fv.Float()
		switch {
		case !math.IsNaN(v):
			cmp = compare(v, f)
		case rule == "min": // NaN satisfies no bound
			cmp = -1
		default:
			cmp = 1
		}
		got = formatFloat(v)
	case k == reflect.String || k == reflect.Slice || k == reflect.Array || k == reflect.Map:
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			bad()
			return
		}
		l := fv.Len()
		if k == reflect.String {
			l = utf8.RuneCountInString(fv.String())
		}
		cmp, got = compare(l, n), strconv.Itoa(l)
	default:
		va.fail(path, path+": rule "+rule+" does not apply to "+fv.Type().String())
		return
	}
	if (rule == "min" && cmp < 0) || (rule == "max" && cmp > 0) {
		va.fail(path, path+" must be "+op+" "+arg+" (got "+got+")")
	}
}

func compare[T int | int64 | uint64 | float64 | time.Duration](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// oneOf checks oneof=a|b|c on a string or integer field.
func (va *validator) oneOf(path string, fv reflect.Value, arg string) {
	opts := strings.Split(arg, "|")
	for i := range opts {
		opts[i] = strings.TrimSpace(opts[i])
	}
	var (
		shown string
		match func(string) (bool, error)
	)
	switch k := fv.Kind(); {
	case k == reflect.String:
		shown = strconv.Quote(fv.String())
		match = func(o string) (bool, error) { return o == fv.String(), nil }
	case k >= reflect.Int && k <= reflect.Int64:
		shown = strconv.FormatInt(fv.Int(), 10)
		match = func(o string) (bool, error) {
			n, err := strconv.ParseInt(o, 10, 64)
			return n == fv.Int(), err
		}
	case k >= reflect.Uint && k <= reflect.Uintptr:
		shown = strconv.FormatUint(fv.Uint(), 10)
		match = func(o string) (bool, error) {
			n, err := strconv.ParseUint(o, 10, 64)
			return n == fv.Uint(), err
		}
	default:
		va.fail(path, path+": rule oneof does not apply to "+fv.Type().String())
		return
	}
	found := false
	for _, o := range opts {
		ok, err := match(o)
		if err != nil {
			va.fail(path, path+": invalid oneof option "+strconv.Quote(o)+" for "+fv.Type().String())
			return
		}
		found = found || ok
	}
	if !found {
		va.fail(path, path+" must be one of ["+strings.Join(opts, ", ")+"] (got "+shown+")")
	}
}
