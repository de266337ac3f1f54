package benchmarks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/metrics"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parseExposition parses what reg writes with the Prometheus text parser,
// under both the legacy (strict) and the UTF-8 name validation, and returns
// the family names with their types from the legacy run.
func parseExposition(t *testing.T, reg *metrics.Registry) map[string]string {
	t.Helper()
	var b strings.Builder
	if err := reg.WritePrometheus(&b); err != nil {
		t.Fatalf("WritePrometheus: %v", err)
	}
	var families map[string]string
	for _, scheme := range []model.ValidationScheme{model.UTF8Validation, model.LegacyValidation} {
		p := expfmt.NewTextParser(scheme)
		mfs, err := p.TextToMetricFamilies(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("TextToMetricFamilies (%v): %v\n%s", scheme, err, b.String())
		}
		families = make(map[string]string, len(mfs))
		for name, mf := range mfs {
			families[name] = mf.GetType().String()
		}
	}
	return families
}

// registrationPanic runs register and returns its panic message, or "" when
// it does not panic.
func registrationPanic(register func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	register()
	return ""
}

// TestPrometheusClashesPanic covers each registration that used to break
// the scrape: the registration now panics, naming the metric (and, for a
// name clash, the other metric), and what was registered before still
// parses. Each case also keeps, as unchecked, the exposition the registry
// wrote before it checked clashes, and shows why it had to go: the
// Prometheus parser rejects it, or it holds one series twice, which
// Prometheus drops as duplicate samples.
func TestPrometheusClashesPanic(t *testing.T) {
	tests := []struct {
		name      string
		first     func(r *metrics.Registry) // valid on its own
		clash     func(r *metrics.Registry) // the registration that must panic
		want      []string                  // substrings of the panic message
		unchecked string                    // the exposition without the checks
		parserErr string                    // what the parser says about it; "" for a repeated series
	}{
		{"counter x and gauge x_total",
			func(r *metrics.Registry) { r.Counter("x").Inc() },
			func(r *metrics.Registry) { r.Gauge("x_total") },
			[]string{`gauge "x_total"`, `counter "x"`},
			"# TYPE x_total counter\nx_total 1\n# TYPE x_total gauge\nx_total 0\n",
			`second TYPE line for metric name "x_total"`},
		{"histogram h and gauge h_count",
			func(r *metrics.Registry) { r.Histogram("h", []float64{1}).Observe(2) },
			func(r *metrics.Registry) { r.Gauge("h_count") },
			[]string{`gauge "h_count"`, `histogram "h"`},
			"# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n# TYPE h_count gauge\nh_count 0\n",
			`second TYPE line for metric name "h"`},
		{"histogram with an le label",
			func(r *metrics.Registry) { r.Histogram("h", []float64{1}, "a", "1").Observe(2) },
			func(r *metrics.Registry) { r.Histogram("h", []float64{1}, "le", "a") },
			[]string{`histogram "h"`, `"le"`},
			"# TYPE h histogram\nh_bucket{le=\"a\",le=\"1\"} 0\n",
			`expected float as value for 'le' label, got "a"`},
		{"label keys a-b and a_b on one series",
			func(r *metrics.Registry) { r.Counter("c", "a_b", "1").Inc() },
			func(r *metrics.Registry) { r.Counter("c", "a-b", "1", "a_b", "2") },
			[]string{`counter "c"`, `"a-b"`, `"a_b"`},
			"# TYPE c_total counter\nc_total{a_b=\"1\",a_b=\"2\"} 0\n",
			`duplicate label names for metric "c_total"`},
		{"label key __name__",
			func(r *metrics.Registry) { r.Gauge("g", "name", "x").Set(1) },
			func(r *metrics.Registry) { r.Gauge("g", "__name__", "x") },
			[]string{`gauge "g"`, `"__name__"`},
			"# TYPE g gauge\ng{__name__=\"x\"} 0\n",
			`label name "__name__" is reserved`},
		{"counters x and x_total",
			func(r *metrics.Registry) { r.Counter("x").Inc() },
			func(r *metrics.Registry) { r.Counter("x_total") },
			[]string{`counter "x_total"`, `counter "x"`},
			"# TYPE x_total counter\nx_total 1\nx_total 0\n",
			""},
		{"gauges a-b and a_b",
			func(r *metrics.Registry) { r.Gauge("a-b").Set(1) },
			func(r *metrics.Registry) { r.Gauge("a_b") },
			[]string{`gauge "a_b"`, `gauge "a-b"`},
			"# TYPE a_b gauge\na_b 1\na_b 0\n",
			""},
		{"one gauge, keys a-b and a_b in two series",
			func(r *metrics.Registry) { r.Gauge("g", "a-b", "1").Set(1) },
			func(r *metrics.Registry) { r.Gauge("g", "a_b", "1") },
			[]string{`gauge "g"`, `"a-b"`, `"a_b"`},
			"# TYPE g gauge\ng{a_b=\"1\"} 1\ng{a_b=\"1\"} 0\n",
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkUnchecked(t, tt.unchecked, tt.parserErr)

			reg := metrics.NewRegistry()
			tt.first(reg)
			before := parseExposition(t, reg)
			msg := registrationPanic(func() { tt.clash(reg) })
			if msg == "" {
				t.Fatal("the clashing registration did not panic")
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic = %q, want it to contain %s", msg, w)
				}
			}
			if after := parseExposition(t, reg); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("families after the rejected registration = %v, want %v as before", after, before)
			}
		})
	}
}

