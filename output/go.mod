module github.com/greynewell/mist-go/output

go 1.26.0
