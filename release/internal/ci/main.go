// Command ci runs every check of the workspace and prints one summary
// line. It is what `make test` runs:
//
//	go run ./release/internal/ci
//
// The lanes, in order: gofmt (any unformatted tracked Go file fails), go vet
// on the workspace for the host and for GOOS=windows, the bindings' Python
// (unittest) and TypeScript (npm ci, npm test) suites, go test -race on every
// package of the workspace, `go run ./release check` (the CI gate: workspace
// policy and release rules), and `go run ./release verify`, the standalone
// lane: each module built and tested alone with GOWORK=off against a scratch
// proxy, as a user who pins it gets it. With -quick (make check) the test
// lanes are left out: gofmt, vet and release check only. With -fuzz=D
// (make fuzz) it runs none of the lanes but every fuzz target of the
// workspace for D each, one result per target.
//
// Every lane runs even when an earlier one failed. The last line is
// "N passed, N failed": Go test functions (top-level tests, examples, fuzz
// seeds) counted from go test -json, the Python and TypeScript tests, plus
// one per check (gofmt, each vet, release check) and one per module
// verified standalone. A package that fails without a failing test, such
// as a build failure, counts as one failure. The exit status is non-zero on
// any failure.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/greynewell/mist-go/release/internal/git"
)

func main() {
	quick := flag.Bool("quick", false, "run only gofmt, vet and release check (make check)")
	fuzz := flag.Duration("fuzz", 0, "instead of the lanes, run every fuzz target of the workspace for this long each (make fuzz)")
	flag.Parse()
	root, err := findRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ci:", err)
		os.Exit(2)
	}
	r := &runner{root: root, out: os.Stdout}
	if *fuzz > 0 {
		r.fuzzAll(*fuzz)
		r.summary()
	}
	r.gofmt()
	r.check("go vet work", nil, "go", "vet", "work")
	r.check("GOOS=windows go vet work", []string{"GOOS=windows"}, "go", "vet", "work")
	if !*quick {
		r.bindings()
		r.goTest("go test -race work", "test", "-race", "-count=1", "-json", "work")
	}
	r.check("release check", nil, "go", "run", "./release", "check")
	if !*quick {
		r.verify()
	}
	r.summary()
}

// summary prints the last line and exits.
func (r *runner) summary() {
	fmt.Fprintf(r.out, "%d passed, %d failed\n", r.passed, r.failed)
	if r.failed > 0 {
		os.Exit(1)
	}
	os.Exit(0)
}

// fuzzAll runs each fuzz target of the workspace for d; each target counts
// as one test.
func (r *runner) fuzzAll(d time.Duration) {
	r.lane("fuzz targets")
	out, err := r.command(r.root, nil, "go", "test", "-list", "^Fuzz", "work").Output()
	if err != nil {
		fmt.Fprintf(r.out, "FAIL listing fuzz targets: %v\n", err)
		r.result(false)
		return
	}
	// go test -list prints the matching names of a package, then a line
	// "ok  <package> <time>".
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 1 && strings.HasPrefix(f[0], "Fuzz"):
			names = append(names, f[0])
		case len(f) >= 2 && f[0] == "ok":
			for _, name := range names {
				r.check("fuzz "+f[1]+" "+name, nil, "go", "test", "-run=^$", "-fuzz=^"+name+"$", "-fuzztime="+d.String(), f[1])
			}
			names = nil
		}
	}
}

// findRoot returns the directory of the go.work in use.
func findRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOWORK: %w", err)
	}
	work := strings.TrimSpace(string(out))
	if work == "" || work == "off" {
		return "", fmt.Errorf("not inside a go.work workspace; run from the repository root")
	}
	return filepath.Dir(work), nil
}

type runner struct {
	root           string
	out            io.Writer
	passed, failed int
}

func (r *runner) lane(name string) { fmt.Fprintf(r.out, "\n== %s\n", name) }

func (r *runner) result(ok bool) {
	if ok {
		r.passed++
	} else {
		r.failed++
	}
}

// command returns a command run in dir with extra environment entries.
func (r *runner) command(dir string, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// check runs a command that passes when it exits 0, printing its output.
func (r *runner) check(title string, env []string, name string, args ...string) {
	r.lane(title)
	cmd := r.command(r.root, env, name, args...)
	out, err := cmd.CombinedOutput()
	r.out.Write(out)
	if err != nil {
		fmt.Fprintf(r.out, "FAIL %s: %v\n", title, err)
	} else {
		fmt.Fprintln(r.out, "ok")
	}
	r.result(err == nil)
}

// gofmt fails when any Go file git tracks (or would track) is unformatted.
func (r *runner) gofmt() {
	r.lane("gofmt")
	files, err := r.goFiles()
	if err == nil && len(files) > 0 {
		var out []byte
		var gofmt string
		if gofmt, err = gofmtPath(); err == nil {
			out, err = r.command(r.root, nil, gofmt, append([]string{"-l"}, files...)...).CombinedOutput()
		}
		if err == nil && len(bytes.TrimSpace(out)) > 0 {
			err = fmt.Errorf("unformatted files (run gofmt -w):\n%s", out)
		}
	}
	if err != nil {
		fmt.Fprintf(r.out, "FAIL gofmt: %v\n", err)
	} else {
		fmt.Fprintf(r.out, "ok (%d files)\n", len(files))
	}
	r.result(err == nil)
}

// gofmtPath returns the gofmt of the go command in use, which need not be
// on PATH.
func gofmtPath() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "gofmt"), nil
}

