module github.com/greynewell/mist-go/resource

go 1.26.0
