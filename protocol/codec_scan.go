package protocol

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// This file holds the JSON scanner shared by the envelope decoder
// (codec_decode.go) and encoder (codec_encode.go). It accepts exactly the
// documents that encoding/json accepts (RFC 8259 plus encoding/json's
// nesting limit; any byte other than a control character, " and \ is
// allowed inside strings, even invalid UTF-8) and, on the way, measures how
// far a value is from its canonical form: the bytes encoding/json writes for
// a json.RawMessage, that is the value compacted (whitespace outside strings
// dropped) with <, >, &, U+2028 and U+2029 inside strings escaped. See
// appendCompact in encoding/json/indent.go, which this mirrors.
//
// Most of a message is string contents, so strings are where the time
// goes, and the scanner avoids looking at their bytes one at a time:
//
//   - First it finds the clean prefix of the buffer: the bytes before the
//     first control character and the first "special" (a backslash, which
//     starts an escape, or what the canonical form escapes: <, >, &, U+2028,
//     U+2029). It takes one pass that tests eight bytes at a time for
//     control characters (SWAR: SIMD within a register) and one
//     bytes.IndexByte per special, which the standard library runs with
//     vector instructions. A string that ends in the clean prefix needs no
//     more than its closing quote found. Compact messages without escapes,
//     the common case, are clean all the way.
//   - A value in the clean prefix that is compact (no whitespace) and
//     nested at most 64 levels, as what Marshal writes is, is checked by
//     compact, a tight walk that finds each closing quote eight bytes at a
//     time. Anything else goes to value, the general walk.
//   - Beyond the clean prefix, value reads a string as runs of plain bytes
//     between specials: the next special of each kind and the next quote
//     are found the same way, and a run only has to be tested for control
//     characters. Each kind is searched again only once the scan has
//     passed its last hit, so the searches cost O(n) in all, however many
//     specials there are.

// maxDepth is encoding/json's maxNestingDepth: a document may have at most
// this many objects and arrays open at once.
const maxDepth = 10000

// hexDigits are the digits encoding/json writes in \u escapes.
const hexDigits = "0123456789abcdef"

// canonStats tells how the canonical form of a scanned value differs from
// the bytes scanned.
type canonStats struct {
	space int // whitespace bytes outside strings, which the canonical form drops
	grow  int // bytes that escaping <, >, &, U+2028 and U+2029 adds
}

// changed reports whether the canonical form differs from the bytes. The
// canonical form contains none of the bytes that it drops or escapes, so it
// is equal to the bytes exactly when nothing was dropped or escaped.
func (s canonStats) changed() bool { return s.space != 0 || s.grow != 0 }

// specials are the bytes in strings that the scanner must look at: a
// backslash, which starts an escape, and what the canonical form escapes.
// E2 stands for U+2028 and U+2029 (E2 80 A8 and E2 80 A9); the E2 that
// start other characters, such as ’ and —, are passed over.
const specials = "\\<>&\xe2"

// indexSpecial returns the offset of the first hit of special c in b, or
// -1.
func indexSpecial(b []byte, c byte) int {
	if c != 0xE2 {
		return bytes.IndexByte(b, c)
	}
	for i := 0; ; {
		x := bytes.IndexByte(b[i:], c)
		if x < 0 {
			return -1
		}
		if i += x; isLineSep(b, i) {
			return i
		}
		i++
	}
}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool {
	return c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r')
}

// skipSpace returns the offset of the first byte at or after i that is not
// whitespace, counting the bytes skipped in st.
func skipSpace(b []byte, i int, st *canonStats) int {
	for i < len(b) && isSpace(b[i]) {
		i++
		st.space++
	}
	return i
}

// isLineSep reports whether b[i:] starts with U+2028 or U+2029 in UTF-8
// (E2 80 A8 or E2 80 A9), which the canonical form escapes.
func isLineSep(b []byte, i int) bool {
	return i+2 < len(b) && b[i] == 0xE2 && b[i+1] == 0x80 && b[i+2]&^1 == 0xA8
}

