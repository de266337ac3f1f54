package cli_test

import (
	"bytes"
	"context"
	stderrors "errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/cli"
	"github.com/greynewell/mist-go/errors"
)

const appUsage = "" +
	"Usage: matchspec <command> [flags]\n" +
	"\n" +
	"Commands:\n" +
	"  run      Run an eval suite\n" +
	"  version  Print the version\n" +
	"\n" +
	"Run 'matchspec help <command>' for command flags.\n"

const runHelp = "" +
	"Usage: matchspec run [flags]\n" +
	"\n" +
	"Run an eval suite\n" +
	"\n" +
	"Flags:\n" +
	"  -config string\n" +
	"    \tConfig file path (default \"matchspec.toml\")\n" +
	"  -workers int\n" +
	"    \tNumber of parallel workers (default 8)\n"

// runCall records what Run saw.
type runCall struct {
	called  bool
	args    []string
	config  string
	workers int
	ctx     context.Context
}

// newApp returns the reference app with its outputs captured.
func newApp(t *testing.T) (app *cli.App, stdout, stderr *bytes.Buffer, call *runCall) {
	t.Helper()
	app = cli.NewApp("matchspec", "1.2.3")
	stdout, stderr, call = new(bytes.Buffer), new(bytes.Buffer), new(runCall)
	app.SetOutput(stdout, stderr)
	run := &cli.Command{Name: "run", Usage: "Run an eval suite"}
	run.AddStringFlag("config", "matchspec.toml", "Config file path")
	run.AddIntFlag("workers", 8, "Number of parallel workers")
	run.Run = func(cmd *cli.Command, args []string) error {
		*call = runCall{true, args, cmd.GetString("config"), cmd.GetInt("workers"), cmd.Context()}
		return nil
	}
	app.AddCommand(run)
	return app, stdout, stderr, call
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, appUsage},
		{[]string{}, appUsage},
		{[]string{"-h"}, appUsage},
		{[]string{"--help"}, appUsage},
		{[]string{"help"}, appUsage},
		{[]string{"help", "help"}, appUsage},
		{[]string{"help", "-h"}, appUsage},
		{[]string{"-h", "run"}, appUsage},
		{[]string{"help", "run"}, runHelp},
		{[]string{"help", "run", "extra"}, runHelp},
		{[]string{"run", "-h"}, runHelp},
		{[]string{"run", "--help"}, runHelp},
		{[]string{"run", "-help"}, runHelp},
		{[]string{"run", "-workers", "3", "-h"}, runHelp},
		{[]string{"help", "version"}, "Usage: matchspec version [flags]\n\nPrint the version\n"},
		{[]string{"version", "--help"}, "Usage: matchspec version [flags]\n\nPrint the version\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, stdout, stderr, call := newApp(t)
			if err := app.Execute(tt.args); err != nil {
				t.Fatalf("Execute(%q) = %v, want nil", tt.args, err)
			}
			if got := stderr.String(); got != tt.want {
				t.Errorf("Execute(%q) stderr =\n%q\nwant\n%q", tt.args, got, tt.want)
			}
			if stdout.Len() != 0 || call.called {
				t.Errorf("Execute(%q) wrote stdout %q, ran %v; want neither", tt.args, stdout.String(), call.called)
			}
		})
	}
}

