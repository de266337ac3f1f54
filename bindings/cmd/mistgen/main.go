// Command mistgen writes the Python and TypeScript payload types of the
// bindings module from the payload structs of the protocol package.
//
// Usage:
//
//	mistgen [-root dir]
//
// It writes dir/python/mist/_types.py and dir/typescript/src/types.ts,
// where dir (default ".") is the bindings module directory; `go generate`
// in bindings/ runs it there. Running it twice gives the same bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/greynewell/mist-go/bindings/gen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("mistgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "the bindings module `directory` to write into")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "mistgen: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	if err := gen.Write(*root); err != nil {
		fmt.Fprintf(stderr, "mistgen: %v\n", err)
		return 1
	}
	return 0
}
