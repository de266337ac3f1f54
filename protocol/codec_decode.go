package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/greynewell/mist-go/errors"
)

// This file decodes the envelope for Unmarshal. It gives the same result as
// decoding into map[string]json.RawMessage and then each known key into its
// field with encoding/json (see referenceUnmarshal in reference_test.go),
// with one scan of the input (see codec_scan.go) and two allocations:
//
//   - the whole input must be one valid JSON value, else "not valid json";
//   - it must be an object, else "not a json object";
//   - keys are compared after unescaping, case-sensitively; a repeated key
//     keeps its last value; other keys are validated and skipped;
//   - each known key is then decoded in field order: version, id, source
//     and type take a string, timestamp_ns an int64 and checksum a uint32
//     integer literal, and null leaves the field as it is.
//
// The errors for malformed JSON and wrong field types are built by
// encoding/json itself (jsonError, fieldTypeError), so that their texts and
// causes stay exactly those of the reference; they are off the hot path.

// Envelope keys, in the order the reference decodes them.
const (
	fieldVersion = iota
	fieldID
	fieldSource
	fieldType
	fieldTimestamp
	fieldChecksum
	fieldPayload
	numFields
)

var fieldNames = [numFields]string{"version", "id", "source", "type", "timestamp_ns", "checksum", "payload"}

// fieldIndex returns the field of an unescaped key, or -1.
func fieldIndex(key []byte) int {
	switch string(key) {
	case "version":
		return fieldVersion
	case "id":
		return fieldID
	case "source":
		return fieldSource
	case "type":
		return fieldType
	case "timestamp_ns":
		return fieldTimestamp
	case "checksum":
		return fieldChecksum
	case "payload":
		return fieldPayload
	}
	return -1
}

// span is where the last value of a known key lies in the input.
type span struct {
	start, end int
	st         canonStats // payload only: how far it is from canonical
}

// decodeEnvelope decodes data, which is at most MaxMessageSize bytes, into
// a checked message: it is Unmarshal after the size check.
func decodeEnvelope(data []byte) (*Message, error) {
	var spans [numFields]span
	clean, ok := scanEnvelope(data, &spans)
	if !ok {
		return nil, jsonError(data)
	}
	// Decode the header in field order; the first wrong type is the error.
	var ts int64
	var sum uint32
	var strLen [fieldType + 1]int // decoded length of each string field
	var plain [fieldType + 1]bool // the string is its own value: no escape, ASCII
	need := 0                     // bytes of the one buffer for strings and payload
	for f := range fieldPayload {
		if spans[f].end == 0 { // absent
			continue
		}
		v := data[spans[f].start:spans[f].end]
		if v[0] == 'n' { // null leaves the field unchanged
			continue
		}
		ok = false
		switch f {
		case fieldTimestamp:
			ts, ok = parseInt64(v)
		case fieldChecksum:
			sum, ok = parseUint32(v)
		default:
			if ok = v[0] == '"'; ok {
				// No backslash in the clean prefix: if the bytes are ASCII
				// too, they are the value.
				if inner := v[1 : len(v)-1]; spans[f].end <= clean && isASCII(inner) {
					plain[f], strLen[f] = true, len(inner)
				} else {
					strLen[f] = unquotedLen(v)
				}
				need += strLen[f]
			}
		}
		if !ok {
			return nil, fieldTypeError(f, v)
		}
	}
	var payload []byte // the payload as received, or nil when absent
	canonLen := 0
	if spans[fieldPayload].end != 0 {
		payload = data[spans[fieldPayload].start:spans[fieldPayload].end]
		canonLen = len(payload) - spans[fieldPayload].st.space + spans[fieldPayload].st.grow
		need += canonLen
	}

	// One allocation holds the decoded strings, then the stored payload.
	// at[f] is where field f starts in it, at[fieldType+1] the payload.
	var buf []byte
	var at [fieldType + 2]int
	changed := spans[fieldPayload].st.changed()
	if plain == [fieldType + 1]bool{true, true, true, true} && !changed {
		// The common case: every part is copied as it is. bytes.Join
		// allocates the exact size once and, unlike make, does not zero
		// the memory first.
		var parts [fieldType + 2][]byte
		for f := range fieldTimestamp {
			v := data[spans[f].start:spans[f].end]
			parts[f] = v[1 : len(v)-1]
			at[f+1] = at[f] + len(parts[f])
		}
		parts[fieldType+1] = payload
		buf = bytes.Join(parts[:], nil)
	} else {
		buf = make([]byte, 0, need)
		for f := range fieldTimestamp {
			switch v := data[spans[f].start:spans[f].end]; {
			case strLen[f] == 0:
			case plain[f]:
				buf = append(buf, v[1:len(v)-1]...)
			default:
				buf = appendUnquoted(buf, v)
			}
			at[f+1] = len(buf)
		}
		if changed {
			buf = appendCanonical(buf, payload)
		} else {
			buf = append(buf, payload...)
		}
	}
	var strs [fieldType + 1]string
	for f := range fieldTimestamp {
		if at[f+1] > at[f] {
			// buf is never written again, and its bytes before the
			// payload are out of reach of m.Payload, a slice of its tail
			// capped at its end, so they may back immutable strings even
			// if the caller writes to the payload: this saves one
			// allocation per string.
			strs[f] = unsafe.String(&buf[at[f]], at[f+1]-at[f])
		}
	}

	m := &Message{
		Version:     strs[fieldVersion],
		ID:          strs[fieldID],
		Source:      strs[fieldSource],
		Type:        strs[fieldType],
		TimestampNS: ts,
		Payload:     payload, // as received, for the checks; replaced below
		Checksum:    sum,
	}
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
	if payload != nil {
		m.Payload = buf[at[fieldType+1]:len(buf):len(buf)]
		if changed && m.Checksum != 0 {
			m.Checksum = checksum(m.Payload)
		}
	}
	return m, nil
}

