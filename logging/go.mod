module github.com/greynewell/mist-go/logging

go 1.26.0

require (
	github.com/greynewell/mist-go/errors v0.0.0 // indirect
	github.com/greynewell/mist-go/protocol v0.0.0 // indirect
	github.com/greynewell/mist-go/trace v0.0.0
)
