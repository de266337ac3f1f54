package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// RegistrySnapshot is a point-in-time copy of every series in a registry,
// keyed by the series key: name, or name{k1,v1,k2,v2} with pairs sorted by
// key. Empty sections are nil, so they are left out of the JSON.
//
// A RegistrySnapshot is a plain value: it is not safe for concurrent
// mutation, and its zero value is an empty snapshot.
type RegistrySnapshot struct {
	Counters   map[string]CounterSnapshot   `json:"counters,omitempty"`
	Gauges     map[string]GaugeSnapshot     `json:"gauges,omitempty"`
	Histograms map[string]HistogramSnapshot `json:"histograms,omitempty"`
}

// CounterSnapshot is a counter's value. Labels are the sorted k1, v1…
// pairs, nil for an unlabelled series.
//
// A CounterSnapshot is a plain value, a copy that no longer changes with the
// counter: it is not safe for concurrent mutation. Its zero value is an
// unnamed series with the value 0.
type CounterSnapshot struct {
	Name   string   `json:"name"`
	Labels []string `json:"labels,omitempty"`
	Value  int64    `json:"value"`
}

// GaugeSnapshot is a gauge's value. Its JSON writes a non-finite Value as
// the string "NaN", "+Inf" or "-Inf".
//
// A GaugeSnapshot is a plain value, a copy that no longer changes with the
// gauge: it is not safe for concurrent mutation. Its zero value is an
// unnamed series with the value 0.
type GaugeSnapshot struct {
	Name   string   `json:"name"`
	Labels []string `json:"labels,omitempty"`
	Value  float64  `json:"value"`
}

// HistogramSnapshot is a histogram's state. Buckets maps each upper bound,
// math.Inf(1) included, to the cumulative count of observations ≤ it, so
// Buckets[math.Inf(1)] == Count. Min and Max are 0 while Count is 0.
//
// Its JSON has the keys name, labels (omitted when empty), count, sum, min,
// max and buckets in that order. Bucket keys are
// strconv.FormatFloat(bound, 'g', -1, 64) in ascending order, then "+Inf";
// a non-finite sum, min or max is written as "NaN", "+Inf" or "-Inf".
//
// A HistogramSnapshot is a plain value, a copy that no longer changes with
// the histogram: it is not safe for concurrent mutation, and copying it
// shares the Buckets map. Its zero value is an empty histogram with a nil
// Buckets map; Avg and Percentile return 0 for it.
type HistogramSnapshot struct {
	Name    string            `json:"name"`
	Labels  []string          `json:"labels,omitempty"`
	Count   int64             `json:"count"`
	Sum     float64           `json:"sum"`
	Min     float64           `json:"min"`
	Max     float64           `json:"max"`
	Buckets map[float64]int64 `json:"-"` // cumulative counts by upper bound, including math.Inf(1)
}

// Compile-time checks that the snapshots have their JSON forms.
var (
	_ json.Marshaler   = GaugeSnapshot{}
	_ json.Unmarshaler = (*GaugeSnapshot)(nil)
	_ json.Marshaler   = HistogramSnapshot{}
	_ json.Unmarshaler = (*HistogramSnapshot)(nil)
)

// Snapshot copies the current value of every series.
func (r *Registry) Snapshot() RegistrySnapshot {
	var snap RegistrySnapshot
	// Registration keeps snapshot keys unique, so no series overwrites
	// another here, whatever the order.
	for _, s := range r.allSeries() {
		switch s.kind {
		case kindCounter:
			if snap.Counters == nil {
				snap.Counters = make(map[string]CounterSnapshot)
			}
			snap.Counters[s.key] = CounterSnapshot{Name: s.name, Labels: slices.Clone(s.labels), Value: s.counter.Value()}
		case kindGauge:
			if snap.Gauges == nil {
				snap.Gauges = make(map[string]GaugeSnapshot)
			}
			snap.Gauges[s.key] = GaugeSnapshot{Name: s.name, Labels: slices.Clone(s.labels), Value: s.gauge.Value()}
		case kindHistogram:
			if snap.Histograms == nil {
				snap.Histograms = make(map[string]HistogramSnapshot)
			}
			snap.Histograms[s.key] = s.hist.Snapshot()
		}
	}
	return snap
}

// Avg returns Sum/Count, or 0 when Count is 0.
func (s HistogramSnapshot) Avg() float64 {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / float64(s.Count)
}

// Percentile estimates the p-th percentile from the buckets. p is clamped
// to [0, 100] (NaN counts as 0), and an empty histogram gives 0.
//
// With target = Count·p/100, it finds the first finite bucket whose
// cumulative count reaches target and interpolates linearly between the
// previous bound (0 for the first bucket) and this bucket's bound. When the
// target falls in the +Inf bucket it returns Max.
func (s HistogramSnapshot) Percentile(p float64) float64 {
	if s.Count == 0 {
		return 0
	}
	switch {
	case math.IsNaN(p) || p < 0:
		p = 0
	case p > 100:
		p = 100
	}
	target := float64(s.Count) * p / 100
	var prev, prevCum float64
	for _, b := range finiteBounds(s.Buckets) {
		cum := float64(s.Buckets[b])
		if cum >= target {
			if cum == prevCum { // only when target ≤ prevCum; nothing to interpolate
				return prev
			}
			return prev + (b-prev)*(target-prevCum)/(cum-prevCum)
		}
		prev, prevCum = b, cum
	}
	return s.Max
}

