package errors_test

import (
	"context"
	"encoding/json"
	stderrors "errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"testing"

	"github.com/greynewell/mist-go/errors"
)

func TestTable(t *testing.T) {
	tests := []struct {
		code      string
		status    int
		exit      int
		retryable bool
	}{
		{errors.CodeInternal, 500, 1, true},
		{errors.CodeTimeout, 504, 5, true},
		{errors.CodeCancelled, 499, 130, false},
		{errors.CodeTransport, 500, 7, true},
		{errors.CodeProtocol, 500, 8, false},
		{errors.CodeValidation, 400, 2, false},
		{errors.CodeNotFound, 404, 3, false},
		{errors.CodeUnavailable, 503, 6, true},
		{errors.CodeRateLimit, 429, 9, true},
		{errors.CodeAuth, 401, 4, false},
		{errors.CodeConflict, 409, 10, false},
		{"no_such_code", 500, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := errors.HTTPStatus(tt.code); got != tt.status {
				t.Errorf("HTTPStatus(%q) = %d, want %d", tt.code, got, tt.status)
			}
			if got := errors.ExitCode(tt.code); got != tt.exit {
				t.Errorf("ExitCode(%q) = %d, want %d", tt.code, got, tt.exit)
			}
			if got := errors.IsRetryable(errors.New(tt.code, "x")); got != tt.retryable {
				t.Errorf("IsRetryable(New(%q)) = %v, want %v", tt.code, got, tt.retryable)
			}
		})
	}
	if got := errors.HTTPStatus(""); got != 200 {
		t.Errorf(`HTTPStatus("") = %d, want 200`, got)
	}
	if got := errors.ExitCode(""); got != 0 {
		t.Errorf(`ExitCode("") = %d, want 0`, got)
	}
}

