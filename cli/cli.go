package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/greynewell/mist-go/errors"
)

// App is a command-line application made of named commands.
//
// Name and Version appear in the help texts and in the output of the
// built-in version command, which reads them when it runs.
//
// The zero App is usable: it has no commands (not even version) and writes
// to os.Stdout and os.Stderr. Use [NewApp] to get the version command.
//
// An App is not safe for concurrent use: set it up, then execute it from a
// single goroutine.
type App struct {
	Name, Version string

	commands       map[string]*Command
	stdout, stderr io.Writer
}

// Command is one subcommand of an [App].
//
// Flags holds the command's flags; [App.AddCommand] and the AddXFlag
// methods create it when it is nil, as a [flag.ContinueOnError] set named
// after the command. Run is called with the command and the arguments left
// after the flags.
//
// The zero Command (with a Name) is ready to use. A Command is not safe for
// concurrent use, and it belongs to one App at a time.
type Command struct {
	Name, Usage string
	Flags       *flag.FlagSet
	Run         func(cmd *Command, args []string) error

	app *App
	ctx context.Context
}

// NewApp returns an App with the given name and version and a built-in
// version command that prints "<name> <version>\n" to stdout.
func NewApp(name, version string) *App {
	a := &App{Name: name, Version: version}
	a.AddCommand(&Command{
		Name:  "version",
		Usage: "Print the version",
		Run: func(cmd *Command, args []string) error {
			app := cmd.app
			_, err := fmt.Fprintf(app.out(), "%s %s\n", app.Name, app.Version)
			return err
		},
	})
	return a
}

// AddCommand registers c under c.Name, replacing any command of the same
// name, and creates c.Flags when it is nil.
//
// It panics when c is nil or c.Name is empty: these are programming
// mistakes caught at setup, not input errors. A command named "help" is
// accepted and listed in the app usage, but it never runs: the built-in
// help handling of [App.ExecuteContext] sees "help" first and shadows it.
func (a *App) AddCommand(c *Command) {
	switch {
	case c == nil:
		panic("cli: AddCommand called with a nil command")
	case c.Name == "":
		panic("cli: AddCommand called with a command that has an empty name")
	}
	if a.commands == nil {
		a.commands = make(map[string]*Command)
	}
	c.flags()
	c.app = a
	a.commands[c.Name] = c
}

// SetOutput sets where normal output (stdout) and help text (stderr) go. A
// nil argument keeps the current writer.
func (a *App) SetOutput(stdout, stderr io.Writer) {
	if stdout != nil {
		a.stdout = stdout
	}
	if stderr != nil {
		a.stderr = stderr
	}
}

func (a *App) out() io.Writer {
	if a.stdout == nil {
		return os.Stdout
	}
	return a.stdout
}

func (a *App) errOut() io.Writer {
	if a.stderr == nil {
		return os.Stderr
	}
	return a.stderr
}

// Execute is ExecuteContext with [context.Background].
func (a *App) Execute(args []string) error {
	return a.ExecuteContext(context.Background(), args)
}

// ExecuteContext runs the command named by args[0] with the remaining
// arguments; args does not include the program name (pass os.Args[1:]).
//
//   - No args, "-h", "--help" or "help": it prints the app usage to stderr
//     and returns nil.
//   - "help <cmd>", "<cmd> -h" or "<cmd> --help": it prints the command's
//     help to stderr and returns nil. So does a later -h, -help or --help
//     among the flags, unless the command defines a flag of that name.
//   - An unknown command, with or without "help": it prints the app usage
//     and returns an error with code validation and message
//     "unknown command: <name>".
//   - A flag that does not parse: it prints the command's help and returns
//     an error with code validation whose text is "validation: <cmd>: "
//     followed by the flag package's message, which names the flag and the
//     bad value. The flag package prints nothing itself.
//   - Otherwise it stores ctx in the command (see [Command.Context]) and
//     returns the error of Run unchanged; a nil Run gives code internal.
//
// Before parsing, every flag of the command is set back to its default
// (Value.Set of the flag's DefValue), so a value given to one Execute does
// not carry over to the next. A custom [flag.Value] that rejects its own
// default keeps its current value.
//
// It never prints the error it returns, never exits the process, and
// ignores errors writing help text. Flags are parsed with ContinueOnError
// whatever the FlagSet's own error handling, which is restored afterwards.
// A panic in Run is not recovered. A nil ctx means [context.Background].
func (a *App) ExecuteContext(ctx context.Context, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if len(args) == 0 || isHelpFlag(args[0]) {
		a.printUsage()
		return nil
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		if len(rest) == 0 || isHelp(rest[0]) {
			a.printUsage()
			return nil
		}
		c, err := a.lookup(rest[0])
		if err != nil {
			return err
		}
		c.printHelp(a)
		return nil
	}
	c, err := a.lookup(name)
	if err != nil {
		return err
	}
	if len(rest) > 0 && isHelpFlag(rest[0]) {
		c.printHelp(a)
		return nil
	}
	if err := c.parse(rest); err != nil {
		c.printHelp(a)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errors.Wrapf(errors.CodeValidation, err, "%s", c.Name)
	}
	c.ctx = ctx
	if c.Run == nil {
		return errors.Newf(errors.CodeInternal, "command %s has no run function", c.Name)
	}
	return c.Run(c, c.Flags.Args())
}

// isHelpFlag reports whether s asks for help as a flag does.
func isHelpFlag(s string) bool { return s == "-h" || s == "--help" }

// isHelp reports whether s asks for help, as a flag or as the word help.
func isHelp(s string) bool { return isHelpFlag(s) || s == "help" }

