package output_test

import (
	"errors"
	"os"

	"github.com/greynewell/mist-go/output"
)

// The calls of the reference documentation: one JSON line, then a table,
// both on standard output.
func Example() {
	w := output.New("json") // or "table"

	// JSON output (one object per line).
	result := map[string]any{"suite": "swe-bench-verified", "score": 0.594, "status": "PASS"}
	w.JSON(result)

	// Table output.
	w.Table(
		[]string{"SUITE", "SCORE", "STATUS"},
		[][]string{
			{"swe-bench-verified", "0.594", "PASS"},
			{"swe-bench-lite", "0.621", "PASS"},
		},
	)
	// Output:
	// {"score":0.594,"status":"PASS","suite":"swe-bench-verified"}
	// SUITE               SCORE  STATUS
	// -----               -----  ------
	// swe-bench-verified  0.594  PASS
	// swe-bench-lite      0.621  PASS
}

func ExampleWriter_JSON() {
	w := output.NewWriter(output.FormatJSON, os.Stdout)
	w.JSON(struct {
		Query string `json:"query"`
		Tasks int    `json:"tasks"`
	}{"a < b && c > d", 300})
	// Output:
	// {"query":"a < b && c > d","tasks":300}
}

func ExampleWriter_Table() {
	w := output.NewWriter(output.FormatTable, os.Stdout)
	w.Table([]string{"NAME", "STATUS", "NOTE"}, [][]string{
		{"lint", "ok"},                 // short row: padded, no trailing spaces
		{"test", "failed", "3 errors"}, // full row
	})
	// Output:
	// NAME  STATUS  NOTE
	// ----  ------  ----
	// lint  ok
	// test  failed  3 errors
}

func ExampleWriter_Write() {
	type result struct {
		Suite    string  `table:"SUITE"`
		Score    float64 // header SCORE
		Passed   *bool   // nil gives an empty cell
		Internal string  `table:"-"`
	}
	pass := true
	results := []*result{
		{Suite: "swe-bench-verified", Score: 0.594, Passed: &pass},
		nil, // skipped
		{Suite: "swe-bench-lite", Score: 0.621},
	}

	output.NewWriter(output.FormatTable, os.Stdout).Write(results)
	output.NewWriter(output.FormatJSON, os.Stdout).Write(results[:1])
	// Output:
	// SUITE               SCORE  PASSED
	// -----               -----  ------
	// swe-bench-verified  0.594  true
	// swe-bench-lite      0.621
	// [{"Suite":"swe-bench-verified","Score":0.594,"Passed":true,"Internal":""}]
}

// Error writes a line to standard error, for messages meant for people.
func ExampleError() {
	err := errors.New("missing [suite] table")
	output.Error("config error: %v", err)
}
