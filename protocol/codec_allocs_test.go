package protocol_test

import (
	"testing"

	"github.com/greynewell/mist-go/protocol"
)

// TestCodecAllocations pins the allocations of the codec on the 1 KB
// benchmark message: the output slice for Marshal and MarshalWithChecksum;
// for Unmarshal the message and one buffer that holds the header strings
// and the payload. Allocation counts are deterministic, unlike timings.
func TestCodecAllocations(t *testing.T) {
	m := benchMessage(t)
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		max  float64
		f    func()
	}{
		{"Marshal", 1, func() { _, _ = m.Marshal() }},
		{"MarshalWithChecksum", 1, func() { _, _ = m.MarshalWithChecksum() }},
		{"Unmarshal", 2, func() { _, _ = protocol.Unmarshal(data) }},
	} {
		if got := testing.AllocsPerRun(100, tt.f); got > tt.max {
			t.Errorf("%s: %v allocations per run, want at most %v", tt.name, got, tt.max)
		}
	}
}