// goFiles returns the Go files git tracks (or would track) that exist.
func (r *runner) goFiles() ([]string, error) {
	g := git.Runner{Path: "git", Dir: r.root, Env: os.Environ()}
	names, err := g.Files(context.Background(), "")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range names {
		if !strings.HasSuffix(f, ".go") {
			continue
		}
		if _, err := os.Stat(filepath.Join(r.root, filepath.FromSlash(f))); err == nil { // skip deleted files
			files = append(files, f)
		}
	}
	return files, nil
}

// verify runs the standalone lane, `go run ./release verify --json`, and
// counts one result per module. A failure without any module result (the
// tool could not start, the workspace does not load) counts as one.
func (r *runner) verify() {
	title := "release verify (each module alone, GOWORK=off)"
	r.lane(title)
	start := time.Now()
	cmd := r.command(r.root, nil, "go", "run", "./release", "verify", "--json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	passed, failed := countVerify(out, r.out)
	r.out.Write(stderr.Bytes())
	if err != nil && failed == 0 {
		fmt.Fprintf(r.out, "FAIL %s: %v\n", title, err)
		failed++
	}
	fmt.Fprintf(r.out, "%s: %d passed, %d failed in %s\n", title, passed, failed, time.Since(start).Round(time.Second))
	r.passed += passed
	r.failed += failed
}

// countVerify reads the JSON lines of release verify --json, prints one
// line per module (with the output of a failed one), and counts them.
// Lines that are not module results are passed through.
func countVerify(out []byte, w io.Writer) (passed, failed int) {
	for _, line := range strings.Split(string(out), "\n") {
		var res struct {
			Module  string
			OK      bool
			Elapsed time.Duration `json:"elapsed_ns"`
			Output  string
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if json.Unmarshal([]byte(line), &res) != nil || res.Module == "" {
			fmt.Fprintln(w, line)
			continue
		}
		if res.OK {
			passed++
			fmt.Fprintf(w, "ok   %s (%s)\n", res.Module, res.Elapsed.Round(100*time.Millisecond))
		} else {
			failed++
			fmt.Fprintf(w, "FAIL %s (%s)\n%s\n", res.Module, res.Elapsed.Round(100*time.Millisecond), res.Output)
		}
	}
	return passed, failed
}

// event is one line of go test -json.
type event struct {
	Action      string
	Package     string
	ImportPath  string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
}

// goTest runs go test -json and reports each package and failing test.
func (r *runner) goTest(title string, args ...string) {
	r.lane(title)
	cmd := r.command(r.root, nil, "go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(r.out, "FAIL %s: %v\n", title, err)
		r.result(false)
		return
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(r.out, "FAIL %s: %v\n", title, err)
		r.result(false)
		return
	}
	s := newTestStream(r.out)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		s.line(sc.Bytes())
	}
	waitErr := cmd.Wait()
	r.out.Write(stderr.Bytes())
	if waitErr != nil && s.failed == 0 {
		fmt.Fprintf(r.out, "FAIL %s: %v\n", title, waitErr)
		s.failed++
	}
	fmt.Fprintf(r.out, "%s: %d passed, %d failed, %d skipped in %s\n",
		title, s.passed, s.failed, s.skipped, time.Since(start).Round(time.Second))
	r.passed += s.passed
	r.failed += s.failed
}

// testStream turns go test -json events into readable output and counts.
type testStream struct {
	out                     io.Writer
	output                  map[string]*bytes.Buffer // by package + "\x00" + test
	failedTests             map[string]int           // failed top-level tests by package
	passed, failed, skipped int
}

func newTestStream(out io.Writer) *testStream {
	return &testStream{out: out, output: map[string]*bytes.Buffer{}, failedTests: map[string]int{}}
}

func (s *testStream) line(b []byte) {
	var e event
	if err := json.Unmarshal(b, &e); err != nil {
		s.out.Write(append(b, '\n')) // not an event: pass it through
		return
	}
	key := e.Package + "\x00" + e.Test
	switch e.Action {
	case "build-output":
		io.WriteString(s.out, e.Output)
	case "output":
		buf := s.output[key]
		if buf == nil {
			buf = new(bytes.Buffer)
			s.output[key] = buf
		}
		buf.WriteString(e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			s.packageDone(e)
			return
		}
		if e.Action == "fail" {
			if buf := s.output[key]; buf != nil {
				s.out.Write(buf.Bytes())
			}
		}
		delete(s.output, key)
		if strings.Contains(e.Test, "/") {
			return // subtests are part of their test function
		}
		switch e.Action {
		case "pass":
			s.passed++
		case "fail":
			s.failed++
			s.failedTests[e.Package]++
		case "skip":
			s.skipped++
		}
	}
}

func (s *testStream) packageDone(e event) {
	key := e.Package + "\x00"
	switch e.Action {
	case "fail":
		if buf := s.output[key]; buf != nil {
			s.out.Write(buf.Bytes())
		} else {
			fmt.Fprintf(s.out, "FAIL\t%s\n", e.Package)
		}
		if s.failedTests[e.Package] == 0 {
			s.failed++ // a build failure, a panic outside tests, a timeout
		}
	default:
		if buf := s.output[key]; buf != nil {
			// The last line of the package output is go test's own summary.
			lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
			fmt.Fprintln(s.out, lines[len(lines)-1])
		}
	}
	delete(s.output, key)
}
