//go:build race

package examples_test

// raceEnabled builds the example programs with -race when the tests run with it.
const raceEnabled = true
