package cli_test

import (
	"context"
	"fmt"
	"os"

	"github.com/greynewell/mist-go/cli"
	"github.com/greynewell/mist-go/errors"
)

func runSuite(cfgPath string, workers int) error {
	fmt.Printf("running %s with %d workers\n", cfgPath, workers)
	return nil
}

// The reference program: a run command with two flags. Here help text goes
// to stdout too, so that the example can show it.
func Example() {
	const version = "1.4.0"
	app := cli.NewApp("matchspec", version)
	app.SetOutput(os.Stdout, os.Stdout)

	runCmd := &cli.Command{
		Name:  "run",
		Usage: "Run an eval suite",
	}
	runCmd.AddStringFlag("config", "matchspec.toml", "Config file path")
	runCmd.AddIntFlag("workers", 8, "Number of parallel workers")
	runCmd.Run = func(cmd *cli.Command, args []string) error {
		cfgPath := cmd.GetString("config")
		workers := cmd.GetInt("workers")
		return runSuite(cfgPath, workers)
	}
	app.AddCommand(runCmd)

	exit := func(args []string) int {
		if err := app.Execute(args); err != nil {
			fmt.Println(err)
			return errors.ExitCode(errors.Code(err))
		}
		return 0
	}
	fmt.Println("exit", exit([]string{"run", "-workers", "4"}))
	fmt.Println("exit", exit([]string{"run", "-workers", "four"}))
	fmt.Println("exit", exit([]string{"walk"}))
	// Output:
	// running matchspec.toml with 4 workers
	// exit 0
	// Usage: matchspec run [flags]
	//
	// Run an eval suite
	//
	// Flags:
	//   -config string
	//     	Config file path (default "matchspec.toml")
	//   -workers int
	//     	Number of parallel workers (default 8)
	// validation: run: invalid value "four" for flag -workers: parse error
	// exit 2
	// Usage: matchspec <command> [flags]
	//
	// Commands:
	//   run      Run an eval suite
	//   version  Print the version
	//
	// Run 'matchspec help <command>' for command flags.
	// validation: unknown command: walk
	// exit 2
}

// NewApp registers a version command that prints the name and version.
func ExampleNewApp() {
	app := cli.NewApp("matchspec", "1.4.0")
	app.SetOutput(os.Stdout, nil)
	if err := app.Execute([]string{"version"}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// matchspec 1.4.0
}

// Help goes to stderr, here redirected to stdout: the app usage, then the
// help of one command.
func ExampleApp_Execute_help() {
	app := cli.NewApp("evals", "0.1.0")
	app.SetOutput(os.Stdout, os.Stdout)
	report := &cli.Command{Name: "report", Usage: "Summarise the last run"}
	report.AddBoolFlag("json", false, "Print JSON instead of a table")
	app.AddCommand(report)

	_ = app.Execute([]string{"--help"})
	fmt.Println("---")
	_ = app.Execute([]string{"help", "report"})
	// Output:
	// Usage: evals <command> [flags]
	//
	// Commands:
	//   report   Summarise the last run
	//   version  Print the version
	//
	// Run 'evals help <command>' for command flags.
	// ---
	// Usage: evals report [flags]
	//
	// Summarise the last run
	//
	// Flags:
	//   -json
	//     	Print JSON instead of a table
}

// Run reads the context given to ExecuteContext, to stop on cancellation.
func ExampleCommand_Context() {
	app := cli.NewApp("worker", "1")
	app.AddCommand(&cli.Command{
		Name: "serve",
		Run: func(cmd *cli.Command, args []string) error {
			<-cmd.Context().Done()
			return cmd.Context().Err()
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as a signal handler would
	err := app.ExecuteContext(ctx, []string{"serve"})
	fmt.Println(err, errors.Code(err))
	// Output:
	// context canceled cancelled
}
