package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"

	"github.com/greynewell/mist-go/cli"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/output"
	"github.com/greynewell/mist-go/release/internal/policy"
	"github.com/greynewell/mist-go/release/internal/release"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, processConfig(), os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status: 0, or the
// exit code of the error's code (errors.ExitCode).
func run(ctx context.Context, cfg *release.Config, args []string) int {
	if err := newApp(cfg).ExecuteContext(ctx, args); err != nil {
		fmt.Fprintln(cfg.Stderr, "release:", err)
		return errors.ExitCode(errors.Code(err))
	}
	return 0
}

// processConfig is the Config of the running process: the current
// directory, the environment, git and go from PATH, mist-go's rules.
func processConfig() *release.Config {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	return &release.Config{
		Dir:    dir,
		Env:    os.Environ(),
		Git:    lookPath("git"),
		Go:     goPath(),
		Rules:  policy.Mist(),
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	}
}

func lookPath(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// goPath finds the go command: on PATH, or in $GOROOT/bin (go run sets
// GOROOT for the programs it runs).
func goPath() string {
	if p := lookPath("go"); p != "" {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// newApp returns the command-line application over cfg.
func newApp(cfg *release.Config) *cli.App {
	app := cli.NewApp("release", version())
	app.SetOutput(cfg.Stdout, cfg.Stderr)

	plan := &cli.Command{Name: "plan", Usage: "Show what a release would do: modules in release order, versions, bumps and why, tags"}
	plan.AddBoolFlag("json", false, "print the plan as one JSON document (stable, for CI and apply --plan)")
	plan.AddStringFlag("since", "", "count changes since this revision instead of each module's last tag")
	plan.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		p, err := release.MakePlan(cmd.Context(), cfg, release.PlanOptions{Since: cmd.GetString("since")})
		if err != nil {
			return err
		}
		if cmd.GetBool("json") {
			return output.NewWriter(output.FormatJSON, cfg.Stdout).JSON(p)
		}
		return release.WritePlan(cfg.Stdout, p)
	}
	app.AddCommand(plan)

	check := &cli.Command{Name: "check", Usage: "The CI gate: workspace policy and release rules; exit 0 when all hold"}
	check.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		problems, err := release.Check(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		if len(problems) == 0 {
			fmt.Fprintln(cfg.Stdout, "release check: ok")
			return nil
		}
		rows := make([][]string, len(problems))
		for i, p := range problems {
			rows[i] = []string{p.Module, p.Rule, p.Msg}
		}
		if err := output.NewWriter(output.FormatTable, cfg.Stdout).Table([]string{"MODULE", "RULE", "PROBLEM"}, rows); err != nil {
			return err
		}
		return errors.Newf(errors.CodeValidation, "check: %d problem(s); fix them and run release check again", len(problems))
	}
	app.AddCommand(check)

	verify := &cli.Command{Name: "verify", Usage: "Build and test every module alone (GOWORK=off) against a scratch proxy, offline"}
	verify.AddBoolFlag("json", false, "print one JSON line per module")
	verify.AddIntFlag("jobs", 0, "modules verified at once (default GOMAXPROCS)")
	verify.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		c := *cfg
		c.Jobs = cmd.GetInt("jobs")
		asJSON := cmd.GetBool("json")
		w := output.NewWriter(output.FormatJSON, cfg.Stdout)
		return release.Verify(cmd.Context(), &c, func(r release.VerifyResult) {
			if asJSON {
				w.JSON(r)
				return
			}
			status := "ok  "
			if !r.OK {
				status = "FAIL"
			}
			fmt.Fprintf(cfg.Stdout, "%s %-16s %5.1fs\n", status, r.Module, r.Elapsed.Seconds())
			if !r.OK {
				io.WriteString(cfg.Stdout, r.Output+"\n")
			}
		})
	}
	app.AddCommand(verify)

	apply := &cli.Command{Name: "apply", Usage: "Make the release: edit, changelog, commit, verify, then tag and move the branch"}
	apply.AddStringFlag("plan", "", "a plan from `release plan --json`; refuse unless the release is exactly that plan")
	apply.AddBoolFlag("yes", false, "do not ask for confirmation")
	apply.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		_, err := release.Apply(cmd.Context(), cfg, release.ApplyOptions{PlanFile: cmd.GetString("plan"), Yes: cmd.GetBool("yes")})
		return err
	}
	app.AddCommand(apply)

	publish := &cli.Command{Name: "publish", Usage: "Write every released version into a GOPROXY directory"}
	publish.AddStringFlag("dir", "", "the GOPROXY directory to write (required)")
	publish.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		out, err := release.Publish(cmd.Context(), cfg, cmd.GetString("dir"))
		if err != nil {
			return err
		}
		if len(out) == 0 {
			fmt.Fprintln(cfg.Stdout, "No released version yet: run release apply first.")
			return nil
		}
		return output.NewWriter(output.FormatTable, cfg.Stdout).Write(out)
	}
	app.AddCommand(publish)

	push := &cli.Command{Name: "push", Usage: "Push the release commit and its tags in one atomic git push"}
	push.AddStringFlag("remote", "origin", "the git remote to push to")
	push.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		res, err := release.Push(cmd.Context(), cfg, cmd.GetString("remote"))
		if err != nil {
			return err
		}
		fmt.Fprintf(cfg.Stdout, "Pushed %s and %d tag(s) to %s.\n", res.Branch, len(res.Tags), res.Remote)
		return nil
	}
	app.AddCommand(push)

	graph := &cli.Command{Name: "graph", Usage: "Show the module graph in release order"}
	graph.AddBoolFlag("dot", false, "print Graphviz dot")
	graph.AddBoolFlag("json", false, "print one JSON document")
	graph.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		rows, err := release.Graph(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		switch {
		case cmd.GetBool("dot"):
			return release.WriteDot(cfg.Stdout, rows)
		case cmd.GetBool("json"):
			return output.NewWriter(output.FormatJSON, cfg.Stdout).JSON(rows)
		}
		return output.NewWriter(output.FormatTable, cfg.Stdout).Write(rows)
	}
	app.AddCommand(graph)

	status := &cli.Command{Name: "status", Usage: "Show each module's last version, unreleased changes, and tag/changelog disagreements"}
	status.AddBoolFlag("json", false, "print one JSON document")
	status.Run = func(cmd *cli.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		rows, err := release.Status(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		if cmd.GetBool("json") {
			return output.NewWriter(output.FormatJSON, cfg.Stdout).JSON(rows)
		}
		return output.NewWriter(output.FormatTable, cfg.Stdout).Write(rows)
	}
	app.AddCommand(status)
	return app
}

func noArgs(cmd *cli.Command, args []string) error {
	if len(args) > 0 {
		return errors.Newf(errors.CodeValidation, "%s takes no arguments, got %q: flags go before arguments (see release help %s)", cmd.Name, args, cmd.Name)
	}
	return nil
}
