package metrics

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
)

// DefaultBuckets are the histogram bounds used when [Registry.Histogram] is
// given nil or empty buckets. They suit latencies in milliseconds.
var DefaultBuckets = []float64{1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 10000}

// kind is the type of a metric; a name belongs to one kind for the life of a
// registry.
type kind uint8

const (
	kindCounter kind = iota + 1
	kindGauge
	kindHistogram
)

func (k kind) String() string {
	switch k {
	case kindCounter:
		return "counter"
	case kindGauge:
		return "gauge"
	case kindHistogram:
		return "histogram"
	}
	return "unknown"
}

// series is one registered metric: a name, its sorted label pairs and the
// metric itself (exactly one of counter, gauge, hist is set).
type series struct {
	kind    kind
	name    string
	labels  []string // k1, v1, k2, v2… sorted by key; never modified
	key     string   // snapshot key: name or name{k1,v1,k2,v2}
	family  string   // Prometheus family name (see familyName)
	counter *Counter
	gauge   *Gauge
	hist    *Histogram
}

// Registry holds named counters, gauges and histograms.
//
// A Registry is safe for concurrent use. Getting a series that already
// exists takes no lock and does not allocate for short keys; creating a
// series takes the registry's mutex. A zero Registry is ready to use, and
// [NewRegistry] returns one.
type Registry struct {
	// series maps an unambiguous internal key (see appendInternalKey) to
	// *series. Entries are never removed.
	series sync.Map
	mu     sync.Mutex      // held while creating a series
	kinds  map[string]kind // name -> kind; guarded by mu

	// The names series take in the outputs, so that creating a series can
	// refuse one that would clash (see claims); guarded by mu.
	families map[string]owner   // exposed Prometheus names
	jsonKeys map[string]*series // snapshot keys as JSON writes them
	promKeys map[string]*series // series as the Prometheus output shows them
}

// owner is the metric, name and kind, that an exposed name belongs to.
type owner struct {
	name string
	kind kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{}
}

// Counter returns the counter with this name and label pairs, creating it
// on first use. labels is a flat k1, v1, k2, v2… list in any order.
//
// It panics, with a message naming the metric, when name is empty, labels
// has an odd length or a repeated key, or name is already registered as a
// gauge or histogram. Creating a series also panics when its output would
// clash with another metric's: see "Registration" in the package
// documentation.
func (r *Registry) Counter(name string, labels ...string) *Counter {
	return r.get(kindCounter, name, labels, nil).counter
}

// Gauge returns the gauge with this name and label pairs, creating it on
// first use. It panics like [Registry.Counter].
func (r *Registry) Gauge(name string, labels ...string) *Gauge {
	return r.get(kindGauge, name, labels, nil).gauge
}

// Histogram returns the histogram with this name and label pairs, creating
// it with buckets on first use. Nil or empty buckets mean [DefaultBuckets].
// The bounds are copied and sorted, duplicates, NaN and ±Inf are dropped,
// and an implicit +Inf bucket is always present. When the series already
// exists, buckets is ignored and the existing histogram is returned as it
// is. It panics like [Registry.Counter].
func (r *Registry) Histogram(name string, buckets []float64, labels ...string) *Histogram {
	return r.get(kindHistogram, name, labels, buckets).hist
}

// get finds or creates a series. The lookup path validates the arguments
// and builds the internal key in stack buffers, so finding an existing
// series takes no lock.
func (r *Registry) get(k kind, name string, labels []string, buckets []float64) *series {
	if name == "" {
		panic(fmt.Sprintf("metrics: %s with an empty name", k))
	}
	if len(labels)%2 != 0 {
		panic(fmt.Sprintf("metrics: %s %q: odd number of label arguments (%d)", k, name, len(labels)))
	}
	var idxBuf [8]int
	order := sortedPairs(idxBuf[:0], labels)
	for i := 1; i < len(order); i++ {
		if labels[2*order[i]] == labels[2*order[i-1]] {
			panic(fmt.Sprintf("metrics: %s %q: repeated label key %q", k, name, labels[2*order[i]]))
		}
	}
	var keyBuf [128]byte
	key := appendInternalKey(keyBuf[:0], name, labels, order)
	if v, ok := r.series.Load(string(key)); ok {
		s := v.(*series)
		if s.kind != k {
			panicKind(k, name, s.kind)
		}
		return s
	}
	return r.create(k, name, labels, order, string(key), buckets)
}

