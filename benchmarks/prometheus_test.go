package benchmarks

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/greynewell/mist-go/metrics"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// series is what a scraper sees of one sample set: its labels and either a
// value or a histogram's buckets, sum and count.
type series struct {
	Labels  map[string]string
	Value   float64
	Buckets map[float64]uint64 // upper bound -> cumulative count, histograms only
	Sum     float64
	Count   uint64
}

type family struct {
	Type   string
	Series []series
}

// recorded builds a registry that exercises every feature of the
// exposition and returns it with the families a scraper must read from it.
func recorded() (*metrics.Registry, map[string]family) {
	reg := metrics.NewRegistry()
	inf, nan := math.Inf(1), math.NaN()

	reg.Counter("http_requests", "method", "GET", "code", "200").Add(3)
	reg.Counter("http_requests", "code", "500", "method", "POST").Inc()
	reg.Counter("jobs_total").Add(7)
	reg.Counter("0cache.hits", "pod-name", "a\\b\"c\nd", "ключ", "значение").Inc()

	reg.Gauge("inflight").Set(2.5)
	reg.Gauge("queue.depth:max", "queue", "eval").Set(-0.000001)
	reg.Gauge("big").Set(1e21)
	reg.Gauge("down").Set(math.Inf(-1))
	reg.Gauge("up").Set(inf)
	reg.Gauge("unknown").Set(nan)
	reg.Gauge("bad_utf8", "k", "a\xffb").Set(1)

	lat := reg.Histogram("latency_ms", []float64{1, 10, 1e6}, "route", "/v1/infer")
	for _, v := range []float64{0.5, 3, 3, 2e6} {
		lat.Observe(v)
	}
	odd := reg.Histogram("odd-values", []float64{0.25})
	odd.Observe(nan)
	odd.Observe(inf)
	odd.Observe(math.Inf(-1))
	reg.Histogram("empty", []float64{1})

	want := map[string]family{
		"http_requests_total": {Type: "COUNTER", Series: []series{
			{Labels: map[string]string{"code": "200", "method": "GET"}, Value: 3},
			{Labels: map[string]string{"code": "500", "method": "POST"}, Value: 1},
		}},
		"jobs_total": {Type: "COUNTER", Series: []series{{Labels: map[string]string{}, Value: 7}}},
		"_0cache_hits_total": {Type: "COUNTER", Series: []series{
			{Labels: map[string]string{"pod_name": "a\\b\"c\nd", "____": "значение"}, Value: 1},
		}},
		"inflight":        {Type: "GAUGE", Series: []series{{Labels: map[string]string{}, Value: 2.5}}},
		"queue_depth:max": {Type: "GAUGE", Series: []series{{Labels: map[string]string{"queue": "eval"}, Value: -0.000001}}},
		"big":             {Type: "GAUGE", Series: []series{{Labels: map[string]string{}, Value: 1e21}}},
		"down":            {Type: "GAUGE", Series: []series{{Labels: map[string]string{}, Value: math.Inf(-1)}}},
		"up":              {Type: "GAUGE", Series: []series{{Labels: map[string]string{}, Value: inf}}},
		"unknown":         {Type: "GAUGE", Series: []series{{Labels: map[string]string{}, Value: nan}}},
		"bad_utf8":        {Type: "GAUGE", Series: []series{{Labels: map[string]string{"k": "a\uFFFDb"}, Value: 1}}},
		"latency_ms": {Type: "HISTOGRAM", Series: []series{{
			Labels:  map[string]string{"route": "/v1/infer"},
			Buckets: map[float64]uint64{1: 1, 10: 3, 1e6: 3, inf: 4},
			Sum:     2000006.5, Count: 4,
		}}},
		"odd_values": {Type: "HISTOGRAM", Series: []series{{
			Labels:  map[string]string{},
			Buckets: map[float64]uint64{0.25: 1, inf: 3},
			Sum:     nan, Count: 3,
		}}},
		"empty": {Type: "HISTOGRAM", Series: []series{{
			Labels:  map[string]string{},
			Buckets: map[float64]uint64{1: 0, inf: 0},
			Count:   0,
		}}},
	}
	return reg, want
}

// scraped converts the parser's families into the comparable form.
func scraped(mfs map[string]*dto.MetricFamily) map[string]family {
	out := make(map[string]family, len(mfs))
	for name, mf := range mfs {
		f := family{Type: mf.GetType().String()}
		for _, m := range mf.GetMetric() {
			s := series{Labels: map[string]string{}}
			for _, lp := range m.GetLabel() {
				s.Labels[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				s.Value = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				s.Value = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				s.Buckets = map[float64]uint64{}
				for _, b := range h.GetBucket() {
					s.Buckets[b.GetUpperBound()] = b.GetCumulativeCount()
				}
				s.Sum, s.Count = h.GetSampleSum(), h.GetSampleCount()
			default:
				s.Value = math.NaN()
			}
			f.Series = append(f.Series, s)
		}
		out[name] = f
	}
	return out
}

// TestPrometheusParserAcceptsExposition parses WritePrometheus output with
// the Prometheus text parser, under both the legacy (strict) and the UTF-8
// name validation, and checks families, types, label values and sample
// values against what was recorded.
func TestPrometheusParserAcceptsExposition(t *testing.T) {
	reg, want := recorded()
	var b strings.Builder
	if err := reg.WritePrometheus(&b); err != nil {
		t.Fatalf("WritePrometheus: %v", err)
	}
	text := b.String()

	for _, scheme := range []model.ValidationScheme{model.LegacyValidation, model.UTF8Validation} {
		t.Run(scheme.String(), func(t *testing.T) {
			p := expfmt.NewTextParser(scheme)
			mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
			if err != nil {
				t.Fatalf("TextToMetricFamilies: %v\n%s", err, text)
			}
			got := scraped(mfs)
			opts := cmp.Options{
				cmpopts.EquateNaNs(),
				cmpopts.EquateEmpty(),
				cmpopts.SortSlices(func(a, b series) bool { return labelKey(a.Labels) < labelKey(b.Labels) }),
			}
			if diff := cmp.Diff(got, want, opts); diff != "" {
				t.Errorf("parsed families (-got +want):\n%s\nexposition:\n%s", diff, text)
			}
		})
	}
}

// TestPrometheusHandlerFormat checks that the Content-Type we serve is the
// one the Prometheus client negotiates for the text format.
func TestPrometheusHandlerFormat(t *testing.T) {
	const ct = "text/plain; version=0.0.4; charset=utf-8"
	if got := expfmt.ResponseFormat(map[string][]string{"Content-Type": {ct}}); got.FormatType() != expfmt.TypeTextPlain {
		t.Errorf("ResponseFormat(%q) = %v, want the text format", ct, got)
	}
}

func labelKey(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}
