package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/greynewell/mist-go/errors"
)

// This file encodes the envelope for Marshal and MarshalWithChecksum. The
// bytes are exactly those of json.Marshal(m) (see referenceMarshal in
// reference_test.go): keys in field order, checksum omitted when 0, strings
// escaped as encoding/json's appendString does with HTML escaping on, and
// the payload in canonical form (see codec_scan.go). The output is sized
// before it is written, so the slice returned is the only allocation.

// Fixed parts of the output.
const (
	keyVersion   = `{"version":`
	keyID        = `,"id":`
	keySource    = `,"source":`
	keyType      = `,"type":`
	keyTimestamp = `,"timestamp_ns":`
	keyPayload   = `,"payload":`
	keyChecksum  = `,"checksum":`

	maxInt64Len  = len("-9223372036854775808")
	maxUint32Len = len("4294967295")
)

// encode returns the JSON encoding of m, which is not nil. With
// withChecksum, the checksum written is that of the payload as written,
// and m.Checksum is ignored.
func encode(m *Message, withChecksum bool) ([]byte, error) {
	p := m.Payload
	payloadLen, changed := len(nullPayload), false
	if p != nil { // a nil payload is written as null; an empty one is invalid JSON
		var ok bool
		if payloadLen, changed, ok = canonicalLen(p); !ok {
			return nil, marshalError(m)
		}
	}
	strs := [...]string{m.Version, m.ID, m.Source, m.Type}
	var strLen [len(strs)]int
	headLen := len(keyVersion) + len(keyID) + len(keySource) + len(keyType) + len(keyTimestamp) + maxInt64Len + len(keyPayload)
	for k, s := range strs {
		strLen[k] = escapedLen(s)
		headLen += strLen[k]
	}
	const tailLen = len(keyChecksum) + maxUint32Len + len("}")

	if p == nil {
		p = nullPayload
	}
	var headBuf [192]byte
	if !changed && headLen <= len(headBuf) {
		// The common case: the payload is written as it is. Build the
		// head and the tail on the stack and join the three with
		// bytes.Join, which allocates the exact output once and, unlike
		// make, does not zero it first.
		var tailBuf [tailLen]byte
		head := appendHead(headBuf[:0], m, &strs, &strLen)
		sum := m.Checksum
		if withChecksum {
			sum = checksum(p)
		}
		return bytes.Join([][]byte{head, p, appendTail(tailBuf[:0], sum)}, nil), nil
	}
	b := appendHead(make([]byte, 0, headLen+payloadLen+tailLen), m, &strs, &strLen)
	at := len(b)
	if changed {
		b = appendCanonical(b, p)
	} else {
		b = append(b, p...)
	}
	sum := m.Checksum
	if withChecksum {
		sum = checksum(b[at:])
	}
	return appendTail(b, sum), nil
}

// appendHead appends the envelope up to the payload value:
// {"version":...,"payload":. strs are the header strings of m and strLen
// their escapedLen.
func appendHead(b []byte, m *Message, strs *[4]string, strLen *[4]int) []byte {
	for k, key := range [...]string{keyVersion, keyID, keySource, keyType} {
		b = append(b, key...)
		if s := strs[k]; strLen[k] == len(s)+2 { // nothing to escape
			b = append(append(append(b, '"'), s...), '"')
		} else {
			b = appendString(b, s)
		}
	}
	b = append(b, keyTimestamp...)
	b = strconv.AppendInt(b, m.TimestampNS, 10)
	return append(b, keyPayload...)
}

// appendTail appends the envelope after the payload value: the checksum,
// unless it is 0, and the closing brace.
func appendTail(b []byte, sum uint32) []byte {
	if sum != 0 {
		b = append(b, keyChecksum...)
		b = strconv.AppendUint(b, uint64(sum), 10)
	}
	return append(b, '}')
}

// marshalError returns the error for a message whose payload is not valid
// JSON. encoding/json builds the cause, as in the reference, so that the
// text is the same; this is off the hot path.
func marshalError(m *Message) error {
	_, err := json.Marshal(m)
	if err == nil { // only if the scanner ever disagreed with encoding/json
		return errors.Newf(errors.CodeValidation, "marshal %s message: payload is not valid json", m.Type)
	}
	return errors.Wrap(errors.CodeValidation, err, fmt.Sprintf("marshal %s message", m.Type))
}

// htmlSafeWord reports whether the eight bytes packed in x are all
// htmlSafe. It uses the SWAR tests "has a zero byte", (v - ones) &^ v &
// highs, on x with each unsafe byte xored out, and "has a byte below n",
// (x - n*ones) &^ x & highs, which never miss a byte. " and & (0x22, 0x26)
// differ in one bit, as do < and > (0x3C, 0x3E), so that bit is set first
// and one test covers each pair.
func htmlSafeWord(x uint64) bool {
	quoteAmp := (x | 0x04*ones) ^ 0x26*ones
	angle := (x | 0x02*ones) ^ 0x3E*ones
	backslash := x ^ 0x5C*ones
	t := (quoteAmp-ones)&^quoteAmp | (angle-ones)&^angle | (backslash-ones)&^backslash |
		(x-0x20*ones)&^x | x // x: bytes from 0x80 up
	return t&highs == 0
}

// htmlSafe is encoding/json's htmlSafeSet: the bytes that appendString
// copies as they are. Bytes from 0x80 up are not in it; they are UTF-8,
// looked at a rune at a time. It is built once and only read.
var htmlSafe = func() (t [256]bool) {
	for c := ' '; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string, escaped exactly as
// encoding/json escapes strings with HTML escaping on: \" \\ \b \f \n \r \t
// for those bytes, \u00XX for the other control characters and for <, >
// and &, \u2028 and \u2029 for those two characters, and \ufffd for each
// byte of invalid UTF-8.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		c := s[i]
		if htmlSafe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control characters, <, > and &
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// escapedLen returns len(appendString(nil, s)). Every escape is longer
// than what it replaces, so s needs none exactly when this is len(s)+2.
func escapedLen(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 { // the common case: all of s is htmlSafe
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if !htmlSafeWord(x) {
			break
		}
	}
	for i < len(s) && htmlSafe[s[i]] {
		i++
	}
	n := len(`""`) + i
	for i < len(s) {
		c := s[i]
		if htmlSafe[c] {
			n++
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '\\', '"', '\b', '\f', '\n', '\r', '\t':
				n += 2
			default:
				n += len(`\u0000`)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			n += len(`\ufffd`)
		} else {
			n += size
		}
		i += size
	}
	return n
}
