package graph_test

import (
	"fmt"

	"github.com/greynewell/mist-go/release/internal/graph"
)

func ExampleOrder() {
	res := graph.Order(
		[]string{"logging", "trace", "protocol", "errors", "cli"},
		map[string][]string{
			"logging":  {"trace"},
			"trace":    {"protocol"},
			"protocol": {"errors"},
			"cli":      {"errors"},
		})
	for _, n := range res.Order {
		fmt.Println(res.Level[n], n)
	}
	// Output:
	// 0 errors
	// 1 cli
	// 1 protocol
	// 2 trace
	// 3 logging
}
