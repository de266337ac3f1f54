// Package protocol is the common language of the MIST stack: the JSON
// envelope that carries one typed payload between tools, the names of the
// message types and of the tools that send them, the payload structs, and
// how protocol versions are compared. It does no I/O; moving bytes is the
// job of the transport package.
//
// # The envelope
//
// A [Message] is a header plus a raw JSON payload. [New] fills in the
// header (version, a random 32-hex ID, the current time) and encodes the
// payload; the receiver checks the bytes with [Unmarshal] and decodes the
// payload with [DecodeAs] or [Message.Decode]:
//
//	msg, err := protocol.New(protocol.SourceMatchSpec, protocol.TypeInferRequest, req)
//	data, err := msg.MarshalWithChecksum()
//	// ... data travels ...
//	msg, err := protocol.Unmarshal(data)
//	req, err := protocol.DecodeAs[protocol.InferRequest](msg)
//
// # Wire format
//
// A message is one compact JSON object with its keys in this order:
//
//	{"version":"1","id":"<32 hex>","source":"matchspec","type":"infer.request",
//	 "timestamp_ns":1767225600000000000,"payload":{...},"checksum":3617221169}
//
// checksum is omitted when it is 0, which means "no checksum". A missing
// payload is written as null. [Message.Marshal] writes exactly what
// encoding/json writes for the Message struct, so strings and the payload
// have <, > and & escaped as \u003c, \u003e and \u0026.
//
// [Unmarshal] matches keys case-sensitively ("Version" is an unknown key),
// ignores unknown keys, and needs integer literals for timestamp_ns (int64)
// and checksum (uint32).
//
// # Encoding
//
// [Message.Marshal], [Message.MarshalWithChecksum] and [Unmarshal] do not
// go through encoding/json's reflection: a small hand-written codec reads
// and writes the envelope several times faster, and gives exactly what
// encoding/json gives for the Message struct. The bytes written are the
// same; Unmarshal accepts the same inputs (unknown keys skipped, a
// repeated key keeping its last value, null leaving a field as it is,
// escapes and invalid UTF-8 decoded as encoding/json decodes them) and
// returns the same messages and errors. The tests hold the codec to
// encoding/json on the golden vectors and on fuzzed input. The payload
// stays raw JSON, validated and kept in canonical form (see below).
//
// Marshal and MarshalWithChecksum allocate only the slice they return.
// Unmarshal allocates the *Message and one buffer that holds the header
// strings and the payload, and never keeps a reference to its input.
// Because they share that buffer, a header string that outlives its
// message, such as an ID kept in a set of IDs already seen, keeps the
// payload's memory alive too; keep strings.Clone(msg.ID) instead.
//
// The codec builds its errors for malformed JSON and for keys of the wrong
// type with encoding/json, off the fast path, so that their texts and
// causes (a *json.SyntaxError, a *json.UnmarshalTypeError) are exactly
// those encoding/json gives.
//
// # Limits
//
// A whole message is at most [MaxMessageSize] (10 MiB) bytes; [Unmarshal]
// rejects longer input before parsing it. [Message.Validate] also bounds
// the payload by the same size. [Message.Marshal] enforces no limit.
//
// # Checksum
//
// The checksum is the CRC-32/IEEE of the payload bytes exactly as stored in
// [Message.Payload]. A computed 0 is stored as 1, since 0 means absent, and
// an absent payload is checksummed as the bytes null, the way it is
// written. [Message.ComputeChecksum] sets it, [Message.VerifyChecksum]
// checks it, and [Message.MarshalWithChecksum] writes it without changing
// the message. [Unmarshal] verifies it over the payload as received.
//
// So that a checksum always matches the bytes that [Message.Marshal]
// writes, payloads are kept in canonical form: compact, as encoding/json
// writes a json.RawMessage. [New] produces that form; [Unmarshal] converts
// the payload it received, and when that changes the bytes it replaces a
// verified checksum with the checksum of the stored bytes;
// [Message.ComputeChecksum] and [Message.MarshalWithChecksum] convert too.
// Only a Payload set by hand to non-compact JSON, with a checksum set by
// hand, can produce a message that Unmarshal rejects.
//
// # Errors
//
// Every error from [Unmarshal] and [Message.Validate] has code protocol
// (see the errors package), a message that names the field at fault, and
// Meta entries that programs may rely on:
//
//   - Meta["reason"] is the class of the failure: "size" (too large),
//     "json" (not a JSON object), "field_type" (a known key holds the wrong
//     JSON type or an out-of-range number), "missing_field" (version, id,
//     source or type empty or absent), "timestamp" (timestamp_ns <= 0),
//     "version" (see [CheckVersion]) or "checksum" (mismatch).
//   - Meta["field"] is the key at fault, when there is one.
//
// The same classes name the failures of the golden vectors in
// testdata/vectors, which the Python and TypeScript bindings read too.
// [Message.Decode] and [DecodeAs] fail with code protocol; [New] and
// [Message.Marshal] fail with code validation when the payload cannot be
// encoded.
//
// # Versions
//
// A version is a decimal integer (ASCII digits) in a string, read after
// trimming spaces. This package speaks [CurrentVersion] and reads
// [MinSupportedVersion] to [MaxSupportedVersion]. [CheckVersion] rejects
// anything else as "too old" or "too new"; [IsCompatible] is its boolean
// form; [NegotiateVersion] picks the highest version two ranges share; and
// [VersionInfo] describes the package:
//
//	protocol.NegotiateVersion("1-3", "2-5") // "3", nil
//	protocol.VersionInfo()                  // "MIST protocol version 1"
//
// # Payload registry
//
// The package keeps one process-wide registry from message type to payload
// struct, so a receiver can decode any message without a type switch on
// the type string. The ten built-in types are registered from the start;
// [RegisterPayload] adds more, and panics on an empty name, a nil factory
// or a duplicate, which are programming mistakes. [PayloadFor] returns a
// new pointer on every call:
//
//	v, ok := protocol.PayloadFor(msg.Type) // *protocol.TraceAlert for "trace.alert"
//	if ok {
//		err = msg.Decode(v)
//	}
//
// # Concurrency
//
// Package functions and the payload registry are safe for concurrent use.
// Concurrent reads of a *Message, including Marshal, MarshalWithChecksum,
// Validate, Decode and VerifyChecksum, are safe; only
// [Message.ComputeChecksum] modifies a message.
package protocol
