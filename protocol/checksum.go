package protocol

import (
	"encoding/json"
	"hash/crc32"
)

// nullPayload is how an absent payload is written, and what is
// checksummed for it.
var nullPayload = []byte("null")

// checksum returns the stored checksum of payload p: its CRC-32/IEEE, with
// a computed 0 stored as 1 because 0 means absent. An absent payload is
// checksummed as null, the bytes [Message.Marshal] writes for it.
func checksum(p json.RawMessage) uint32 {
	if len(p) == 0 {
		p = nullPayload
	}
	return storedChecksum(crc32.ChecksumIEEE(p))
}

// storedChecksum maps a computed CRC to the value stored in a message.
func storedChecksum(crc uint32) uint32 {
	if crc == 0 {
		return 1
	}
	return crc
}

// ComputeChecksum sets m.Checksum to the CRC-32/IEEE of the payload bytes,
// storing 1 when that CRC is 0 (0 means "no checksum").
//
// So that the checksum matches the bytes [Message.Marshal] writes, it first
// stores the payload in canonical form (compact, as encoding/json writes
// it) if it is valid JSON and not already in that form; payloads from [New]
// and [Unmarshal] always are. An absent payload is checksummed as the
// bytes null. ComputeChecksum is the only method that modifies m. It does
// nothing on a nil message.
func (m *Message) ComputeChecksum() {
	if m == nil {
		return
	}
	if len(m.Payload) > 0 {
		if n, changed, ok := canonicalLen(m.Payload); ok && changed {
			m.Payload = appendCanonical(make([]byte, 0, n), m.Payload)
		}
	}
	m.Checksum = checksum(m.Payload)
}

// VerifyChecksum reports whether m.Checksum is 0 (absent) or matches the
// payload bytes exactly as stored. It is false for a nil message.
func (m *Message) VerifyChecksum() bool {
	return m != nil && (m.Checksum == 0 || m.Checksum == checksum(m.Payload))
}
