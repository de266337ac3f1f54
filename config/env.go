package config

import (
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greynewell/mist-go/errors"
)

// overlayEnv sets the fields of sv, a struct reached through a pointer,
// from environment variables named after their TOML keys. It reports every
// variable that does not parse, joined.
func overlayEnv(prefix string, sv reflect.Value) error {
	o := envOverlay{}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		o.names = append(o.names, strings.ToUpper(name)) // Windows names ignore case
	}
	o.walk(strings.ToUpper(prefix), "", sv, map[uintptr]bool{sv.Addr().Pointer(): true})
	return errors.Join(o.errs...)
}

type envOverlay struct {
	names []string // names of the variables in the environment
	errs  []error
}

// anyBelow reports whether a variable name starts with name + "_".
func (o *envOverlay) anyBelow(name string) bool {
	return slices.ContainsFunc(o.names, func(n string) bool {
		return len(n) > len(name) && n[len(name)] == '_' && strings.HasPrefix(n, name)
	})
}

// envName turns a TOML key into its segment of a variable name.
func envName(key string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToUpper(key))
}

// walk overlays the struct sv. name is the variable-name prefix and path
// the dotted TOML path of sv. onPath holds the pointers being walked, so a
// pointer cycle is not followed forever; a nil *struct is entered only when
// some variable name continues its name, which bounds the depth of
// self-referencing types. walk reports whether any variable was set.
func (o *envOverlay) walk(name, path string, sv reflect.Value, onPath map[uintptr]bool) bool {
	t := sv.Type()
	set := false
	for i := range t.NumField() {
		key, ok := fieldKey(t.Field(i))
		if !ok {
			continue
		}
		fname, fpath, fv := name+"_"+envName(key), join(path, key), sv.Field(i)
		ft := fv.Type()
		switch {
		case ft.Kind() == reflect.Struct && ft != timeType:
			set = o.walk(fname, fpath, fv, onPath) || set
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && ft.Elem() != timeType:
			if !fv.IsNil() {
				if p := fv.Pointer(); !onPath[p] {
					onPath[p] = true
					set = o.walk(fname, fpath, fv.Elem(), onPath) || set
					delete(onPath, p)
				}
				continue
			}
			if !o.anyBelow(fname) {
				continue
			}
			// Allocate only when a variable below this field is set.
			nv := reflect.New(ft.Elem())
			if o.walk(fname, fpath, nv.Elem(), onPath) {
				fv.Set(nv)
				set = true
			}
		default:
			raw, ok := os.LookupEnv(fname)
			if !ok || !envSettable(ft) {
				continue
			}
			set = true
			if err := setFromEnv(fv, raw); err != nil {
				o.errs = append(o.errs, (&errors.Error{
					Code:    errors.CodeValidation,
					Message: fname + ": " + fpath + ": cannot parse " + strconv.Quote(raw) + " as " + ft.String(),
					Cause:   err,
				}).WithMeta("env", fname).WithMeta("field", fpath))
			}
		}
	}
	return set
}

// envSettable reports whether the overlay reaches fields of type t:
// scalars, Duration, time.Time and slices of those.
func envSettable(t reflect.Type) bool {
	if t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t == timeType {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// setFromEnv parses raw by the kind of fv. Slices take comma-separated
// items with surrounding spaces trimmed; an empty value is an empty slice.
func setFromEnv(fv reflect.Value, raw string) error {
	if fv.Kind() == reflect.Slice {
		var items []string
		if strings.TrimSpace(raw) != "" {
			items = strings.Split(raw, ",")
		}
		out := reflect.MakeSlice(fv.Type(), len(items), len(items))
		for i, it := range items {
			if err := setScalar(out.Index(i), strings.TrimSpace(it)); err != nil {
				return err
			}
		}
		fv.Set(out)
		return nil
	}
	return setScalar(fv, raw)
}

func setScalar(fv reflect.Value, s string) error {
	switch fv.Type() {
	case durationType:
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
		return nil
	case timeType:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		fv.Set(reflect.ValueOf(t))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(s, 10, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetFloat(f)
	}
	return nil
}

// parseDuration reads a time.ParseDuration string or integer nanoseconds.
// When s is neither, the error is time.ParseDuration's.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		n, ierr := strconv.ParseInt(s, 10, 64)
		if ierr != nil {
			return 0, err
		}
		d = time.Duration(n)
	}
	return d, nil
}
