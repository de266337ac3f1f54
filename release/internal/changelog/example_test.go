package changelog_test

import (
	"fmt"

	"github.com/greynewell/mist-go/release/internal/changelog"
)

func ExampleDoc_Release() {
	doc := changelog.Parse([]byte("# Changelog\n\n## Unreleased\n\n### Fixed\n\n- Off by one.\n\n## v0.1.0 - 2026-01-02\n\n- First release.\n"))
	if err := doc.Release("v0.1.1", "2026-11-27", "### Dependencies\n\n- dependency: errors v0.2.0"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(doc.Bytes()))
	// Output:
	// # Changelog
	//
	// ## Unreleased
	//
	// ## v0.1.1 - 2026-11-27
	//
	// ### Fixed
	//
	// - Off by one.
	//
	// ### Dependencies
	//
	// - dependency: errors v0.2.0
	//
	// ## v0.1.0 - 2026-01-02
	//
	// - First release.
}

func ExampleDoc_AddTrain() {
	doc := changelog.Parse([]byte("# Release train\n\nNo release yet.\n"))
	doc.AddTrain("2026-11-27", []string{"errors@v0.1.0: first release", "retry@v0.1.0: first release"})
	fmt.Print(string(doc.Bytes()))
	// Output:
	// # Release train
	//
	// ## 2026-11-27
	//
	// - errors@v0.1.0: first release
	// - retry@v0.1.0: first release
}