func TestErrorText(t *testing.T) {
	cause := stderrors.New("connection refused")
	tests := []struct {
		name string
		err  *errors.Error
		want string
	}{
		{"message", errors.New(errors.CodeValidation, "suite name is required"), "validation: suite name is required"},
		{"newf", errors.Newf(errors.CodeNotFound, "suite %q not found", "x"), `not_found: suite "x" not found`},
		{"wrap", errors.Wrap(errors.CodeTransport, cause, "send failed"), "transport: send failed: connection refused"},
		{"wrapf", errors.Wrapf(errors.CodeTransport, cause, "send to %s", "infermux"), "transport: send to infermux: connection refused"},
		{"empty message", errors.Wrap(errors.CodeTimeout, cause, ""), "timeout: connection refused"},
		{"code only", errors.New(errors.CodeInternal, ""), "internal"},
		{"nil", nil, "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCode(t *testing.T) {
	var nilErr *errors.Error
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"nil *Error", nilErr, ""},
		{"coded", errors.New(errors.CodeAuth, "x"), errors.CodeAuth},
		{"wrapped by fmt", fmt.Errorf("outer: %w", errors.New(errors.CodeConflict, "x")), errors.CodeConflict},
		{"first in chain", errors.Wrap(errors.CodeTransport, errors.New(errors.CodeAuth, "x"), "y"), errors.CodeTransport},
		{"joined", errors.Join(stderrors.New("a"), errors.New(errors.CodeNotFound, "b")), errors.CodeNotFound},
		{"canceled", context.Canceled, errors.CodeCancelled},
		{"deadline", fmt.Errorf("wait: %w", context.DeadlineExceeded), errors.CodeTimeout},
		{"plain", stderrors.New("boom"), errors.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Code(tt.err); got != tt.want {
				t.Errorf("Code(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestIsRetryable(t *testing.T) {
	var nilErr *errors.Error
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"nil *Error", nilErr, false},
		{"plain", stderrors.New("boom"), true},
		{"canceled", context.Canceled, false},
		{"deadline", context.DeadlineExceeded, true},
		{"not found", errors.New(errors.CodeNotFound, "x"), false},
		{"unavailable", errors.New(errors.CodeUnavailable, "x"), true},
		{"retriable override", errors.New(errors.CodeValidation, "x").Retriable(), true},
		{"permanent override", errors.New(errors.CodeUnavailable, "x").Permanent(), false},
		{"override seen through wrapping", fmt.Errorf("ctx: %w", errors.New(errors.CodeAuth, "x").Retriable()), true},
		{"unknown code", errors.New("weird", "x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.IsRetryable(tt.err); got != tt.want {
				t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestOverrideReturnsCopy(t *testing.T) {
	a := errors.New(errors.CodeUnavailable, "x")
	b := a.Permanent()
	if a == b {
		t.Fatal("Permanent returned its receiver")
	}
	if !errors.IsRetryable(a) {
		t.Error("Permanent changed the receiver's retryability")
	}
	if errors.IsRetryable(b) {
		t.Error("Permanent copy is retryable")
	}
	if c := b.Retriable(); !errors.IsRetryable(c) || errors.IsRetryable(b) {
		t.Error("Retriable on a permanent copy did not produce an independent retryable copy")
	}
}

// Fixed on purpose: WithMeta never writes into the receiver's map.
func TestWithMetaCopies(t *testing.T) {
	a := errors.New(errors.CodeNotFound, "x").WithMeta("k1", "1")
	b := a.WithMeta("k2", "2")
	if _, ok := a.Meta["k2"]; ok {
		t.Errorf("a.Meta = %v after b := a.WithMeta(k2): receiver modified", a.Meta)
	}
	want := map[string]string{"k1": "1", "k2": "2"}
	if !maps.Equal(b.Meta, want) {
		t.Errorf("b.Meta = %v, want %v", b.Meta, want)
	}
	if b.Code != a.Code || b.Message != a.Message {
		t.Errorf("WithMeta changed code or message: %v", b)
	}
}

// Fixed on purpose: Wrap of a nil cause is a nil *Error whose methods are
// safe.
func TestNilReceiver(t *testing.T) {
	e := errors.Wrap(errors.CodeInternal, nil, "x")
	if e != nil {
		t.Fatalf("Wrap(code, nil, msg) = %v, want nil", e)
	}
	if e := errors.Wrapf(errors.CodeInternal, nil, "x %d", 1); e != nil {
		t.Fatalf("Wrapf(code, nil, ...) = %v, want nil", e)
	}
	if got := e.Error(); got != "<nil>" {
		t.Errorf("Error() = %q, want <nil>", got)
	}
	if e.Unwrap() != nil || e.WithMeta("k", "v") != nil || e.Retriable() != nil || e.Permanent() != nil {
		t.Error("methods on a nil *Error returned non-nil")
	}
	b, err := e.MarshalJSON()
	if err != nil || string(b) != "null" {
		t.Errorf("MarshalJSON() = %s, %v; want null, nil", b, err)
	}
	for _, in := range []string{`{"code":"auth","message":"m"}`, `null`} {
		err := e.UnmarshalJSON([]byte(in))
		if errors.Code(err) != errors.CodeValidation || err.Error() != "validation: errors: UnmarshalJSON on nil *Error" {
			t.Errorf("UnmarshalJSON(%s) on nil *Error = %v, want the validation error", in, err)
		}
	}
}

// The zero Error has an empty code: its text is "" and Code reports "",
// as for no error.
func TestZeroError(t *testing.T) {
	var zero errors.Error
	if got := zero.Error(); got != "" {
		t.Errorf("zero Error().Error() = %q, want \"\"", got)
	}
	if got := errors.Code(&zero); got != "" {
		t.Errorf("Code(&Error{}) = %q, want \"\"", got)
	}
	if zero.Unwrap() != nil || errors.IsRetryable(&zero) {
		t.Error("zero Error has a cause or is retryable")
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

type matchAll struct{ target error }

func (m matchAll) Error() string        { return "custom" }
func (m matchAll) Is(target error) bool { return target == m.target }

// Fixed on purpose: As accepts interface targets and Is follows Join and
// custom Is methods, as the standard library does.
func TestStdDelegation(t *testing.T) {
	err := errors.Wrap(errors.CodeTransport, timeoutErr{}, "dial")
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Errorf("As(%v, *net.Error) = false, want a timeout net.Error", err)
	}
	sentinel := errors.New(errors.CodeUnavailable, "down")
	joined := errors.Join(stderrors.New("a"), fmt.Errorf("b: %w", sentinel))
	if !errors.Is(joined, sentinel) {
		t.Error("Is does not see through Join")
	}
	if !errors.Is(matchAll{target: fs.ErrNotExist}, fs.ErrNotExist) {
		t.Error("Is ignores a custom Is method")
	}
	if errors.Is(errors.New(errors.CodeUnavailable, "down"), sentinel) {
		t.Error("Is matched two distinct *Error values with equal fields; want identity")
	}
	if errors.Unwrap(err) != (timeoutErr{}) {
		t.Error("Unwrap did not return the cause")
	}
	if errors.ErrUnsupported != stderrors.ErrUnsupported {
		t.Error("ErrUnsupported is not the standard library's value")
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		err  *errors.Error
		want string
	}{
		{"plain", errors.New(errors.CodeValidation, "bad"), `{"code":"validation","message":"bad"}`},
		{"meta and cause", errors.Wrap(errors.CodeTransport, stderrors.New("refused"), "send").WithMeta("status", "503"),
			`{"code":"transport","message":"send","meta":{"status":"503"},"cause":"refused"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.err)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %s, want %s", b, tt.want)
			}
			var got errors.Error
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got.Error() != tt.err.Error() || !maps.Equal(got.Meta, tt.err.Meta) {
				t.Errorf("round trip = %v (meta %v), want %v (meta %v)", &got, got.Meta, tt.err, tt.err.Meta)
			}
		})
	}
}

func TestUnmarshalJSONBadInput(t *testing.T) {
	for _, in := range []string{`"text"`, `{"code":5}`, `[1]`, `{`} {
		var e errors.Error
		err := e.UnmarshalJSON([]byte(in))
		if errors.Code(err) != errors.CodeValidation {
			t.Errorf("UnmarshalJSON(%s) = %v, want code validation", in, err)
		}
	}
	e := errors.New(errors.CodeAuth, "keep")
	if err := e.UnmarshalJSON([]byte("null")); err != nil || e.Code != errors.CodeAuth {
		t.Errorf("UnmarshalJSON(null) = %v and changed the value to %v", err, e)
	}
}
