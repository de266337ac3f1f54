package changes_test

import (
	"fmt"

	"github.com/greynewell/mist-go/release/internal/changes"
)

func ExampleParse() {
	f, err := changes.Parse(".changes/jitter.md", []byte("---\nretry: minor\nerrors: patch\n---\n\n### Added\n\n- Jitter.\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range f.Entries {
		fmt.Println(e.Module, e.Bump)
	}
	fmt.Printf("%q\n", f.Body)
	// Output:
	// retry minor
	// errors patch
	// "### Added\n\n- Jitter."
}

func ExampleParseCommit() {
	for _, msg := range []string{"feat(retry): add jitter", "fix: off by one", "refactor(api)!: drop Foo", "Update README"} {
		c, ok := changes.ParseCommit(msg)
		fmt.Println(ok, c.Type, c.Scopes, c.Bump())
	}
	// Output:
	// true feat [retry] minor
	// true fix [] patch
	// true refactor [api] major
	// false  [] none
}
