module github.com/greynewell/mist-go/circuitbreaker

go 1.26.0

require (
	github.com/greynewell/mist-go/errors v0.0.0
)