// panicKind panics because name, asked for as a k, is registered as have.
func panicKind(k kind, name string, have kind) {
	panic(fmt.Sprintf("metrics: %s %q: name already registered as a %s", k, name, have))
}

func (r *Registry) create(k kind, name string, labels []string, order []int, key string, buckets []float64) *series {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.series.Load(key); ok { // created while we waited for mu
		s := v.(*series)
		if s.kind != k {
			panicKind(k, name, s.kind)
		}
		return s
	}
	have, known := r.kinds[name]
	if known && have != k {
		panicKind(k, name, have)
	}
	s := &series{kind: k, name: name, family: familyName(k, name)}
	if len(labels) > 0 {
		s.labels = make([]string, 0, len(labels))
		for _, i := range order {
			s.labels = append(s.labels, labels[2*i], labels[2*i+1])
		}
	}
	s.key = snapshotKey(name, s.labels)
	c := r.claims(s, !known) // panics on a clash
	switch k {
	case kindCounter:
		s.counter = &Counter{name: name}
	case kindGauge:
		s.gauge = &Gauge{}
	case kindHistogram:
		s.hist = newHistogram(name, s.labels, buckets)
	}
	if r.kinds == nil {
		r.kinds = make(map[string]kind)
		r.families = make(map[string]owner)
		r.jsonKeys = make(map[string]*series)
		r.promKeys = make(map[string]*series)
	}
	r.kinds[name] = k
	for _, f := range c.families {
		r.families[f] = owner{name, k}
	}
	r.jsonKeys[c.jsonKey] = s
	r.promKeys[c.promKey] = s
	r.series.Store(key, s)
	return s
}

// claimed is what a new series takes in the registry's outputs.
type claimed struct {
	families []string // exposed names; only for the first series of a name
	jsonKey  string   // snapshot key with invalid UTF-8 replaced, as JSON writes it
	promKey  string   // the series as the Prometheus output shows it
}

// claims returns what the new series s takes in the outputs, and panics,
// naming the metric, when that is already taken or cannot be shown:
//   - label keys the Prometheus output cannot show (see checkLabelKeys);
//   - for the first series of a name (newName), an exposed name that
//     another metric uses, which would repeat a family in the scrape;
//   - a snapshot key that another series has, which would lose a series
//     from the snapshot;
//   - labels that show as another series' labels once sanitised, which
//     would repeat a sample in the scrape.
//
// It changes nothing, so a registration that panics leaves no trace.
// r.mu must be held.
func (r *Registry) claims(s *series, newName bool) claimed {
	checkLabelKeys(s.kind, s.name, s.labels)
	c := claimed{
		jsonKey: strings.ToValidUTF8(s.key, "\uFFFD"),
		promKey: promKey(s.family, s.labels),
	}
	if newName {
		c.families = exposedNames(s.kind, s.family)
		for _, f := range c.families {
			if o, ok := r.families[f]; ok {
				panic(fmt.Sprintf("metrics: %s %q: Prometheus name %q is already used by %s %q", s.kind, s.name, f, o.kind, o.name))
			}
		}
	}
	if other, ok := r.jsonKeys[c.jsonKey]; ok {
		panic(fmt.Sprintf("metrics: %s %q: labels %q give the snapshot key %q of the series %q with labels %q",
			s.kind, s.name, s.labels, c.jsonKey, other.name, other.labels))
	}
	if other, ok := r.promKeys[c.promKey]; ok {
		panic(fmt.Sprintf("metrics: %s %q: labels %q would show in the Prometheus output as its series with labels %q",
			s.kind, s.name, s.labels, other.labels))
	}
	return c
}

