package main

import (
	"math"
	"slices"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/greynewell/mist-go/benchmarks
cpu: AMD EPYC
BenchmarkCounterInc/mist-2         	100000000	         3.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterInc/prometheus-2   	100000000	         4.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterInc/floor-2        	100000000	         2.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkEnvelopeMarshal/protocol-2	  154917	      2000 ns/op	 414.00 MB/s	    1280 B/op	       1 allocs/op
BenchmarkEnvelopeMarshal/goccy-2   	  161430	      1000 ns/op	 433.91 MB/s	    1280 B/op	       1 allocs/op
PASS
goos: linux
BenchmarkCounterInc/mist-2         	100000000	         1.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterInc/mist-2         	100000000	         2.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterInc/prometheus-2   	100000000	         6.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCounterInc/floor-2        	100000000	         2.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkLock/mist                 	   10000	      4400 ns/op	     456 B/op	       2 allocs/op
BenchmarkLock/floor                	   10000	      1000 ns/op
BenchmarkLock/floor-open           	   10000	      4000 ns/op	      48 B/op	       1 allocs/op
BenchmarkOther/mist-2              	   10000	       100 ns/op
BenchmarkOther/peer-2              	   10000	        50 ns/op
BenchmarkNoSubs-2                  	   10000	        50 ns/op
not a result line
BenchmarkBroken/mist-2   12 abc ns/op
ok  	github.com/greynewell/mist-go/benchmarks	39.579s
`

func TestParse(t *testing.T) {
	res, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{
		"BenchmarkCounterInc/mist", "BenchmarkCounterInc/prometheus", "BenchmarkCounterInc/floor",
		"BenchmarkEnvelopeMarshal/protocol", "BenchmarkEnvelopeMarshal/goccy",
		"BenchmarkLock/mist", "BenchmarkLock/floor", "BenchmarkLock/floor-open",
		"BenchmarkOther/mist", "BenchmarkOther/peer", "BenchmarkNoSubs",
	}
	if !slices.Equal(res.names, wantNames) {
		t.Errorf("names = %q, want %q", res.names, wantNames)
	}
	wantHeader := []string{"goos: linux", "goarch: amd64", "pkg: github.com/greynewell/mist-go/benchmarks", "cpu: AMD EPYC"}
	if !slices.Equal(res.header, wantHeader) {
		t.Errorf("header = %q, want %q (each line once)", res.header, wantHeader)
	}
	if n := len(res.samples["BenchmarkCounterInc/mist"]); n != 3 {
		t.Errorf("BenchmarkCounterInc/mist has %d samples, want 3", n)
	}
	if s := res.samples["BenchmarkLock/floor"][0]; s.nsOp != 1000 || s.allocs != -1 {
		t.Errorf("line without -benchmem: %+v, want 1000 ns/op and unknown allocs", s)
	}
	if s := res.samples["BenchmarkEnvelopeMarshal/protocol"][0]; s.nsOp != 2000 || s.allocs != 1 {
		t.Errorf("line with MB/s: %+v, want 2000 ns/op and 1 alloc", s)
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line string
		want sample
		ok   bool
	}{
		{"BenchmarkX/a-8 \t 10 \t 5.5 ns/op \t 3 allocs/op", sample{"BenchmarkX/a", 5.5, 3}, true},
		{"BenchmarkX/a-b-16 10 7 ns/op", sample{"BenchmarkX/a-b", 7, -1}, true},
		{"BenchmarkX 10 7 ns/op", sample{"BenchmarkX", 7, -1}, true},
		{"BenchmarkX/a 10 7 MB/s", sample{}, false},
		{"BenchmarkX/a ten 7 ns/op", sample{}, false},
		{"BenchmarkX/a 10 x ns/op", sample{}, false},
		{"--- FAIL: BenchmarkX", sample{}, false},
		{"", sample{}, false},
	}
	for _, tt := range tests {
		got, ok := parseLine(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseLine(%q) = %+v, %v, want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{4}, 4},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 1, 1, 1, 100}, 1},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.in)
		if got := median(in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if !slices.Equal(in, tt.in) {
			t.Errorf("median(%v) reordered its input to %v", tt.in, in)
		}
	}
}

func stats(t *testing.T) map[string]stat {
	t.Helper()
	res, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	return res.stats()
}

func TestStatsAndGroups(t *testing.T) {
	st := stats(t)
	if got := st["BenchmarkCounterInc/mist"]; got.nsOp != 2 || got.allocs != 0 || got.n != 3 {
		t.Errorf("counter mist = %+v, want the median 2 ns/op of 3 samples, 0 allocs", got)
	}
	if got := st["BenchmarkCounterInc/prometheus"]; got.nsOp != 5 {
		t.Errorf("counter prometheus = %+v, want the median 5 ns/op of 2 samples", got)
	}
	gs := groups(st)
	c := gs["BenchmarkCounterInc"]
	if c == nil || c.ours == nil || c.ours.nsOp != 2 || len(c.peers) != 1 || c.floors[floorName].nsOp != 2 {
		t.Fatalf("counter group = %+v, want ours, one peer and the floor", c)
	}
	if e := gs["BenchmarkEnvelopeMarshal"]; e == nil || e.ours == nil || e.ours.nsOp != 2000 {
		t.Errorf("envelope group: protocol is ours, got %+v", e)
	}
	l := gs["BenchmarkLock"]
	if l == nil || len(l.floors) != 2 || len(l.peers) != 0 {
		t.Errorf("lock group = %+v, want two floors and no peer", l)
	}
	if _, ok := gs["BenchmarkNoSubs"]; ok {
		t.Error("a benchmark without sub-benchmarks has a group")
	}
}

func TestBest(t *testing.T) {
	g := &group{peers: map[string]stat{"b": {nsOp: 3}, "a": {nsOp: 3}, "c": {nsOp: 1}}}
	if name, s, ok := g.best(); !ok || name != "c" || s.nsOp != 1 {
		t.Errorf("best = %q %+v %v, want c", name, s, ok)
	}
	g.peers = map[string]stat{"b": {nsOp: 3}, "a": {nsOp: 3}}
	if name, _, _ := g.best(); name != "a" {
		t.Errorf("best of a tie = %q, want the first name, a", name)
	}
	if _, _, ok := (&group{}).best(); ok {
		t.Error("best of no peers reported one")
	}
}

func TestVerdict(t *testing.T) {
	ours := func(ns, allocs float64) *stat { return &stat{nsOp: ns, allocs: allocs} }
	g := &group{
		ours:   ours(10, 0),
		peers:  map[string]stat{"zap": {nsOp: 20}, "zerolog": {nsOp: 5}},
		floors: map[string]stat{floorName: {nsOp: 9}},
	}
	tests := []struct {
		name  string
		goal  goal
		g     *group
		ratio float64
		met   string
	}{
		{"named peer", goal{"zap", 1, -1, "", false}, g, 0.5, "yes"},
		{"best peer", goal{bestPeer, 1, -1, "", false}, g, 2, "no"},
		{"floor", goal{floorName, 1.1, -1, "", false}, g, 10.0 / 9, "no"},
		{"floor met", goal{floorName, 1.2, 0, "", false}, g, 10.0 / 9, "yes"},
		{"allocs over", goal{"zap", 1, -1, "", false}, &group{ours: ours(10, 3), peers: g.peers}, 0.5, "yes"},
		{"alloc limit", goal{"zap", 1, 2, "", false}, &group{ours: ours(10, 3), peers: g.peers}, 0.5, "no"},
		{"allocs unknown", goal{"zap", 1, 2, "", false}, &group{ours: ours(10, -1), peers: g.peers}, 0.5, "no"},
		{"missing peer", goal{"gobreaker", 1, -1, "", false}, g, math.NaN(), "—"},
		{"missing ours", goal{"zap", 1, -1, "", false}, &group{peers: g.peers}, math.NaN(), "—"},
		{"missing group", goal{"zap", 1, -1, "", false}, nil, math.NaN(), "—"},
	}
	for _, tt := range tests {
		r := row{goal: tt.goal}
		ratio, met := r.verdict(tt.g)
		if met != tt.met || !(ratio == tt.ratio || math.IsNaN(ratio) && math.IsNaN(tt.ratio)) {
			t.Errorf("%s: verdict = %v, %q, want %v, %q", tt.name, ratio, met, tt.ratio, tt.met)
		}
	}
}

func TestTable(t *testing.T) {
	out := table(stats(t))
	byLabel := map[string][]string{}
	var order []string
	for _, r := range out {
		if len(r) != len(headers) {
			t.Fatalf("row %q has %d cells, want %d", r, len(r), len(headers))
		}
		byLabel[r[0]] = r
		order = append(order, r[0])
	}
	if len(out) != len(rows)+2 { // the extra floor of lock, and BenchmarkOther
		t.Errorf("table has %d rows, want %d: %q", len(out), len(rows)+2, order)
	}
	if !strings.HasPrefix(order[0], "counter Inc") || order[len(order)-1] != "Other" {
		t.Errorf("row order = %q, want the known hot paths first, other benchmarks last", order)
	}
	tests := []struct {
		label string
		want  []string
	}{
		{"counter Inc", []string{"counter Inc", "2.00", "0", "prometheus", "5.00", "2.00", "0.40×", "1.00×", "≤1.1× floor, 0 allocs", "yes"}},
		{"envelope marshal 1 KB", []string{"envelope marshal 1 KB", "2000", "1", "goccy", "1000", "—", "2.00×", "—", "≤1.2× goccy, ≤2 allocs (2.00×)", "no"}},
		{"file lock+unlock", []string{"file lock+unlock", "4400", "2", "—", "—", "1000", "—", "4.40×", "≤1.1× floor", "no"}},
		{"  vs floor-open", []string{"  vs floor-open", "", "", "", "", "4000", "", "1.10×", "", ""}},
		{"span start+end", []string{"span start+end", "—", "—", "—", "—", "—", "—", "—", "≤0.3× otel-sdk", "—"}},
		{"Other", []string{"Other", "100", "—", "peer", "50.0", "—", "2.00×", "—", "", ""}},
	}
	for _, tt := range tests {
		if got := byLabel[tt.label]; !slices.Equal(got, tt.want) {
			t.Errorf("row %q = %q, want %q", tt.label, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{fmtNs(3.456), "3.46"}, {fmtNs(34.56), "34.6"}, {fmtNs(345.6), "346"}, {fmtNs(123456), "123456"},
		{fmtAllocs(-1), "—"}, {fmtAllocs(2), "2"}, {fmtAllocs(2.5), "2.5"},
		{fmtRatio(0.05), "0.050×"}, {fmtRatio(1.234), "1.23×"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestThroughputGoal checks that a goal stated as throughput shows the
// inverted ratio, floor over ours, and is met up to 1/0.9 of the floor.
func TestThroughputGoal(t *testing.T) {
	var http row
	for _, r := range rows {
		if r.bench == "BenchmarkHTTPTransport" {
			http = r
		}
	}
	for _, tt := range []struct {
		ours      float64
		goal, met string
	}{
		{50000, "≥0.9× floor throughput (0.90×)", "yes"},
		{56000, "≥0.9× floor throughput (0.80×)", "no"},
	} {
		g := &group{ours: &stat{nsOp: tt.ours, allocs: 90}, floors: map[string]stat{floorName: {nsOp: 45000}}}
		c := http.cells(g)[0]
		if c[8] != tt.goal || c[9] != tt.met {
			t.Errorf("ours %v ns/op: goal %q met %q, want %q %q", tt.ours, c[8], c[9], tt.goal, tt.met)
		}
	}
}
