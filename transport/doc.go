// Package transport moves [protocol.Message] values between processes.
//
// Everything is built on one small interface, [Transport]: Send one
// message, Receive one message, Close. Four carriers implement it, and two
// wrappers add behaviour to any of them:
//
//	HTTP        POST to a URL; receive through an http.Handler or Listen
//	File        an append-only JSON-lines file, shared by many writers
//	Stdio       JSON lines over stdin/stdout or any reader and writer
//	Channel     in-memory, a loopback or a connected pair
//	Middleware  logging, retry, metrics, circuit breaking and tracing (Wrap)
//	Resilient   dials on first use and reconnects after failures
//
// The transporttest package holds the conformance suite every transport
// passes ([transporttest.Run]) and test doubles (Mock, Fault, Record).
//
// # Getting started
//
//	a, b := transport.NewChannelPair(16)
//	defer a.Close() // closes b too
//	err := a.Send(ctx, msg)
//	got, err := b.Receive(ctx)
//
// [Dial] opens a transport from a URL:
//
//	http://host:port[/path]   NewHTTP; an empty path or "/" becomes /mist
//	https://host/path         the same over TLS
//	file:///abs/path.jsonl    NewFile("/abs/path.jsonl")
//	file://rel/path.jsonl     NewFile("rel/path.jsonl"), relative to the working directory
//	file:///C:/a.jsonl        NewFile("C:/a.jsonl") on Windows
//	stdio://                  NewStdio
//	chan://                   NewChannel(256), a loopback
//
// Any other scheme, or no "://", is an error with code validation.
//
// # What every transport does
//
//   - A carrier that serialises (HTTP, File, Stdio) writes
//     protocol.Message.MarshalWithChecksum output, so every receiver
//     verifies the payload. A message arriving without a checksum is still
//     accepted.
//   - Send first checks the message: nil, a message that fails
//     protocol.Message.Validate or protocol.CheckVersion, or one whose
//     encoding is over [protocol.MaxMessageSize], fails with code
//     validation and nothing is sent. (Channel passes pointers, so it
//     checks the envelope but never encodes the payload.)
//   - A ctx that is already done gives ctx.Err() before any work.
//   - After Close, Send and Receive return [ErrClosed], including a Receive
//     that was waiting. A second Close returns nil. Receive never returns
//     (nil, nil).
//   - [ErrClosed] is permanent; [ErrFull] (a full Channel, an HTTP 503) is
//     retryable. Both have code unavailable and are matched with
//     errors.Is. [BlockingSend] waits while a transport reports ErrFull,
//     1 ms at first, doubling up to 100 ms.
//
// # Wire formats
//
// An envelope is the compact JSON of protocol.Message, keys in order:
//
//	{"version":"1","id":"<32 hex>","source":"…","type":"…","timestamp_ns":…,"payload":…,"checksum":…}
//
// A whole message is at most 10,485,760 bytes ([protocol.MaxMessageSize]).
//
// File and Stdio carry JSON lines: one envelope followed by "\n". Readers
// also accept "\r\n", skip blank lines, and take lines of up to
// MaxMessageSize bytes (not counting the line ending). A complete line
// that is too long or that protocol.Unmarshal rejects makes that Receive
// fail with code protocol; the next Receive continues with the following
// line. The end of the data is io.EOF itself, and a final line without
// "\n" is torn: it is never returned.
//
// HTTP is a POST of one envelope with Content-Type application/json, to
// /mist by default. The receiver answers:
//
//	202  queued, empty body
//	400  the body is not a valid envelope (bad JSON, fields, version or checksum)
//	401  missing or wrong bearer token (with WWW-Authenticate: Bearer)
//	405  not a POST (with Allow: POST)
//	413  over 10 MiB
//	503  the inbox is full (with Retry-After: 1), or the receiver is closed
//
// Every non-2xx reply is an errors.Error as JSON,
// {"code","message","meta"?,"cause"?}: code validation for 400, 405 and
// 413, auth for 401, unavailable for 503. The sender maps statuses back to
// codes: 429 is rate_limit, 5xx is unavailable (503 also matches
// ErrFull), any other failure status is validation; every such error has
// the status in Meta["status"]. A network failure is code transport. When
// ctx holds a trace span, the sender adds the W3C traceparent and
// tracestate headers (trace.InjectHTTP).
//
// # HTTP
//
// [NewHTTP] sends to a URL used exactly as given; [NewHTTP]("") only
// receives. [HTTP.Handler] is the receiving side, to mount on any server
// at any path; [HTTP.Listen] runs a server of its own at /mist with
// production timeouts and stops gracefully when ctx ends or the HTTP is
// closed. Received messages wait in an inbox of 256 ([WithInboxSize]) for
// [HTTP.Receive]; messages still queued at Close are dropped. The Handler
// reads a body as it arrives, into buffers it reuses, so a client that
// announces 10 MiB and sends little costs little. The default client has a
// 10 s timeout, TLS 1.2 or later, at most 10 idle connections kept 30 s,
// and does not follow redirects (a 3xx is an error with code validation:
// following a 301, 302 or 303 would re-send the POST as a GET without the
// message). Send reads at most 64 KiB of a reply.
//
// # File
//
// [NewFile] writes and reads a JSON-lines file. Writers open it lazily
// with O_CREATE|O_APPEND|O_WRONLY and mode 0600, and do not fsync. Each
// Send or [File.SendBatch] takes an advisory lock on the file
// (platform.LockFile), writes "\n" first if the file does not end in one
// (so a fragment left by a crashed writer stays on its own line), and then
// writes everything in one write call: lines from different writers, in
// one process or many, never interleave.
//
// Readers use their own handle, start at the beginning and never go back:
// a later Receive returns the lines appended since the last io.EOF.
// [NewFileFollow] tails the file instead, polling every 100 ms by default
// until a complete line arrives, and waits for a missing file to appear.
// Truncating or replacing the file under a reader is not supported.
//
// # Stdio
//
// [NewStdio] uses os.Stdin and os.Stdout and never closes them;
// [NewStdioFrom] uses any reader and writer, and Close closes those that
// are io.Closers. Send writes each line with one Write under a mutex.
// Receive reads through a goroutine started by the first Receive, so it
// honours ctx; the end of the input is final.
//
// # Middleware
//
// [Wrap] adds optional layers. Send applies them outermost first:
//
//  1. tracing: when ctx holds a span, a child span "transport.send" with
//     attrs msg_type, msg_source, attempts, duration_ms and (on failure)
//     error, ended "ok" or "error"; the inner layers get its ctx;
//  2. [WithRetry]: the attempts run as retry.DoAuto, so only errors that
//     errors.IsRetryable accepts are retried;
//  3. [WithBreaker]: each attempt runs inside the breaker's Do, and its
//     ErrOpen is retryable;
//  4. the wrapped transport's Send.
//
// [WithMetrics] counts transport_sent{type,result}, times
// transport_send_ms{type}, and counts transport_received{type} and
// transport_receive_errors. [WithLogger] logs "send ok" (Debug), "send
// failed" (Error) and "receive" (Debug) through the ctx-taking slog
// methods. Receive and Close pass straight through.
//
//	t := transport.Wrap(transport.NewHTTP(url),
//		transport.WithRetry(retry.DefaultPolicy),
//		transport.WithBreaker(circuitbreaker.New(circuitbreaker.Config{})),
//		transport.WithMetrics(reg),
//		transport.WithLogger(logger),
//	)
//
// # Resilient
//
// [NewResilient] takes a [DialFunc] and connects on first use, retrying
// failed dials after 100 ms, doubling up to 30 s, until ctx ends. When
// dials race, one connection is kept and the others are closed (never the
// kept one, should a DialFunc hand out one transport to every caller). A
// Send that fails with a retryable error other than ErrFull reconnects
// and sends once more; a Receive that fails with anything but io.EOF,
// ErrClosed, a ctx error or code protocol or validation reconnects and
// receives again. A Send or Receive whose connection was dropped under it,
// because a concurrent call failed on that connection, gets ErrClosed
// through no fault of its own: it is made again on the new connection.
// Its states, reported to ResilientConfig.OnStateChange, are
// "disconnected" (the start), "connecting", "connected" and "closed".
//
// # Concurrency
//
// Every type in the package is safe for concurrent use. Channel, File,
// Middleware and Resilient start no goroutines. HTTP starts none of its
// own for sending (the http.Client has its connection goroutines, and
// Close drops the idle connections of the default client); Listen's
// server goroutines are stopped before Listen returns, and Close waits for
// that. Stdio starts one reading goroutine on the first Receive, and Close
// stops it and waits for it when it can close the reader.
//
// Close never waits more than about 5 s. Two goroutines may outlive it:
// a Stdio reading goroutine blocked in a Read that Close cannot interrupt
// (os.Stdin, or a reader that is not an io.Closer), which exits when that
// Read returns; and a DialFunc of a Resilient that ignores its ctx, whose
// connection is closed as soon as it returns.
package transport
