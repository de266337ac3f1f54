package errors

import stderrors "errors"

// ErrUnsupported is the standard library's [errors.ErrUnsupported].
var ErrUnsupported = stderrors.ErrUnsupported

// Is reports whether any error in err's tree matches target. It is the
// standard library's [errors.Is].
func Is(err, target error) bool { return stderrors.Is(err, target) }

// As finds the first error in err's tree that matches target, and if one is
// found, sets target to that error value and returns true. It is the
// standard library's [errors.As].
func As(err error, target any) bool { return stderrors.As(err, target) }

// Unwrap returns the result of calling the Unwrap method on err, if any. It
// is the standard library's [errors.Unwrap].
func Unwrap(err error) error { return stderrors.Unwrap(err) }

// Join returns an error that wraps the given errors, discarding nils. It is
// the standard library's [errors.Join].
func Join(errs ...error) error { return stderrors.Join(errs...) }
