//go:build unix

package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/greynewell/mist-go/checkpoint"
	"github.com/greynewell/mist-go/circuitbreaker"
	"github.com/greynewell/mist-go/parallel"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/retry"
	"github.com/greynewell/mist-go/transport"
)

// The fault tests run the programs as separate processes on loopback and
// break them with signals. Each prints one "fault <name>: ..." line with
// its counts.

// background runs fn in a goroutine owned by the test: the cleanup cancels
// fn's ctx and waits for it to return. The returned channel is closed when
// fn has returned.
func background(t *testing.T, ctx context.Context, fn func(ctx context.Context)) <-chan struct{} {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return done
}

// await waits for ch or fails the test when ctx ends first.
func await(ctx context.Context, t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
	}
}

// failCounter counts the requests that fail without a reply (the
// receiver is down) and signals each one on failed.
type failCounter struct {
	next   http.RoundTripper
	n      atomic.Int64
	failed chan struct{} // buffered 1: a pending signal is enough
}

func (c *failCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err != nil {
		c.n.Add(1)
		select {
		case c.failed <- struct{}{}:
		default:
		}
	}
	return resp, err
}

// Fault 1: the receiver is SIGKILLed and restarted, twice, while a producer
// sends 5,000 messages through a resilient transport with retry and a
// circuit breaker. The receiver journals each message before its 202, so
// every message acknowledged is on disk; a message whose 202 was lost is
// sent again and shows up as a duplicate, which its ID reveals.
//
// Each kill is placed without timing: messages from index killAt[k] on
// wait at a valve; the receiver is killed when all but a few of the
// messages before it are acknowledged, the valve opens while it is down,
// and it restarts only once a send has failed against the dead port.
func TestFaultReceiverKilledWhileProducerSends(t *testing.T) {
	const total = 5000
	ctx := testContext(t, 80*time.Second)
	dir := t.TempDir()
	// No span export: this test is about delivery.
	env := []string{"ECHO_TRACE_FILE=", "ECHO_MIST_INBOX_SIZE=1024"}
	echo := startEcho(ctx, t, dir, "127.0.0.1:0", env...)
	addr, url := echo.addr, echo.url()

	msgs := make([]*protocol.Message, total)
	for i := range msgs {
		var err error
		msgs[i], err = protocol.New("fault-test", protocol.TypeEvalRun, protocol.EvalRun{Suite: "fault", Tasks: []string{strconv.Itoa(i)}})
		if err != nil {
			t.Fatal(err)
		}
	}

	// The retry and the breaker work inside one connection; the Resilient
	// around them dials a new one only when the retries are exhausted, and
	// sends again the sends in flight on the connection it drops (see the
	// pipeline example for why this order).
	fc := &failCounter{next: newClient(t).Transport, failed: make(chan struct{}, 1)}
	client := &http.Client{Transport: fc, Timeout: 30 * time.Second}
	var opened atomic.Int64
	breaker := circuitbreaker.New(circuitbreaker.Config{
		Threshold: 8, Timeout: 50 * time.Millisecond, HalfOpenMax: 4,
		OnStateChange: func(_, to circuitbreaker.State) {
			if to == circuitbreaker.Open {
				opened.Add(1)
			}
		},
	})
	policy := retry.Policy{MaxAttempts: 400, InitialWait: 5 * time.Millisecond, MaxWait: 100 * time.Millisecond, Multiplier: 2, Jitter: 0.25}
	out := transport.NewResilient(func(context.Context) (transport.Transport, error) {
		return transport.Wrap(transport.NewHTTP(url, transport.WithHTTPClient(client)),
			transport.WithRetry(policy), transport.WithBreaker(breaker)), nil
	}, transport.ResilientConfig{ReconnectWait: 10 * time.Millisecond, MaxReconnectWait: 100 * time.Millisecond})
	t.Cleanup(func() { out.Close() })

	const inFlight = 8 // acknowledgements still missing when the receiver dies
	killAt := []int{total / 3, 2 * total / 3}
	valves := []chan struct{}{make(chan struct{}), make(chan struct{})}
	reached := []chan struct{}{make(chan struct{}), make(chan struct{})}
	var acked atomic.Int64
	var results []parallel.Result[struct{}]
	indexes := make([]int, total)
	for i := range indexes {
		indexes[i] = i
	}
	begin := time.Now()
	sent := background(t, ctx, func(ctx context.Context) {
		results = parallel.Map(ctx, parallel.NewPool(16), indexes, func(ctx context.Context, i int) (struct{}, error) {
			for k, at := range killAt {
				if i >= at {
					select {
					case <-valves[k]:
					case <-ctx.Done():
						return struct{}{}, ctx.Err()
					}
				}
			}
			if err := out.Send(ctx, msgs[i]); err != nil {
				return struct{}{}, err
			}
			n := acked.Add(1)
			for k, at := range killAt {
				if n == int64(at-inFlight) {
					close(reached[k])
				}
			}
			return struct{}{}, nil
		})
	})
	for k := range killAt {
		await(ctx, t, reached[k], fmt.Sprintf("%d acknowledgements", killAt[k]-inFlight))
		echo.kill(ctx, t)
		select { // forget failures seen before the kill
		case <-fc.failed:
		default:
		}
		close(valves[k])
		await(ctx, t, fc.failed, "a send to fail against the dead receiver")
		echo = startEcho(ctx, t, dir, addr, env...) // same port, same journal
	}
	await(ctx, t, sent, "the producer")
	elapsed := time.Since(begin)

	failed := 0
	for i, r := range results {
		if r.Err != nil {
			failed++
			if failed <= 3 {
				t.Errorf("message %d: %v", i, r.Err)
			}
		}
	}
	journal, torn := readMessages(ctx, t, filepath.Join(dir, "echo-journal.jsonl"))
	c := tally(ids(msgs), ids(journal))
	report(t, "fault receiver-kill: sent=%d delivered=%d duplicates=%d lost=%d kills=%d failed_requests=%d breaker_opened=%d torn_lines=%d duration=%s",
		c.sent, c.delivered, c.duplicates, c.lost, len(killAt), fc.n.Load(), opened.Load(), torn, elapsed.Round(time.Millisecond))
	if failed > 0 || c.lost != 0 || c.delivered != total || c.foreign != 0 {
		t.Errorf("%d sends failed, %d delivered, %d lost, %d unknown IDs journaled; want 0, %d, 0, 0",
			failed, c.delivered, c.lost, c.foreign, total)
	}
}

