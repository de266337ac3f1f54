// Package errors is the error type shared by the whole mist-go stack.
//
// An [Error] carries a machine-readable code, a human message, an optional
// cause and optional string metadata. Codes map to HTTP statuses, process
// exit codes and retryability through fixed tables, and an Error has a JSON
// form that can cross process boundaries.
//
// The package is a superset of the standard library's errors package: [Is],
// [As], [Unwrap], [Join] and [ErrUnsupported] are the standard library's own,
// so a file can import this package in place of "errors" and lose nothing.
//
// # Creating errors
//
//	err := errors.New(errors.CodeValidation, "suite name is required")
//	err := errors.Newf(errors.CodeNotFound, "suite %q not found", name)
//	err := errors.Wrap(errors.CodeTransport, cause, "send to infermux failed")
//
// [Wrap] and [Wrapf] return nil when the cause is nil, so they can wrap the
// result of a call unconditionally. The result is a nil *Error: compare it
// with nil before returning it as an error, because a nil *Error stored in an
// error variable is not == nil. Every method is safe on a nil *Error;
// [Error.UnmarshalJSON], having nowhere to store the result, returns a
// validation error.
//
// Always set a code: the zero Error has an empty code, so its text is "" and
// [Code] reports "" for it, as for no error.
//
// # Codes
//
// The code of any error is found with [Code]: the code of the first *Error in
// the chain, or a code derived from the error itself ("cancelled" for
// [context.Canceled], "timeout" for [context.DeadlineExceeded], "internal"
// otherwise). The fixed tables are:
//
//	code         HTTPStatus  ExitCode  retryable
//	internal        500          1       yes
//	timeout         504          5       yes
//	cancelled       499        130       no
//	transport       500          7       yes
//	protocol        500          8       no
//	validation      400          2       no
//	not_found       404          3       no
//	unavailable     503          6       yes
//	rate_limit      429          9       yes
//	auth            401          4       no
//	conflict        409         10       no
//
// [HTTPStatus] and [ExitCode] give 500 and 1 for an unknown code, and 200 and
// 0 for the empty code of a nil error.
//
// # Retryability
//
// [IsRetryable] reads the table, unless the *Error in the chain carries an
// override set by [Error.Retriable] or [Error.Permanent]. Errors that are not
// *Error values are classified by their derived code, so a plain error is
// retryable (internal) and [context.Canceled] is not.
//
// # Values never change
//
// Every method that seems to modify an Error ([Error.WithMeta],
// [Error.Retriable], [Error.Permanent]) returns a copy, so an *Error can be
// shared between goroutines and used as a sentinel. *Error has no Is method:
// [Is] matches *Error values by identity.
//
// # JSON
//
// An Error marshals as {"code","message","meta"?,"cause"?}, where cause is the
// text of the cause. Unmarshalling restores code, message and meta, and
// rebuilds the cause as a plain error with the same text. The retry override
// is not serialised.
package errors
