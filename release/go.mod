module github.com/greynewell/mist-go/release

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/greynewell/mist-go/cli v0.0.0
	github.com/greynewell/mist-go/errors v0.0.0
	github.com/greynewell/mist-go/output v0.0.0
	golang.org/x/mod v0.43.0
)