// checkUnchecked asserts that the parser rejects text with an error
// containing parserErr or, when parserErr is "", that text holds some
// series twice.
func checkUnchecked(t *testing.T, text, parserErr string) {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if parserErr != "" {
		if err == nil || !strings.Contains(err.Error(), parserErr) {
			t.Errorf("parsing the unchecked exposition: error = %v, want one containing %q", err, parserErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("parsing the unchecked exposition: %v", err)
	}
	for _, mf := range mfs {
		seen := map[string]bool{}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if seen[labelKey(labels)] {
				return
			}
			seen[labelKey(labels)] = true
		}
	}
	t.Errorf("the unchecked exposition holds no series twice:\n%s", text)
}

// TestPrometheusNearMissesParse registers names and labels that come close
// to every clash above without meeting it. None panics, and the Prometheus
// parser reads every family.
func TestPrometheusNearMissesParse(t *testing.T) {
	reg := metrics.NewRegistry()
	reg.Counter("x").Inc()                         // x_total
	reg.Counter("h_count").Inc()                   // h_count_total, not h_count
	reg.Histogram("h", []float64{1}, "l", "a")     // h, h_bucket, h_sum, h_count
	reg.Histogram("h", nil, "l", "b").Observe(5)   // a second series of h
	reg.Gauge("h_total").Set(2)                    // no counter h
	reg.Gauge("g", "a_b", "1", "ab", "2").Set(3)   // keys distinct once sanitised
	reg.Gauge("g", "a_b", "2", "ab", "2").Set(4)   // same keys, other value
	reg.Gauge("name", "_name_", "x").Set(5)        // one underscore is fine
	reg.Counter("csv", "list", "a,b,c").Inc()      // a comma alone is fine
	reg.Counter("le", "le", "1").Inc()             // le is free outside histograms
	reg.Gauge("a-b", "k", "v").Set(6)              // a_b, alone
	reg.Counter("a-b-c", "ключ", "значение").Inc() // a_b_c_total, key ____

	got := parseExposition(t, reg)
	want := map[string]string{
		"x_total": "COUNTER", "h_count_total": "COUNTER", "h": "HISTOGRAM",
		"h_total": "GAUGE", "g": "GAUGE", "name": "GAUGE", "csv_total": "COUNTER",
		"le_total": "COUNTER", "a_b": "GAUGE", "a_b_c_total": "COUNTER",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parsed families = %v, want %v", got, want)
	}
}
