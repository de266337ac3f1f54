// Package graph orders the modules of a workspace: strongly connected
// components first, then a deterministic topological order of the
// components, dependencies before their dependents.
//
// [Order] places each node at a level, the length of the longest chain of
// dependencies below it (a node without dependencies is at level 0), and
// sorts by level, then by name. Nodes of one strongly connected component
// share a level and stay together; [Order] also returns every component
// that holds a cycle, so a caller can refuse it with a clear message.
//
// # Concurrency
//
// The functions are pure; they are safe for concurrent use.
package graph

import (
	"cmp"
	"slices"
)

// Result is the outcome of [Order].
type Result struct {
	Order  []string       // every node, dependencies first
	Level  map[string]int // level of each node
	Cycles [][]string     // components with a cycle, each sorted, sorted by first node
}

// Order orders nodes by the edges in deps (node -> the nodes it depends on).
// Edges to nodes not in nodes are ignored. The result does not depend on
// the order of nodes or of the edge lists.
func Order(nodes []string, deps map[string][]string) Result {
	nodes = slices.Clone(nodes)
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	in := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		in[n] = true
	}
	adj := make(map[string][]string, len(nodes))
	for _, n := range nodes {
		var out []string
		for _, d := range deps[n] {
			if in[d] {
				out = append(out, d)
			}
		}
		slices.Sort(out)
		adj[n] = slices.Compact(out)
	}
	comps := components(nodes, adj)

	// comps come out of Tarjan's algorithm in reverse topological order of
	// the condensation: every component after the ones it depends on.
	compOf := make(map[string]int, len(nodes))
	for i, c := range comps {
		for _, n := range c {
			compOf[n] = i
		}
	}
	level := make(map[string]int, len(nodes))
	compLevel := make([]int, len(comps))
	for i, c := range comps {
		l := 0
		for _, n := range c {
			for _, d := range adj[n] {
				if j := compOf[d]; j != i {
					l = max(l, compLevel[j]+1)
				}
			}
		}
		compLevel[i] = l
		for _, n := range c {
			level[n] = l
		}
	}
	idx := make([]int, len(comps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(compLevel[a], compLevel[b]); c != 0 {
			return c
		}
		return cmp.Compare(comps[a][0], comps[b][0])
	})
	r := Result{Level: level}
	for _, i := range idx {
		c := comps[i]
		r.Order = append(r.Order, c...)
		if len(c) > 1 || slices.Contains(adj[c[0]], c[0]) {
			r.Cycles = append(r.Cycles, c)
		}
	}
	slices.SortFunc(r.Cycles, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
	return r
}

// components returns the strongly connected components of the graph in
// reverse topological order (Tarjan), each sorted. It is iterative, so deep
// graphs cannot exhaust the stack.
func components(nodes []string, adj map[string][]string) [][]string {
	index := make(map[string]int, len(nodes))
	low := make(map[string]int, len(nodes))
	onStack := make(map[string]bool, len(nodes))
	var stack []string
	var out [][]string
	next := 0
	type frame struct {
		v string
		i int
	}
	for _, root := range nodes {
		if _, seen := index[root]; seen {
			continue
		}
		call := []frame{{v: root}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.i < len(adj[f.v]) {
				w := adj[f.v][f.i]
				f.i++
				if _, seen := index[w]; !seen {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{v: w})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			var c []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				c = append(c, w)
				if w == v {
					break
				}
			}
			slices.Sort(c)
			out = append(out, c)
		}
	}
	return out
}

// CyclePath returns a shortest cycle through the first node of comp (a
// component from [Result.Cycles]) along deps, as the list of nodes from
// that node back to it: ["a", "d", "b", "a"] for a -> d -> b -> a.
func CyclePath(comp []string, deps map[string][]string) []string {
	if len(comp) == 0 {
		return nil
	}
	in := map[string]bool{}
	for _, n := range comp {
		in[n] = true
	}
	start := comp[0]
	prev := map[string]string{}
	queue := []string{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		next := slices.Clone(deps[v])
		slices.Sort(next)
		for _, w := range next {
			if !in[w] {
				continue
			}
			if w == start {
				path := []string{start}
				for u := v; u != start; u = prev[u] {
					path = append(path, u)
				}
				path = append(path, start)
				slices.Reverse(path[1 : len(path)-1])
				return path
			}
			if _, seen := prev[w]; !seen {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return append(slices.Clone(comp), start)
}
