package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
)

// The bindings lanes run the Python and TypeScript test suites of
// bindings/ with the tools a fresh machine has (python3, node, npm). They
// run before the Go tests, so the TypeScript build the Go interop test uses
// is in place.

var (
	unittestRan    = regexp.MustCompile(`(?m)^Ran (\d+) tests? in `)
	unittestFailed = regexp.MustCompile(`(?m)^FAILED \((.*)\)$`)
	unittestCount  = regexp.MustCompile(`(failures|errors|skipped|expected failures|unexpected successes)=(\d+)`)
	unittestOK     = regexp.MustCompile(`(?m)^OK(?: \((.*)\))?$`)
	nodePass       = regexp.MustCompile(`(?m)^(?:#|ℹ) pass (\d+)$`)
	nodeFail       = regexp.MustCompile(`(?m)^(?:#|ℹ) fail (\d+)$`)
	nodeSkip       = regexp.MustCompile(`(?m)^(?:#|ℹ) skipped (\d+)$`)
)

// countUnittest reads the summary of `python3 -m unittest`: the "Ran N
// tests" line and the "OK" or "FAILED (failures=F, errors=E)" line.
// Skipped tests count as neither passed nor failed.
func countUnittest(out []byte) (passed, failed, skipped int, ok bool) {
	m := unittestRan.FindSubmatch(out)
	if m == nil {
		return 0, 0, 0, false
	}
	ran, _ := strconv.Atoi(string(m[1]))
	var detail []byte
	if f := unittestFailed.FindSubmatch(out); f != nil {
		detail = f[1]
	} else if o := unittestOK.FindSubmatch(out); o != nil {
		detail = o[1]
	} else {
		return 0, 0, 0, false
	}
	for _, c := range unittestCount.FindAllSubmatch(detail, -1) {
		n, _ := strconv.Atoi(string(c[2]))
		switch string(c[1]) {
		case "failures", "errors", "unexpected successes":
			failed += n
		case "skipped":
			skipped += n
		}
	}
	return ran - failed - skipped, failed, skipped, true
}

// countNodeTest reads the "# pass N", "# fail N" and "# skipped N" lines
// that node --test prints (ℹ in place of # with the spec reporter).
func countNodeTest(out []byte) (passed, failed, skipped int, ok bool) {
	p, f := nodePass.FindSubmatch(out), nodeFail.FindSubmatch(out)
	if p == nil || f == nil {
		return 0, 0, 0, false
	}
	passed, _ = strconv.Atoi(string(p[1]))
	failed, _ = strconv.Atoi(string(f[1]))
	if s := nodeSkip.FindSubmatch(out); s != nil {
		skipped, _ = strconv.Atoi(string(s[1]))
	}
	return passed, failed, skipped, true
}

// suite runs a non-Go test suite and counts its results with count. The
// steps before the last prepare the suite and must succeed; the last runs
// the tests, and its output decides. Output is printed only on failure.
func (r *runner) suite(title, dir string, count func([]byte) (int, int, int, bool), steps ...[]string) {
	r.lane(title)
	var out []byte
	for i, step := range steps {
		b, err := r.command(dir, nil, step[0], step[1:]...).CombinedOutput()
		out = append(out, b...)
		if err != nil && i < len(steps)-1 {
			r.out.Write(out)
			fmt.Fprintf(r.out, "FAIL %s: %v\n", title, err)
			r.result(false)
			return
		}
	}
	passed, failed, skipped, ok := count(out)
	if !ok {
		r.out.Write(out)
		fmt.Fprintf(r.out, "FAIL %s: no test summary in the output\n", title)
		r.result(false)
		return
	}
	if failed > 0 {
		r.out.Write(out)
	}
	fmt.Fprintf(r.out, "%s: %d passed, %d failed, %d skipped\n", title, passed, failed, skipped)
	r.passed += passed
	r.failed += failed
}

// bindings runs the Python and TypeScript suites.
func (r *runner) bindings() {
	py := filepath.Join(r.root, "bindings", "python")
	r.suite("python3 -m unittest (bindings/python)", py, countUnittest,
		[]string{"python3", "-m", "unittest"})
	ts := filepath.Join(r.root, "bindings", "typescript")
	r.suite("npm ci && npm test (bindings/typescript)", ts, countNodeTest,
		[]string{"npm", "ci", "--no-audit", "--no-fund"}, []string{"npm", "test"})
}
