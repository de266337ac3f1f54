package benchmarks

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/greynewell/mist-go/parallel"
	"github.com/sourcegraph/conc/iter"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// Map of 10,000 tiny tasks with at most 8 running at once: parallel.Map
// next to errgroup with SetLimit(8), sourcegraph/conc's pool
// (WithMaxGoroutines(8)) and iter.Mapper (MaxGoroutines 8). alitto/pond is
// not in this module: it is not available to the workspace. The floor is
// 8 goroutines claiming indices from one atomic counter, the least any of
// them can do. Each side returns task(input) for every input in a result
// slice it allocates, in input order (ours as []parallel.Result[int]).
// One op is the whole Map; divide by 10,000 for the cost per task.

const mapTasks, mapWorkers = 10_000, 8

// task is the tiny task: a variable so that no side can inline it.
var task = func(x int) int { return x*2 + 1 }

func mapInputs() []int {
	in := make([]int, mapTasks)
	for i := range in {
		in[i] = i
	}
	return in
}

func mappers() []struct {
	name string
	run  func(ctx context.Context, in []int) any
} {
	ourPool := parallel.NewPool(mapWorkers)
	return []struct {
		name string
		run  func(ctx context.Context, in []int) any
	}{
		{"mist", func(ctx context.Context, in []int) any {
			return parallel.Map(ctx, ourPool, in, func(_ context.Context, x int) (int, error) { return task(x), nil })
		}},
		{"errgroup", func(ctx context.Context, in []int) any {
			out := make([]int, len(in))
			var g errgroup.Group
			g.SetLimit(mapWorkers)
			for i, x := range in {
				g.Go(func() error { out[i] = task(x); return nil })
			}
			_ = g.Wait()
			return out
		}},
		{"conc-pool", func(ctx context.Context, in []int) any {
			out := make([]int, len(in))
			p := pool.New().WithMaxGoroutines(mapWorkers)
			for i, x := range in {
				p.Go(func() { out[i] = task(x) })
			}
			p.Wait()
			return out
		}},
		{"conc-iter", func(ctx context.Context, in []int) any {
			return iter.Mapper[int, int]{MaxGoroutines: mapWorkers}.Map(in, func(x *int) int { return task(*x) })
		}},
		{"floor", func(ctx context.Context, in []int) any {
			out := make([]int, len(in))
			var next atomic.Int64
			var wg sync.WaitGroup
			for range mapWorkers {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= len(in) {
							return
						}
						out[i] = task(in[i])
					}
				})
			}
			wg.Wait()
			return out
		}},
	}
}

func BenchmarkMap10k(b *testing.B) {
	ctx := context.Background()
	in := mapInputs()
	for _, m := range mappers() {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.run(ctx, in)
			}
		})
	}
}

// values returns the results of a mapper as ints: ours returns
// []parallel.Result[int], the others []int.
func values(out any) []int {
	rs, ok := out.([]parallel.Result[int])
	if !ok {
		return out.([]int)
	}
	vs := make([]int, len(rs))
	for i, r := range rs {
		if r.Err != nil {
			return nil
		}
		vs[i] = r.Value
	}
	return vs
}

// TestMapPeersAgree checks that every side computes every task once, in
// input order.
func TestMapPeersAgree(t *testing.T) {
	in := mapInputs()
	want := make([]int, len(in))
	for i, x := range in {
		want[i] = task(x)
	}
	for _, m := range mappers() {
		if got := values(m.run(context.Background(), in)); !slices.Equal(got, want) {
			t.Errorf("%s: results differ from task(input) in input order", m.name)
		}
	}
}
