module github.com/greynewell/mist-go/examples

go 1.26.0

require (
	github.com/greynewell/mist-go/checkpoint v0.0.0
	github.com/greynewell/mist-go/circuitbreaker v0.0.0
	github.com/greynewell/mist-go/config v0.0.0
	github.com/greynewell/mist-go/errors v0.0.0
	github.com/greynewell/mist-go/health v0.0.0
	github.com/greynewell/mist-go/lifecycle v0.0.0
	github.com/greynewell/mist-go/logging v0.0.0
	github.com/greynewell/mist-go/metrics v0.0.0
	github.com/greynewell/mist-go/parallel v0.0.0
	github.com/greynewell/mist-go/platform v0.0.0
	github.com/greynewell/mist-go/protocol v0.0.0
	github.com/greynewell/mist-go/retry v0.0.0
	github.com/greynewell/mist-go/server v0.0.0
	github.com/greynewell/mist-go/trace v0.0.0
	github.com/greynewell/mist-go/transport v0.0.0
	github.com/pelletier/go-toml/v2 v2.4.3 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
