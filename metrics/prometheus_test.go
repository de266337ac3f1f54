package metrics_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/metrics"
)

// sample is one parsed exposition line.
type sample struct {
	name   string
	labels string // k="v",… as written, unescaped values re-quoted with %q
	value  float64
}

// parseExposition is a strict reader for the subset of the text format
// WritePrometheus writes: "# TYPE" lines and samples without timestamps.
// It checks names, label syntax and escapes, values, that every sample
// belongs to the family of the preceding TYPE line, that no family appears
// twice or uses a sample name of another family (h_count of a histogram h,
// say), that no sample repeats a label name or uses __name__, and that no
// series appears twice. The full Prometheus parser runs against the same
// output in the benchmarks module.
func parseExposition(text string) ([]sample, error) {
	if text != "" && !strings.HasSuffix(text, "\n") {
		return nil, errors.New("missing final newline")
	}
	var (
		out     []sample
		family  string
		kind    string
		seen    = map[string]bool{}
		lastFam string
		used    = map[string]string{} // sample name -> family
		series  = map[string]bool{}   // name{sorted labels}
	)
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if text == "" {
			break
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || !validName(f[0], true) {
				return nil, fail("bad TYPE line")
			}
			if f[1] != "counter" && f[1] != "gauge" && f[1] != "histogram" {
				return nil, fail("bad type %q", f[1])
			}
			if seen[f[0]] {
				return nil, fail("family %s repeated", f[0])
			}
			if f[0] < lastFam {
				return nil, fail("family %s after %s", f[0], lastFam)
			}
			names := []string{f[0]}
			if f[1] == "histogram" {
				names = append(names, f[0]+"_bucket", f[0]+"_sum", f[0]+"_count")
			}
			for _, n := range names {
				if other, ok := used[n]; ok {
					return nil, fail("family %s uses the name %s of family %s", f[0], n, other)
				}
				used[n] = f[0]
			}
			seen[f[0]], lastFam, family, kind = true, f[0], f[0], f[1]
			continue
		}
		if strings.HasPrefix(line, "#") {
			return nil, fail("unexpected comment")
		}
		var s sample
		end := strings.IndexAny(line, "{ ")
		if end < 0 {
			return nil, fail("no value")
		}
		s.name = line[:end]
		if !validName(s.name, true) {
			return nil, fail("bad metric name")
		}
		rest := line[end:]
		var labels []string
		if strings.HasPrefix(rest, "{") {
			rest = rest[1:]
			for {
				eq := strings.Index(rest, `="`)
				if eq < 0 || !validName(rest[:eq], false) {
					return nil, fail("bad label name in %q", rest)
				}
				name := rest[:eq]
				if name == "__name__" {
					return nil, fail("reserved label name %s", name)
				}
				for _, l := range labels {
					if strings.HasPrefix(l, name+"=") {
						return nil, fail("label name %s repeated", name)
					}
				}
				rest = rest[eq+2:]
				var v strings.Builder
				for {
					if rest == "" {
						return nil, fail("unterminated label value")
					}
					c := rest[0]
					rest = rest[1:]
					if c == '"' {
						break
					}
					if c == '\n' {
						return nil, fail("raw newline in label value")
					}
					if c == '\\' {
						if rest == "" {
							return nil, fail("dangling backslash")
						}
						switch rest[0] {
						case '\\':
							v.WriteByte('\\')
						case '"':
							v.WriteByte('"')
						case 'n':
							v.WriteByte('\n')
						default:
							return nil, fail("bad escape \\%c", rest[0])
						}
						rest = rest[1:]
						continue
					}
					v.WriteByte(c)
				}
				labels = append(labels, fmt.Sprintf("%s=%q", name, v.String()))
				if strings.HasPrefix(rest, ",") {
					rest = rest[1:]
					continue
				}
				if !strings.HasPrefix(rest, "}") {
					return nil, fail("labels not closed")
				}
				rest = rest[1:]
				break
			}
			s.labels = strings.Join(labels, ",")
		}
		id := s.name + "{" + strings.Join(slices.Sorted(slices.Values(labels)), ",") + "}"
		if series[id] {
			return nil, fail("series repeated")
		}
		series[id] = true
		valueText, ok := strings.CutPrefix(rest, " ")
		if !ok || strings.Contains(valueText, " ") {
			return nil, fail("want exactly one space then the value")
		}
		v, err := strconv.ParseFloat(valueText, 64)
		if err != nil {
			return nil, fail("bad value: %v", err)
		}
		s.value = v
		switch {
		case family == "":
			return nil, fail("sample before any TYPE line")
		case kind == "histogram":
			if s.name != family+"_bucket" && s.name != family+"_sum" && s.name != family+"_count" {
				return nil, fail("sample outside histogram family %s", family)
			}
			if s.name == family+"_bucket" && !strings.Contains(s.labels, `le="`) {
				return nil, fail("bucket without le")
			}
		case s.name != family:
			return nil, fail("sample outside family %s", family)
		}
		out = append(out, s)
	}
	return out, nil
}

