package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// sample is one result line of go test -bench.
type sample struct {
	name   string // full name without the -GOMAXPROCS suffix
	nsOp   float64
	allocs float64 // -1 when the line has no allocs/op
}

// results holds every sample, by benchmark name, in the order the names
// first appeared.
type results struct {
	names   []string
	samples map[string][]sample
	header  []string // goos, goarch, pkg and cpu lines
}

// procsSuffix is the -N that go test appends to a name when GOMAXPROCS > 1.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output. Lines that are not results are
// ignored, apart from the goos/goarch/pkg/cpu header lines, which are kept.
func parse(r io.Reader) (*results, error) {
	res := &results{samples: map[string][]sample{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		for _, h := range []string{"goos:", "goarch:", "pkg:", "cpu:"} {
			if strings.HasPrefix(line, h) && !slices.Contains(res.header, line) {
				res.header = append(res.header, line)
			}
		}
		s, ok := parseLine(line)
		if !ok {
			continue
		}
		if _, seen := res.samples[s.name]; !seen {
			res.names = append(res.names, s.name)
		}
		res.samples[s.name] = append(res.samples[s.name], s)
	}
	return res, sc.Err()
}

// parseLine parses one result line:
//
//	BenchmarkX/sub-2   1000   123.4 ns/op   45.6 MB/s   16 B/op   1 allocs/op
func parseLine(line string) (sample, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return sample{}, false
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return sample{}, false
	}
	s := sample{name: procsSuffix.ReplaceAllString(f[0], ""), nsOp: -1, allocs: -1}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return sample{}, false
		}
		switch f[i+1] {
		case "ns/op":
			s.nsOp = v
		case "allocs/op":
			s.allocs = v
		}
	}
	if s.nsOp < 0 {
		return sample{}, false
	}
	return s, true
}

// median returns the median of vs, the mean of the two middle values for
// an even count, and 0 for none. It does not change vs.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// stat is the median of one benchmark's samples.
type stat struct {
	nsOp   float64
	allocs float64 // -1 when unknown
	n      int     // samples
}

// stats returns the median ns/op and allocs/op of every benchmark.
func (r *results) stats() map[string]stat {
	out := make(map[string]stat, len(r.samples))
	for name, ss := range r.samples {
		var ns, allocs []float64
		for _, s := range ss {
			ns = append(ns, s.nsOp)
			if s.allocs >= 0 {
				allocs = append(allocs, s.allocs)
			}
		}
		st := stat{nsOp: median(ns), allocs: -1, n: len(ss)}
		if len(allocs) > 0 {
			st.allocs = median(allocs)
		}
		out[name] = st
	}
	return out
}

// split returns the group (top-level benchmark) and the sub-benchmark of a
// name: "BenchmarkX/mist" gives "BenchmarkX", "mist". A name without a
// sub-benchmark gives an empty sub.
func split(name string) (group, sub string) {
	group, sub, _ = strings.Cut(name, "/")
	return group, sub
}
