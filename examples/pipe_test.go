package examples_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// producer | consumer: every message written by one program is read by the
// other, in order.
func TestPipeProducerToConsumer(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	dir := t.TempDir()
	const n = 25

	producer := command(ctx, t, dir, nil, "producer", "-n", fmt.Sprint(n))
	consumer := command(ctx, t, dir, nil, "consumer")
	pipe, err := producer.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	consumer.Stdin = pipe
	var out bytes.Buffer
	consumer.Stdout = &out

	c := start(t, consumer)
	p := start(t, producer)
	if code := p.wait(ctx, t); code != 0 {
		t.Errorf("producer exit code = %d, want 0; stderr:\n%s", code, p.log.tail(10))
	}
	if code := c.wait(ctx, t); code != 0 {
		t.Errorf("consumer exit code = %d, want 0; stderr:\n%s", code, c.log.tail(10))
	}

	lines := scanLines(out.String())
	if len(lines) != n {
		t.Fatalf("consumer printed %d lines, want %d:\n%s", len(lines), n, out.String())
	}
	for i, line := range lines {
		f := strings.Fields(line)
		want := fmt.Sprintf("from pipe-producer: \"prompt %d\"", i)
		if len(f) < 2 || f[0] != "infer.request" || len(f[1]) != 32 || !strings.HasSuffix(line, want) {
			t.Errorf("line %d = %q, want \"infer.request <32 hex id> %s\"", i, line, want)
		}
	}
	if want := fmt.Sprintf("consumer: %d messages, 0 bad lines", n); !strings.Contains(c.log.tail(5), want) {
		t.Errorf("consumer stderr lacks %q:\n%s", want, c.log.tail(5))
	}
}

// Lines that are not messages are reported and skipped; the good ones
// around them still come through, and the exit code says protocol (8).
func TestPipeConsumerSkipsBadLines(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	good := inferRequest(t, "between the bad lines")
	data, err := good.MarshalWithChecksum()
	if err != nil {
		t.Fatal(err)
	}
	input := "not json\n" + string(data) + "\n" + `{"version":"1","id":"x"}` + "\n\n" +
		strings.Replace(string(data), "between", "outside", 1) + "\n" + // checksum no longer matches
		string(data) + "\r\n" +
		`{"torn":` // a final line without "\n" is never read

	consumer := command(ctx, t, t.TempDir(), nil, "consumer")
	consumer.Stdin = strings.NewReader(input)
	var out bytes.Buffer
	consumer.Stdout = &out
	c := start(t, consumer)
	if code := c.wait(ctx, t); code != 8 {
		t.Errorf("consumer exit code = %d, want 8 (protocol)", code)
	}
	want := fmt.Sprintf("infer.request %s from examples-test: %q", good.ID, "between the bad lines")
	if got := scanLines(out.String()); len(got) != 2 || got[0] != want || got[1] != want {
		t.Errorf("consumer printed %q, want twice %q", got, want)
	}
	if want := "consumer: 2 messages, 3 bad lines"; !strings.Contains(c.log.tail(10), want) {
		t.Errorf("consumer stderr lacks %q:\n%s", want, c.log.tail(10))
	}
}