func (a *App) lookup(name string) (*Command, error) {
	if c, ok := a.commands[name]; ok {
		return c, nil
	}
	a.printUsage()
	return nil, errors.New(errors.CodeValidation, "unknown command: "+name)
}

// printUsage writes the app usage to stderr.
func (a *App) printUsage() {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Usage: %s <command> [flags]\n\nCommands:\n", a.Name)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, name := range slices.Sorted(maps.Keys(a.commands)) {
		fmt.Fprintf(tw, "  %s\t%s\n", oneLine(name), oneLine(a.commands[name].Usage))
	}
	_ = tw.Flush()
	fmt.Fprintf(&b, "\nRun '%s help <command>' for command flags.\n", a.Name)
	_, _ = a.errOut().Write(trimLines(b.Bytes()))
}

var lineReplacer = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ", "\v", " ", "\f", " ", "\xff", "\uFFFD")

// oneLine keeps a command list entry on one line and out of tabwriter's
// way.
func oneLine(s string) string { return lineReplacer.Replace(s) }

// trimLines removes the spaces at the end of every line, such as the
// padding tabwriter adds after a name whose usage is empty.
func trimLines(b []byte) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	out := make([]byte, 0, len(b))
	for _, l := range lines {
		nl := bytes.HasSuffix(l, []byte("\n"))
		out = append(out, bytes.TrimRight(bytes.TrimSuffix(l, []byte("\n")), " ")...)
		if nl {
			out = append(out, '\n')
		}
	}
	return out
}

// printHelp writes the command's help to the app's stderr.
func (c *Command) printHelp(a *App) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Usage: %s %s [flags]\n", a.Name, c.Name)
	if c.Usage != "" {
		fmt.Fprintf(&b, "\n%s\n", c.Usage)
	}
	if fs := c.Flags; fs != nil && hasFlags(fs) {
		b.WriteString("\nFlags:\n")
		old := fs.Output()
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(old)
	}
	_, _ = a.errOut().Write(b.Bytes())
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse resets every flag to its default, then parses args with the flag
// package's own messages and usage suppressed and with ContinueOnError,
// restoring the FlagSet afterwards.
func (c *Command) parse(args []string) error {
	fs := c.flags()
	fs.VisitAll(func(f *flag.Flag) { _ = f.Value.Set(f.DefValue) })
	oldOut, oldUsage, oldHandling := fs.Output(), fs.Usage, fs.ErrorHandling()
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Init(fs.Name(), flag.ContinueOnError)
	defer func() {
		fs.SetOutput(oldOut)
		fs.Usage = oldUsage
		fs.Init(fs.Name(), oldHandling)
	}()
	return fs.Parse(args)
}

// flags returns c.Flags, creating it when it is nil.
func (c *Command) flags() *flag.FlagSet {
	if c.Flags == nil {
		c.Flags = flag.NewFlagSet(c.Name, flag.ContinueOnError)
	}
	return c.Flags
}

// Context returns the context passed to [App.ExecuteContext] for the
// current or last execution of the command, or [context.Background]
// before the command has run.
func (c *Command) Context() context.Context {
	if c == nil || c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}

// AddStringFlag defines a string flag. Like the flag package, it panics if
// the flag is already defined or its name is invalid (a programming
// mistake).
func (c *Command) AddStringFlag(name, value, usage string) {
	c.flags().String(name, value, usage)
}

// AddIntFlag defines an int flag. It panics like [Command.AddStringFlag].
func (c *Command) AddIntFlag(name string, value int, usage string) {
	c.flags().Int(name, value, usage)
}

// AddInt64Flag defines an int64 flag. It panics like
// [Command.AddStringFlag].
func (c *Command) AddInt64Flag(name string, value int64, usage string) {
	c.flags().Int64(name, value, usage)
}

// AddFloat64Flag defines a float64 flag. It panics like
// [Command.AddStringFlag].
func (c *Command) AddFloat64Flag(name string, value float64, usage string) {
	c.flags().Float64(name, value, usage)
}

// AddBoolFlag defines a bool flag. It panics like [Command.AddStringFlag].
func (c *Command) AddBoolFlag(name string, value bool, usage string) {
	c.flags().Bool(name, value, usage)
}

// lookup returns the flag called name, or nil when there is none.
func (c *Command) lookup(name string) *flag.Flag {
	if c == nil || c.Flags == nil {
		return nil
	}
	return c.Flags.Lookup(name)
}

// get returns the value of the flag called name when it is a T, and the
// zero T otherwise.
func get[T any](c *Command, name string) T {
	var v T
	if f := c.lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			v, _ = g.Get().(T)
		}
	}
	return v
}

// GetString returns the value of any flag as text, through its Value's
// String method, or "" when no flag has that name.
func (c *Command) GetString(name string) string {
	if f := c.lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// GetInt returns the value of an int flag, or 0 when no flag has that name
// or the flag is not an int flag.
func (c *Command) GetInt(name string) int { return get[int](c, name) }

// GetInt64 returns the value of an int64 flag, or 0 when no flag has that
// name or the flag is not an int64 flag.
func (c *Command) GetInt64(name string) int64 { return get[int64](c, name) }

// GetFloat64 returns the value of a float64 flag, or 0 when no flag has
// that name or the flag is not a float64 flag.
func (c *Command) GetFloat64(name string) float64 { return get[float64](c, name) }

// GetBool returns the value of a bool flag, or false when no flag has that
// name or the flag is not a bool flag.
func (c *Command) GetBool(name string) bool { return get[bool](c, name) }

// HasFlag reports whether a flag with that name is defined.
func (c *Command) HasFlag(name string) bool {
	return c.lookup(name) != nil
}
