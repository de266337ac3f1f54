// Command benchtable runs the side-by-side benchmarks of the benchmarks
// module and prints one table: for every hot path, ours (median ns/op and
// allocs/op), the fastest peer, the floor, the ratios, and the goal of
// issue 8 with whether it is met. It is what `make bench` runs.
//
//	go run ./benchmarks/cmd/benchtable -dir benchmarks
//
// It compiles the benchmark binary once with go test -c, then runs every
// benchmark once per round, -count rounds in all, so that a machine whose
// speed drifts during the run slows every side alike instead of whichever
// ran last. Each row uses the median of its rounds, benchstat-style. The raw
// go test output of all rounds is written to the file -raw names (a new
// temporary file by default), whose path is printed at the end.
//
// With -in FILE (or -in - for stdin) it reads raw go test -bench output
// instead of running anything, and prints the table for it.
//
// Sub-benchmarks are paired by name: "mist" (or "protocol") is ours,
// "floor" is the floor, "floor-…" an extra floor shown on a row of its
// own, and any other name is a peer.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/greynewell/mist-go/output"
)

func main() {
	var (
		dir       = flag.String("dir", ".", "directory of the benchmarks module")
		count     = flag.Int("count", 7, "rounds: each benchmark runs once per round")
		benchtime = flag.String("benchtime", "500ms", "go test -benchtime for each benchmark run")
		bench     = flag.String("bench", ".", "go test -bench pattern")
		in        = flag.String("in", "", "read raw go test -bench output from this file (- for stdin) instead of running")
		raw       = flag.String("raw", "", "write the raw output of all rounds here (default: a new temporary file)")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *count, *benchtime, *bench, *in, *raw); err != nil {
		output.Error("benchtable: %v", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string, count int, benchtime, bench, in, rawPath string) error {
	var rawData []byte
	var rawName string
	start := time.Now()
	if in != "" {
		var err error
		if in == "-" {
			rawData, err = io.ReadAll(os.Stdin)
		} else {
			rawData, err = os.ReadFile(in)
		}
		if err != nil {
			return err
		}
	} else {
		if count < 1 {
			return fmt.Errorf("-count %d: need at least 1", count)
		}
		f, err := openRaw(rawPath)
		if err != nil {
			return err
		}
		rawName = f.Name()
		var buf bytes.Buffer
		err = runRounds(ctx, dir, count, benchtime, bench, io.MultiWriter(f, &buf))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%w (raw output so far: %s)", err, rawName)
		}
		rawData = buf.Bytes()
	}

	res, err := parse(bytes.NewReader(rawData))
	if err != nil {
		return err
	}
	if len(res.names) == 0 {
		return fmt.Errorf("no benchmark results found")
	}
	st := res.stats()
	rounds := 0
	for _, s := range st {
		rounds = max(rounds, s.n)
	}
	fmt.Printf("mist-go side by side: median of %d runs per benchmark", rounds)
	if in == "" {
		fmt.Printf(", -benchtime=%s, %s", benchtime, time.Since(start).Round(time.Second))
	}
	fmt.Println()
	for _, h := range res.header {
		fmt.Println(h)
	}
	fmt.Println()
	if err := output.NewWriter(output.FormatTable, os.Stdout).Table(headers, table(st)); err != nil {
		return err
	}
	fmt.Println()
	fmt.Println(legend)
	if rawName != "" {
		fmt.Printf("\nraw go test output: %s\n", rawName)
	}
	return nil
}

// legend explains the columns and the floors.
const legend = `OURS/PEER is ours over the fastest peer, OURS/FLOOR ours over the floor;
GOAL is issue 8's goal (its ratio in brackets when it names a peer) and
MET whether this run meets it. Floors: a bare atomic (counters), a direct
call (breaker, retry), 8 goroutines on one atomic index (Map), a bare
buffered channel (channel transport, Limiter), bare net/http on loopback
(HTTP), flock on an already open descriptor (lock; floor-open adds the
open and close a FileLock must do), the OpenTelemetry noop tracer (span).
What each side does is described at the top of each benchmark file in
benchmarks/. alitto/pond is not compared: it is not available here.`

func openRaw(path string) (*os.File, error) {
	if path == "" {
		return os.CreateTemp("", "mist-bench-*.txt")
	}
	return os.Create(path)
}

// runRounds compiles the benchmark binary and runs it count times, writing
// its output to w and progress to stderr.
func runRounds(ctx context.Context, dir string, count int, benchtime, bench string, w io.Writer) error {
	tmp, err := os.MkdirTemp("", "benchtable-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "benchmarks.test")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	fmt.Fprintf(os.Stderr, "benchtable: compiling the benchmarks in %s\n", dir)
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = dir, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go test -c: %w", err)
	}
	for i := 1; i <= count; i++ {
		fmt.Fprintf(os.Stderr, "benchtable: round %d of %d\n", i, count)
		cmd := exec.CommandContext(ctx, bin, "-test.run=^$", "-test.bench="+bench, "-test.benchmem",
			"-test.count=1", "-test.benchtime="+benchtime)
		cmd.Dir, cmd.Stderr = dir, os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(w, line)
			if strings.HasPrefix(line, "Benchmark") {
				fmt.Fprintf(os.Stderr, "  %s\n", strings.Join(strings.Fields(line)[:min(3, len(strings.Fields(line)))], " "))
			}
		}
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("round %d: %w", i, err)
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	return nil
}
