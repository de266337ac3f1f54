package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// ourNames are the sub-benchmark names of our side; the envelope
// benchmarks name it after the package.
var ourNames = []string{"mist", "protocol"}

// floorName is the sub-benchmark name of a floor: the least the work can
// cost, not a library a user would pick.
const floorName = "floor"

// goal is a performance goal of issue 8: ours divided by ref (the floor,
// the best peer, or a named peer) at most max, and, when maxAllocs ≥ 0, at
// most that many allocs/op.
type goal struct {
	ref       string // floorName, bestPeer, or a peer's sub-benchmark name
	max       float64
	maxAllocs float64 // -1 for no limit
	text      string
	// throughput shows the ratio inverted (ref over ours) in the goal
	// column, for a goal stated as a throughput ratio.
	throughput bool
}

const bestPeer = "best peer"

// row is one hot path of the table.
type row struct {
	label string
	bench string // top-level benchmark name
	goal  goal
}

// rows are the hot paths in table order, with the goals of issue 8.
var rows = []row{
	{"counter Inc", "BenchmarkCounterInc", goal{floorName, 1.1, 0, "≤1.1× floor, 0 allocs", false}},
	{"counter Inc parallel", "BenchmarkCounterIncParallel", goal{floorName, 1.1, 0, "≤1.1× floor, 0 allocs", false}},
	{"histogram Observe", "BenchmarkHistogramObserve", goal{bestPeer, 1.0, -1, "≤1.0× best peer", false}},
	{"histogram Observe parallel", "BenchmarkHistogramObserveParallel", goal{bestPeer, 1.0, -1, "≤1.0× best peer", false}},
	{"breaker Do closed", "BenchmarkBreakerDo", goal{"gobreaker", 0.15, -1, "≤0.15× gobreaker", false}},
	{"breaker Do closed parallel", "BenchmarkBreakerDoParallel", goal{"gobreaker", 0.15, -1, "≤0.15× gobreaker", false}},
	{"retry first-try success", "BenchmarkRetryFirstTry", goal{floorName, 4, 0, "≤4× floor, 0 allocs", false}},
	{"log line, 3 attrs + trace ids", "BenchmarkLogLine", goal{"zap", 1.0, -1, "≤1.0× zap", false}},
	{"Map 10k tiny tasks, 8 workers", "BenchmarkMap10k", goal{floorName, 2, -1, "≤2× floor", false}},
	{"envelope marshal 1 KB", "BenchmarkEnvelopeMarshal", goal{"goccy", 1.2, 2, "≤1.2× goccy, ≤2 allocs", false}},
	{"envelope unmarshal 1 KB", "BenchmarkEnvelopeUnmarshal", goal{"goccy", 1.2, 2, "≤1.2× goccy, ≤2 allocs", false}},
	{"channel transport send→receive", "BenchmarkChannelTransport", goal{floorName, 3, -1, "≤3× floor", false}},
	{"HTTP transport send→receive", "BenchmarkHTTPTransport", goal{floorName, 1 / 0.9, -1, "≥0.9× floor throughput", true}},
	{"file lock+unlock", "BenchmarkLock", goal{floorName, 1.1, -1, "≤1.1× floor", false}},
	{"TOML decode, 50 lines", "BenchmarkTOMLDecode", goal{"go-toml", 1.25, -1, "≤1.25× go-toml", false}},
	{"span start+end", "BenchmarkSpan", goal{"otel-sdk", 0.3, -1, "≤0.3× otel-sdk", false}},
	{"Limiter acquire+release", "BenchmarkLimiter", goal{"x-sync", 1.2, -1, "≤1.2× x-sync", false}},
}

// headers of the table.
var headers = []string{"HOT PATH", "OURS NS/OP", "ALLOCS", "BEST PEER", "PEER NS/OP", "FLOOR NS/OP", "OURS/PEER", "OURS/FLOOR", "GOAL", "MET"}

// group is what the results hold for one top-level benchmark.
type group struct {
	ours   *stat
	peers  map[string]stat // by sub-benchmark name
	floors map[string]stat // "floor" and "floor-…" by name
}

// groups pairs the sub-benchmarks of every top-level benchmark.
func groups(st map[string]stat) map[string]*group {
	out := map[string]*group{}
	for name, s := range st {
		g, sub := split(name)
		if sub == "" {
			continue
		}
		grp := out[g]
		if grp == nil {
			grp = &group{peers: map[string]stat{}, floors: map[string]stat{}}
			out[g] = grp
		}
		switch {
		case slices.Contains(ourNames, sub):
			grp.ours = &s
		case sub == floorName || strings.HasPrefix(sub, floorName+"-"):
			grp.floors[sub] = s
		default:
			grp.peers[sub] = s
		}
	}
	return out
}

