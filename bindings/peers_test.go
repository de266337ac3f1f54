package bindings_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Helpers that start the Python and TypeScript peers
// (python/tests/interop_peer.py, typescript/src/peer/interop_peer.ts) as
// child processes. A missing python3, node or npm fails the test: the
// bindings are part of what `make test` proves.

// peerTimeout bounds every wait on a peer.
const peerTimeout = 60 * time.Second

var langs = []string{"python", "typescript"}

// tsBuild builds the TypeScript package once per test binary: npm ci when
// node_modules is missing, then npm run build.
var tsBuild = sync.OnceValue(func() error {
	dir := "typescript"
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		if out, err := runCmd(dir, 5*time.Minute, "npm", "ci", "--no-audit", "--no-fund"); err != nil {
			return fmt.Errorf("npm ci: %v\n%s", err, out)
		}
	}
	if out, err := runCmd(dir, 5*time.Minute, "npm", "run", "build"); err != nil {
		return fmt.Errorf("npm run build: %v\n%s", err, out)
	}
	return nil
})

func runCmd(dir string, timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// lookTool fails the test when a tool the bindings need is missing.
func lookTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required to test the bindings: %v", name, err)
	}
	return p
}

// peer is a running peer process.
type peer struct {
	lang   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *syncBuffer
	lines  chan []byte // stdout lines, for line-based modes
	waited chan error  // closed after Wait returns, holding its result
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine of exec and
// the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startPeer starts the peer of lang in mode with extra environment
// variables. The process is killed at cleanup if it is still running. With
// lineMode the peer's stdout is read line by line into p.lines by a
// goroutine that ends when stdout closes.
func startPeer(t testing.TB, lang, mode string, lineMode bool, env ...string) *peer {
	t.Helper()
	var cmd *exec.Cmd
	switch lang {
	case "python":
		cmd = exec.Command(lookTool(t, "python3"), "tests/interop_peer.py", mode)
		cmd.Dir = "python"
	case "typescript":
		lookTool(t, "npm")
		node := lookTool(t, "node")
		if err := tsBuild(); err != nil {
			t.Fatalf("build the TypeScript package: %v", err)
		}
		cmd = exec.Command(node, "dist/peer/interop_peer.js", mode)
		cmd.Dir = "typescript"
	default:
		t.Fatalf("unknown peer language %q", lang)
	}
	cmd.Env = append(os.Environ(), env...)
	p := &peer{lang: lang, cmd: cmd, stderr: new(syncBuffer), waited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if p.stdout, err = cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s peer: %v", lang, err)
	}
	var readers sync.WaitGroup
	if lineMode {
		p.lines = make(chan []byte)
		readers.Add(1)
		go func() { // ends when the peer's stdout closes
			defer readers.Done()
			defer close(p.lines)
			r := bufio.NewReaderSize(p.stdout, 1<<20)
			for {
				line, err := r.ReadBytes('\n')
				if err != nil {
					return
				}
				p.lines <- line
			}
		}()
	}
	go func() { // ends when the process exits (killed at cleanup at the latest)
		readers.Wait() // Wait closes stdout: read it all first
		p.waited <- cmd.Wait()
		close(p.waited)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		if lineMode {
			go func() { // ends when the reader goroutine closes p.lines
				for range p.lines {
				}
			}()
		}
		select {
		case <-p.waited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-p.waited
		}
	})
	return p
}

// wait waits for the peer to exit and fails the test unless it exits 0.
func (p *peer) wait(t testing.TB) {
	t.Helper()
	select {
	case err, ok := <-p.waited:
		if ok && err != nil {
			t.Fatalf("%s peer: %v\nstderr:\n%s", p.lang, err, p.stderr)
		}
	case <-time.After(peerTimeout):
		p.cmd.Process.Kill()
		t.Fatalf("%s peer did not exit within %v\nstderr:\n%s", p.lang, peerTimeout, p.stderr)
	}
}

// roundTrip writes one request line and returns the answer line.
func (p *peer) roundTrip(t testing.TB, req []byte) []byte {
	t.Helper()
	errc := make(chan error, 1)
	go func() { // ends when the write completes or stdin is closed at cleanup
		_, err := p.stdin.Write(append(req, '\n'))
		errc <- err
	}()
	timer := time.NewTimer(peerTimeout)
	defer timer.Stop()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("write to %s peer: %v\nstderr:\n%s", p.lang, err, p.stderr)
		}
	case <-timer.C:
		t.Fatalf("%s peer did not read a request within %v\nstderr:\n%s", p.lang, peerTimeout, p.stderr)
	}
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("%s peer closed its output\nstderr:\n%s", p.lang, p.stderr)
		}
		return line
	case <-timer.C:
		t.Fatalf("%s peer did not answer within %v\nstderr:\n%s", p.lang, peerTimeout, p.stderr)
	}
	return nil
}

// stderrTail returns the end of a peer's stderr for failure messages.
func stderrTail(p *peer) string {
	s := p.stderr.String()
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return strings.TrimSpace(s)
}
