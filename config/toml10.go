package config

import "bytes"

// check10 rejects the TOML 1.1 additions that go-toml v2.4 accepts, so
// that ParseTOML accepts exactly TOML 1.0:
//
//   - newlines, comments and a trailing comma inside an inline table;
//   - the \e and \xHH escapes in basic strings (and quoted keys);
//   - times without seconds (07:32, 1979-05-27T07:32Z).
//
// It runs only on documents go-toml has already accepted, so it is a single
// lexical pass, not a parser: outside strings and comments, brackets nest,
// and a ':' only occurs inside a time or a UTC offset.
func check10(data []byte) *ParseError {
	var stack []byte // open '[' and '{'
	var last byte    // last byte that is not a space or tab
	lastAt := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		inline := len(stack) > 0 && stack[len(stack)-1] == '{'
		switch c {
		case ' ', '\t', '\r':
			continue
		case '#':
			if inline {
				return errAt(data, i, "comments are not allowed inside inline tables in TOML 1.0")
			}
			j := bytes.IndexByte(data[i:], '\n')
			if j < 0 {
				return nil
			}
			i += j - 1 // the newline is seen next
			continue
		case '\n':
			if inline {
				return errAt(data, i, "newlines are not allowed inside inline tables in TOML 1.0")
			}
		case '"', '\'':
			end, bad := skipString(data, i)
			if bad >= 0 {
				return errAt(data, bad, "escape \\"+string(data[bad+1])+" is not allowed in TOML 1.0")
			}
			i = end - 1
		case '[', '{':
			stack = append(stack, c)
		case ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case '}':
			if last == ',' {
				return errAt(data, lastAt, "trailing comma in inline table is not allowed in TOML 1.0")
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ':':
			// HH:MM of a time, unless it is MM:SS or the offset ±HH:MM.
			if i >= 3 && data[i-3] != ':' && data[i-3] != '+' && data[i-3] != '-' &&
				(i+3 >= len(data) || data[i+3] != ':') {
				return errAt(data, i-2, "times must include seconds in TOML 1.0")
			}
		}
		last, lastAt = c, i
	}
	return nil
}

// skipString returns the offset just past the string starting at data[i],
// and the offset of a \e or \x escape in it (-1 when there is none).
func skipString(data []byte, i int) (end, bad int) {
	q := data[i]
	bad = -1
	multi := i+2 < len(data) && data[i+1] == q && data[i+2] == q
	j := i + 1
	if multi {
		j = i + 3
	}
	for j < len(data) {
		switch {
		case q == '"' && data[j] == '\\':
			if j+1 < len(data) && (data[j+1] == 'e' || data[j+1] == 'x') && bad < 0 {
				bad = j
			}
			j += 2
			continue
		case data[j] != q:
			j++
			continue
		case !multi:
			return j + 1, bad
		case j+2 < len(data) && data[j+1] == q && data[j+2] == q:
			end = j + 3
			for k := 0; k < 2 && end < len(data) && data[end] == q; k++ {
				end++ // up to two quotes may end the content
			}
			return end, bad
		}
		j++
	}
	return len(data), bad
}

// errAt builds a ParseError for the byte at offset.
func errAt(data []byte, offset int, msg string) *ParseError {
	line := bytes.Count(data[:offset], []byte("\n")) + 1
	col := offset - bytes.LastIndexByte(data[:offset], '\n')
	return &ParseError{Line: line, Column: col, Msg: msg}
}
