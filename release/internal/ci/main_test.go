package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTestStream(t *testing.T) {
	events := `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB/sub","Output":"    b_test.go:9: got 1, want 2\n"}
{"Action":"fail","Package":"p","Test":"TestB/sub"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"skip","Package":"p","Test":"TestC"}
{"Action":"pass","Package":"p","Test":"ExampleA"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.1s\n"}
{"Action":"fail","Package":"p"}
{"Action":"build-output","ImportPath":"q","Output":"q/q.go:1:1: syntax error\n"}
{"Action":"output","Package":"q","Output":"FAIL\tq [build failed]\n"}
{"Action":"fail","Package":"q","FailedBuild":"q"}
{"Action":"output","Package":"r","Output":"ok  \tr\t0.2s\n"}
{"Action":"pass","Package":"r"}
not json
`
	var out bytes.Buffer
	s := newTestStream(&out)
	for _, l := range strings.Split(strings.TrimSuffix(events, "\n"), "\n") {
		s.line([]byte(l))
	}
	// TestA and ExampleA pass; TestB fails, and package q fails without a
	// failing test (a build failure).
	if s.passed != 2 || s.failed != 2 || s.skipped != 1 {
		t.Errorf("passed, failed, skipped = %d, %d, %d, want 2, 2, 1", s.passed, s.failed, s.skipped)
	}
	for _, want := range []string{"got 1, want 2", "syntax error", "FAIL\tq [build failed]", "ok  \tr\t0.2s", "not json"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "=== RUN   TestA") {
		t.Errorf("output of a passing test was printed:\n%s", out.String())
	}
}

func TestCountVerify(t *testing.T) {
	out := `{"module":"errors","ok":true,"elapsed_ns":1200000000}
{"module":"retry","ok":false,"elapsed_ns":3000000000,"output":"--- FAIL: TestX\n"}
go: downloading something

{"module":"cli","ok":true,"elapsed_ns":500000000}
`
	var w bytes.Buffer
	passed, failed := countVerify([]byte(out), &w)
	if passed != 2 || failed != 1 {
		t.Errorf("passed, failed = %d, %d, want 2, 1", passed, failed)
	}
	for _, want := range []string{"ok   errors (1.2s)", "FAIL retry (3s)\n--- FAIL: TestX", "go: downloading something", "ok   cli (500ms)"} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, w.String())
		}
	}
}

func TestCountUnittest(t *testing.T) {
	tests := []struct {
		out                     string
		passed, failed, skipped int
		ok                      bool
	}{
		{"....\n----------------------------------------------------------------------\nRan 4 tests in 0.010s\n\nOK\n", 4, 0, 0, true},
		{"Ran 10 tests in 1.2s\n\nOK (skipped=2)\n", 8, 0, 2, true},
		{"Ran 10 tests in 1.2s\n\nFAILED (failures=2, errors=1, skipped=1)\n", 6, 3, 1, true},
		{"Ran 1 test in 0.001s\n\nOK\n", 1, 0, 0, true},
		{"Traceback (most recent call last):\nImportError\n", 0, 0, 0, false},
	}
	for _, tt := range tests {
		p, f, s, ok := countUnittest([]byte(tt.out))
		if p != tt.passed || f != tt.failed || s != tt.skipped || ok != tt.ok {
			t.Errorf("countUnittest(%q) = %d, %d, %d, %v; want %d, %d, %d, %v", tt.out, p, f, s, ok, tt.passed, tt.failed, tt.skipped, tt.ok)
		}
	}
}

func TestCountNodeTest(t *testing.T) {
	tests := []struct {
		out                     string
		passed, failed, skipped int
		ok                      bool
	}{
		{"TAP version 13\nok 1 - a\n1..1\n# tests 1\n# pass 1\n# fail 0\n# skipped 0\n", 1, 0, 0, true},
		{"✔ a\nℹ tests 3\nℹ pass 2\nℹ fail 1\n", 2, 1, 0, true},
		{"npm ERR! missing script: test\n", 0, 0, 0, false},
	}
	for _, tt := range tests {
		p, f, s, ok := countNodeTest([]byte(tt.out))
		if p != tt.passed || f != tt.failed || s != tt.skipped || ok != tt.ok {
			t.Errorf("countNodeTest(%q) = %d, %d, %d, %v; want %d, %d, %d, %v", tt.out, p, f, s, ok, tt.passed, tt.failed, tt.skipped, tt.ok)
		}
	}
}