// best returns the fastest peer's name and stat, or ok false when there is
// no peer.
func (g *group) best() (name string, s stat, ok bool) {
	names := make([]string, 0, len(g.peers))
	for n := range g.peers {
		names = append(names, n)
	}
	slices.Sort(names) // ties go to the first name
	for _, n := range names {
		if p := g.peers[n]; !ok || p.nsOp < s.nsOp {
			name, s, ok = n, p, true
		}
	}
	return name, s, ok
}

// verdict says whether ours meets r's goal: "yes", "no", or "—" when a
// result is missing. ratio is ours over the goal's reference.
func (r row) verdict(g *group) (ratio float64, met string) {
	if g == nil || g.ours == nil {
		return math.NaN(), "—"
	}
	var ref stat
	var ok bool
	switch r.goal.ref {
	case floorName:
		ref, ok = g.floors[floorName]
	case bestPeer:
		_, ref, ok = g.best()
	default:
		ref, ok = g.peers[r.goal.ref]
	}
	if !ok || ref.nsOp <= 0 {
		return math.NaN(), "—"
	}
	ratio = g.ours.nsOp / ref.nsOp
	pass := ratio <= r.goal.max
	if r.goal.maxAllocs >= 0 && (g.ours.allocs < 0 || g.ours.allocs > r.goal.maxAllocs) {
		pass = false
	}
	if pass {
		return ratio, "yes"
	}
	return ratio, "no"
}

// table builds the rows of the table: the known hot paths first, in order,
// then any other top-level benchmark with sub-benchmarks, by name. Extra
// floors ("floor-…") get a row of their own under their hot path.
func table(st map[string]stat) [][]string {
	gs := groups(st)
	var out [][]string
	known := map[string]bool{}
	for _, r := range rows {
		known[r.bench] = true
		out = append(out, r.cells(gs[r.bench])...)
	}
	var extra []string
	for name := range gs {
		if !known[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		r := row{label: strings.TrimPrefix(name, "Benchmark"), bench: name}
		out = append(out, r.cells(gs[name])...)
	}
	return out
}

// cells returns the row of r, plus one row per extra floor.
func (r row) cells(g *group) [][]string {
	c := []string{r.label, "—", "—", "—", "—", "—", "—", "—", r.goal.text, ""}
	if g == nil {
		if r.goal.text != "" {
			c[9] = "—"
		}
		return [][]string{c}
	}
	if g.ours != nil {
		c[1], c[2] = fmtNs(g.ours.nsOp), fmtAllocs(g.ours.allocs)
	}
	if name, p, ok := g.best(); ok {
		c[3], c[4] = name, fmtNs(p.nsOp)
		if g.ours != nil {
			c[6] = fmtRatio(g.ours.nsOp / p.nsOp)
		}
	}
	if f, ok := g.floors[floorName]; ok {
		c[5] = fmtNs(f.nsOp)
		if g.ours != nil {
			c[7] = fmtRatio(g.ours.nsOp / f.nsOp)
		}
	}
	if r.goal.text != "" {
		ratio, met := r.verdict(g)
		switch {
		case math.IsNaN(ratio):
		case r.goal.throughput:
			c[8] = fmt.Sprintf("%s (%s)", r.goal.text, fmtRatio(1/ratio))
		case r.goal.ref != floorName && r.goal.ref != bestPeer:
			c[8] = fmt.Sprintf("%s (%s)", r.goal.text, fmtRatio(ratio))
		}
		c[9] = met
	}
	out := [][]string{c}
	var extra []string
	for name := range g.floors {
		if name != floorName {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		f := g.floors[name]
		e := []string{"  vs " + name, "", "", "", "", fmtNs(f.nsOp), "", "", "", ""}
		if g.ours != nil {
			e[7] = fmtRatio(g.ours.nsOp / f.nsOp)
		}
		out = append(out, e)
	}
	return out
}

func fmtNs(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtAllocs(v float64) string {
	if v < 0 {
		return "—"
	}
	return fmt.Sprintf("%g", v)
}

func fmtRatio(v float64) string {
	if v < 0.1 {
		return fmt.Sprintf("%.3f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}
