module github.com/greynewell/mist-go/errors

go 1.26.0
