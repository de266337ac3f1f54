package protocol

import (
	"bytes"
	"fmt"
)

// Seams for the external tests.
var (
	VersionInfoFor = versionInfo    // VersionInfo with other version constants
	CheckVersionIn = checkVersion   // CheckVersion against another supported range
	StoredChecksum = storedChecksum // computed CRC -> stored checksum
)

// UnregisterPayload removes a type registered by a test, so that the test
// can run again in the same process (go test -count=N).
func UnregisterPayload(typ string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	delete(registry.factories, typ)
}

// The encoding/json implementation of the envelope codec, kept in
// reference_test.go as the oracle of the codec tests.
var (
	ReferenceUnmarshal           = referenceUnmarshal
	ReferenceMarshal             = referenceMarshal
	ReferenceMarshalWithChecksum = referenceMarshalWithChecksum
	ReferenceComputeChecksum     = referenceComputeChecksum
)

// CheckCodecSizes checks that the lengths the codec computes before it
// writes are those of what it writes: escapedLen for the JSON string of s,
// and canonicalLen for p when p is valid JSON. It returns a description of
// the first mismatch, or "".
func CheckCodecSizes(s string, p []byte) string {
	if n, w := escapedLen(s), len(appendString(nil, s)); n != w {
		return fmt.Sprintf("escapedLen(%q) = %d, appendString writes %d bytes", s, n, w)
	}
	q := appendString(nil, s)
	if n, w := unquotedLen(q), len(appendUnquoted(nil, q)); n != w {
		return fmt.Sprintf("unquotedLen(%s) = %d, appendUnquoted writes %d bytes", q, n, w)
	}
	// A literal with raw bytes, invalid UTF-8 included.
	raw := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c != '"' && c != '\\' {
			raw = append(raw, c)
		}
	}
	raw = append(raw, '"')
	if n, w := unquotedLen(raw), len(appendUnquoted(nil, raw)); n != w {
		return fmt.Sprintf("unquotedLen(%q) = %d, appendUnquoted writes %d bytes", raw, n, w)
	}
	n, changed, ok := canonicalLen(p)
	if !ok {
		return ""
	}
	c := appendCanonical(nil, p)
	if n != len(c) || changed == bytes.Equal(c, p) {
		return fmt.Sprintf("canonicalLen(%q) = %d, %v; appendCanonical writes %q", p, n, changed, c)
	}
	return ""
}