func TestCommandHelpShapes(t *testing.T) {
	tests := []struct {
		name  string
		cmd   *cli.Command
		flags bool
		want  string
	}{
		{"no usage, no flags", &cli.Command{Name: "a"}, false, "Usage: app a [flags]\n"},
		{"usage, no flags", &cli.Command{Name: "a", Usage: "Does a"}, false, "Usage: app a [flags]\n\nDoes a\n"},
		{"flags, no usage", &cli.Command{Name: "a"}, true, "Usage: app a [flags]\n\nFlags:\n  -v\tverbose\n"},
		{"usage and flags", &cli.Command{Name: "a", Usage: "Does a"}, true, "Usage: app a [flags]\n\nDoes a\n\nFlags:\n  -v\tverbose\n"},
		{"empty FlagSet given", &cli.Command{Name: "a", Flags: flag.NewFlagSet("a", flag.ContinueOnError)}, false, "Usage: app a [flags]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := cli.NewApp("app", "1")
			var stderr bytes.Buffer
			app.SetOutput(io.Discard, &stderr)
			if tt.flags {
				tt.cmd.AddBoolFlag("v", false, "verbose")
			}
			app.AddCommand(tt.cmd)
			if err := app.Execute([]string{"help", "a"}); err != nil {
				t.Fatal(err)
			}
			if got := stderr.String(); got != tt.want {
				t.Errorf("help a =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestAppUsageShapes(t *testing.T) {
	var stderr bytes.Buffer
	var zero cli.App
	zero.SetOutput(io.Discard, &stderr)
	if err := zero.Execute(nil); err != nil {
		t.Fatal(err)
	}
	want := "Usage:  <command> [flags]\n\nCommands:\n\nRun ' help <command>' for command flags.\n"
	if got := stderr.String(); got != want {
		t.Errorf("zero App usage = %q, want %q", got, want)
	}

	stderr.Reset()
	app := cli.NewApp("app", "1")
	app.SetOutput(io.Discard, &stderr)
	app.AddCommand(&cli.Command{Name: "zzz-no-usage"})
	app.AddCommand(&cli.Command{Name: "a", Usage: "first\tline\nsecond"})
	if err := app.Execute(nil); err != nil {
		t.Fatal(err)
	}
	want = "" +
		"Usage: app <command> [flags]\n\n" +
		"Commands:\n" +
		"  a             first line second\n" +
		"  version       Print the version\n" +
		"  zzz-no-usage\n" +
		"\nRun 'app help <command>' for command flags.\n"
	if got := stderr.String(); got != want {
		t.Errorf("usage =\n%q\nwant\n%q", got, want)
	}
}

func TestExecuteErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantText   string
		wantStderr string
	}{
		{"unknown command", []string{"walk"}, "validation: unknown command: walk", appUsage},
		{"unknown command with flags", []string{"walk", "-x"}, "validation: unknown command: walk", appUsage},
		{"help for an unknown command", []string{"help", "walk"}, "validation: unknown command: walk", appUsage},
		{"flag-like command", []string{"-x"}, "validation: unknown command: -x", appUsage},
		{"empty command", []string{""}, "validation: unknown command: ", appUsage},
		{"unknown flag", []string{"run", "-fast"}, "validation: run: flag provided but not defined: -fast", runHelp},
		{"bad int value", []string{"run", "-workers", "many"}, `validation: run: invalid value "many" for flag -workers: parse error`, runHelp},
		{"int out of range", []string{"run", "-workers=99999999999999999999"}, `validation: run: invalid value "99999999999999999999" for flag -workers: value out of range`, runHelp},
		{"missing value", []string{"run", "-config"}, "validation: run: flag needs an argument: -config", runHelp},
		{"bad syntax", []string{"run", "---config"}, "validation: run: bad flag syntax: ---config", runHelp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, stdout, stderr, call := newApp(t)
			err := app.Execute(tt.args)
			if got := errors.Code(err); got != errors.CodeValidation {
				t.Errorf("Code(Execute(%q)) = %q, want %q (err %v)", tt.args, got, errors.CodeValidation, err)
			}
			if err == nil || err.Error() != tt.wantText {
				t.Errorf("Execute(%q) = %v, want %q", tt.args, err, tt.wantText)
			}
			if got := stderr.String(); got != tt.wantStderr {
				t.Errorf("Execute(%q) stderr =\n%q\nwant\n%q", tt.args, got, tt.wantStderr)
			}
			if stdout.Len() != 0 || call.called {
				t.Errorf("Execute(%q) wrote stdout %q, ran %v; want neither", tt.args, stdout.String(), call.called)
			}
		})
	}
}

func TestUnknownCommandMessage(t *testing.T) {
	app, _, _, _ := newApp(t)
	err := app.Execute([]string{"walk"})
	var e *errors.Error
	if !errors.As(err, &e) {
		t.Fatalf("Execute(walk) = %v, want an *errors.Error", err)
	}
	if e.Code != errors.CodeValidation || e.Message != "unknown command: walk" {
		t.Errorf("Execute(walk) = {Code: %q, Message: %q}, want {validation, unknown command: walk}", e.Code, e.Message)
	}
}

func TestFlagErrorWrapsFlagError(t *testing.T) {
	app, _, _, _ := newApp(t)
	err := app.Execute([]string{"run", "-workers", "x"})
	var e *errors.Error
	if !errors.As(err, &e) || e.Cause == nil {
		t.Fatalf("Execute = %v, want an *errors.Error with the flag error as cause", err)
	}
	if !strings.Contains(e.Cause.Error(), "-workers") || !strings.Contains(e.Cause.Error(), `"x"`) {
		t.Errorf("cause = %q, want it to name -workers and \"x\"", e.Cause)
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		args        []string
		wantArgs    []string
		wantConfig  string
		wantWorkers int
	}{
		{[]string{"run"}, []string{}, "matchspec.toml", 8},
		{[]string{"run", "a", "b"}, []string{"a", "b"}, "matchspec.toml", 8},
		{[]string{"run", "-config", "x.toml", "--workers=3", "suite"}, []string{"suite"}, "x.toml", 3},
		{[]string{"run", "-workers", "2", "--", "-h"}, []string{"-h"}, "matchspec.toml", 2},
		{[]string{"run", "suite", "-workers", "2"}, []string{"suite", "-workers", "2"}, "matchspec.toml", 8},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, stdout, stderr, call := newApp(t)
			if err := app.Execute(tt.args); err != nil {
				t.Fatalf("Execute(%q) = %v", tt.args, err)
			}
			if !call.called {
				t.Fatalf("Execute(%q) did not run the command", tt.args)
			}
			if strings.Join(call.args, "|") != strings.Join(tt.wantArgs, "|") || call.args == nil {
				t.Errorf("Run args = %q, want %q", call.args, tt.wantArgs)
			}
			if call.config != tt.wantConfig || call.workers != tt.wantWorkers {
				t.Errorf("flags = (%q, %d), want (%q, %d)", call.config, call.workers, tt.wantConfig, tt.wantWorkers)
			}
			if stdout.Len()+stderr.Len() != 0 {
				t.Errorf("Execute(%q) printed %q / %q, want nothing", tt.args, stdout.String(), stderr.String())
			}
		})
	}
}

