package examples_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
)

// echo-service with its shipped echo.toml: probes, one infer.request
// answered to the reply file, metrics in both formats, spans in the trace
// file and log lines in the same trace as the sender.
func TestEchoServiceAnswersInferRequest(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	dir := t.TempDir()
	echo := startEcho(ctx, t, dir, "127.0.0.1:0", "ECHO_LOG_LEVEL=debug")
	c := newClient(t)
	base := "http://" + echo.addr

	var live struct{ Status, Tool string }
	if code := getJSON(t, c, base+"/healthz", &live); code != http.StatusOK || live.Status != "ok" || live.Tool != "echo-service" {
		t.Errorf("GET /healthz = %d %+v, want 200 ok echo-service", code, live)
	}
	var ready struct {
		Status string
		Checks map[string]string
	}
	if code := getJSON(t, c, base+"/readyz", &ready); code != http.StatusOK || ready.Checks["inbox"] != "ok" {
		t.Errorf("GET /readyz = %d %+v, want 200 with inbox ok", code, ready)
	}

	// The request carries a traceparent, as transport.HTTP sends it when
	// ctx holds a span: the service's spans and logs join that trace.
	sendCtx, span := trace.Start(ctx, "test.send")
	h := http.Header{}
	trace.InjectHTTP(sendCtx, h)
	req := inferRequest(t, "hello mist")
	data, err := req.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	if code, e := post(t, c, echo.url(), bytes.NewReader(data), h); code != http.StatusAccepted {
		t.Fatalf("POST /mist = %d %+v, want 202", code, e)
	}

	replies := waitMessages(ctx, t, filepath.Join(dir, "echo-replies.jsonl"), "replies",
		func(m []*protocol.Message) bool { return len(m) >= 1 })
	resp, err := protocol.DecodeAs[protocol.InferResponse](replies[0])
	if err != nil {
		t.Fatal(err)
	}
	if replies[0].Type != protocol.TypeInferResponse || replies[0].Source != "echo-service" ||
		resp.Content != "hello mist" || resp.Provider != "echo" || resp.TokensIn != 2 || resp.FinishReason != "stop" {
		t.Errorf("reply = %s from %s %+v, want infer.response from echo-service echoing \"hello mist\"",
			replies[0].Type, replies[0].Source, resp)
	}
	journal, _ := readMessages(ctx, t, filepath.Join(dir, "echo-journal.jsonl"))
	if len(journal) != 1 || journal[0].ID != req.ID {
		t.Errorf("journal holds %d messages, want exactly the request %s", len(journal), req.ID)
	}

	// Metrics: JSON at /metricsz, Prometheus text at /metrics. The worker
	// counts its reply and the message after it has written the reply, so
	// the counts may lag behind the reply file: wait until both are there.
	snap := waitSnapshot(ctx, t, c, base+"/metricsz", func(s metrics.RegistrySnapshot) bool {
		return total(s, "echo_messages_total") >= 1 && total(s, "transport_sent") >= 1
	})
	if got := snap.Counters["echo_messages_total{result,ok,type,infer.request}"].Value; got != 1 {
		t.Errorf("/metricsz echo_messages_total ok infer.request = %d, want 1", got)
	}
	if got := snap.Counters["transport_sent{result,ok,type,infer.response}"].Value; got != 1 {
		t.Errorf("/metricsz transport_sent ok infer.response = %d, want 1", got)
	}
	prom := get(t, c, base+"/metrics")
	if want := `echo_messages_total{result="ok",type="infer.request"} 1`; !strings.Contains(prom, want) {
		t.Errorf("/metrics lacks %q:\n%s", want, prom)
	}

	// Spans reach the trace file within the exporter's flush interval (1 s).
	traceID := span.TraceID
	spans := waitMessages(ctx, t, filepath.Join(dir, "echo-spans.jsonl"), "spans",
		func(m []*protocol.Message) bool { return len(operations(t, m, traceID)) >= 3 })
	ops := operations(t, spans, traceID)
	recv, handle, send := ops["echo.receive"], ops["echo.handle"], ops["transport.send"]
	if recv.ParentID != span.SpanID || handle.ParentID != recv.SpanID || send.ParentID != handle.SpanID {
		t.Errorf("span parents: receive<-%q handle<-%q send<-%q, want the chain test.send %s -> receive %s -> handle %s",
			recv.ParentID, handle.ParentID, send.ParentID, span.SpanID, recv.SpanID, handle.SpanID)
	}

	// Log lines about the message carry its trace. The test reads the
	// service's stderr on a goroutine of its own: wait for the line.
	if e := echo.log.waitJSON(ctx, t, "handled"); e["msg_id"] != req.ID || e["trace_id"] != traceID || e["span_id"] != handle.SpanID {
		t.Errorf("\"handled\" log line = %v, want msg_id %s with trace_id %s and span_id %s", e, req.ID, traceID, handle.SpanID)
	}
}

