package logging

import (
	"io"
	"log/slog"
)

// WriterOf is the writer New uses with opts.
func WriterOf(opts ...Option) io.Writer { return newConfig(opts).w }

// FastJSONHandler is the JSON handler New builds on, for comparison with
// slog's.
func FastJSONHandler(w io.Writer, level slog.Leveler) slog.Handler { return newJSONHandler(w, level) }
