package errors

import (
	"context"
	"encoding/json"
	stderrors "errors"
	"fmt"
	"maps"
)

// The standard codes. See the package documentation for their HTTP
// statuses, exit codes and retryability.
const (
	CodeInternal    = "internal"
	CodeTimeout     = "timeout"
	CodeCancelled   = "cancelled"
	CodeTransport   = "transport"
	CodeProtocol    = "protocol"
	CodeValidation  = "validation"
	CodeNotFound    = "not_found"
	CodeUnavailable = "unavailable"
	CodeRateLimit   = "rate_limit"
	CodeAuth        = "auth"
	CodeConflict    = "conflict"
)

// retryOverride records a decision made by Retriable or Permanent.
type retryOverride uint8

const (
	retryByCode retryOverride = iota
	retryAlways
	retryNever
)

// Error is a coded error with an optional cause and metadata.
//
// Always give an Error a code, through [New], [Newf], [Wrap] or [Wrapf].
// The zero Error has an empty code and message: its Error() is "", and
// [Code] reports "" for it, which reads as no error (HTTP status 200, exit
// code 0).
//
// An *Error never changes after construction: the methods that derive a new
// error return a copy. It is therefore safe for concurrent use. Do not modify
// the fields of an *Error that others may hold; build a new one instead.
type Error struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Cause   error             `json:"-"`
	Meta    map[string]string `json:"meta,omitempty"`

	retry retryOverride
}

// New returns an error with the given code and message.
func New(code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Newf returns an error with the given code and a message formatted as by
// [fmt.Sprintf].
func Newf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the given code and message whose cause is
// cause. It returns nil when cause is nil.
func Wrap(code string, cause error, message string) *Error {
	if cause == nil {
		return nil
	}
	return &Error{Code: code, Message: message, Cause: cause}
}

// Wrapf is like [Wrap] with a message formatted as by [fmt.Sprintf]. It
// returns nil when cause is nil.
func Wrapf(code string, cause error, format string, args ...any) *Error {
	if cause == nil {
		return nil
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// Error returns "<code>: <message>", followed by ": <cause>" when there is a
// cause. With an empty message it is "<code>: <cause>", and with neither a
// message nor a cause just "<code>". A nil *Error gives "<nil>".
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	s := e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the cause, or nil.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Cause
}

// clone returns a shallow copy of e; Meta is shared until the caller
// replaces it.
func (e *Error) clone() *Error {
	c := *e
	return &c
}

// WithMeta returns a copy of e whose Meta holds e's entries plus key=value.
// e itself is left untouched. A nil receiver returns nil.
func (e *Error) WithMeta(key, value string) *Error {
	if e == nil {
		return nil
	}
	c := e.clone()
	c.Meta = make(map[string]string, len(e.Meta)+1)
	maps.Copy(c.Meta, e.Meta)
	c.Meta[key] = value
	return c
}

// Retriable returns a copy of e that [IsRetryable] reports as retryable,
// whatever its code. A nil receiver returns nil.
func (e *Error) Retriable() *Error {
	if e == nil {
		return nil
	}
	c := e.clone()
	c.retry = retryAlways
	return c
}

// Permanent returns a copy of e that [IsRetryable] reports as not
// retryable, whatever its code. A nil receiver returns nil.
func (e *Error) Permanent() *Error {
	if e == nil {
		return nil
	}
	c := e.clone()
	c.retry = retryNever
	return c
}

// jsonError is the wire shape; the field order is the key order.
type jsonError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Meta    map[string]string `json:"meta,omitempty"`
	Cause   *string           `json:"cause,omitempty"`
}

// MarshalJSON encodes e as {"code","message","meta"?,"cause"?}, where cause
// is the text of the cause. A nil receiver encodes as null.
func (e *Error) MarshalJSON() ([]byte, error) {
	if e == nil {
		return []byte("null"), nil
	}
	j := jsonError{Code: e.Code, Message: e.Message, Meta: e.Meta}
	if e.Cause != nil {
		text := e.Cause.Error()
		j.Cause = &text
	}
	return json.Marshal(j)
}

// UnmarshalJSON restores code, message and meta from data, and rebuilds the
// cause as a plain error with the same text. JSON null leaves e unchanged.
// Input that is not an error object gives an error with code validation,
// and so does a nil receiver, which has nowhere to store the result.
func (e *Error) UnmarshalJSON(data []byte) error {
	if e == nil {
		return New(CodeValidation, "errors: UnmarshalJSON on nil *Error")
	}
	var j *jsonError
	if err := json.Unmarshal(data, &j); err != nil {
		return &Error{Code: CodeValidation, Message: "errors: decode json", Cause: err}
	}
	if j == nil {
		return nil
	}
	*e = Error{Code: j.Code, Message: j.Message, Meta: j.Meta}
	if j.Cause != nil {
		e.Cause = stderrors.New(*j.Cause)
	}
	return nil
}

// Code returns the code of err: "" for nil, the code of the first *Error in
// the chain, "cancelled" for [context.Canceled], "timeout" for
// [context.DeadlineExceeded], and "internal" for anything else. A nil *Error
// stored in err counts as no error.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if As(err, &e) {
		if e == nil {
			return ""
		}
		return e.Code
	}
	switch {
	case Is(err, context.Canceled):
		return CodeCancelled
	case Is(err, context.DeadlineExceeded):
		return CodeTimeout
	}
	return CodeInternal
}

// IsRetryable reports whether the operation that returned err may succeed
// if tried again. It is false for nil. For an *Error in the chain it uses
// that error's override ([Error.Retriable], [Error.Permanent]) if set, and
// otherwise the table, where unknown codes are not retryable. Any other
// error is classified by [Code]: a plain error is retryable, and
// [context.Canceled] is not.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if As(err, &e) {
		if e == nil {
			return false
		}
		switch e.retry {
		case retryAlways:
			return true
		case retryNever:
			return false
		}
		return lookup(e.Code).retryable
	}
	return lookup(Code(err)).retryable
}

// HTTPStatus returns the HTTP status for code: 200 for "" (no error), 500 for
// an unknown code.
func HTTPStatus(code string) int {
	if code == "" {
		return 200
	}
	return lookup(code).status
}

// ExitCode returns the process exit code for code: 0 for "" (no error), 1
// for an unknown code.
func ExitCode(code string) int {
	if code == "" {
		return 0
	}
	return lookup(code).exit
}

type codeInfo struct {
	status    int
	exit      int
	retryable bool
}

// lookup returns the table row for code; unknown codes map like internal
// but are never retryable.
func lookup(code string) codeInfo {
	switch code {
	case CodeInternal:
		return codeInfo{500, 1, true}
	case CodeTimeout:
		return codeInfo{504, 5, true}
	case CodeCancelled:
		return codeInfo{499, 130, false}
	case CodeTransport:
		return codeInfo{500, 7, true}
	case CodeProtocol:
		return codeInfo{500, 8, false}
	case CodeValidation:
		return codeInfo{400, 2, false}
	case CodeNotFound:
		return codeInfo{404, 3, false}
	case CodeUnavailable:
		return codeInfo{503, 6, true}
	case CodeRateLimit:
		return codeInfo{429, 9, true}
	case CodeAuth:
		return codeInfo{401, 4, false}
	case CodeConflict:
		return codeInfo{409, 10, false}
	}
	return codeInfo{500, 1, false}
}
