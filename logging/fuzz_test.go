package logging_test

import (
	"log/slog"
	"math"
	"testing"
	"time"
)

// FuzzJSONHandler checks, with slog's JSON handler as the oracle, that the
// JSON handler behind New writes the same bytes for any key, message,
// string, number, duration and time, whether they come from WithAttrs or
// from the record.
func FuzzJSONHandler(f *testing.F) {
	f.Add("k", "msg", "v", int64(1), uint64(2), 1.5, int64(time.Second), int64(0), true)
	f.Add("", "", "\x00\"\\\n\xff\u2028<&>", int64(math.MinInt64), uint64(math.MaxUint64), 1e-7, int64(-1), int64(-62135596800), false)
	f.Add("ключ", "日本", "\U0001F600", int64(0), uint64(0), 1e21, int64(0), int64(253402300800), true)
	f.Fuzz(func(t *testing.T, key, msg, s string, i int64, u uint64, fl float64, d, unix int64, withAttrs bool) {
		at := time.Unix(unix, i%1e9).In(time.FixedZone("", int(i%(14*3600))))
		attrs := []slog.Attr{
			slog.String(key, s), slog.Int64(key+"i", i), slog.Uint64("u", u), slog.Float64("f", fl),
			slog.Duration("d", time.Duration(d)), slog.Time("t", at), slog.Bool("b", withAttrs),
		}
		r := slog.NewRecord(at, slog.Level(i%16), msg, 0)
		if withAttrs {
			ours, ref, ob, rb := handlerPair(slog.LevelDebug-8, attrs...)
			sameOutput(t, "with", ours, ref, ob, rb, r)
			return
		}
		r.AddAttrs(attrs...)
		ours, ref, ob, rb := handlerPair(slog.LevelDebug - 8)
		sameOutput(t, "record", ours, ref, ob, rb, r)
	})
}