// finiteBounds returns the finite bucket bounds in ascending order.
func finiteBounds(buckets map[float64]int64) []float64 {
	bounds := make([]float64, 0, len(buckets))
	for b := range buckets {
		if !math.IsNaN(b) && !math.IsInf(b, 0) {
			bounds = append(bounds, b)
		}
	}
	slices.Sort(bounds)
	return bounds
}

// MarshalJSON writes {"name","labels"?,"value"}, with a non-finite value as
// "NaN", "+Inf" or "-Inf".
func (s GaugeSnapshot) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64)
	b, err := appendHead(b, s.Name, s.Labels)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"value":`...)
	b = appendFloat(b, s.Value)
	return append(b, '}'), nil
}

// UnmarshalJSON reads the form MarshalJSON writes; value may be a number or
// one of the strings "NaN", "+Inf" and "-Inf".
func (s *GaugeSnapshot) UnmarshalJSON(data []byte) error {
	var aux struct {
		Name   string    `json:"name"`
		Labels []string  `json:"labels"`
		Value  jsonFloat `json:"value"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return fmt.Errorf("metrics: decode gauge snapshot: %w", err)
	}
	*s = GaugeSnapshot{Name: aux.Name, Labels: aux.Labels, Value: float64(aux.Value)}
	return nil
}

// MarshalJSON writes the documented key order: name, labels, count, sum,
// min, max, buckets.
func (s HistogramSnapshot) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 128+24*len(s.Buckets))
	b, err := appendHead(b, s.Name, s.Labels)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, s.Count, 10)
	b = append(b, `,"sum":`...)
	b = appendFloat(b, s.Sum)
	b = append(b, `,"min":`...)
	b = appendFloat(b, s.Min)
	b = append(b, `,"max":`...)
	b = appendFloat(b, s.Max)
	b = append(b, `,"buckets":{`...)
	bounds := make([]float64, 0, len(s.Buckets))
	for bound := range s.Buckets {
		bounds = append(bounds, bound)
	}
	slices.Sort(bounds) // +Inf sorts last
	for i, bound := range bounds {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, formatBound(bound)...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, s.Buckets[bound], 10)
	}
	return append(b, "}}"...), nil
}

// UnmarshalJSON reads the form MarshalJSON writes. sum, min and max may be
// numbers or the strings "NaN", "+Inf" and "-Inf". Buckets is rebuilt from
// the bucket keys, "+Inf" included; when that key is missing, the +Inf
// bucket is set to count. A key that is not a number, is NaN or -Inf, or
// repeats another bound is an error.
func (s *HistogramSnapshot) UnmarshalJSON(data []byte) error {
	var aux struct {
		Name    string           `json:"name"`
		Labels  []string         `json:"labels"`
		Count   int64            `json:"count"`
		Sum     jsonFloat        `json:"sum"`
		Min     jsonFloat        `json:"min"`
		Max     jsonFloat        `json:"max"`
		Buckets map[string]int64 `json:"buckets"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return fmt.Errorf("metrics: decode histogram snapshot: %w", err)
	}
	buckets := make(map[float64]int64, len(aux.Buckets)+1)
	for key, n := range aux.Buckets {
		bound, err := strconv.ParseFloat(key, 64)
		if err != nil || math.IsNaN(bound) || math.IsInf(bound, -1) {
			return fmt.Errorf("metrics: decode histogram snapshot %q: bad bucket bound %q", aux.Name, key)
		}
		if _, dup := buckets[bound]; dup {
			return fmt.Errorf("metrics: decode histogram snapshot %q: bucket bound %q repeated", aux.Name, key)
		}
		buckets[bound] = n
	}
	if _, ok := buckets[math.Inf(1)]; !ok {
		buckets[math.Inf(1)] = aux.Count
	}
	*s = HistogramSnapshot{
		Name:    aux.Name,
		Labels:  aux.Labels,
		Count:   aux.Count,
		Sum:     float64(aux.Sum),
		Min:     float64(aux.Min),
		Max:     float64(aux.Max),
		Buckets: buckets,
	}
	return nil
}

// appendHead appends `{"name":…` and, when there are labels, `,"labels":[…]`.
func appendHead(b []byte, name string, labels []string) ([]byte, error) {
	n, err := json.Marshal(name)
	if err != nil {
		return nil, err
	}
	b = append(b, `{"name":`...)
	b = append(b, n...)
	if len(labels) > 0 {
		l, err := json.Marshal(labels)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"labels":`...)
		b = append(b, l...)
	}
	return b, nil
}

// appendFloat appends f as encoding/json would, except that NaN and ±Inf,
// which JSON cannot represent, become the strings "NaN", "+Inf", "-Inf".
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Inf"`...)
	}
	// The same choice of format as encoding/json (ES6 number to string).
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// formatBound formats a bucket bound as a JSON key or a Prometheus le value.
func formatBound(b float64) string {
	if math.IsInf(b, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(b, 'g', -1, 64)
}

// jsonFloat decodes a JSON number or one of "NaN", "+Inf", "-Inf".
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = jsonFloat(math.NaN())
		case "+Inf":
			*f = jsonFloat(math.Inf(1))
		case "-Inf":
			*f = jsonFloat(math.Inf(-1))
		default:
			return fmt.Errorf("metrics: %q is not a number, \"NaN\", \"+Inf\" or \"-Inf\"", s)
		}
		return nil
	}
	var v float64
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}