// isASCII reports whether every byte of s is below 0x80.
func isASCII(s []byte) bool {
	var acc uint64
	for len(s) >= 8 {
		acc |= binary.LittleEndian.Uint64(s)
		s = s[8:]
	}
	for _, c := range s {
		acc |= uint64(c)
	}
	return acc&highs == 0
}

// scanEnvelope checks that data is one JSON object, with nothing but
// whitespace around it, and records in spans where the last value of each
// known key lies. A span with end 0 is absent. It also returns the length
// of the clean prefix of data (see scanner): no escape in there.
func scanEnvelope(data []byte, spans *[numFields]span) (clean int, ok bool) {
	s := newScanner(data)
	var ignored canonStats
	i := skipSpace(data, 0, &ignored)
	if i >= len(data) || data[i] != '{' {
		return 0, false
	}
	if i = skipSpace(data, i+1, &ignored); i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			// "key"
			if i >= len(data) || data[i] != '"' {
				return 0, false
			}
			keyStart := i
			end, ok := s.shortStr(i)
			escaped := false
			if !ok {
				if end, escaped, ok = s.str(i, &ignored); !ok {
					return 0, false
				}
			}
			f := keyField(data[keyStart:end], escaped)
			// :
			if i = skipSpace(data, end, &ignored); i >= len(data) || data[i] != ':' {
				return 0, false
			}
			// value
			i = skipSpace(data, i+1, &ignored)
			var st canonStats
			valueStart := i
			if end, compact := s.compact(i, 1); compact {
				i = end
			} else if i, ok = s.value(i, 1, &st); !ok {
				return 0, false
			}
			if f >= 0 {
				spans[f] = span{start: valueStart, end: i, st: st}
			}
			// , or }
			if i = skipSpace(data, i, &ignored); i >= len(data) {
				return 0, false
			}
			if data[i] == '}' {
				i++
				break
			}
			if data[i] != ',' {
				return 0, false
			}
			i = skipSpace(data, i+1, &ignored)
		}
	}
	return s.clean, skipSpace(data, i, &ignored) == len(data)
}

// keyField returns the field named by the quoted key q, or -1. Keys are
// compared after unescaping, as encoding/json does for map keys.
func keyField(q []byte, escaped bool) int {
	if !escaped {
		return fieldIndex(q[1 : len(q)-1])
	}
	var small [32]byte
	return fieldIndex(appendUnquoted(small[:0], q))
}

