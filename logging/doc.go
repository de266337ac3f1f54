// Package logging is a structured JSON or text logger on top of log/slog
// that stamps every record with the tool name and, whenever the context
// holds a trace span, with its trace and span IDs.
//
// # Logging
//
//	log := logging.New("matchspec", logging.LevelInfo)
//
//	ctx, span := trace.Start(ctx, "eval-run")
//	log.Info(ctx, "eval started", "suite", "swe-bench", "tasks", 300)
//
// writes one JSON line to os.Stderr:
//
//	{"time":"…","level":"INFO","msg":"eval started","tool":"matchspec","suite":"swe-bench","tasks":300,"trace_id":"a3f2…","span_id":"b1c2…"}
//
// Keys always come in this order: time, level (DEBUG, INFO, WARN, ERROR),
// msg, tool, the [Logger.With] attributes, the call's arguments, trace_id,
// span_id. With no span in ctx, neither ID is written. Arguments are slog's:
// alternating keys and values, or slog.Attr values.
//
// [WithWriter] changes the destination and [WithFormat]("text") selects
// slog's text handler (any other format means JSON):
//
//	log := logging.New("matchspec", logging.LevelInfo,
//		logging.WithFormat("text"), logging.WithWriter(os.Stdout))
//
// # Levels
//
// [Level] is slog.Level. A logger's level lives in one slog.LevelVar shared
// by the logger, every logger derived from it with With, and its Slog
// logger, so [Logger.SetLevel] changes them all at runtime:
//
//	log.SetLevel(logging.LevelDebug)
//
// # Derived loggers and slog
//
// [Logger.With] returns a logger whose records carry extra attributes:
//
//	requestLog := log.With("request_id", reqID, "user", userID)
//	requestLog.Info(ctx, "processing request")
//
// [Logger.Slog] returns the *slog.Logger underneath, for libraries that need
// one. Trace IDs and redaction are done by a slog.Handler, the one
// [NewHandler] returns, so they apply the same way to our Logger, to Slog(),
// to loggers from With, and to any slog logger built on that handler.
// slog's Context methods (InfoContext, Log, LogAttrs) pass ctx and get the
// IDs; Info, Warn and the like have no ctx and do not.
//
// The IDs are top-level keys written after every other attribute, even
// inside open groups:
//
//	log.Slog().WithGroup("req").InfoContext(ctx, "routed", "model", "claude")
//	// {…,"tool":"infermux","req":{"model":"claude"},"trace_id":"…","span_id":"…"}
//
// To do this the handler keeps track of WithGroup calls, and of the
// attributes added after the first one, itself; it nests them when it
// handles a record and then appends the IDs outside every group.
// Attributes added before any group go to the inner handler's WithAttrs as
// usual, so they are formatted once.
//
// # Redaction
//
// [WithRedact] writes "[REDACTED]" in place of the value of every attribute
// whose key equals a listed key exactly, at any group depth, whether it was
// added with With/WithAttrs or passed to the call, and through Slog() too.
// A redacted value is never resolved, so a slog.LogValuer's LogValue is
// not called, and a group under a listed key is replaced as a whole. Values
// of other keys that are LogValuers are resolved by the handler so that
// groups they produce are redacted too. Several WithRedact options add up.
//
//	log := logging.New("schemaflux", logging.LevelInfo, logging.WithRedact("password", "token"))
//
// # Cost
//
// The JSON a [Logger] writes comes from a handler of this package that
// writes byte for byte what slog.NewJSONHandler writes, but formats
// strings, numbers, booleans, durations, times and errors itself into a
// pooled buffer. A record holding any other value (a group, as under
// WithGroup; a LogValuer; a struct), and every record of a logger whose
// With attributes hold one, is handed to slog's JSON handler instead,
// behind the same lock. A Logger does not capture the caller's program
// counter, since none of its handlers records the source. A line with a
// few attributes and the trace IDs costs about half of what slog's JSON
// handler costs, and allocates nothing.
//
// # Concurrency
//
// A [Logger] and the handler from [NewHandler] are safe for concurrent use
// (the handler as far as its inner handler is; slog's are). Logging ignores
// ctx cancellation: ctx is only read for the span. Write errors are dropped
// by Logger methods, as slog's Logger does.
package logging
