package errors_test

import (
	"encoding/json"
	stderrors "errors"
	"maps"
	"testing"
	"unicode/utf8"

	"github.com/greynewell/mist-go/errors"
)

// FuzzJSONRoundTrip asserts that code, message, meta and cause text survive
// MarshalJSON followed by UnmarshalJSON. JSON text is UTF-8, so inputs with
// invalid UTF-8 (which encoding/json replaces) are not round-trip cases.
func FuzzJSONRoundTrip(f *testing.F) {
	f.Add("validation", "bad input", "field", "name", "cause", true)
	f.Add("", "", "", "", "", false)
	f.Add("transport", "<html> & \"quotes\"", "k", "\u2028", "line\nbreak", true)
	f.Fuzz(func(t *testing.T, code, msg, mk, mv, cause string, withCause bool) {
		for _, s := range []string{code, msg, mk, mv, cause} {
			if !utf8.ValidString(s) {
				return // not a round-trip case
			}
		}
		in := errors.New(code, msg)
		if mk != "" || mv != "" {
			in = in.WithMeta(mk, mv)
		}
		if withCause {
			in = errors.Wrap(code, stderrors.New(cause), msg).WithMeta(mk, mv)
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", in, err)
		}
		var out errors.Error
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if out.Code != in.Code || out.Message != in.Message || !maps.Equal(out.Meta, in.Meta) {
			t.Errorf("round trip of %s = %#v, want %#v", b, &out, in)
		}
		if (out.Cause == nil) != (in.Cause == nil) || (in.Cause != nil && out.Cause.Error() != in.Cause.Error()) {
			t.Errorf("round trip of %s: cause %v, want %v", b, out.Cause, in.Cause)
		}
	})
}

// FuzzUnmarshalJSON feeds arbitrary bytes to UnmarshalJSON: it never
// panics, a rejection is coded validation, and an accepted value marshals
// back to JSON that decodes to the same value.
func FuzzUnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"code":"auth","message":"m","meta":{"a":"b"},"cause":"c"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"code":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e errors.Error
		if err := e.UnmarshalJSON(data); err != nil {
			if errors.Code(err) != errors.CodeValidation {
				t.Fatalf("UnmarshalJSON(%q) = %v, want code validation", data, err)
			}
			return
		}
		b, err := json.Marshal(&e)
		if err != nil {
			t.Fatalf("Marshal after accepting %q: %v", data, err)
		}
		var again errors.Error
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if again.Error() != e.Error() || !maps.Equal(again.Meta, e.Meta) {
			t.Errorf("second round trip %v, want %v", &again, &e)
		}
	})
}
