package transport_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// childEnv turns the test binary into a child process that appends
// messages to a file; see TestMain. Its value is "<path>|<tag>|<count>".
const childEnv = "MIST_TRANSPORT_TEST_APPEND"

// TestMain lets the process tests re-run this test binary as a writer in
// another process.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(appendChild(spec))
	}
	os.Exit(m.Run())
}

// appendChild appends count messages tagged tag to path, with payloads
// numbering them: single Sends alternate with SendBatch calls of 1 to 37
// messages, about 1,000 locked writes per 10,000 messages.
// It prints "ready" and waits for a line on stdin before it starts, so the
// parent can start several children and release them together.
func appendChild(spec string) int {
	parts := strings.Split(spec, "|")
	if len(parts) != 3 {
		fmt.Fprintln(os.Stderr, "child: bad spec", spec)
		return 2
	}
	path, tag := parts[0], parts[1]
	count, err := strconv.Atoi(parts[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	f, err := transport.NewFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer f.Close()
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	ctx := context.Background()
	for i, w := 0, 0; i < count; w++ {
		var err error
		if w%2 == 0 { // every other write is a single Send
			err = f.Send(ctx, childMsg(tag, i))
			i++
		} else { // the others are batches of 1 to 37 messages
			var msgs []*protocol.Message
			for range min(w%38, count-i) {
				msgs = append(msgs, childMsg(tag, i))
				i++
			}
			err = f.SendBatch(ctx, msgs)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
	}
	return 0
}

type seqPayload struct {
	Tag string `json:"tag"`
	Seq int    `json:"seq"`
	Pad string `json:"pad"`
}

func childMsg(tag string, seq int) *protocol.Message {
	m, err := protocol.New("child-"+tag, protocol.TypeHealthPing, seqPayload{tag, seq, strings.Repeat("p", seq%200)})
	if err != nil {
		panic(err) // cannot happen: the payload always encodes
	}
	return m
}

// child is a writer process started from this test binary.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startChild(t *testing.T, path, tag string, count int) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d", childEnv, path, tag, count))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin}
	t.Cleanup(func() { c.wait() }) // whatever happens, reap it
	if l, err := bufio.NewReader(stdout).ReadString('\n'); l != "ready\n" {
		t.Fatalf("child said %q (%v), want ready", l, err)
	}
	return c
}

func (c *child) release() { io.WriteString(c.stdin, "go\n") }

func (c *child) wait() error {
	c.stdin.Close()
	if c.cmd.ProcessState != nil {
		return nil
	}
	return c.cmd.Wait()
}

// A follow reader started first receives the lines another process
// appends later.
func TestFileFollowSeesAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.jsonl")
	r, err := transport.NewFileFollow(path, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	const n = 50
	ctx := ctxT(t)
	type result struct {
		m   *protocol.Message
		err error
	}
	first := make(chan result, 1)
	go func() { // waiting before the file even exists
		m, err := r.Receive(ctx)
		first <- result{m, err}
	}()
	c := startChild(t, path, "w", n)
	c.release()
	res := <-first
	var got []*protocol.Message
	if res.err != nil {
		t.Fatalf("follow Receive = %v", res.err)
	}
	got = append(got, res.m)
	for len(got) < n {
		m, err := r.Receive(ctx)
		if err != nil {
			t.Fatalf("follow Receive after %d messages = %v", len(got), err)
		}
		got = append(got, m)
	}
	if err := c.wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	for i, m := range got {
		p, err := protocol.DecodeAs[seqPayload](m)
		if err != nil || p.Seq != i || m.Source != "child-w" {
			t.Fatalf("message %d = %s %+v (%v), want seq %d from child-w", i, m.Source, p, err, i)
		}
	}
}

// Two processes appending 10,000 messages each to one file produce 20,000
// intact lines, each process's in its order.
func TestFileTwoProcessesAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.jsonl")
	const each = 10000
	a := startChild(t, path, "a", each)
	b := startChild(t, path, "b", each)
	a.release()
	b.release()
	for _, c := range []*child{a, b} {
		if err := c.wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}

	r, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	next := map[string]int{}
	ctx := ctxT(t)
	for {
		m, err := r.Receive(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("line %d is not intact: %v", next["a"]+next["b"]+1, err)
		}
		p, err := protocol.DecodeAs[seqPayload](m)
		if err != nil {
			t.Fatal(err)
		}
		if p.Seq != next[p.Tag] {
			t.Fatalf("process %s: got seq %d, want %d", p.Tag, p.Seq, next[p.Tag])
		}
		next[p.Tag]++
	}
	if next["a"] != each || next["b"] != each || len(next) != 2 {
		t.Errorf("read %v messages per process, want %d each", next, each)
	}
	data, _ := os.ReadFile(path)
	if lines := strings.Count(string(data), "\n"); lines != 2*each {
		t.Errorf("file has %d lines, want %d", lines, 2*each)
	}
}
