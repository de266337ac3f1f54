package cli_test

import (
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/cli"
	"github.com/greynewell/mist-go/errors"
)

// FuzzExecute feeds arbitrary argument lists (split on "\x00") to an app
// with typed flags. Execute never panics, and it either runs the command,
// shows help (nil, nothing run) or returns a validation error without
// running anything. When the command runs, the arguments it gets are a
// suffix of the input.
func FuzzExecute(f *testing.F) {
	for _, s := range []string{
		"", "run", "run\x00-n\x003\x00a", "run\x00-n=x", "run\x00--help", "help\x00run",
		"run\x00-f\x00NaN\x00-b=maybe", "walk", "run\x00-s", "run\x00--\x00-n", "run\x00---x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		if joined == "" {
			args = nil
		}
		app := cli.NewApp("app", "1")
		app.SetOutput(io.Discard, io.Discard)
		var ran bool
		var got []string
		run := &cli.Command{Name: "run", Usage: "Run", Run: func(_ *cli.Command, rest []string) error {
			ran, got = true, rest
			return nil
		}}
		run.AddStringFlag("s", "", "")
		run.AddIntFlag("n", 0, "")
		run.AddInt64Flag("l", 0, "")
		run.AddFloat64Flag("f", 0, "")
		run.AddBoolFlag("b", false, "")
		app.AddCommand(run)

		err := app.Execute(args)
		if err != nil {
			if code := errors.Code(err); code != errors.CodeValidation {
				t.Fatalf("Execute(%q) = %v, want code validation", args, err)
			}
			if ran {
				t.Fatalf("Execute(%q) = %v after running the command", args, err)
			}
			return
		}
		if ran {
			if len(got) > len(args) || strings.Join(args[len(args)-len(got):], "\x00") != strings.Join(got, "\x00") {
				t.Fatalf("Execute(%q) ran with %q, not a suffix of the input", args, got)
			}
		}
	})
}

// FuzzFlagRoundTrip checks that a value given on the command line, in
// both the "-name value" and "-name=value" forms, is what the getters
// return.
func FuzzFlagRoundTrip(f *testing.F) {
	f.Add("matchspec.toml", 8, int64(1)<<40, 0.5, true)
	f.Add("", -1, int64(math.MinInt64), math.Inf(-1), false)
	f.Add("-h", 0, int64(0), math.NaN(), true)
	f.Add("a=b", math.MaxInt, int64(math.MaxInt64), -0.0, false)
	f.Fuzz(func(t *testing.T, s string, n int, l int64, fl float64, b bool) {
		for _, form := range []string{"separate", "equals"} {
			app := cli.NewApp("app", "1")
			app.SetOutput(io.Discard, io.Discard)
			var cmd *cli.Command
			run := &cli.Command{Name: "run", Run: func(c *cli.Command, _ []string) error { cmd = c; return nil }}
			run.AddStringFlag("s", "default", "")
			run.AddIntFlag("n", 0, "")
			run.AddInt64Flag("l", 0, "")
			run.AddFloat64Flag("f", 0, "")
			run.AddBoolFlag("b", !b, "")
			app.AddCommand(run)

			values := [][2]string{
				{"s", s},
				{"n", strconv.Itoa(n)},
				{"l", strconv.FormatInt(l, 10)},
				{"f", strconv.FormatFloat(fl, 'g', -1, 64)},
			}
			args := []string{"run", "-b=" + strconv.FormatBool(b)}
			for _, v := range values {
				if form == "separate" {
					args = append(args, "-"+v[0], v[1])
				} else {
					args = append(args, "-"+v[0]+"="+v[1])
				}
			}
			if err := app.Execute(args); err != nil {
				t.Fatalf("Execute(%q) = %v", args, err)
			}
			if cmd == nil {
				t.Fatalf("Execute(%q) did not run the command", args)
			}
			gotF := cmd.GetFloat64("f")
			sameF := gotF == fl || (math.IsNaN(gotF) && math.IsNaN(fl))
			if cmd.GetString("s") != s || cmd.GetInt("n") != n || cmd.GetInt64("l") != l || !sameF || cmd.GetBool("b") != b {
				t.Errorf("Execute(%q) gave s=%q n=%d l=%d f=%v b=%v, want %q %d %d %v %v",
					args, cmd.GetString("s"), cmd.GetInt("n"), cmd.GetInt64("l"), gotF, cmd.GetBool("b"), s, n, l, fl, b)
			}
		}
	})
}