// holdingProxy forwards each POST to target. It passes the first `pass`
// replies back; after that it still delivers every message but never
// answers, as if the sender died just before the 202 reached it. held is
// closed once `hold` requests are being held.
type holdingProxy struct {
	target     string
	client     *http.Client
	pass, hold int64
	count      atomic.Int64
	holding    atomic.Int64
	held       chan struct{}
	stop       chan struct{} // closed by the test's cleanup
}

func (p *holdingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	resp, err := p.client.Post(p.target, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if p.count.Add(1) > p.pass {
		if p.holding.Add(1) == p.hold {
			close(p.held)
		}
		select { // until the sender goes away
		case <-r.Context().Done():
		case <-p.stop:
		}
		return
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(reply)
}

// Fault 2: the pipeline is SIGKILLed mid-run and started again with the
// same run ID. A proxy in front of the receiver lets 100 replies through
// and then holds the replies of the messages it still delivers, so at the
// kill exactly 100 steps are complete and 8 (one per worker) are in
// flight, delivered but unacknowledged. The resumed run sends the other
// 300: the 100 completed steps are not redone (each has exactly one
// message at the receiver, the one whose ID the checkpoint log recorded),
// the 8 in flight are sent again (at least once), and no step is lost.
func TestFaultPipelineKilledAndResumed(t *testing.T) {
	const (
		steps   = 400
		workers = 8
		before  = 100
	)
	ctx := testContext(t, 80*time.Second)
	echo := startEcho(ctx, t, t.TempDir(), "127.0.0.1:0", "ECHO_TRACE_FILE=")
	proxy := &holdingProxy{target: echo.url(), client: newClient(t), pass: before, hold: workers,
		held: make(chan struct{}), stop: make(chan struct{})}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	t.Cleanup(func() { close(proxy.stop) }) // runs first

	ckDir := t.TempDir()
	args := func(to string) []string {
		return []string{"-to", to, "-n", strconv.Itoa(steps), "-run", "fault", "-dir", ckDir, "-workers", strconv.Itoa(workers)}
	}
	first := start(t, command(ctx, t, t.TempDir(), nil, "pipeline", args(front.URL+"/mist")...))
	await(ctx, t, proxy.held, fmt.Sprintf("%d held replies", workers))
	first.kill(ctx, t)

	// What the checkpoint log says was done before the kill.
	tracker, err := checkpoint.Open(ckDir, "fault")
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]string{} // step -> message ID recorded as its result
	for _, name := range tracker.CompletedSteps() {
		res, _ := tracker.Result(name).(map[string]any)
		done[name], _ = res["id"].(string)
	}
	tracker.Close()
	if len(done) != before {
		t.Errorf("%d steps completed before the kill, want %d", len(done), before)
	}

	var stdout bytes.Buffer
	cmd := command(ctx, t, t.TempDir(), nil, "pipeline", args(echo.url())...)
	cmd.Stdout = &stdout
	second := start(t, cmd)
	if code := second.wait(ctx, t); code != 0 {
		t.Fatalf("resumed pipeline exit code = %d, want 0; stderr:\n%s", code, second.log.tail(20))
	}
	summary := regexp.MustCompile(`pipeline: run=fault steps=(\d+) sent=(\d+) skipped=(\d+)`).FindStringSubmatch(stdout.String())
	if summary == nil {
		t.Fatalf("no summary line in %q", stdout.String())
	}
	resent, _ := strconv.Atoi(summary[2])
	skipped, _ := strconv.Atoi(summary[3])
	if skipped != len(done) || resent != steps-len(done) {
		t.Errorf("resumed run sent %d and skipped %d, want %d and %d", resent, skipped, steps-len(done), len(done))
	}

	// The receiver's journal, by step.
	journal, _ := readMessages(ctx, t, filepath.Join(echo.dir, "echo-journal.jsonl"))
	byStep := map[string][]string{} // step -> distinct message IDs
	copies := 0
	for _, m := range journal {
		run, err := protocol.DecodeAs[protocol.EvalRun](m)
		if err != nil {
			t.Fatal(err)
		}
		step := run.Tags["step"]
		if slices.Contains(byStep[step], m.ID) {
			copies++
		} else {
			byStep[step] = append(byStep[step], m.ID)
		}
	}
	redoneCompleted, redoneInFlight, lost := 0, 0, 0
	for i := range steps {
		name := fmt.Sprintf("msg-%05d", i)
		got := byStep[name]
		id, completed := done[name]
		switch {
		case len(got) == 0:
			lost++
		case completed && (len(got) != 1 || got[0] != id):
			redoneCompleted++
			t.Errorf("step %s completed before the kill with message %s, but the receiver got %q", name, id, got)
		case !completed && len(got) > 1:
			redoneInFlight++ // delivered before the kill, unacknowledged, so sent again
		}
	}
	// Duplicates are extra deliveries of a step: a step sent again after
	// the kill, or a message retried with the same ID.
	report(t, "fault pipeline-kill: sent=%d delivered=%d duplicates=%d lost=%d completed_before_kill=%d redone_completed=%d redone_in_flight=%d resumed_sent=%d skipped=%d",
		steps, len(byStep), redoneInFlight+copies, lost, len(done), redoneCompleted, redoneInFlight, resent, skipped)
	if lost != 0 || len(byStep) != steps {
		t.Errorf("%d steps lost, %d steps at the receiver; want 0 and %d", lost, len(byStep), steps)
	}
	if redoneInFlight != workers {
		t.Errorf("%d steps in flight at the kill were sent again, want %d", redoneInFlight, workers)
	}
}

// fullCounter counts the 503 replies a client gets, and their Retry-After.
type fullCounter struct {
	next       http.RoundTripper
	full       atomic.Int64
	retryAfter sync.Map // Retry-After value -> struct{}
	reached    chan struct{}
	at         int64
}

func (c *fullCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusServiceUnavailable {
		c.retryAfter.Store(resp.Header.Get("Retry-After"), struct{}{})
		if c.full.Add(1) == c.at {
			close(c.reached)
		}
	}
	return resp, err
}

// Fault 3: the receiver's inbox fills. One worker, an inbox of 4, and a
// reply sink that holds the worker until the producer has been refused 20
// times: the producer gets 503 with Retry-After: 1, backs off
// (BlockingSend) and sends again, and every message is handled once.
func TestFaultInboxFullBacksOff(t *testing.T) {
	const total = 200
	ctx := testContext(t, 60*time.Second)
	replies := newSink(t, true)
	echo := startEcho(ctx, t, t.TempDir(), "127.0.0.1:0",
		"ECHO_MIST_INBOX_SIZE=4", "ECHO_MIST_WORKERS=1", "ECHO_MIST_WORK_DELAY=1ms",
		"ECHO_MIST_REPLY_TO="+replies.url(), "ECHO_TRACE_FILE=")

	fc := &fullCounter{next: newClient(t).Transport, reached: make(chan struct{}), at: 20}
	out := transport.NewHTTP(echo.url(), transport.WithHTTPClient(&http.Client{Transport: fc, Timeout: 30 * time.Second}))
	t.Cleanup(func() { out.Close() })

	msgs := make([]*protocol.Message, total)
	for i := range msgs {
		msgs[i] = inferRequest(t, fmt.Sprintf("m-%04d", i))
	}
	var results []parallel.Result[struct{}]
	sent := background(t, ctx, func(ctx context.Context) {
		results = parallel.Map(ctx, parallel.NewPool(8), msgs, func(ctx context.Context, m *protocol.Message) (struct{}, error) {
			return struct{}{}, transport.BlockingSend(ctx, out, m)
		})
	})
	await(ctx, t, fc.reached, "20 refusals with 503")
	replies.release() // the worker moves again
	await(ctx, t, sent, "the producer")

	failed := 0
	for i, r := range results {
		if r.Err != nil {
			failed++
			t.Errorf("message %d: %v", i, r.Err)
		}
	}
	got := replies.collect(ctx, t, func(got map[string]int) bool { return len(got) == total })
	var contents []string
	for c, n := range got {
		for range n {
			contents = append(contents, c)
		}
	}
	var want []string
	for i := range total {
		want = append(want, fmt.Sprintf("m-%04d", i))
	}
	c := tally(want, contents)
	journal, _ := readMessages(ctx, t, filepath.Join(echo.dir, "echo-journal.jsonl"))
	jc := tally(ids(msgs), ids(journal))
	var afters []string
	fc.retryAfter.Range(func(k, _ any) bool { afters = append(afters, k.(string)); return true })
	report(t, "fault inbox-full: sent=%d delivered=%d duplicates=%d lost=%d refused_503=%d retry_after=%v journaled=%d replies=%d",
		total, jc.delivered, jc.duplicates, jc.lost, fc.full.Load(), afters, len(journal), len(contents))
	// Every message was accepted exactly once (a 503 queues nothing) and
	// answered exactly once.
	if failed != 0 || jc.lost != 0 || jc.duplicates != 0 || c.lost != 0 || c.duplicates != 0 {
		t.Errorf("%d sends failed; journal: %d lost, %d duplicates; replies: %d lost, %d duplicates; want all 0",
			failed, jc.lost, jc.duplicates, c.lost, c.duplicates)
	}
	if !slices.Equal(afters, []string{"1"}) {
		t.Errorf("503 replies had Retry-After %q, want always \"1\"", afters)
	}
}

// Fault 4: SIGTERM while producers keep the service busy. The replies are
// held until the service has stopped serving, so messages are queued at
// the signal; they are all answered within the drain timeout, the hooks
// run newest first, and the exit code is 0.
func TestFaultSIGTERMDrainsQueuedMessages(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	replies := newSink(t, true)
	echo := startEcho(ctx, t, t.TempDir(), "127.0.0.1:0",
		"ECHO_MIST_INBOX_SIZE=64", "ECHO_MIST_WORKERS=2",
		"ECHO_SERVER_DRAIN_TIMEOUT=20s", "ECHO_MIST_REPLY_TO="+replies.url())
	out := transport.NewHTTP(echo.url(), transport.WithHTTPClient(newClient(t)))
	t.Cleanup(func() { out.Close() })

	// Four producers send until the service stops taking messages.
	var (
		mu       sync.Mutex
		accepted []string // contents of the messages that got a 202
		attempts atomic.Int64
	)
	const signalAt = 30
	reached := make(chan struct{})
	producers := background(t, ctx, func(ctx context.Context) {
		var wg sync.WaitGroup
		for p := range 4 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					content := fmt.Sprintf("p%d-%05d", p, i)
					msg, err := newInferRequest(content)
					if err != nil {
						return
					}
					attempts.Add(1)
					if err := transport.BlockingSend(ctx, out, msg); err != nil {
						return // the service has stopped listening
					}
					mu.Lock()
					accepted = append(accepted, content)
					if len(accepted) == signalAt {
						close(reached)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	})

	await(ctx, t, reached, fmt.Sprintf("%d accepted messages", signalAt))
	if err := echo.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped := echo.log.waitJSON(ctx, t, "stopped serving")
	await(ctx, t, producers, "the producers to see the service stop")
	queued, _ := stopped["queued"].(float64)

	released := time.Now()
	replies.release()
	code := echo.wait(ctx, t)
	drain := time.Since(released)

	mu.Lock()
	want := slices.Clone(accepted)
	mu.Unlock()
	// The service has exited, so every reply it sent is in the sink.
	got := replies.drain(ctx, t)
	var contents []string
	for c, n := range got {
		for range n {
			contents = append(contents, c)
		}
	}
	c := tally(want, contents)

	var hooks []string
	for _, e := range echo.log.entries("shutdown hook") {
		hooks = append(hooks, fmt.Sprint(e["hook"]))
	}
	// sent counts the messages that got a 202; the others were refused
	// because the service had stopped listening.
	report(t, "fault sigterm: sent=%d delivered=%d duplicates=%d lost=%d refused=%d queued_at_stop=%d drain=%s exit=%d hooks=%v",
		len(want), c.delivered, c.duplicates, c.lost, attempts.Load()-int64(len(want)), int(queued), drain.Round(time.Millisecond), code, hooks)

	if code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	if queued < 1 {
		t.Errorf("%v messages queued when the service stopped serving, want some: the test must signal during load", queued)
	}
	if c.lost != 0 {
		t.Errorf("%d accepted messages were never answered", c.lost)
	}
	if wantHooks := []string{"workers", "replies", "journal", "spans"}; !slices.Equal(hooks, wantHooks) {
		t.Errorf("hooks ran in order %q, want %q (newest first)", hooks, wantHooks)
	}
	for _, e := range echo.log.all() {
		if e["level"] == "ERROR" {
			t.Errorf("error logged during the shutdown: %v", e)
		}
	}
}
