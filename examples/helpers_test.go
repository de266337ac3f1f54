package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// The example programs are built once per test binary, on first use, into
// a directory that TestMain removes.
var build struct {
	once sync.Once
	dir  string
	err  error
}

// programs are the package directories of the example programs; each
// binary is named after the last element.
var programs = []string{"./echo-service", "./pipeline", "./pipe/producer", "./pipe/consumer"}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// program returns the path of the named example binary ("echo-service",
// "pipeline", "producer", "consumer"). Under -race the programs are built
// with -race too.
func program(t *testing.T, name string) string {
	t.Helper()
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "mist-examples-"); build.err != nil {
			return
		}
		// go test puts the go command it runs under first on PATH.
		goTool, err := exec.LookPath("go")
		if err != nil {
			build.err = err
			return
		}
		args := []string{"build", "-o", build.dir + string(filepath.Separator)}
		if raceEnabled {
			args = append(args, "-race")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, goTool, append(args, programs...)...).CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build %s: %v\n%s", strings.Join(programs, " "), err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	exe := name
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	return filepath.Join(build.dir, exe)
}

// testContext returns a ctx that ends after d, or when the test ends.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// proc is a running example program. Its stderr is kept line by line.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *lineLog
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done is closed
}

// start runs cmd (built by command) and registers a cleanup that kills it
// if it is still running and waits for it.
func start(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(cmd.Path), cmd: cmd, log: newLineLog(), done: make(chan struct{})}
	if cmd.Stderr == nil {
		cmd.Stderr = p.log
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	go func() { // owned by p: ends when the process exits; the cleanup waits for it
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		if lines, _ := p.log.snapshot(); slices.Contains(lines, "WARNING: DATA RACE") {
			t.Errorf("%s reported a data race:\n%s", p.name, strings.Join(lines, "\n"))
		} else if t.Failed() {
			t.Logf("stderr of %s (pid %d):\n%s", p.name, cmd.Process.Pid, p.log.tail(40))
		}
	})
	return p
}

// command returns an exec.Cmd for the named example program, killed when
// ctx ends, run in dir with env added to a copy of this process's
// environment from which every ECHO_* variable has been removed.
func command(ctx context.Context, t *testing.T, dir string, env []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, program(t, name), args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ECHO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if raceEnabled && os.Getenv("GORACE") == "" {
		// A race-enabled program sleeps 1 s at exit by default.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(ctx context.Context, t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-ctx.Done():
		t.Fatalf("%s did not exit: %v", p.name, ctx.Err())
	}
	return p.cmd.ProcessState.ExitCode()
}

// kill sends SIGKILL (TerminateProcess on Windows) and waits for the exit.
func (p *proc) kill(ctx context.Context, t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill %s: %v", p.name, err)
	}
	p.wait(ctx, t)
}

// lineLog is an io.Writer that keeps what is written to it as lines and
// wakes those waiting for a line.
type lineLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	changed chan struct{} // closed and replaced when a line is added
}

func newLineLog() *lineLog { return &lineLog{changed: make(chan struct{})} }

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	added := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		added = true
	}
	if added {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

func (l *lineLog) snapshot() ([]string, chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines), l.changed
}

