module github.com/greynewell/mist-go/health

go 1.26.0
