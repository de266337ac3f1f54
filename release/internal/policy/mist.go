package policy

import "github.com/greynewell/mist-go/release/internal/workspace"

// Mist returns the rules of the mist-go repository: the module graph of
// API.md plus the edges of the release tool. A new edge between our modules
// is a design decision; add it here, with its reason, in the same change.
func Mist() Rules {
	return Rules{
		Prefix:     workspace.RootPath,
		Unreleased: []string{"benchmarks", "examples"},
		Commands:   []string{"release"},
		Edges: map[string][]string{
			"protocol":       {"errors"},
			"config":         {"errors"},
			"cli":            {"errors"},
			"retry":          {"errors"},
			"circuitbreaker": {"errors"},
			"checkpoint":     {"errors", "platform"},
			"lifecycle":      {"errors", "platform"},
			"server":         {"platform"},
			"trace":          {"protocol", "errors"}, // errors is in trace's graph through protocol already
			"logging":        {"trace"},
			"transport":      {"protocol", "trace", "errors", "retry", "metrics", "circuitbreaker", "platform"},
			"release":        {"errors", "cli", "output"},
			// bindings reads protocol's payload types, and its interop tests
			// talk to Python and Node through transport.
			"bindings": {"protocol", "transport", "errors"},
		},
	}
}