// waitSnapshot polls the metrics JSON at url until done accepts it.
func waitSnapshot(ctx context.Context, t *testing.T, c *http.Client, url string, done func(metrics.RegistrySnapshot) bool) metrics.RegistrySnapshot {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var snap metrics.RegistrySnapshot
		getJSON(t, c, url, &snap)
		if done(snap) {
			return snap
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("GET %s: still waiting: %v; counters %v", url, ctx.Err(), snap.Counters)
		}
	}
}

// total sums the series of the counter called name.
func total(snap metrics.RegistrySnapshot, name string) int64 {
	var n int64
	for _, s := range snap.Counters {
		if s.Name == name {
			n += s.Value
		}
	}
	return n
}

// operations returns the spans of one trace found in trace.span messages,
// by operation.
func operations(t *testing.T, msgs []*protocol.Message, traceID string) map[string]protocol.TraceSpan {
	t.Helper()
	out := map[string]protocol.TraceSpan{}
	for _, m := range msgs {
		if m.Type != protocol.TypeTraceSpan {
			t.Fatalf("trace file holds a %q message", m.Type)
		}
		ts, err := protocol.DecodeAs[protocol.TraceSpan](m)
		if err != nil {
			t.Fatal(err)
		}
		if ts.TraceID == traceID {
			out[ts.Operation] = ts
		}
	}
	return out
}

// get GETs url and returns the body.
func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The pipeline against a running echo-service: every step sends one
// eval.run, and a second run with the same ID has nothing left to do.
func TestPipelineSendsEveryStepOnce(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	echo := startEcho(ctx, t, t.TempDir(), "127.0.0.1:0")
	ckDir := t.TempDir()
	args := []string{"-to", echo.url(), "-n", "50", "-run", "integration", "-dir", ckDir, "-workers", "4"}

	for _, want := range []string{
		"pipeline: run=integration steps=50 sent=50 skipped=0",
		"pipeline: run=integration steps=50 sent=0 skipped=50",
	} {
		var stdout bytes.Buffer
		cmd := command(ctx, t, t.TempDir(), nil, "pipeline", args...)
		cmd.Stdout = &stdout
		p := start(t, cmd)
		if code := p.wait(ctx, t); code != 0 {
			t.Fatalf("pipeline exit code = %d, want 0; stderr:\n%s", code, p.log.tail(20))
		}
		if got := strings.TrimSpace(stdout.String()); got != want {
			t.Errorf("pipeline printed %q, want %q", got, want)
		}
	}

	journal, _ := readMessages(ctx, t, filepath.Join(echo.dir, "echo-journal.jsonl"))
	steps := map[string]int{}
	for _, m := range journal {
		run, err := protocol.DecodeAs[protocol.EvalRun](m)
		if err != nil || m.Type != protocol.TypeEvalRun || run.Tags["run"] != "integration" {
			t.Fatalf("journal holds %s %+v (%v), want eval.run of run integration", m.Type, run, err)
		}
		steps[run.Tags["step"]]++
	}
	if len(steps) != 50 || len(journal) != 50 {
		t.Errorf("echo-service journaled %d messages for %d steps, want 50 for 50", len(journal), len(steps))
	}
}