// Byte-wise constants for the SWAR tests: a byte of 1s and of high bits.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasControl reports whether s holds a byte below 0x20, which JSON does
// not allow inside strings.
func hasControl(s []byte) bool {
	n, _ := firstControl(s)
	return n < len(s)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// cleanPrefix returns the length of the longest prefix of b without a
// control character or a special: up to there, a string needs no more than
// its closing quote found. Compact messages without escapes, the common
// case, are clean all the way.
func cleanPrefix(b []byte) int {
	n, noE2 := firstControl(b)
	// b[n], when n < len(b), is a control character or a special, so the
	// search in b[:n] cannot cut a U+2028 in two.
	for k := range len(specials) {
		if specials[k] == 0xE2 && noE2 {
			continue // no U+2028 or U+2029 without an E2
		}
		if x := indexSpecial(b[:n], specials[k]); x >= 0 {
			n = x
		}
	}
	return n
}

// firstControl returns the offset n of the first byte of b below 0x20, or
// len(b), and whether b[:n] is free of the byte E2, so that it cannot hold
// U+2028 or U+2029. It tests 64 bytes at a time with SWAR tests on each
// eight bytes x. First x - 0x20*ones, whose high bits catch the bytes
// below 0x20 (by the borrow) and those from 0xA0 up, E2 among them: most
// text has neither. From the first block where that fires on, the exact
// test "has a byte below n", (x - n*ones) &^ x & highs, with the high bits
// of the bytes kept aside, ORed, for the E2 answer.
func firstControl(b []byte) (n int, noE2 bool) {
	const k = 0x20 * ones
	rest := b
	for len(rest) >= 64 {
		w := rest[:64]
		x0 := binary.LittleEndian.Uint64(w[0:8])
		x1 := binary.LittleEndian.Uint64(w[8:16])
		x2 := binary.LittleEndian.Uint64(w[16:24])
		x3 := binary.LittleEndian.Uint64(w[24:32])
		x4 := binary.LittleEndian.Uint64(w[32:40])
		x5 := binary.LittleEndian.Uint64(w[40:48])
		x6 := binary.LittleEndian.Uint64(w[48:56])
		x7 := binary.LittleEndian.Uint64(w[56:64])
		if ((x0-k)|(x1-k)|(x2-k)|(x3-k)|(x4-k)|(x5-k)|(x6-k)|(x7-k))&highs != 0 {
			break
		}
		rest = rest[64:]
	}
	var high uint64 // the bytes seen from here, ORed: their high bits
	for len(rest) >= 64 {
		w := rest[:64]
		x0 := binary.LittleEndian.Uint64(w[0:8])
		x1 := binary.LittleEndian.Uint64(w[8:16])
		x2 := binary.LittleEndian.Uint64(w[16:24])
		x3 := binary.LittleEndian.Uint64(w[24:32])
		x4 := binary.LittleEndian.Uint64(w[32:40])
		x5 := binary.LittleEndian.Uint64(w[40:48])
		x6 := binary.LittleEndian.Uint64(w[48:56])
		x7 := binary.LittleEndian.Uint64(w[56:64])
		if ((x0-k)&^x0|(x1-k)&^x1|(x2-k)&^x2|(x3-k)&^x3|(x4-k)&^x4|(x5-k)&^x5|(x6-k)&^x6|(x7-k)&^x7)&highs != 0 {
			break
		}
		high |= x0 | x1 | x2 | x3 | x4 | x5 | x6 | x7
		rest = rest[64:]
	}
	for i, c := range rest {
		if c < 0x20 {
			return len(b) - len(rest) + i, high&highs == 0
		}
		high |= uint64(c)
	}
	return len(b), high&highs == 0
}

// scanner validates the JSON values of one buffer. It keeps the kind of
// every open container, so that it needs no recursion (a payload may nest
// up to maxDepth levels), and where the next special and the next quote
// are. It is not safe for concurrent use; each Unmarshal or Marshal call
// has its own, on its stack.
type scanner struct {
	b       []byte
	clean   int      // b[:clean] has no control character and no special
	shallow uint64   // bit n is set when container n < 64 is an object
	deep    []uint64 // the same for containers 64 and deeper, grown on demand

	// next[k] is the offset of the first hit of specials[k] at or after
	// the offset its search started from (at most the current one), or
	// len(b); -1 before the first search. nextAny is their minimum, valid
	// for offsets from nextFrom on. quote is the first " at or after qFrom.
	next     [len(specials)]int
	nextAny  int
	nextFrom int
	quote    int
	qFrom    int
}

// newScanner returns a scanner of b, with nothing searched yet.
func newScanner(b []byte) scanner {
	s := scanner{b: b, clean: cleanPrefix(b), nextAny: -1, nextFrom: -1, quote: -1, qFrom: -1}
	for k := range s.next {
		s.next[k] = -1
	}
	return s
}

// nextSpecial returns the offset of the first special at or after i, or
// len(b). i never decreases from one call to the next.
func (s *scanner) nextSpecial(i int) int {
	if s.nextFrom >= 0 && s.nextFrom <= i && i <= s.nextAny {
		return s.nextAny // nothing between the last search and its hit
	}
	m := len(s.b)
	for k := range len(specials) {
		if s.next[k] < i { // the hit is behind: search again from i
			if x := indexSpecial(s.b[i:], specials[k]); x >= 0 {
				s.next[k] = i + x
			} else {
				s.next[k] = len(s.b)
			}
		}
		m = min(m, s.next[k])
	}
	s.nextAny, s.nextFrom = m, i
	return m
}

// nextQuote returns the offset of the first " at or after i, or len(b).
func (s *scanner) nextQuote(i int) int {
	if s.qFrom >= 0 && s.qFrom <= i && i <= s.quote {
		return s.quote
	}
	s.qFrom = i
	s.quote = indexQuote(s.b, i)
	return s.quote
}

// indexQuote returns the offset of the first " in b at or after i, or
// len(b). Most strings are short: it looks at the first 16 bytes eight at
// a time with the SWAR test "has a zero byte", (v - ones) &^ v & highs with
// v = x ^ '"' in every byte, whose lowest hit is exact, before it pays for
// the set-up of a vector search.
func indexQuote(b []byte, i int) int {
	end := min(len(b), i+16)
	rest := b[i:end]
	for len(rest) >= 8 {
		v := binary.LittleEndian.Uint64(rest[:8]) ^ '"'*ones
		if hit := (v - ones) &^ v & highs; hit != 0 {
			return end - len(rest) + bits.TrailingZeros64(hit)/8
		}
		rest = rest[8:]
	}
	i = end - len(rest)
	if x := bytes.IndexByte(b[i:], '"'); x >= 0 {
		return i + x
	}
	return len(b)
}

// str scans the string literal that starts with the quote at b[i]. It
// returns the offset just past the closing quote and whether the string
// holds an escape sequence.
func (s *scanner) str(i int, st *canonStats) (end int, escaped, ok bool) {
	b := s.b
	i++ // the opening quote
	if q := s.nextQuote(i); q < s.clean {
		return q + 1, false, true // nothing to check in between
	}
	for {
		q, sp := s.nextQuote(i), s.nextSpecial(i)
		if q <= sp { // plain bytes up to the closing quote (q == sp: neither found)
			if q == len(b) || hasControl(b[i:q]) {
				return q, escaped, false
			}
			return q + 1, escaped, true
		}
		// Plain bytes up to a special (sp < q: the quote may be escaped).
		if hasControl(b[i:sp]) {
			return sp, escaped, false
		}
		switch b[sp] {
		case '\\':
			escaped = true
			if sp+1 >= len(b) {
				return sp, escaped, false
			}
			switch b[sp+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i = sp + 2
			case 'u':
				if sp+5 >= len(b) || !isHex(b[sp+2]) || !isHex(b[sp+3]) || !isHex(b[sp+4]) || !isHex(b[sp+5]) {
					return sp, escaped, false
				}
				i = sp + 6
			default:
				return sp, escaped, false
			}
		case '<', '>', '&':
			st.grow += len(`\u003c`) - 1
			i = sp + 1
		default: // U+2028 or U+2029
			st.grow += len(`\u2028`) - len("\u2028")
			i = sp + len("\u2028")
		}
	}
}

// scanNumber scans the number literal that starts at b[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// What follows it is checked by the caller.
func scanNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, false
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// scanScalar scans the literal (true, false or null) or the number that
// starts at b[i]; value and compact read these the same way.
func scanScalar(b []byte, i int) (int, bool) {
	switch c := b[i]; {
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(b, i)
	}
	return i, false
}

// scanLiteral scans the literal word (true, false or null) at b[i].
func scanLiteral(b []byte, i int, word string) (int, bool) {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return i, false
	}
	return i + len(word), true
}

