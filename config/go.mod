module github.com/greynewell/mist-go/config

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/greynewell/mist-go/errors v0.0.0
	github.com/pelletier/go-toml/v2 v2.4.3
)
