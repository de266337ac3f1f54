package metrics

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Handler serves [Registry.Snapshot] as JSON: Content-Type
// application/json, the body json.Marshal(Snapshot()) with no trailing
// newline. It answers every method the same way.
func (r *Registry) Handler() http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		body, err := json.Marshal(r.Snapshot())
		if err != nil { // unreachable: every snapshot value has a JSON form
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body) //nolint:errcheck // the client went away; nothing to do
	}
}

// PrometheusHandler serves [Registry.WritePrometheus] with Content-Type
// "text/plain; version=0.0.4; charset=utf-8". It answers every method the
// same way.
func (r *Registry) PrometheusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var buf bytes.Buffer
		r.WritePrometheus(&buf) //nolint:errcheck // a bytes.Buffer does not fail
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Write(buf.Bytes()) //nolint:errcheck // the client went away; nothing to do
	})
}

// WritePrometheus writes every series in the Prometheus text exposition
// format, version 0.0.4, and returns the first write error.
//
// Families are sorted by exposed name, each begins with a "# TYPE" line,
// and its series are sorted by labels. A counter x is exposed as x_total
// unless its name already ends in _total. A histogram x has one
// x_bucket{…,le="<bound>"} line per bound, then le="+Inf", then x_sum and
// x_count. Metric names have characters outside [a-zA-Z0-9_:] replaced by
// '_' (label names: outside [a-zA-Z0-9_]) and a leading digit prefixed by
// '_'. Label values escape backslash, double quote and newline, and invalid
// UTF-8 becomes U+FFFD. There are no HELP lines and no timestamps.
func (r *Registry) WritePrometheus(w io.Writer) error {
	// Registration gives every metric a family name of its own, so sorting
	// by family name, then labels, puts each family's series together in
	// the documented order.
	all := r.allSeries()
	slices.SortFunc(all, func(a, b *series) int {
		return cmp.Or(strings.Compare(a.family, b.family), slices.Compare(a.labels, b.labels))
	})

	var b, labels []byte
	for i, s := range all {
		if i == 0 || s.family != all[i-1].family {
			b = append(b, "# TYPE "...)
			b = append(b, s.family...)
			b = append(b, ' ')
			b = append(b, s.kind.String()...)
			b = append(b, '\n')
		}
		labels = appendLabels(labels[:0], s.labels)
		switch s.kind {
		case kindCounter:
			b = appendSample(b, s.family, "", labels, "")
			b = strconv.AppendInt(b, s.counter.Value(), 10)
			b = append(b, '\n')
		case kindGauge:
			b = appendSample(b, s.family, "", labels, "")
			b = appendPromFloat(b, s.gauge.Value())
			b = append(b, '\n')
		case kindHistogram:
			hs := s.hist.Snapshot()
			for _, bound := range s.hist.bounds {
				b = appendSample(b, s.family, "_bucket", labels, formatBound(bound))
				b = strconv.AppendInt(b, hs.Buckets[bound], 10)
				b = append(b, '\n')
			}
			b = appendSample(b, s.family, "_bucket", labels, "+Inf")
			b = strconv.AppendInt(b, hs.Count, 10)
			b = append(b, '\n')
			b = appendSample(b, s.family, "_sum", labels, "")
			b = appendPromFloat(b, hs.Sum)
			b = append(b, '\n')
			b = appendSample(b, s.family, "_count", labels, "")
			b = strconv.AppendInt(b, hs.Count, 10)
			b = append(b, '\n')
		}
		if len(b) >= 32<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	if len(b) > 0 {
		_, err := w.Write(b)
		return err
	}
	return nil
}

// appendLabels appends the sorted k1, v1, k2, v2… pairs as
// k1="v1",k2="v2", with sanitised label names and escaped values.
func appendLabels(b []byte, sorted []string) []byte {
	for i := 0; i < len(sorted); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendLabel(b, sanitizeName(sorted[i], false), sorted[i+1])
	}
	return b
}

// appendSample appends `name+suffix{labels,le="<le>"} ` (the braces only
// when there is a label, le only when it is not empty), ready for the
// value. labels is the output of appendLabels.
func appendSample(b []byte, name, suffix string, labels []byte, le string) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	if len(labels) > 0 || le != "" {
		b = append(b, '{')
		b = append(b, labels...)
		if le != "" {
			if len(labels) > 0 {
				b = append(b, ',')
			}
			b = appendLabel(b, "le", le)
		}
		b = append(b, '}')
	}
	return append(b, ' ')
}

func appendLabel(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, `="`...)
	value = strings.ToValidUTF8(value, string(utf8.RuneError))
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// appendPromFloat formats a sample value: 'g' with the shortest exact
// digits, or NaN, +Inf, -Inf.
func appendPromFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// sanitizeName makes s a valid metric name (colons allowed) or label name:
// every other character outside [a-zA-Z0-9_] becomes '_', and a leading
// digit gets a '_' prefix. An empty label name becomes "_".
func sanitizeName(s string, metric bool) string {
	ok := s != "" && !isDigit(s[0])
	for i := 0; ok && i < len(s); i++ {
		ok = validNameByte(s[i], metric)
	}
	if ok {
		return s
	}
	var sb strings.Builder
	if s == "" || isDigit(s[0]) {
		sb.WriteByte('_')
	}
	for _, c := range s { // one '_' per rune, or per invalid byte
		if c < utf8.RuneSelf && validNameByte(byte(c), metric) {
			sb.WriteRune(c)
		} else {
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func validNameByte(c byte, metric bool) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '_' || metric && c == ':'
}