// parseInt64 parses the JSON number v as encoding/json does into an int64:
// only integer literals in range are accepted.
func parseInt64(v []byte) (int64, bool) {
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	u, ok := parseDigits(v)
	switch {
	case !ok:
		return 0, false
	case neg && u <= 1<<63:
		return -int64(u), true // for u == 1<<63 this wraps to math.MinInt64, as wanted
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

// parseUint32 parses the JSON number v as encoding/json does into a
// uint32: only non-negative integer literals in range are accepted, not
// even -0.
func parseUint32(v []byte) (uint32, bool) {
	u, ok := parseDigits(v)
	if !ok || u > 1<<32-1 {
		return 0, false
	}
	return uint32(u), true
}

// parseDigits parses decimal digits into a uint64. It fails on anything
// else (a sign, a fraction, an exponent, a string...) and on overflow.
func parseDigits(v []byte) (uint64, bool) {
	if len(v) == 0 || len(v) > len("18446744073709551615") {
		return 0, false
	}
	var u uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow
	}
	if len(v) == len("18446744073709551615") && string(v) > "18446744073709551615" {
		return 0, false // 20 digits over the maximum wrapped around
	}
	return u, true
}

// unquotedLen returns the length of appendUnquoted(nil, q) for the valid
// string literal q, quotes included.
func unquotedLen(q []byte) int {
	s := q[1 : len(q)-1]
	n := 0
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			if s[r+1] != 'u' {
				n++
				r += 2
				continue
			}
			rr := getu4(s[r:])
			r += 6
			if utf16.IsSurrogate(rr) {
				if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
					n += utf8.RuneLen(dec)
					r += 6
					continue
				}
				rr = unicode.ReplacementChar
			}
			n += utf8.RuneLen(rr)
		case c < utf8.RuneSelf:
			n++
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			n += utf8.RuneLen(rr) // 3 for the U+FFFD that replaces a bad byte
			r += size
		}
	}
	return n
}

// appendUnquoted appends the value of the valid string literal q (quotes
// included) to dst, as encoding/json's unquoteBytes decodes it: escapes
// resolved, a \u escape of a lone or mismatched surrogate and every byte of
// invalid UTF-8 replaced by U+FFFD.
func appendUnquoted(dst, q []byte) []byte {
	s := q[1 : len(q)-1]
	start := 0 // s[start:r] is plain and still to be copied
	for r := 0; r < len(s); {
		c := s[r]
		if c != '\\' && c < utf8.RuneSelf {
			r++
			continue
		}
		if c >= utf8.RuneSelf {
			rr, size := utf8.DecodeRune(s[r:])
			if rr != utf8.RuneError || size != 1 {
				r += size // valid UTF-8 is kept as is
				continue
			}
		}
		dst = append(dst, s[start:r]...)
		if c != '\\' { // a byte of invalid UTF-8
			dst = utf8.AppendRune(dst, utf8.RuneError)
			r++
			start = r
			continue
		}
		switch e := s[r+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			rr := getu4(s[r:])
			r += 6
			if utf16.IsSurrogate(rr) {
				if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
					rr = dec
					r += 6
				} else {
					rr = unicode.ReplacementChar
				}
			}
			dst = utf8.AppendRune(dst, rr)
			start = r
			continue
		default: // " \ /
			dst = append(dst, e)
		}
		r += 2
		start = r
	}
	return append(dst, s[start:]...)
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// jsonError returns the error for data that is not one JSON object. It is
// built by encoding/json, as the reference does, so that the text and the
// cause (a *json.SyntaxError or *json.UnmarshalTypeError) are the same.
func jsonError(data []byte) error {
	var fields map[string]json.RawMessage
	err := json.Unmarshal(data, &fields)
	if err == nil {
		// null; or, if the scanner ever disagreed with encoding/json, an
		// object: still an error, never an unchecked message.
		return protocolError(reasonJSON, "", nil, "message is not a json object")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return protocolError(reasonJSON, "", err, "message is not a json object")
	}
	return protocolError(reasonJSON, "", err, "message is not valid json")
}

// fieldTypeError returns the error for field f holding the JSON value v of
// the wrong type or range; encoding/json builds the cause, as in the
// reference.
func fieldTypeError(f int, v []byte) error {
	var err error
	switch f {
	case fieldTimestamp:
		var n int64
		err = json.Unmarshal(v, &n)
	case fieldChecksum:
		var n uint32
		err = json.Unmarshal(v, &n)
	default:
		var s string
		err = json.Unmarshal(v, &s)
	}
	name := fieldNames[f]
	return protocolError(reasonFieldType, name, err, "message %s has the wrong json type or range: %s", name, v)
}