// push records whether the container at nesting level n is an object.
func (s *scanner) push(n int, object bool) {
	bits, bit := &s.shallow, uint64(1)<<(uint(n)%64)
	if n >= 64 {
		w := n/64 - 1
		if w >= len(s.deep) {
			s.deep = append(s.deep, 0)
		}
		bits = &s.deep[w]
	}
	if object {
		*bits |= bit
	} else {
		*bits &^= bit
	}
}

// isObject reports whether the container at level n is an object.
func (s *scanner) isObject(n int) bool {
	bits := s.shallow
	if n >= 64 {
		bits = s.deep[n/64-1]
	}
	return bits&(1<<(uint(n)%64)) != 0
}

// value scans the JSON value that starts at b[i] (no whitespace before it),
// inside depth containers that are already open. It returns the offset just
// past the value and adds what it sees to st.
func (s *scanner) value(i, depth int, st *canonStats) (int, bool) {
	b := s.b
	n := 0 // containers opened by this value and not yet closed
	var ok bool
next:
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return i, false
		}
		switch c := b[i]; c {
		case '{', '[':
			if depth+n >= maxDepth {
				return i, false
			}
			s.push(n, c == '{')
			n++
			if i = skipSpace(b, i+1, st); i >= len(b) {
				return i, false
			}
			if c == '[' {
				if b[i] != ']' {
					continue next
				}
			} else if b[i] != '}' {
				if j, short := s.shortStr(i); short && j < len(b) && b[j] == ':' {
					i = skipSpace(b, j+1, st) // a short key, compact
				} else if i, ok = s.member(i, st); !ok {
					return i, false
				}
				continue next
			}
			i++
			n--
		case '"':
			if i, ok = s.shortStr(i); !ok {
				if i, _, ok = s.str(i, st); !ok {
					return i, false
				}
			}
		default:
			if i, ok = scanScalar(b, i); !ok {
				return i, false
			}
		}
		// A value ended at b[i]: close containers, or move on to the next
		// element of the innermost one.
		for {
			if n == 0 {
				return i, true
			}
			if i = skipSpace(b, i, st); i >= len(b) {
				return i, false
			}
			object := s.isObject(n - 1)
			switch b[i] {
			case ',':
				if i = skipSpace(b, i+1, st); object {
					if j, short := s.shortStr(i); short && j < len(b) && b[j] == ':' {
						i = skipSpace(b, j+1, st) // a short key, compact
					} else if i, ok = s.member(i, st); !ok {
						return i, false
					}
				}
				continue next
			case '}':
				if !object {
					return i, false
				}
			case ']':
				if object {
					return i, false
				}
			default:
				return i, false
			}
			i++
			n--
		}
	}
}

