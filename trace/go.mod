module github.com/greynewell/mist-go/trace

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/greynewell/mist-go/errors v0.0.0
	github.com/greynewell/mist-go/protocol v0.0.0
)
