package protocol_test

import (
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

// CRC forging. CRC-32/IEEE runs a register r, starting at 0xFFFFFFFF, through
// r = T[byte(r)^b] ^ r>>8 for each byte b, and returns ^r. Every step can be
// undone, because the top bytes of the 256 table entries are all different,
// so four chosen bytes can steer the register from any value to any other.
// That lets a test build a real payload whose CRC is 0.

var ieee = crc32.MakeTable(crc32.IEEE)

// topIndex[t] is the table index whose entry has top byte t.
var topIndex = func() (inv [256]byte) {
	for i, v := range ieee {
		inv[v>>24] = byte(i)
	}
	return inv
}()

// unstep returns the register before byte b, given the register after it.
func unstep(after uint32, b byte) uint32 {
	i := topIndex[after>>24]
	return (after^ieee[i])<<8 | uint32(i^b)
}

// forge returns the four bytes that take the register from `from` to `to`.
func forge(from, to uint32) [4]byte {
	var idx [4]byte
	r := to
	for k := 3; k >= 0; k-- {
		idx[k] = topIndex[r>>24]
		r = (r ^ ieee[idx[k]]) << 8
	}
	var out [4]byte
	r = from
	for k := range idx {
		out[k] = byte(r) ^ idx[k]
		r = ieee[idx[k]] ^ r>>8
	}
	return out
}

// zeroCRCPayload returns a health.ping payload {"from":"..."} of printable
// ASCII (no quote, backslash, <, > or & in the string, so that its
// canonical form is itself) whose CRC-32/IEEE is 0. It is deterministic.
func zeroCRCPayload() []byte {
	for n := 0; ; n++ {
		prefix := fmt.Sprintf(`{"from":"crc32 is zero #%d `, n)
		suffix := `"}`
		from := ^crc32.ChecksumIEEE([]byte(prefix))
		to := uint32(0xFFFFFFFF) // the register that gives CRC 0
		for i := len(suffix) - 1; i >= 0; i-- {
			to = unstep(to, suffix[i])
		}
		x := forge(from, to)
		if strings.ContainsFunc(string(x[:]), func(c rune) bool {
			return c < 0x20 || c > 0x7e || strings.ContainsRune(`"\<>&`, c)
		}) {
			continue
		}
		return []byte(prefix + string(x[:]) + suffix)
	}
}

func TestZeroCRCPayload(t *testing.T) {
	p := zeroCRCPayload()
	if got := crc32.ChecksumIEEE(p); got != 0 {
		t.Fatalf("crc32(%s) = %#x, want 0", p, got)
	}
	if got, want := zeroCRCPayload(), p; string(got) != string(want) {
		t.Errorf("zeroCRCPayload() = %s then %s, want the same", want, got)
	}
}
