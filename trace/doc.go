// Package trace is distributed tracing that lives in [context.Context].
//
// A [Span] is one timed operation. Spans carry W3C-sized IDs (a 32-hex
// trace ID and a 16-hex span ID) and parent/child links, propagate over
// HTTP through the W3C Trace Context headers traceparent and tracestate,
// convert to and from the trace.span payload of the protocol package, and,
// once ended, can be shipped in batches to any number of exporters, for
// example as MIST messages over a transport.
//
// # Spans in context
//
// [Start] begins a span and returns a context that holds it. With a span
// already in ctx the new span is its child (same trace, ParentID set,
// sampling and tracestate inherited); without one it is the root of a new,
// sampled trace:
//
//	ctx, span := trace.Start(ctx, "eval-run")
//	defer span.End("ok")
//	span.SetAttr("suite", "swe-bench")
//
// [FromContext], [TraceID] and [SpanID] read the current span; the two ID
// helpers return "" when there is none, which is what a logger wants.
// [StartWithTraceID] joins a known trace, and [ContinueFrom] continues the
// trace of a received protocol.TraceSpan. [Span.End] takes effect once;
// later calls, and [Span.SetAttr] after End, do nothing.
//
// # IDs
//
// [NewTraceID] and [NewSpanID] draw 16 and 8 bytes from crypto/rand and
// write them as lower-case hex, redrawing an all-zero value.
// [ValidTraceID] and [ValidSpanID] accept exactly that shape: the right
// length, only [0-9a-f], not all zeros.
//
// # W3C Trace Context
//
// [InjectHTTP] writes the span in ctx as
//
//	Traceparent: 00-<trace id>-<span id>-01    (-00 when not sampled)
//	Tracestate:  mist=<span id>,<other vendors' entries>
//
// and [ExtractHTTP] starts a server span from those headers: a fresh span
// ID, the caller's trace ID and span (as parent), and its sampled flag, so
// an incoming -00 goes out as -00. [ParseTraceparent] follows the
// recommendation: surrounding spaces and tabs are trimmed; the version is
// two lower-case hex chars other than ff; a version 00 header is exactly 55
// chars; a higher version may carry more fields after a "-", which are
// ignored; the IDs are lower-case hex and not all zeros. A missing,
// repeated or invalid traceparent is ignored and ExtractHTTP starts a span
// as [Start] would, without reading tracestate.
//
// Tracestate lines are joined with ",", entries are trimmed, empty entries
// and entries without "=" are dropped, and at most [MaxTracestateEntries]
// (32) are kept. On the way out our own mist entry comes first, any older
// mist entry is dropped, and the list is cut to 32 entries;
// [Span.TraceState] returns that value.
//
// # Protocol conversion
//
// [Span.ToProto] returns a protocol.TraceSpan, [FromProto] rebuilds an
// already-ended span from one (it is never exported), and [SpanToMessage]
// wraps a span in a trace.span message. Attribute maps are copied each
// way; the values themselves are shared.
//
// # Exporting spans
//
// [RegisterExporter] attaches an [Exporter] to the process: every sampled
// span that ends from then on is queued for it without blocking End. Each
// registration owns one goroutine that calls Export with a batch when 64
// spans are waiting, every second, on [Registration.Flush] and on
// [Registration.Shutdown], never concurrently. When the queue (2048 spans)
// is full, spans are dropped and counted by [Registration.Dropped]. Export
// errors go to the handler set by [WithErrorHandler] (discarded by
// default); a panic in Export becomes such an error with code internal,
// and the registration keeps going.
//
// Ending a span appends it to each registration's queue under a short lock
// and wakes the registration's goroutine only when a whole batch is
// waiting, so End never switches goroutines. The list of registrations is
// read without a lock. Starting a root span draws both IDs with one read of
// crypto/rand and allocates them as one string.
//
//	reg := trace.RegisterExporter(trace.NewMessageExporter(tr, protocol.SourceInferMux))
//	defer reg.Shutdown(context.Background())
//
// [NewMessageExporter] sends each span as a trace.span message through any
// [Sender], such as a transport. Spans started from the ctx given to
// Export are never exported, so an exporter whose transport traces its own
// sends does not feed itself.
//
// The registry of exporters is process-wide, as it must be for End to
// reach it without arguments. Tests that register exporters must not run
// in parallel with tests that end spans.
//
// # Concurrency
//
// Package functions, *Span methods and *Registration are safe for
// concurrent use. A span's exported fields other than Status and EndNS
// never change after it starts; End writes Status and EndNS under the
// span's mutex, so read them through [Span.ToProto] or [Span.DurationNS]
// whenever another goroutine might end the span.
//
// Shutdown waits for the registration's goroutine. If its ctx ends first,
// it cancels the ctx passed to Export, drops what is left and still waits:
// an Exporter that ignores its ctx is the one place where this package
// waits on user code. A span that ends while Shutdown runs may or may not
// reach that registration's exporter, since End reads the list of
// registrations without a lock; every span that ended before Shutdown was
// called is exported, unless Shutdown's ctx ends first.
package trace
