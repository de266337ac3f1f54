package transport_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// gen makes random valid messages.
type gen struct{ r *rand.Rand }

// alphabet mixes ASCII, characters encoding/json escapes, control
// characters, multi-byte runes and line separators.
var alphabet = []rune("abcXYZ019 _-.:/\"\\<>&\t\n\r\x00\x01\x1f\u007féñß中文🙂\u2028\u2029\ufffd")

func (g gen) str(max int) string {
	n := g.r.IntN(max + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

func (g gen) value(depth int) any {
	k := g.r.IntN(8)
	if depth > 3 {
		k = g.r.IntN(5)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return g.r.Int64N(1<<53) - 1<<52 // exact as float64
	case 3:
		return math.Round(g.r.NormFloat64()*1e6) / 1e3
	case 4:
		return g.str(20)
	case 5, 6:
		obj := map[string]any{}
		for range g.r.IntN(5) {
			obj[g.str(8)] = g.value(depth + 1)
		}
		return obj
	default:
		arr := make([]any, g.r.IntN(5))
		for i := range arr {
			arr[i] = g.value(depth + 1)
		}
		return arr
	}
}

func (g gen) message(t *testing.T) *protocol.Message {
	t.Helper()
	source, typ := g.str(12), g.str(12)
	if source == "" {
		source = "s"
	}
	if typ == "" {
		typ = protocol.TypeTraceSpan
	}
	m, err := protocol.New(source, typ, g.value(0))
	if err != nil {
		t.Fatalf("protocol.New: %v", err)
	}
	m.TimestampNS = 1 + g.r.Int64N(math.MaxInt64-1)
	if g.r.IntN(3) == 0 {
		m.ID = g.str(40) + "x" // IDs are opaque strings
	}
	if g.r.IntN(2) == 0 {
		m.ComputeChecksum()
	}
	if !utf8.ValidString(m.Source) {
		t.Fatalf("generator made invalid UTF-8")
	}
	return m
}

// want returns the message a receiver must decode: m with its checksum,
// as every carrier sends MarshalWithChecksum output.
func want(t *testing.T, m *protocol.Message) *protocol.Message {
	t.Helper()
	c := *m
	c.ComputeChecksum()
	return &c
}

// sameMessage compares field by field and verifies the checksum; Channel
// passes the pointer itself, so a message without a checksum arrives
// without one.
func sameMessage(t *testing.T, got, sent *protocol.Message) {
	t.Helper()
	if !got.VerifyChecksum() {
		t.Fatalf("received %s: checksum %d does not verify", got.ID, got.Checksum)
	}
	w := want(t, sent)
	g := *got
	if g.Checksum == 0 && sent.Checksum == 0 {
		g.Checksum = w.Checksum
	}
	if diff := cmp.Diff(w, &g); diff != "" {
		t.Fatalf("message changed in transit (-sent +received):\n%s", diff)
	}
}

func propertySeed(t *testing.T) uint64 {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	return seed
}

// Randomised valid messages survive each carrier unchanged.
func TestPropertyEachTransport(t *testing.T) {
	for name, pair := range carriers {
		t.Run(name, func(t *testing.T) {
			seed := propertySeed(t)
			g := gen{rand.New(rand.NewPCG(seed, seed))}
			a, b := pair(t)
			defer a.Close()
			defer b.Close()
			ctx := ctxT(t)
			for range 100 {
				m := g.message(t)
				errc := make(chan error, 1)
				go func() { errc <- a.Send(ctx, m) }() // stdio's pipe needs a reader
				got, err := b.Receive(ctx)
				if serr := <-errc; serr != nil {
					t.Fatalf("Send: %v", serr)
				}
				if err != nil {
					t.Fatalf("Receive: %v", err)
				}
				sameMessage(t, got, m)
			}
		})
	}
}

// Randomised messages go File → Stdio → HTTP and arrive unchanged.
func TestPropertyFileStdioHTTP(t *testing.T) {
	seed := propertySeed(t)
	g := gen{rand.New(rand.NewPCG(seed, seed))}
	ctx := ctxT(t)
	const n = 200
	sent := make([]*protocol.Message, n)
	for i := range sent {
		sent[i] = g.message(t)
	}

	// 1. File: write them all, then read them back.
	path := filepath.Join(t.TempDir(), "chain.jsonl")
	fw, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	if err := fw.SendBatch(ctx, sent[:n/2]); err != nil {
		t.Fatal(err)
	}
	for _, m := range sent[n/2:] {
		if err := fw.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	fr, err := transport.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()

	// 2. Stdio over a pipe, fed from the file on another goroutine.
	pr, pw := io.Pipe()
	out := transport.NewStdioFrom(strings.NewReader(""), pw)
	in := transport.NewStdioFrom(pr, io.Discard)
	defer in.Close()
	fed := make(chan error, 1)
	go func() {
		defer out.Close()
		for {
			m, err := fr.Receive(ctx)
			if err == io.EOF {
				fed <- nil
				return
			}
			if err != nil {
				fed <- fmt.Errorf("file Receive: %w", err)
				return
			}
			if err := out.Send(ctx, m); err != nil {
				fed <- fmt.Errorf("stdio Send: %w", err)
				return
			}
		}
	}()

	// 3. HTTP: everything read from stdio is posted to a receiver.
	recv := transport.NewHTTP("", transport.WithInboxSize(n))
	defer recv.Close()
	srv := httptest.NewServer(recv.Handler())
	defer srv.Close()
	post := transport.NewHTTP(srv.URL)
	defer post.Close()
	for i := range n {
		m, err := in.Receive(ctx)
		if err != nil {
			t.Fatalf("stdio Receive %d: %v", i, err)
		}
		if err := post.Send(ctx, m); err != nil {
			t.Fatalf("http Send %d: %v", i, err)
		}
	}
	if err := <-fed; err != nil {
		t.Fatal(err)
	}
	if m, err := in.Receive(ctx); err != io.EOF {
		t.Fatalf("stdio after the last message = (%v, %v), want io.EOF", m, err)
	}
	for i := range n {
		got, err := recv.Receive(ctx)
		if err != nil {
			t.Fatalf("http Receive %d: %v", i, err)
		}
		sameMessage(t, got, sent[i])
	}
}

// The generator's payloads really are varied JSON: a sanity check that
// the property tests are not trivially passing.
func TestPropertyGeneratorVaries(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	kinds := map[string]bool{}
	for range 200 {
		var v any
		if err := json.Unmarshal(g.message(t).Payload, &v); err != nil {
			t.Fatal(err)
		}
		kinds[fmt.Sprintf("%T", v)] = true
	}
	for _, k := range []string{"<nil>", "bool", "float64", "string", "map[string]interface {}", "[]interface {}"} {
		if !kinds[k] {
			t.Errorf("generator never made a %s payload (made %v)", k, kinds)
		}
	}
}