// promKey identifies a series as the Prometheus output shows it: its
// family name and its pairs with sanitised keys and valid UTF-8 values,
// ordered by key. sorted is the series' k1, v1, k2, v2… list.
func promKey(family string, sorted []string) string {
	shown := make([]string, len(sorted))
	for i := 0; i < len(sorted); i += 2 {
		shown[i] = sanitizeName(sorted[i], false)
		shown[i+1] = strings.ToValidUTF8(sorted[i+1], "\uFFFD")
	}
	return string(appendInternalKey(nil, family, shown, sortedPairs(nil, shown)))
}

// exposedNames returns the names under which the Prometheus output shows a
// metric of this family: the family name first, then, for a histogram, its
// sample names.
func exposedNames(k kind, family string) []string {
	if k == kindHistogram {
		return []string{family, family + "_bucket", family + "_sum", family + "_count"}
	}
	return []string{family}
}

// familyName is the Prometheus family name of a metric: its sanitised name,
// with _total appended for a counter whose name does not end in it.
func familyName(k kind, name string) string {
	family := sanitizeName(name, true)
	if k == kindCounter && !strings.HasSuffix(family, "_total") {
		family += "_total"
	}
	return family
}

// checkLabelKeys panics, naming the metric, on label keys that the
// Prometheus output cannot show: two keys that sanitise to one label name,
// a key starting with "__" (reserved by Prometheus) or sanitising to
// "__name__", and "le" on a histogram, whose buckets use it. sorted is the
// series' k1, v1, k2, v2… list.
func checkLabelKeys(k kind, name string, sorted []string) {
	if len(sorted) == 0 {
		return
	}
	seen := make(map[string]string, len(sorted)/2)
	for i := 0; i < len(sorted); i += 2 {
		key := sorted[i]
		label := sanitizeName(key, false)
		switch {
		case strings.HasPrefix(key, "__") || label == "__name__":
			panic(fmt.Sprintf("metrics: %s %q: label key %q is reserved: Prometheus keeps label names starting with \"__\" for itself", k, name, key))
		case k == kindHistogram && key == "le":
			panic(fmt.Sprintf("metrics: %s %q: label key \"le\" is reserved for histogram bucket bounds", k, name))
		}
		if first, ok := seen[label]; ok {
			panic(fmt.Sprintf("metrics: %s %q: label keys %q and %q both become %q in the Prometheus output", k, name, first, key, label))
		}
		seen[label] = key
	}
}

// sortedPairs appends to dst the pair indices of labels (0 for labels[0:2],
// 1 for labels[2:4]…) ordered by key. An insertion sort keeps it
// allocation-free for the handful of labels a series usually has.
func sortedPairs(dst []int, labels []string) []int {
	for i := 0; i < len(labels)/2; i++ {
		dst = append(dst, i)
		for j := len(dst) - 1; j > 0 && labels[2*dst[j]] < labels[2*dst[j-1]]; j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	return dst
}

// appendInternalKey appends a length-prefixed encoding of name and the
// sorted pairs. Unlike the snapshot key, it is unambiguous whatever bytes
// the name and labels contain.
func appendInternalKey(b []byte, name string, labels []string, order []int) []byte {
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	for _, i := range order {
		k, v := labels[2*i], labels[2*i+1]
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// snapshotKey is the documented key: name, or name{k1,v1,k2,v2} with pairs
// sorted by key.
func snapshotKey(name string, sorted []string) string {
	if len(sorted) == 0 {
		return name
	}
	return name + "{" + strings.Join(sorted, ",") + "}"
}

// allSeries returns every series, in no particular order.
func (r *Registry) allSeries() []*series {
	var all []*series
	r.series.Range(func(_, v any) bool {
		all = append(all, v.(*series))
		return true
	})
	return all
}
