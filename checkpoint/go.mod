module github.com/greynewell/mist-go/checkpoint

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/greynewell/mist-go/errors v0.0.0
	github.com/greynewell/mist-go/platform v0.0.0
	golang.org/x/sys v0.50.0 // indirect
)