func (l *lineLog) tail(n int) string {
	lines, _ := l.snapshot()
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitJSON waits for a JSON log line whose msg is msg and returns it
// decoded.
func (l *lineLog) waitJSON(ctx context.Context, t *testing.T, msg string) map[string]any {
	t.Helper()
	for {
		lines, changed := l.snapshot()
		for _, e := range jsonLines(lines) {
			if e["msg"] == msg {
				return e
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("no log line with msg %q: %v; log so far:\n%s", msg, ctx.Err(), strings.Join(lines, "\n"))
		}
	}
}

// all returns every JSON log line, decoded.
func (l *lineLog) all() []map[string]any {
	lines, _ := l.snapshot()
	return jsonLines(lines)
}

// entries returns the JSON log lines whose msg is msg.
func (l *lineLog) entries(msg string) []map[string]any {
	var out []map[string]any
	for _, e := range l.all() {
		if e["msg"] == msg {
			out = append(out, e)
		}
	}
	return out
}

func jsonLines(lines []string) []map[string]any {
	var out []map[string]any
	for _, line := range lines {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// echoService is a running echo-service.
type echoService struct {
	*proc
	addr string // host:port it listens on
	dir  string // its working directory: journal, replies, spans
}

// echoConfig is the example config file shipped with the service.
func echoConfig(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("echo-service", "echo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// startEcho runs echo-service with the shipped echo.toml in dir, listening
// on addr ("127.0.0.1:0" for any free port), with env overriding the file,
// and waits until it listens.
func startEcho(ctx context.Context, t *testing.T, dir, addr string, env ...string) *echoService {
	t.Helper()
	env = append([]string{"ECHO_SERVER_ADDR=" + addr}, env...)
	p := start(t, command(ctx, t, dir, env, "echo-service", "-config", echoConfig(t)))
	e := p.log.waitJSON(ctx, t, "listening")
	got, _ := e["addr"].(string)
	if got == "" {
		t.Fatalf("listening line without addr: %v", e)
	}
	return &echoService{proc: p, addr: got, dir: dir}
}

func (e *echoService) url() string { return "http://" + e.addr + "/mist" }

// post sends body to the echo service's /mist and returns the status and
// the decoded error body (zero for an empty body).
func post(t *testing.T, c *http.Client, url string, body io.Reader, header http.Header) (int, errors.Error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	var e errors.Error
	if len(data) > 0 {
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("reply %d is not a coded error: %v: %q", resp.StatusCode, err, data)
		}
	}
	return resp.StatusCode, e
}

// newClient returns an HTTP client whose connections are closed when the
// test ends.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// getJSON GETs url into v and returns the status.
func getJSON(t *testing.T, c *http.Client, url string, v any) int {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return resp.StatusCode
}

// readMessages returns every message of a JSON-lines file, and the number
// of lines that were not valid messages.
func readMessages(ctx context.Context, t *testing.T, path string) ([]*protocol.Message, int) {
	t.Helper()
	f, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []*protocol.Message
	bad := 0
	for {
		msg, err := f.Receive(ctx)
		switch {
		case errors.Is(err, io.EOF):
			return msgs, bad
		case errors.Code(err) == errors.CodeProtocol:
			bad++
		case err != nil:
			t.Fatalf("read %s: %v", path, err)
		default:
			msgs = append(msgs, msg)
		}
	}
}

// waitMessages polls a JSON-lines file until done accepts its messages.
func waitMessages(ctx context.Context, t *testing.T, path string, what string, done func([]*protocol.Message) bool) []*protocol.Message {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var msgs []*protocol.Message
		if _, err := os.Stat(path); err == nil {
			msgs, _ = readMessages(ctx, t, path)
			if done(msgs) {
				return msgs
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%s: %d messages in %s, still waiting: %v", what, len(msgs), path, ctx.Err())
		}
	}
}

// newInferRequest returns an infer.request whose chat message is content.
func newInferRequest(content string) (*protocol.Message, error) {
	return protocol.New("examples-test", protocol.TypeInferRequest, protocol.InferRequest{
		Model:    "auto",
		Messages: []protocol.ChatMessage{{Role: "user", Content: content}},
	})
}

// inferRequest is newInferRequest for the test goroutine.
func inferRequest(t *testing.T, content string) *protocol.Message {
	t.Helper()
	msg, err := newInferRequest(content)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// replyContents decodes infer.response messages into their contents.
func replyContents(t *testing.T, msgs []*protocol.Message) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		if m.Type != protocol.TypeInferResponse {
			t.Errorf("reply of type %q, want %q", m.Type, protocol.TypeInferResponse)
			continue
		}
		resp, err := protocol.DecodeAs[protocol.InferResponse](m)
		if err != nil {
			t.Errorf("decode reply: %v", err)
			continue
		}
		out = append(out, resp.Content)
	}
	return out
}

// sink is an HTTP receiver for the echo service's replies. Until release
// is called every request waits, which holds the service's workers.
type sink struct {
	rx      *transport.HTTP
	srv     *httptest.Server
	release func()
}

// newSink starts a sink; with blocked it holds requests until release.
func newSink(t *testing.T, blocked bool) *sink {
	rx := transport.NewHTTP("", transport.WithInboxSize(10_000)) // never the bottleneck
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	if !blocked {
		release()
	}
	h := rx.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
			h.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { // LIFO: release, close the server, then the receiver
		release()
		srv.Close()
		rx.Close()
	})
	return &sink{rx: rx, srv: srv, release: release}
}

func (s *sink) url() string { return s.srv.URL + "/mist" }

// collect receives replies until done accepts their contents (counted per
// content) or ctx ends.
func (s *sink) collect(ctx context.Context, t *testing.T, done func(map[string]int) bool) map[string]int {
	t.Helper()
	got := map[string]int{}
	for !done(got) {
		msg, err := s.rx.Receive(ctx)
		if err != nil {
			t.Fatalf("sink: %d distinct replies so far: %v", len(got), err)
		}
		for _, c := range replyContents(t, []*protocol.Message{msg}) {
			got[c]++
		}
	}
	return got
}

// drain returns the replies the sink holds, counted per content. Call it
// once every sender is done: it stops at the first Receive that finds
// nothing within 100 ms.
func (s *sink) drain(ctx context.Context, t *testing.T) map[string]int {
	t.Helper()
	got := map[string]int{}
	for {
		rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		msg, err := s.rx.Receive(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("sink: %v", ctx.Err())
			}
			return got
		}
		for _, c := range replyContents(t, []*protocol.Message{msg}) {
			got[c]++
		}
	}
}

// report prints a fault test's counts: to stdout, where go test shows
// them, and to the test log.
func report(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	fmt.Println(line)
	t.Log(line)
}

// scanLines returns the non-empty lines of s.
func scanLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// counts compares what a producer sent with what a receiver recorded.
// delivered counts the sent IDs found at least once, duplicates the extra
// copies, lost the sent IDs never found, and foreign the recorded IDs that
// were never sent.
type counts struct{ sent, delivered, duplicates, lost, foreign int }

func tally(sent []string, recorded []string) counts {
	seen := map[string]int{}
	for _, id := range recorded {
		seen[id]++
	}
	c := counts{sent: len(sent)}
	want := map[string]bool{}
	for _, id := range sent {
		want[id] = true
		switch n := seen[id]; {
		case n == 0:
			c.lost++
		default:
			c.delivered++
			c.duplicates += n - 1
		}
	}
	for id, n := range seen {
		if !want[id] {
			c.foreign += n
		}
	}
	return c
}

func ids(msgs []*protocol.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func TestTally(t *testing.T) {
	tests := []struct {
		sent, recorded []string
		want           counts
	}{
		{nil, nil, counts{}},
		{[]string{"a", "b"}, []string{"b", "a"}, counts{sent: 2, delivered: 2}},
		{[]string{"a", "b"}, []string{"a", "a", "b", "a"}, counts{sent: 2, delivered: 2, duplicates: 2}},
		{[]string{"a", "b", "c"}, []string{"c"}, counts{sent: 3, delivered: 1, lost: 2}},
		{[]string{"a"}, []string{"x", "a", "x"}, counts{sent: 1, delivered: 1, foreign: 2}},
	}
	for _, tt := range tests {
		if got := tally(tt.sent, tt.recorded); got != tt.want {
			t.Errorf("tally(%q, %q) = %+v, want %+v", tt.sent, tt.recorded, got, tt.want)
		}
	}
}