// shortStr is the fast path of str: shortQuoteEnd in the clean prefix,
// for strings of at most seven bytes such as most keys. If it returns
// false (also when b[i] is not a quote), i is unchanged and str or member
// must scan what is there.
func (s *scanner) shortStr(i int) (int, bool) {
	return shortQuoteEnd(s.b[:s.clean], i)
}

// member scans `"key" :` at b[i] and the whitespace after it, up to the
// member's value.
func (s *scanner) member(i int, st *canonStats) (int, bool) {
	b := s.b
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	i, ok := s.shortStr(i)
	if !ok {
		if i, _, ok = s.str(i, st); !ok {
			return i, false
		}
	}
	if i < len(b) && b[i] == ':' { // compact
		return skipSpace(b, i+1, st), true
	}
	if i = skipSpace(b, i, st); i >= len(b) || b[i] != ':' {
		return i, false
	}
	return skipSpace(b, i+1, st), true
}

// compact is the fast path of value for the common case: a value already
// in canonical form, with no whitespace and, because it lies in the clean
// prefix, no escape and nothing to escape, nested at most 64 levels. It
// returns the offset just past the value and true; or false, as soon as it
// sees anything else (which may still be valid JSON), and then value must
// scan the value again. It never accepts what value rejects.
func (s *scanner) compact(i, depth int) (int, bool) {
	b := s.b[:s.clean]
	var objects uint64 // bit n is set when container n is an object
	n := 0             // containers opened by this value and not yet closed
	var ok bool
next:
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return i, false
		}
		switch c := b[i]; c {
		case '"':
			if j, short := shortQuoteEnd(b, i); short {
				i = j
			} else if i = quoteEnd(b, i); i < 0 {
				return i, false
			}
		case '{', '[':
			if n == 64 || depth+n >= maxDepth {
				return i, false
			}
			i++
			if c == '[' {
				objects &^= 1 << uint(n)
				n++
				if i < len(b) && b[i] == ']' {
					i++
					n--
					break
				}
				continue next
			}
			objects |= 1 << uint(n)
			n++
			if i < len(b) && b[i] == '}' {
				i++
				n--
				break
			}
			if j, short := shortQuoteEnd(b, i); short && j < len(b) && b[j] == ':' {
				i = j + 1
			} else if i = keyEnd(b, i); i < 0 {
				return i, false
			}
			continue next
		default:
			if i, ok = scanScalar(b, i); !ok {
				return i, false
			}
		}
		// A value ended at b[i]: close containers, or move on to the next
		// element of the innermost one.
		for n > 0 {
			if i >= len(b) {
				return i, false
			}
			object := objects&(1<<uint(n-1)) != 0
			switch b[i] {
			case ',':
				if i++; object {
					if j, short := shortQuoteEnd(b, i); short && j < len(b) && b[j] == ':' {
						i = j + 1
					} else if i = keyEnd(b, i); i < 0 {
						return i, false
					}
				}
				continue next
			case '}':
				if !object {
					return i, false
				}
			case ']':
				if object {
					return i, false
				}
			default:
				return i, false
			}
			i++
			n--
		}
		return i, true
	}
}