func TestRunErrorUnchanged(t *testing.T) {
	want := stderrors.New("suite failed")
	app := cli.NewApp("app", "1")
	var stdout, stderr bytes.Buffer
	app.SetOutput(&stdout, &stderr)
	app.AddCommand(&cli.Command{Name: "run", Run: func(*cli.Command, []string) error { return want }})
	if got := app.Execute([]string{"run"}); got != want {
		t.Errorf("Execute = %v, want the error of Run itself", got)
	}
	// Execute never prints the error it returns.
	if stdout.Len()+stderr.Len() != 0 {
		t.Errorf("Execute printed %q / %q, want nothing", stdout.String(), stderr.String())
	}
}

// Fixed on purpose: Execute([]string{"run","--help"}) and
// Execute([]string{"help","run"}) both return nil, so the process exits 0.
func TestHelpReturnsNil(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"help", "run"}} {
		app, _, stderr, call := newApp(t)
		err := app.Execute(args)
		if err != nil {
			t.Errorf("Execute(%q) = %v, want nil", args, err)
		}
		if got := errors.ExitCode(errors.Code(err)); got != 0 {
			t.Errorf("exit code for Execute(%q) = %d, want 0", args, got)
		}
		if stderr.String() != runHelp || call.called {
			t.Errorf("Execute(%q): stderr %q, ran %v; want the run help and no run", args, stderr.String(), call.called)
		}
	}
}

