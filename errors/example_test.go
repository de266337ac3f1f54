package errors_test

import (
	"context"
	"encoding/json"
	stderrors "errors"
	"fmt"

	"github.com/greynewell/mist-go/errors"
)

func Example() {
	err := errors.Newf(errors.CodeNotFound, "suite %q not found", "swe-bench")
	err = err.WithMeta("suite", "swe-bench")

	fmt.Println(err)
	fmt.Println(errors.Code(err))
	fmt.Println(errors.HTTPStatus(errors.Code(err)))
	fmt.Println(errors.ExitCode(errors.Code(err)))
	fmt.Println(errors.IsRetryable(err))
	// Output:
	// not_found: suite "swe-bench" not found
	// not_found
	// 404
	// 3
	// false
}

func ExampleWrap() {
	original := stderrors.New("connection refused")
	err := errors.Wrap(errors.CodeTransport, original, "send failed")
	fmt.Println(err.Error())

	var e *errors.Error
	if errors.As(fmt.Errorf("infermux: %w", err), &e) {
		fmt.Println(e.Code)
	}
	fmt.Println(errors.Is(err, original))
	// Output:
	// transport: send failed: connection refused
	// transport
	// true
}

func ExampleCode() {
	fmt.Println(errors.Code(nil) == "")
	fmt.Println(errors.Code(context.Canceled))
	fmt.Println(errors.Code(context.DeadlineExceeded))
	fmt.Println(errors.Code(stderrors.New("boom")))
	// Output:
	// true
	// cancelled
	// timeout
	// internal
}

func ExampleError_Permanent() {
	err := errors.New(errors.CodeUnavailable, "maintenance window")
	fmt.Println(errors.IsRetryable(err))
	fmt.Println(errors.IsRetryable(err.Permanent()))
	fmt.Println(errors.IsRetryable(errors.New(errors.CodeValidation, "x").Retriable()))
	// Output:
	// true
	// false
	// true
}

func ExampleError_MarshalJSON() {
	err := errors.Wrap(errors.CodeTransport, stderrors.New("refused"), "send").WithMeta("status", "503")
	b, _ := json.Marshal(err)
	fmt.Println(string(b))

	var back errors.Error
	_ = json.Unmarshal(b, &back)
	fmt.Println(back.Error())
	// Output:
	// {"code":"transport","message":"send","meta":{"status":"503"},"cause":"refused"}
	// transport: send: refused
}