func validName(s string, metric bool) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || metric && c == ':') {
			return false
		}
	}
	return true
}

func TestWritePrometheus(t *testing.T) {
	tests := []struct {
		name  string
		build func(r *metrics.Registry)
		want  string
	}{
		{"empty", func(*metrics.Registry) {}, ""},
		{"counter gets _total",
			func(r *metrics.Registry) { r.Counter("reqs").Add(5) },
			"# TYPE reqs_total counter\nreqs_total 5\n"},
		{"counter keeps _total",
			func(r *metrics.Registry) { r.Counter("reqs_total").Inc() },
			"# TYPE reqs_total counter\nreqs_total 1\n"},
		{"gauge floats",
			func(r *metrics.Registry) {
				r.Gauge("a").Set(0.1)
				r.Gauge("b").Set(1e21)
				r.Gauge("c").Set(math.NaN())
				r.Gauge("d").Set(math.Inf(1))
				r.Gauge("e").Set(math.Inf(-1))
				r.Gauge("f").Set(-3)
			},
			"# TYPE a gauge\na 0.1\n# TYPE b gauge\nb 1e+21\n# TYPE c gauge\nc NaN\n# TYPE d gauge\nd +Inf\n# TYPE e gauge\ne -Inf\n# TYPE f gauge\nf -3\n"},
		{"families sorted by exposed name, series by labels",
			func(r *metrics.Registry) {
				r.Gauge("b", "k", "2").Set(2)
				r.Gauge("b", "k", "1").Set(1)
				r.Counter("a").Inc() // exposed as a_total, so after a_s
				r.Gauge("a_s").Set(1)
			},
			"# TYPE a_s gauge\na_s 1\n# TYPE a_total counter\na_total 1\n# TYPE b gauge\nb{k=\"1\"} 1\nb{k=\"2\"} 2\n"},
		{"label order is canonical",
			func(r *metrics.Registry) { r.Counter("c", "z", "1", "a", "2").Inc() },
			"# TYPE c_total counter\nc_total{a=\"2\",z=\"1\"} 1\n"},
		{"escaping",
			func(r *metrics.Registry) { r.Gauge("g", "path", "C:\\dir\n\"x\"").Set(1) },
			"# TYPE g gauge\ng{path=\"C:\\\\dir\\n\\\"x\\\"\"} 1\n"},
		{"invalid UTF-8 in a label value",
			func(r *metrics.Registry) { r.Gauge("g", "k", "a\xffb").Set(1) },
			"# TYPE g gauge\ng{k=\"a\uFFFDb\"} 1\n"},
		{"sanitised names",
			func(r *metrics.Registry) { r.Gauge("1st.metric:x-y", "2nd", "a", "k.ey", "b", "é", "c").Set(1) },
			"# TYPE _1st_metric:x_y gauge\n_1st_metric:x_y{_2nd=\"a\",k_ey=\"b\",_=\"c\"} 1\n"},
		{"counter sanitised before _total check",
			func(r *metrics.Registry) { r.Counter("jobs.total").Inc() },
			"# TYPE jobs_total counter\njobs_total 1\n"},
		{"histogram",
			func(r *metrics.Registry) {
				h := r.Histogram("lat", []float64{0.5, 1e6}, "route", "/a")
				h.Observe(0.1)
				h.Observe(7)
				h.Observe(math.Inf(1))
			},
			"# TYPE lat histogram\n" +
				"lat_bucket{route=\"/a\",le=\"0.5\"} 1\n" +
				"lat_bucket{route=\"/a\",le=\"1e+06\"} 2\n" +
				"lat_bucket{route=\"/a\",le=\"+Inf\"} 3\n" +
				"lat_sum{route=\"/a\"} +Inf\n" +
				"lat_count{route=\"/a\"} 3\n"},
		{"histogram without labels, NaN sum",
			func(r *metrics.Registry) { r.Histogram("h", []float64{1}).Observe(math.NaN()) },
			"# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum NaN\nh_count 1\n"},
		{"names near each other but not clashing",
			func(r *metrics.Registry) {
				r.Counter("h_count").Inc() // exposed as h_count_total
				r.Histogram("h", []float64{1}, "l", "x")
				r.Gauge("h_total").Set(2)
				r.Gauge("g", "a_b", "1", "ab", "2").Set(3)
			},
			"# TYPE g gauge\ng{a_b=\"1\",ab=\"2\"} 3\n" +
				"# TYPE h histogram\nh_bucket{l=\"x\",le=\"1\"} 0\nh_bucket{l=\"x\",le=\"+Inf\"} 0\nh_sum{l=\"x\"} 0\nh_count{l=\"x\"} 0\n" +
				"# TYPE h_count_total counter\nh_count_total 1\n" +
				"# TYPE h_total gauge\nh_total 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := metrics.NewRegistry()
			tt.build(reg)
			var b strings.Builder
			if err := reg.WritePrometheus(&b); err != nil {
				t.Fatalf("WritePrometheus: %v", err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("WritePrometheus =\n%s\nwant\n%s", got, tt.want)
			}
			if _, err := parseExposition(b.String()); err != nil {
				t.Errorf("output does not parse: %v", err)
			}
		})
	}
}

