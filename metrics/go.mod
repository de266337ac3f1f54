module github.com/greynewell/mist-go/metrics

go 1.26.0
