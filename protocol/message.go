package protocol

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/greynewell/mist-go/errors"
)

// MaxMessageSize is the largest encoded message, in bytes, that
// [Unmarshal] accepts: 10 MiB.
const MaxMessageSize = 10 << 20 // 10,485,760

// Message is the envelope of every MIST message: a header and one JSON
// payload. Its JSON form, written by [Message.Marshal], has the keys in
// field order and omits checksum when it is 0.
//
// A *Message may be read by several goroutines at once; only
// [Message.ComputeChecksum] changes it, so do not call that concurrently
// with anything else. The zero Message is not valid (see
// [Message.Validate]); build messages with [New] or [Unmarshal].
type Message struct {
	Version     string          `json:"version"`
	ID          string          `json:"id"`
	Source      string          `json:"source"`
	Type        string          `json:"type"`
	TimestampNS int64           `json:"timestamp_ns"`
	Payload     json.RawMessage `json:"payload"`
	Checksum    uint32          `json:"checksum,omitempty"`
}

// Reason classes, stored under the "reason" key of the Meta of every error
// that [Unmarshal] and [Message.Validate] return.
const (
	reasonSize         = "size"
	reasonJSON         = "json"
	reasonFieldType    = "field_type"
	reasonMissingField = "missing_field"
	reasonTimestamp    = "timestamp"
	reasonVersion      = "version"
	reasonChecksum     = "checksum"
)

// protocolError returns a protocol-coded error with its reason class and,
// when field is not empty, the field at fault in Meta.
func protocolError(reason, field string, cause error, format string, args ...any) error {
	e := errors.Newf(errors.CodeProtocol, format, args...)
	e.Cause = cause
	e = e.WithMeta("reason", reason)
	if field != "" {
		e = e.WithMeta("field", field)
	}
	return e
}

// New returns a message from source of type typ whose payload is the
// encoding/json encoding of payload. It sets Version to [CurrentVersion],
// ID to 16 random bytes as 32 lower-case hex chars, and TimestampNS to the
// current time. It leaves Checksum at 0 (absent); see
// [Message.ComputeChecksum]. New does not check source or typ.
//
// If payload cannot be encoded, the error has code validation.
func New(source, typ string, payload any) (*Message, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, errors.Wrapf(errors.CodeValidation, err, "encode %s payload", typ)
	}
	return &Message{
		Version:     CurrentVersion,
		ID:          newID(),
		Source:      source,
		Type:        typ,
		TimestampNS: time.Now().UnixNano(),
		Payload:     p,
	}, nil
}

// newID returns 16 random bytes as 32 lower-case hex chars.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b[:])
}

// Validate checks, in this order, that version, id, source and type are
// not empty, that timestamp_ns is positive, and that the payload is at
// most [MaxMessageSize] bytes. A missing or null payload is fine. It does
// not check the id's format, the version number or the checksum; [Unmarshal]
// does those too.
//
// Errors have code protocol and name the field at fault.
func (m *Message) Validate() error {
	if m == nil {
		return protocolError(reasonMissingField, "", nil, "message is nil")
	}
	for _, f := range [...]struct{ name, value string }{
		{"version", m.Version}, {"id", m.ID}, {"source", m.Source}, {"type", m.Type},
	} {
		if f.value == "" {
			return protocolError(reasonMissingField, f.name, nil, "message %s is missing", f.name)
		}
	}
	if m.TimestampNS <= 0 {
		return protocolError(reasonTimestamp, "timestamp_ns", nil, "message timestamp_ns is %d, want > 0", m.TimestampNS)
	}
	if len(m.Payload) > MaxMessageSize {
		return protocolError(reasonSize, "payload", nil, "message payload is %d bytes, over the limit of %d", len(m.Payload), MaxMessageSize)
	}
	return nil
}

// Unmarshal decodes one message and checks it. In order, it:
//
//  1. rejects data longer than [MaxMessageSize] without parsing it;
//  2. decodes the JSON object, matching keys exactly (case-sensitive) and
//     ignoring unknown keys;
//  3. runs [Message.Validate] and [CheckVersion];
//  4. verifies the checksum over the payload bytes as received, unless it
//     is 0 (absent).
//
// The payload is then stored in canonical form: compact, as encoding/json
// writes it (see the package documentation). When that changes the bytes
// and the message carried a checksum, the checksum is recomputed for the
// stored bytes, so that [Message.VerifyChecksum] holds and [Message.Marshal]
// writes a message that Unmarshal accepts again.
//
// The message does not refer to data, so data may be reused at once. Its
// header strings share one allocation with its payload (see "Encoding" in
// the package documentation).
//
// Every error has code protocol, a message that names the field at fault,
// and Meta["reason"] set to one of "size", "json", "field_type",
// "missing_field", "timestamp", "version" or "checksum". Meta["field"]
// names the field when one is at fault.
func Unmarshal(data []byte) (*Message, error) {
	if len(data) > MaxMessageSize {
		return nil, protocolError(reasonSize, "", nil, "message is %d bytes, over the limit of %d", len(data), MaxMessageSize)
	}
	return decodeEnvelope(data)
}

// Decode decodes the payload into v with encoding/json, as [DecodeAs] does.
// A nil message, an empty payload, or a payload that does not decode into
// v gives an error with code protocol. A null payload leaves v unchanged.
func (m *Message) Decode(v any) error {
	if m == nil {
		return errors.New(errors.CodeProtocol, "decode payload: message is nil")
	}
	if len(m.Payload) == 0 {
		return errors.Newf(errors.CodeProtocol, "%s: payload is empty", decodeWhat(m.Type))
	}
	if err := json.Unmarshal(m.Payload, v); err != nil {
		return errors.Wrap(errors.CodeProtocol, err, decodeWhat(m.Type))
	}
	return nil
}

// DecodeAs decodes the payload of m into a new T.
//
//	req, err := protocol.DecodeAs[protocol.InferRequest](msg)
//
// A nil message, an empty payload, or a payload that does not decode into a
// T gives an error with code protocol. A null payload gives the zero T.
func DecodeAs[T any](m *Message) (T, error) {
	var v T
	err := m.Decode(&v)
	return v, err
}

// Marshal returns the compact JSON encoding of m, exactly as encoding/json
// writes the Message struct: keys in field order, checksum omitted when 0,
// and the payload compacted with <, >, & escaped. It does not compute or
// check the checksum; see [Message.MarshalWithChecksum].
//
// A payload that is not valid JSON gives an error with code validation.
// Marshal does not enforce [MaxMessageSize].
func (m *Message) Marshal() ([]byte, error) {
	if m == nil {
		return nil, errors.New(errors.CodeValidation, "marshal message: message is nil")
	}
	return encode(m, false)
}

// MarshalWithChecksum is like [Message.Marshal], but the output carries the
// checksum of the payload as written. It does not modify m.
func (m *Message) MarshalWithChecksum() ([]byte, error) {
	if m == nil {
		return nil, errors.New(errors.CodeValidation, "marshal message: message is nil")
	}
	return encode(m, true)
}

// decodeWhat names what Decode was decoding, for its errors.
func decodeWhat(typ string) string {
	if typ == "" {
		return "decode payload"
	}
	return "decode " + typ + " payload"
}