// Fixed on purpose: a nil Run returns an error instead of panicking.
func TestNilRun(t *testing.T) {
	app := cli.NewApp("app", "1")
	var stderr bytes.Buffer
	app.SetOutput(io.Discard, &stderr)
	app.AddCommand(&cli.Command{Name: "idle"})
	err := app.Execute([]string{"idle", "arg"})
	if got := errors.Code(err); got != errors.CodeInternal {
		t.Errorf("Code(Execute(idle)) = %q (err %v), want %q", got, err, errors.CodeInternal)
	}
	if err == nil || err.Error() != "internal: command idle has no run function" {
		t.Errorf("Execute(idle) = %v, want %q", err, "internal: command idle has no run function")
	}
	if stderr.Len() != 0 {
		t.Errorf("Execute(idle) printed %q, want nothing", stderr.String())
	}
}

func TestVersion(t *testing.T) {
	app, stdout, stderr, _ := newApp(t)
	if err := app.Execute([]string{"version"}); err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), "matchspec 1.2.3\n"; got != want {
		t.Errorf("version printed %q, want %q", got, want)
	}
	if stderr.Len() != 0 {
		t.Errorf("version wrote %q to stderr, want nothing", stderr.String())
	}

	// The command reads Name and Version when it runs.
	stdout.Reset()
	app.Name, app.Version = "renamed", "2.0.0"
	if err := app.Execute([]string{"version", "ignored"}); err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), "renamed 2.0.0\n"; got != want {
		t.Errorf("version printed %q, want %q", got, want)
	}
}

var errBroken = stderrors.New("broken pipe")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errBroken }

func TestVersionWriteError(t *testing.T) {
	app := cli.NewApp("app", "1")
	app.SetOutput(failingWriter{}, failingWriter{})
	if err := app.Execute([]string{"version"}); !errors.Is(err, errBroken) {
		t.Errorf("version to a failing writer = %v, want %v", err, errBroken)
	}
	// Help output errors are ignored.
	if err := app.Execute(nil); err != nil {
		t.Errorf("usage to a failing writer = %v, want nil", err)
	}
}

func TestSetOutputNilKeeps(t *testing.T) {
	app := cli.NewApp("app", "1")
	var stdout, stderr bytes.Buffer
	app.SetOutput(&stdout, &stderr)
	app.SetOutput(nil, nil)
	_ = app.Execute([]string{"version"})
	_ = app.Execute(nil)
	if stdout.String() != "app 1\n" || !strings.HasPrefix(stderr.String(), "Usage: app") {
		t.Errorf("after SetOutput(nil, nil): stdout %q, stderr %q; want the first writers kept", stdout.String(), stderr.String())
	}

	var stdout2 bytes.Buffer
	app.SetOutput(&stdout2, nil)
	stderr.Reset()
	_ = app.Execute([]string{"version"})
	_ = app.Execute(nil)
	if stdout2.String() != "app 1\n" || stderr.Len() == 0 {
		t.Errorf("after SetOutput(w, nil): stdout %q, stderr len %d; want stdout replaced, stderr kept", stdout2.String(), stderr.Len())
	}
}

