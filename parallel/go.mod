module github.com/greynewell/mist-go/parallel

go 1.26.0
