package bindings_test

import "testing"

// FuzzDifferential gives each input to Go's protocol.Unmarshal and to the
// Python and TypeScript unmarshal (their peers in judge mode), and asserts
// that all three reach the same verdict: the same error code, reason class
// and field, or the same canonical bytes, checksum and typed re-encoding.
// Each fuzz worker runs its own pair of peers.
func FuzzDifferential(f *testing.F) {
	for _, in := range vectorInputs(f) {
		if len(in) < 1<<16 {
			f.Add(in)
		}
	}
	peers := make(map[string]*peer, len(langs))
	for _, lang := range langs {
		peers[lang] = startPeer(f, lang, "judge", true)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		want := goVerdict(input)
		for _, lang := range langs {
			if got := judge(t, peers[lang], input); !sameVerdict(got, want) {
				t.Errorf("input %q:\n%s: %v\n    go: %v", truncate(input), lang, got, want)
			}
		}
	})
}
