package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOrder(t *testing.T) {
	tests := []struct {
		name   string
		nodes  []string
		deps   map[string][]string
		order  []string
		levels map[string]int
		cycles [][]string
	}{
		{
			name:   "diamond and chain",
			nodes:  []string{"e", "d", "c", "b", "a", "z"},
			deps:   map[string][]string{"b": {"a"}, "c": {"a"}, "d": {"c", "b"}, "e": {"d"}},
			order:  []string{"a", "z", "b", "c", "d", "e"},
			levels: map[string]int{"a": 0, "z": 0, "b": 1, "c": 1, "d": 2, "e": 3},
		},
		{
			name:   "level is the longest chain",
			nodes:  []string{"a", "b", "c"},
			deps:   map[string][]string{"c": {"a", "b"}, "b": {"a"}},
			order:  []string{"a", "b", "c"},
			levels: map[string]int{"a": 0, "b": 1, "c": 2},
		},
		{
			name:   "edges outside the node set are ignored",
			nodes:  []string{"a"},
			deps:   map[string][]string{"a": {"golang.org/x/mod"}},
			order:  []string{"a"},
			levels: map[string]int{"a": 0},
		},
		{
			name:   "cycle stays together",
			nodes:  []string{"x", "b", "a", "c"},
			deps:   map[string][]string{"a": {"b"}, "b": {"a"}, "c": {"a"}},
			order:  []string{"a", "b", "x", "c"},
			levels: map[string]int{"x": 0, "a": 0, "b": 0, "c": 1},
			cycles: [][]string{{"a", "b"}},
		},
		{
			name:   "self loop",
			nodes:  []string{"a"},
			deps:   map[string][]string{"a": {"a"}},
			order:  []string{"a"},
			levels: map[string]int{"a": 0},
			cycles: [][]string{{"a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Order(tt.nodes, tt.deps)
			if diff := cmp.Diff(tt.order, got.Order); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.levels, got.Level); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.cycles, got.Cycles); diff != "" {
				t.Errorf("cycles (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOrderRandomDAG checks on random DAGs that every node comes after its
// dependencies and that the order does not depend on input order.
func TestOrderRandomDAG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		n := 1 + rng.IntN(200)
		nodes := make([]string, n)
		deps := map[string][]string{}
		for i := range nodes {
			nodes[i] = fmt.Sprintf("m%03d", i)
			for range rng.IntN(4) {
				if i > 0 {
					deps[nodes[i]] = append(deps[nodes[i]], nodes[rng.IntN(i)])
				}
			}
		}
		got := Order(nodes, deps)
		if len(got.Cycles) != 0 {
			t.Fatalf("round %d: cycles in a DAG: %v", round, got.Cycles)
		}
		pos := map[string]int{}
		for i, v := range got.Order {
			pos[v] = i
		}
		for v, ds := range deps {
			for _, d := range ds {
				if pos[d] >= pos[v] || got.Level[d] >= got.Level[v] {
					t.Fatalf("round %d: %s (pos %d, level %d) does not come after its dependency %s (pos %d, level %d)", round, v, pos[v], got.Level[v], d, pos[d], got.Level[d])
				}
			}
		}
		shuffled := slices.Clone(nodes)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if again := Order(shuffled, deps); !slices.Equal(again.Order, got.Order) {
			t.Fatalf("round %d: order depends on the input order", round)
		}
	}
}

func TestOrderDeepChain(t *testing.T) {
	// A long chain must not need a deep call stack.
	const n = 20000
	nodes := make([]string, n)
	deps := map[string][]string{}
	for i := range nodes {
		nodes[i] = fmt.Sprintf("m%06d", i)
		if i > 0 {
			deps[nodes[i]] = []string{nodes[i-1]}
		}
	}
	got := Order(nodes, deps)
	if got.Order[0] != "m000000" || got.Level[nodes[n-1]] != n-1 {
		t.Errorf("first = %s, level of last = %d", got.Order[0], got.Level[nodes[n-1]])
	}
}

func BenchmarkOrder500(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	nodes := make([]string, 500)
	deps := map[string][]string{}
	for i := range nodes {
		nodes[i] = fmt.Sprintf("m%03d", i)
		for range 3 {
			if i > 0 {
				deps[nodes[i]] = append(deps[nodes[i]], nodes[rng.IntN(i)])
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Order(nodes, deps)
	}
}

func TestCyclePath(t *testing.T) {
	deps := map[string][]string{"a": {"d"}, "b": {"a"}, "c": {"a"}, "d": {"c", "b"}, "e": {"e"}}
	res := Order([]string{"a", "b", "c", "d", "e"}, deps)
	var got [][]string
	for _, c := range res.Cycles {
		got = append(got, CyclePath(c, deps))
	}
	want := [][]string{{"a", "d", "b", "a"}, {"e", "e"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cycle paths (-want +got):\n%s", diff)
	}
}