// TestPrometheusValues checks the parsed values of a busy registry against
// what was recorded.
func TestPrometheusValues(t *testing.T) {
	reg := metrics.NewRegistry()
	reg.Counter("c", "k", "v").Add(12)
	reg.Gauge("g").Set(-2.75)
	h := reg.Histogram("h", []float64{1, 2})
	for _, v := range []float64{0.5, 1.5, 1.5, 9} {
		h.Observe(v)
	}
	var b strings.Builder
	if err := reg.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	samples, err := parseExposition(b.String())
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b.String())
	}
	got := map[string]float64{}
	for _, s := range samples {
		got[s.name+"{"+s.labels+"}"] = s.value
	}
	want := map[string]float64{
		`c_total{k="v"}`:      12,
		`g{}`:                 -2.75,
		`h_bucket{le="1"}`:    1,
		`h_bucket{le="2"}`:    3,
		`h_bucket{le="+Inf"}`: 4,
		`h_sum{}`:             12.5,
		`h_count{}`:           4,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parsed samples = %v, want %v", got, want)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWritePrometheusError(t *testing.T) {
	reg := metrics.NewRegistry()
	reg.Counter("c").Inc()
	want := errors.New("disk full")
	if err := reg.WritePrometheus(failWriter{want}); !errors.Is(err, want) {
		t.Errorf("WritePrometheus to a failing writer = %v, want %v", err, want)
	}
}

func TestParseExpositionRejects(t *testing.T) {
	// The checker must be able to fail, or the tests above prove nothing.
	for _, in := range []string{
		"x 1",                          // no final newline
		"x 1\n",                        // no TYPE
		"# TYPE x gauge\nx{a=\"b} 1\n", // unterminated
		"# TYPE x gauge\nx{a=\"\\t\"} 1\n",
		"# TYPE x gauge\nx NaNa\n",
		"# TYPE x gauge\ny 1\n",
		"# TYPE x gauge\n# TYPE x gauge\n",
		"# TYPE 1x gauge\n",
		"# TYPE x histogram\nx 1\n",
		"# TYPE b gauge\n# TYPE a gauge\n",
		"# TYPE h histogram\n# TYPE h_count gauge\n", // h_count belongs to h
		"# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n",     // repeated label name
		"# TYPE x gauge\nx{__name__=\"y\"} 1\n",      // reserved
		"# TYPE x gauge\nx{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 2\n", // one series twice
		"# TYPE x gauge\nx 1\nx 2\n",
		"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_bucket{le=\"+Inf\"} 1\n",
	} {
		if _, err := parseExposition(in); err == nil {
			t.Errorf("parseExposition(%q) = nil error, want an error", in)
		}
	}
}