// redirect replaces *f (os.Stdout or os.Stderr) with a temporary file for
// the duration of fn and returns what was written to it. Tests using it
// must not run in parallel.
func redirect(t *testing.T, f **os.File, fn func()) string {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	old := *f
	*f = tmp
	defer func() { *f = old }()
	fn()
	b, err := os.ReadFile(tmp.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDefaultOutputs(t *testing.T) {
	app := cli.NewApp("app", "1")
	out := redirect(t, &os.Stdout, func() {
		errOut := redirect(t, &os.Stderr, func() {
			_ = app.Execute([]string{"version"})
			_ = app.Execute([]string{"help", "version"})
		})
		if want := "Usage: app version [flags]\n\nPrint the version\n"; errOut != want {
			t.Errorf("stderr = %q, want %q", errOut, want)
		}
	})
	if want := "app 1\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

type ctxKey struct{}

func TestContext(t *testing.T) {
	cmd := &cli.Command{Name: "run"}
	if got := cmd.Context(); got != context.Background() {
		t.Errorf("Context() before execution = %v, want context.Background()", got)
	}
	var nilCmd *cli.Command
	if got := nilCmd.Context(); got != context.Background() {
		t.Errorf("nil Command Context() = %v, want context.Background()", got)
	}

	var seen context.Context
	cmd.Run = func(c *cli.Command, _ []string) error {
		seen = c.Context()
		return c.Context().Err()
	}
	app := cli.NewApp("app", "1")
	app.AddCommand(cmd)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	if err := app.ExecuteContext(ctx, []string{"run"}); err != nil {
		t.Fatal(err)
	}
	if seen != ctx || cmd.Context() != ctx {
		t.Errorf("Context() = %v during Run and %v after, want the ctx passed to ExecuteContext", seen, cmd.Context())
	}
	cancel()
	if err := app.ExecuteContext(ctx, []string{"run"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returning ctx.Err() = %v, want context.Canceled", err)
	}

	// A nil ctx is tolerated and means context.Background().
	if err := app.ExecuteContext(nil, []string{"run"}); err != nil || cmd.Context() != context.Background() {
		t.Errorf("ExecuteContext(nil) = %v with Context() %v, want nil and context.Background()", err, cmd.Context())
	}

	if err := app.Execute([]string{"run"}); err != nil || cmd.Context() != context.Background() {
		t.Errorf("Execute: err %v, Context() %v, want nil and context.Background()", err, cmd.Context())
	}
}

func TestAddCommand(t *testing.T) {
	app := cli.NewApp("app", "1")
	var stdout bytes.Buffer
	app.SetOutput(&stdout, io.Discard)

	first := &cli.Command{Name: "go", Run: func(*cli.Command, []string) error { stdout.WriteString("first"); return nil }}
	app.AddCommand(first)
	if first.Flags == nil || first.Flags.Name() != "go" || first.Flags.ErrorHandling() != flag.ContinueOnError {
		t.Fatalf("AddCommand left Flags = %+v, want a ContinueOnError set named go", first.Flags)
	}
	own := flag.NewFlagSet("custom", flag.ContinueOnError)
	second := &cli.Command{Name: "go", Flags: own, Run: func(*cli.Command, []string) error { stdout.WriteString("second"); return nil }}
	app.AddCommand(second)
	if second.Flags != own {
		t.Errorf("AddCommand replaced a given FlagSet")
	}
	if err := app.Execute([]string{"go"}); err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != "second" {
		t.Errorf("after replacing, go ran %q, want second", got)
	}

	// Replacing the built-in version command.
	stdout.Reset()
	app.AddCommand(&cli.Command{Name: "version", Run: func(*cli.Command, []string) error { stdout.WriteString("v9"); return nil }})
	_ = app.Execute([]string{"version"})
	if got := stdout.String(); got != "v9" {
		t.Errorf("replaced version printed %q, want v9", got)
	}
}

func TestAddCommandPanics(t *testing.T) {
	tests := []struct {
		name string
		cmd  *cli.Command
	}{
		{"nil command", nil},
		{"empty name", &cli.Command{Usage: "nameless", Run: func(*cli.Command, []string) error { return nil }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "cli: ") {
					t.Errorf("AddCommand(%s) panicked with %v, want a cli: message", tt.name, r)
				}
			}()
			cli.NewApp("app", "1").AddCommand(tt.cmd)
		})
	}
}

// A command named "help" is accepted, but the built-in help handling
// shadows it: Execute never runs it.
func TestAddCommandHelpShadowed(t *testing.T) {
	app, _, stderr, _ := newApp(t)
	ran := false
	app.AddCommand(&cli.Command{Name: "help", Usage: "Shadowed", Run: func(*cli.Command, []string) error { ran = true; return nil }})
	for _, args := range [][]string{{"help"}, {"help", "run"}} {
		stderr.Reset()
		if err := app.Execute(args); err != nil || ran {
			t.Errorf("Execute(%q) = %v, ran the help command %v; want nil, not run", args, err, ran)
		}
		if stderr.Len() == 0 {
			t.Errorf("Execute(%q) printed no help", args)
		}
	}
}

// Flag values do not carry over between executions: every Execute starts
// from the defaults.
func TestFlagsResetBetweenExecutions(t *testing.T) {
	app, _, _, call := newApp(t)
	verbose := false
	steps := []struct {
		args        []string
		wantConfig  string
		wantWorkers int
	}{
		{[]string{"run", "-workers", "3", "-config", "x.toml"}, "x.toml", 3},
		{[]string{"run"}, "matchspec.toml", 8},
		{[]string{"run", "-config", "y.toml"}, "y.toml", 8},
		{[]string{"run", "-workers", "5"}, "matchspec.toml", 5},
	}
	for _, st := range steps {
		if err := app.Execute(st.args); err != nil {
			t.Fatalf("Execute(%q) = %v", st.args, err)
		}
		if call.config != st.wantConfig || call.workers != st.wantWorkers {
			t.Errorf("Execute(%q) saw flags (%q, %d), want (%q, %d)", st.args, call.config, call.workers, st.wantConfig, st.wantWorkers)
		}
	}

	// A bool flag set once is false again on the next run.
	flagged := &cli.Command{Name: "v", Run: func(c *cli.Command, _ []string) error { verbose = c.GetBool("verbose"); return nil }}
	flagged.AddBoolFlag("verbose", false, "")
	app.AddCommand(flagged)
	for _, st := range []struct {
		args []string
		want bool
	}{{[]string{"v", "-verbose"}, true}, {[]string{"v"}, false}} {
		if err := app.Execute(st.args); err != nil || verbose != st.want {
			t.Errorf("Execute(%q) = %v, verbose %v; want nil, %v", st.args, err, verbose, st.want)
		}
	}
}

func TestZeroAppAddCommand(t *testing.T) {
	var app cli.App
	var stdout bytes.Buffer
	app.SetOutput(&stdout, io.Discard)
	app.AddCommand(&cli.Command{Name: "hi", Run: func(c *cli.Command, args []string) error {
		stdout.WriteString("hi " + strings.Join(args, " "))
		return nil
	}})
	if err := app.Execute([]string{"hi", "there"}); err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != "hi there" {
		t.Errorf("zero App ran hi: %q, want %q", got, "hi there")
	}
	if err := app.Execute([]string{"version"}); errors.Code(err) != errors.CodeValidation {
		t.Errorf("zero App version = %v, want unknown command (no built-in version)", err)
	}
}

// The flag package would exit or panic on a parse error with ExitOnError
// or PanicOnError; Execute parses with ContinueOnError and restores the
// FlagSet's settings.
func TestFlagSetSettingsRestored(t *testing.T) {
	fs := flag.NewFlagSet("strict", flag.PanicOnError)
	var flagOut bytes.Buffer
	fs.SetOutput(&flagOut)
	usageCalls := 0
	fs.Usage = func() { usageCalls++ }
	fs.Int("n", 1, "a number")

	app := cli.NewApp("app", "1")
	var stderr bytes.Buffer
	app.SetOutput(io.Discard, &stderr)
	app.AddCommand(&cli.Command{Name: "strict", Flags: fs, Run: func(*cli.Command, []string) error { return nil }})

	for _, args := range [][]string{{"strict", "-n", "x"}, {"strict", "-nope"}} {
		if err := app.Execute(args); errors.Code(err) != errors.CodeValidation {
			t.Errorf("Execute(%q) = %v, want code validation", args, err)
		}
	}
	if err := app.Execute([]string{"strict", "-n", "2", "-help"}); err != nil {
		t.Errorf("Execute(strict -help) = %v, want nil", err)
	}
	if fs.ErrorHandling() != flag.PanicOnError || fs.Output() != &flagOut || fs.Name() != "strict" {
		t.Errorf("FlagSet settings not restored: handling %v, output %v, name %q", fs.ErrorHandling(), fs.Output(), fs.Name())
	}
	fs.Usage()
	if usageCalls != 1 || flagOut.Len() != 0 {
		t.Errorf("Usage restored: %d calls, flag output %q; want 1 call (ours) and nothing printed by flag", usageCalls, flagOut.String())
	}
	want := "Usage: app strict [flags]\n\nFlags:\n  -n int\n    \ta number (default 1)\n"
	if got := stderr.String(); got != strings.Repeat(want, 3) {
		t.Errorf("stderr = %q, want the command help three times", got)
	}
}

func TestFlagsBeforeAddCommand(t *testing.T) {
	cmd := &cli.Command{Name: "run"}
	cmd.AddStringFlag("s", "def", "")
	if cmd.Flags == nil || cmd.Flags.Name() != "run" || cmd.Flags.ErrorHandling() != flag.ContinueOnError {
		t.Fatalf("AddStringFlag left Flags = %+v, want a ContinueOnError set named run", cmd.Flags)
	}
	flags := cmd.Flags
	cli.NewApp("app", "1").AddCommand(cmd)
	if cmd.Flags != flags || !cmd.HasFlag("s") || cmd.GetString("s") != "def" {
		t.Errorf("AddCommand lost the flags defined before it")
	}
}

func TestGetters(t *testing.T) {
	cmd := &cli.Command{Name: "get"}
	cmd.AddStringFlag("s", "text", "")
	cmd.AddIntFlag("i", 7, "")
	cmd.AddInt64Flag("i64", 1<<40, "")
	cmd.AddFloat64Flag("f", 2.5, "")
	cmd.AddBoolFlag("b", true, "")
	var custom strings.Builder
	cmd.Flags.Func("func", "no Getter", func(s string) error { custom.WriteString(s); return nil })

	type values struct {
		str  string
		i    int
		i64  int64
		f    float64
		b    bool
		has  bool
		name string
	}
	get := func(c *cli.Command, name string) values {
		return values{c.GetString(name), c.GetInt(name), c.GetInt64(name), c.GetFloat64(name), c.GetBool(name), c.HasFlag(name), name}
	}
	tests := []struct {
		cmd  *cli.Command
		name string
		want values
	}{
		{cmd, "s", values{str: "text", has: true}},
		{cmd, "i", values{str: "7", i: 7, has: true}},
		{cmd, "i64", values{str: "1099511627776", i64: 1 << 40, has: true}},
		{cmd, "f", values{str: "2.5", f: 2.5, has: true}},
		{cmd, "b", values{str: "true", b: true, has: true}},
		{cmd, "func", values{str: "", has: true}},
		{cmd, "missing", values{}},
		{&cli.Command{Name: "bare"}, "s", values{}},
		{nil, "s", values{}},
	}
	for _, tt := range tests {
		tt.want.name = tt.name
		if got := get(tt.cmd, tt.name); got != tt.want {
			t.Errorf("getters(%q) = %+v, want %+v", tt.name, got, tt.want)
		}
	}

	app := cli.NewApp("app", "1")
	app.AddCommand(cmd)
	cmd.Run = func(*cli.Command, []string) error { return nil }
	args := []string{"get", "-s", "x y", "-i=-3", "-i64", "-9000000000", "-f", "1e-3", "-b=false", "-func", "called"}
	if err := app.Execute(args); err != nil {
		t.Fatal(err)
	}
	after := []struct {
		name string
		want values
	}{
		{"s", values{str: "x y", has: true}},
		{"i", values{str: "-3", i: -3, has: true}},
		{"i64", values{str: "-9000000000", i64: -9000000000, has: true}},
		{"f", values{str: "0.001", f: 0.001, has: true}},
		{"b", values{str: "false", has: true}},
	}
	for _, tt := range after {
		tt.want.name = tt.name
		if got := get(cmd, tt.name); got != tt.want {
			t.Errorf("after parsing, getters(%q) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if custom.String() != "called" {
		t.Errorf("func flag saw %q, want called", custom.String())
	}
}

func TestAddFlagPanicsOnDuplicate(t *testing.T) {
	cmd := &cli.Command{Name: "dup"}
	cmd.Flags = flag.NewFlagSet("dup", flag.ContinueOnError)
	cmd.Flags.SetOutput(io.Discard) // the flag package prints before panicking
	cmd.AddIntFlag("n", 1, "")
	defer func() {
		if recover() == nil {
			t.Errorf("defining flag n twice did not panic")
		}
	}()
	cmd.AddBoolFlag("n", false, "")
}