// quoteEnd returns the offset just past the string that starts with the
// quote at b[i], where b has no escape and no control character, or -1 if
// it does not end in b. Its callers try shortQuoteEnd first.
func quoteEnd(b []byte, i int) int {
	if q := indexQuote(b, i+1); q < len(b) {
		return q + 1
	}
	return -1
}

// shortQuoteEnd is quoteEnd for strings of at most seven bytes, small
// enough to be inlined: it looks at the eight bytes after the quote at
// once. If it returns false (also when b[i] is not a quote), i is
// unchanged and quoteEnd must look further.
func shortQuoteEnd(b []byte, i int) (int, bool) {
	if i+9 > len(b) || b[i] != '"' {
		return i, false
	}
	v := binary.LittleEndian.Uint64(b[i+1:i+9]) ^ '"'*ones
	if hit := (v - ones) &^ v & highs; hit != 0 {
		return i + 2 + bits.TrailingZeros64(hit)/8, true
	}
	return i, false
}

// keyEnd returns the offset just past `"key":` at b[i], compact and in b
// as for quoteEnd, or -1.
func keyEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = quoteEnd(b, i); i < 0 || i >= len(b) || b[i] != ':' {
		return -1
	}
	return i + 1
}

// canonicalLen reports whether p is one valid JSON value (with optional
// whitespace around it), as encoding/json's Valid does, and if so the
// length of its canonical form and whether that differs from p.
func canonicalLen(p []byte) (n int, changed, ok bool) {
	s := newScanner(p)
	if end, ok := s.compact(0, 0); ok && end == len(p) {
		return len(p), false, true
	}
	var st canonStats
	i := skipSpace(p, 0, &st)
	end, ok := s.value(i, 0, &st)
	if !ok || skipSpace(p, end, &st) != len(p) {
		return 0, false, false
	}
	return len(p) - st.space + st.grow, st.changed(), true
}

// appendCanonical appends the canonical form of the valid JSON value p to
// dst: whitespace outside strings dropped, and <, >, &, U+2028 and U+2029
// inside strings written as \u003c, \u003e, \u0026, \u2028 and \u2029.
// The result is what encoding/json writes for json.RawMessage(p).
func appendCanonical(dst, p []byte) []byte {
	start := 0 // p[start:i] is still to be copied
	inString := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !inString {
			switch c {
			case '"':
				inString = true
			case ' ', '\t', '\n', '\r':
				dst = append(dst, p[start:i]...)
				start = i + 1
			}
			continue
		}
		switch {
		case c == '"':
			inString = false
		case c == '\\':
			i++ // the escaped byte; the hex digits of \uXXXX need nothing
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, p[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && isLineSep(p, i):
			dst = append(dst, p[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[p[i+2]&0xF])
			i += 2
			start = i + 1
		}
	}
	return append(dst, p[start:]...)
}
