package transport_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/trace"
	"github.com/greynewell/mist-go/transport"
)

func TestDialHTTP(t *testing.T) {
	tests := []struct{ url, target string }{
		{"http://h:8080", "http://h:8080/mist"},
		{"http://h:8080/", "http://h:8080/mist"},
		{"https://h", "https://h/mist"},
		{"http://h:1/in/box", "http://h:1/in/box"},
		{"http://h:1?x=1", "http://h:1/mist?x=1"},
		{"http://h:1/?x=1&y=2", "http://h:1/mist?x=1&y=2"},
		{"http://h:1/p?q=1#frag", "http://h:1/p?q=1#frag"},
		{"HTTP://h", "HTTP://h/mist"},
		{"http://user:pw@h:1", "http://user:pw@h:1/mist"},
	}
	for _, tt := range tests {
		tr, err := transport.Dial(tt.url)
		if err != nil {
			t.Errorf("Dial(%q) error = %v", tt.url, err)
			continue
		}
		h, ok := tr.(*transport.HTTP)
		if !ok {
			t.Errorf("Dial(%q) = %T, want *transport.HTTP", tt.url, tr)
			continue
		}
		if got := transport.HTTPTarget(h); got != tt.target {
			t.Errorf("Dial(%q) targets %q, want %q", tt.url, got, tt.target)
		}
		h.Close()
	}
}

func TestDialFile(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "a.jsonl")
	tests := []struct{ url, path string }{
		{"file://" + filepath.ToSlash(abs), abs},
		{"file://rel.jsonl", filepath.Join(wd, "rel.jsonl")},
		{"file://dir/rel.jsonl", filepath.Join(wd, "dir", "rel.jsonl")},
	}
	if !filepath.IsAbs(filepath.ToSlash(abs)) { // Windows: file:///C:/…
		tests[0].url = "file:///" + filepath.ToSlash(abs)
	}
	for _, tt := range tests {
		tr, err := transport.Dial(tt.url)
		if err != nil {
			t.Errorf("Dial(%q) error = %v", tt.url, err)
			continue
		}
		f, ok := tr.(*transport.File)
		if !ok {
			t.Errorf("Dial(%q) = %T, want *transport.File", tt.url, tr)
			continue
		}
		if got := transport.FilePath(f); got != tt.path {
			t.Errorf("Dial(%q) uses path %q, want %q", tt.url, got, tt.path)
		}
		f.Close()
	}
	if _, err := os.Stat(abs); !os.IsNotExist(err) {
		t.Errorf("Dial created or touched %s (stat error %v); it must do no I/O", abs, err)
	}
}

func TestFilePathFromURL(t *testing.T) {
	tests := []struct {
		rest    string
		windows bool
		want    string
	}{
		{"/data/a.jsonl", false, "/data/a.jsonl"},
		{"rel.jsonl", false, "rel.jsonl"},
		{"/C:/a", true, "C:/a"},
		{"/c:/dir/a.jsonl", true, "c:/dir/a.jsonl"},
		{"/C:/a", false, "/C:/a"}, // a valid Unix path
		{"/data/a.jsonl", true, "/data/a.jsonl"},
		{"/1:/a", true, "/1:/a"},
		{"C:/a", true, "C:/a"},
		{"", true, ""},
	}
	for _, tt := range tests {
		if got := transport.FilePathFromURL(tt.rest, tt.windows); got != tt.want {
			t.Errorf("FilePathFromURL(%q, windows=%v) = %q, want %q", tt.rest, tt.windows, got, tt.want)
		}
	}
}

func TestDialOthers(t *testing.T) {
	tr, err := transport.Dial("stdio://")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := tr.(*transport.Stdio); !ok {
		t.Errorf("Dial(stdio://) = %T, want *transport.Stdio", tr)
	} else if r, w := transport.StdioEnds(s); r != os.Stdin || w != os.Stdout {
		t.Errorf("Dial(stdio://) uses %v and %v, want os.Stdin and os.Stdout", r, w)
	}
	tr.Close()

	tr, err = transport.Dial("chan://")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, ok := tr.(*transport.Channel); !ok {
		t.Fatalf("Dial(chan://) = %T, want *transport.Channel", tr)
	}
	// A loopback with a buffer of 256.
	ctx := ctxT(t)
	for i := range 256 {
		if err := tr.Send(ctx, newMsg(t, i)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if err := tr.Send(ctx, newMsg(t, 256)); !errors.Is(err, transport.ErrFull) {
		t.Errorf("Send 257 = %v, want ErrFull", err)
	}
	if m, err := tr.Receive(ctx); err != nil || m == nil {
		t.Errorf("Receive on the loopback = (%v, %v), want a message", m, err)
	}
}

func TestDialErrors(t *testing.T) {
	tests := []struct{ url, text string }{
		{"", `validation: transport: unsupported scheme "" in ""`},
		{"localhost:8080", `validation: transport: unsupported scheme "" in "localhost:8080"`},
		{"ftp://h/x", `validation: transport: unsupported scheme "ftp" in "ftp://h/x"`},
		{"://x", `validation: transport: unsupported scheme "" in "://x"`},
		{"tcp://h:1", `validation: transport: unsupported scheme "tcp" in "tcp://h:1"`},
		{"http://", ""},
		{"http:///mist", ""},
		{"file://", ""},
	}
	for _, tt := range tests {
		tr, err := transport.Dial(tt.url)
		if err == nil {
			tr.Close()
			t.Errorf("Dial(%q) error = nil, want one", tt.url)
			continue
		}
		if tr != nil {
			t.Errorf("Dial(%q) returned %T with its error", tt.url, tr)
		}
		if got := errors.Code(err); got != errors.CodeValidation {
			t.Errorf("Dial(%q) error code = %q, want %q", tt.url, got, errors.CodeValidation)
		}
		if tt.text != "" && err.Error() != tt.text {
			t.Errorf("Dial(%q) error = %q, want %q", tt.url, err.Error(), tt.text)
		}
	}
}

// Fixed on purpose: Dial("http://h:p") posts to /mist with traceparent.
func TestDialHTTPPostsToMistWithTraceparent(t *testing.T) {
	type seen struct {
		path, traceparent, contentType string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.URL.Path, r.Header.Get("traceparent"), r.Header.Get("Content-Type")}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	tr, err := transport.Dial(srv.URL) // http://127.0.0.1:port, no path
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, span := trace.Start(ctxT(t), "caller")
	defer span.End("ok")
	if err := tr.Send(ctx, newMsg(t, 1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	s := <-got
	if s.path != "/mist" {
		t.Errorf("posted to %q, want /mist", s.path)
	}
	if s.contentType != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", s.contentType)
	}
	traceID, _, _, ok := trace.ParseTraceparent(s.traceparent)
	if !ok || traceID != span.TraceID {
		t.Errorf("traceparent = %q, want one carrying trace %s", s.traceparent, span.TraceID)
	}
	if !strings.HasPrefix(s.traceparent, "00-") {
		t.Errorf("traceparent = %q, want version 00", s.traceparent)
	}
}
