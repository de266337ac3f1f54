// Package metrics is an in-process registry of counters, gauges and
// histograms, fast enough for hot paths. A registry can be read as a
// [RegistrySnapshot], served as JSON by [Registry.Handler], or scraped in
// the Prometheus text format by [Registry.PrometheusHandler].
//
// # Series
//
// A series is a name plus optional label pairs, given as a flat
// k1, v1, k2, v2… list:
//
//	reg := metrics.NewRegistry()
//	reqs := reg.Counter("http_requests", "method", "GET", "code", "200")
//	reqs.Inc()
//	inflight := reg.Gauge("inflight")
//	inflight.Add(1)
//	lat := reg.Histogram("latency_ms", nil) // nil means DefaultBuckets
//	lat.Observe(12.5)
//
// A series' identity is its name plus its pairs sorted by key, so the order
// of label arguments never creates a duplicate: Counter("x", "b", "2", "a",
// "1") returns the same *Counter as Counter("x", "a", "1", "b", "2"). Keep
// the returned pointer on hot paths: updating it is one atomic operation,
// while getting it again has to build and look up the key.
//
// # Registration
//
// Registration mistakes are programming errors and panic at once, with a
// message naming the metric: an empty name, an odd number of label
// arguments, a repeated label key, or a name already registered as another
// kind. [Counter.Add] with a negative n panics too. Updates never panic
// otherwise, whatever the value: NaN and ±Inf are recorded as they are.
//
// Creating a series also panics when one registration would break the whole
// Prometheus scrape or lose a series from the JSON snapshot, so such a
// mistake shows up where it is made:
//
//   - Two metrics whose Prometheus names meet. A counter x is exposed as
//     x_total, a gauge x as x, and a histogram h as the family h with the
//     samples h_bucket, h_sum and h_count; names are sanitised first (see
//     Prometheus below). So Counter("x") and Counter("x_total"),
//     Counter("x") and Gauge("x_total"), Histogram("h") and
//     Gauge("h_count"), or Gauge("a-b") and Gauge("a_b") cannot live in
//     one registry; the panic names both metrics.
//   - Label keys that sanitise to the same label name in one series, such
//     as "a-b" and "a_b"; and two series of one metric that the output
//     would show alike, such as Gauge("g", "a-b", "1") and Gauge("g",
//     "a_b", "1"), or label values that differ only in invalid UTF-8,
//     which the output writes as U+FFFD.
//   - A label key starting with "__", which Prometheus reserves, or one
//     that sanitises to "__name__".
//   - The label key "le" on a histogram: its buckets use it.
//   - A series whose snapshot key (see JSON below) is the key of another
//     series, which only label values or names containing ',', '{' or '}'
//     can cause: Counter("c", "a", "b,c,d") and Counter("c", "a", "b",
//     "c", "d") are both c{a,b,c,d}. JSON writes invalid UTF-8 as U+FFFD,
//     so keys that differ only there count as one. The later registration
//     panics.
//
// Asking again for a series that exists never panics: the same identity
// always returns the same instance.
//
// # Histograms
//
// Bucket bounds are copied and sorted, and duplicates, NaN and ±Inf are
// dropped; an implicit +Inf bucket is always there. [Histogram.Observe]
// counts v in the first bound ≥ v, or only in +Inf when v exceeds every
// bound. NaN is counted only in +Inf, turns the sum into NaN, and leaves min
// and max alone. Asking for an existing histogram with other buckets
// returns the existing one unchanged. The zero Histogram, which no
// registry made, has no buckets: Observe does nothing on it.
//
// In a [HistogramSnapshot] the bucket counts are cumulative, so
// Buckets[math.Inf(1)] == Count. [HistogramSnapshot.Percentile] interpolates
// linearly inside the bucket that holds the target rank and returns Max
// when the rank falls in +Inf; [HistogramSnapshot.Avg] is Sum/Count.
//
// # JSON
//
// [Registry.Handler] serves json.Marshal(Snapshot()) without a trailing
// newline. Sections without series are left out, so an empty registry is
// {}:
//
//	{"counters":{"http_requests{code,200,method,GET}":{"name":"http_requests","labels":["code","200","method","GET"],"value":1}},
//	 "histograms":{"latency_ms":{"name":"latency_ms","count":1,"sum":12.5,"min":12.5,"max":12.5,
//	   "buckets":{"1":0,"5":0,"10":0,"25":1,…,"10000":1,"+Inf":1}}}}
//
// Keys are name or name{k1,v1,k2,v2} with pairs sorted by key. Histogram
// bucket keys are strconv.FormatFloat(bound, 'g', -1, 64) (so "1e+06")
// plus "+Inf". JSON has no NaN or infinity, so a non-finite gauge value,
// sum, min or max is written as the string "NaN", "+Inf" or "-Inf", and
// the UnmarshalJSON methods accept a number or one of those strings:
// observed values can never break the endpoint or its readers.
//
// Registration refuses a series whose key is already taken (see
// Registration), so a snapshot holds every series.
//
// # Prometheus
//
// [Registry.WritePrometheus] writes the text exposition format 0.0.4, which
// [Registry.PrometheusHandler] serves as "text/plain; version=0.0.4;
// charset=utf-8":
//
//	# TYPE http_requests_total counter
//	http_requests_total{code="200",method="GET"} 1
//	# TYPE latency_ms histogram
//	latency_ms_bucket{le="1"} 0
//	…
//	latency_ms_bucket{le="+Inf"} 1
//	latency_ms_sum 12.5
//	latency_ms_count 1
//
// Counters get a _total suffix unless their name already has one. Names are
// sanitised (characters outside [a-zA-Z0-9_:], or [a-zA-Z0-9_] for label
// names, become '_', and a leading digit gets a '_' prefix), label values
// escape backslash, quote and newline, and floats are 'g' formatted or NaN,
// +Inf, -Inf. Registration refuses names and label keys that would meet
// once sanitised, so every family and every series appears once and a
// scraper accepts the whole output.
//
// # Concurrency
//
// Everything in the package is safe for concurrent use. Counter, gauge and
// histogram updates are lock-free and allocation-free: counters are atomic
// integers, gauges are float64 bits updated with compare-and-swap, and
// histograms keep, per bucket, an atomic count next to the sum of the
// values it counted, plus an atomic min and max, so an observation writes
// one cache line of buckets however many goroutines observe at once. The
// snapshot's Sum adds the bucket sums in bucket order; with values of very
// different magnitudes it can differ in its last digits from a sum taken in
// observation order, as concurrent sums do anyway. Getting an
// existing series takes no lock either; only creating a series locks the
// registry. Snapshots read each value atomically, but a snapshot taken
// during updates is not one instant across series or fields: see
// [Histogram].
package metrics
