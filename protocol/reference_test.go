package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/greynewell/mist-go/errors"
)

// This file keeps the envelope codec as it was before the hand-written one
// (codec_decode.go, codec_encode.go): encoding/json does all the work. It is
// the oracle that the tests and FuzzCodecMatchesEncodingJSON compare the
// codec with, so do not "improve" it: its behaviour is the specification.
// Validate, CheckVersion, VerifyChecksum and checksum are shared; they are
// not part of the codec.

// referenceUnmarshal is Unmarshal done by encoding/json.
func referenceUnmarshal(data []byte) (*Message, error) {
	if len(data) > MaxMessageSize {
		return nil, protocolError(reasonSize, "", nil, "message is %d bytes, over the limit of %d", len(data), MaxMessageSize)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, protocolError(reasonJSON, "", err, "message is not a json object")
		}
		return nil, protocolError(reasonJSON, "", err, "message is not valid json")
	}
	if fields == nil { // the input was null
		return nil, protocolError(reasonJSON, "", nil, "message is not a json object")
	}
	m := new(Message)
	for _, f := range [...]struct {
		name string
		dst  any
	}{
		{"version", &m.Version},
		{"id", &m.ID},
		{"source", &m.Source},
		{"type", &m.Type},
		{"timestamp_ns", &m.TimestampNS},
		{"checksum", &m.Checksum},
	} {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return nil, protocolError(reasonFieldType, f.name, err, "message %s has the wrong json type or range: %s", f.name, raw)
		}
	}
	m.Payload = fields["payload"]
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := CheckVersion(m.Version); err != nil {
		return nil, err
	}
	if !m.VerifyChecksum() {
		return nil, protocolError(reasonChecksum, "checksum", nil,
			"message checksum %d does not match payload checksum %d", m.Checksum, checksum(m.Payload))
	}
	if len(m.Payload) > 0 {
		c, err := referenceCanonical(m.Payload)
		if err != nil { // unreachable: the payload was part of valid JSON
			return nil, protocolError(reasonJSON, "payload", err, "message payload is not valid json")
		}
		if !bytes.Equal(c, m.Payload) {
			m.Payload = c
			if m.Checksum != 0 {
				m.Checksum = checksum(c)
			}
		}
	}
	return m, nil
}

// referenceCanonical is canonical done by encoding/json.
func referenceCanonical(p json.RawMessage) ([]byte, error) {
	return json.Marshal(p)
}

// referenceComputeChecksum is Message.ComputeChecksum with
// referenceCanonical.
func referenceComputeChecksum(m *Message) {
	if m == nil {
		return
	}
	if len(m.Payload) > 0 {
		if c, err := referenceCanonical(m.Payload); err == nil && !bytes.Equal(c, m.Payload) {
			m.Payload = c
		}
	}
	m.Checksum = checksum(m.Payload)
}

// referenceMarshal is Message.Marshal done by encoding/json.
func referenceMarshal(m *Message) ([]byte, error) {
	if m == nil {
		return nil, errors.New(errors.CodeValidation, "marshal message: message is nil")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, errors.Wrap(errors.CodeValidation, err, fmt.Sprintf("marshal %s message", m.Type))
	}
	return b, nil
}

// referenceMarshalWithChecksum is Message.MarshalWithChecksum done by
// encoding/json.
func referenceMarshalWithChecksum(m *Message) ([]byte, error) {
	if m == nil {
		return nil, errors.New(errors.CodeValidation, "marshal message: message is nil")
	}
	c := *m
	referenceComputeChecksum(&c)
	return referenceMarshal(&c)
}
