// Package cli is a minimal subcommand framework on top of the standard flag
// package.
//
// An [App] holds named commands, each a [Command] with its own
// [flag.FlagSet], typed flag helpers and help text, plus a built-in
// version command. It hands errors back to the caller and never exits the
// process: the binary decides how to print an error and which exit code to
// use.
//
//	app := cli.NewApp("matchspec", version)
//
//	run := &cli.Command{Name: "run", Usage: "Run an eval suite"}
//	run.AddStringFlag("config", "matchspec.toml", "Config file path")
//	run.AddIntFlag("workers", 8, "Number of parallel workers")
//	run.Run = func(cmd *cli.Command, args []string) error {
//		return runSuite(cmd.Context(), cmd.GetString("config"), cmd.GetInt("workers"))
//	}
//	app.AddCommand(run)
//
//	if err := app.Execute(os.Args[1:]); err != nil {
//		fmt.Fprintln(os.Stderr, err)
//		os.Exit(errors.ExitCode(errors.Code(err)))
//	}
//
// # Dispatch
//
// [App.Execute] is [App.ExecuteContext] with context.Background. Given the
// arguments after the program name:
//
//   - none, "-h", "--help" or "help": the app usage goes to stderr; nil.
//   - "help <cmd>", "<cmd> -h" or "<cmd> --help": the command help goes to
//     stderr; nil. A later -h, -help or --help among the command's flags
//     does the same, unless the command defines a flag of that name; "help
//     help" shows the app usage.
//   - an unknown command, with or without help: the app usage goes to
//     stderr, and the error has code validation and message
//     "unknown command: <name>".
//   - a flag that does not parse (unknown flag, bad value, missing value):
//     the command help goes to stderr, and the error has code validation;
//     its text, such as
//     `validation: run: invalid value "x" for flag -workers: parse error`,
//     names the command, the flag and the bad value. The flag package's own
//     error line and usage are suppressed.
//   - otherwise Run is called with the arguments left after the flags, and
//     its error is returned unchanged. A nil Run gives code internal.
//
// Execute never prints the error it returns. Errors writing help text are
// ignored. Flags are always parsed with [flag.ContinueOnError], even when a
// FlagSet was created with ExitOnError or PanicOnError, so Execute neither
// exits nor panics on bad input; the FlagSet's settings are restored after
// parsing.
//
// # Help texts
//
// The app usage lists the commands sorted by name, aligned by
// [text/tabwriter] with padding 2 (a command whose usage is empty has no
// trailing spaces):
//
//	Usage: matchspec <command> [flags]
//
//	Commands:
//	  run      Run an eval suite
//	  version  Print the version
//
//	Run 'matchspec help <command>' for command flags.
//
// A command's help is the usage line, then a blank line and the usage text
// if it is not empty, then a blank line, "Flags:" and the
// [flag.FlagSet.PrintDefaults] output if the command has flags:
//
//	Usage: matchspec run [flags]
//
//	Run an eval suite
//
//	Flags:
//	  -config string
//	    	Config file path (default "matchspec.toml")
//
// Every help text ends with a newline and has no trailing blank line.
//
// # Commands and flags
//
// [App.AddCommand] replaces a command of the same name and creates Flags
// when it is nil (ContinueOnError, named after the command); the AddXFlag
// methods do the same, so flags can be added before the command is. It
// panics on a nil command or an empty name: those are programming
// mistakes. A command named "help" can be added, but Execute never runs
// it, since the built-in help handling sees "help" first. The AddXFlag
// methods panic, like the flag package, on a duplicate or invalid flag
// name.
//
// Each execution starts from the flags' defaults: before parsing, Execute
// sets every flag of the command back to its default value, so
// "run -workers 3" followed by "run" sees the default number of workers
// the second time.
//
// The GetX methods return the zero value for an unknown flag or a flag of
// another type; [Command.GetString] works for every flag through its
// Value's String method. [Command.HasFlag] reports whether a flag exists.
//
// [Command.Context] returns the ctx given to ExecuteContext, so Run can
// honour cancellation; it is context.Background before the command runs.
//
// # Concurrency
//
// [App] and [Command] are not safe for concurrent use. Set them up, then
// execute from a single goroutine. A panic in Run is not recovered.
package cli
