package release_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/release/internal/fixture"
	"github.com/greynewell/mist-go/release/internal/policy"
	"github.com/greynewell/mist-go/release/internal/release"
)

// synthetic is a generated workspace of n modules with random DAG edges,
// every module released at v0.1.0, then a few changed since.
type synthetic struct {
	dir             string
	env             []string
	deps            [][]int // module i requires these lower-numbered modules
	changed         []int   // modules with a change since v0.1.0
	gitPath, goPath string
}

func name(i int) string { return fmt.Sprintf("m%03d", i) }

func newSynthetic(tb testing.TB, n int) *synthetic {
	tb.Helper()
	gitPath, goPath := fixture.Tools(tb)
	base := tb.TempDir()
	s := &synthetic{dir: filepath.Join(base, "repo"), env: fixture.Env(base), gitPath: gitPath, goPath: goPath}
	rng := rand.New(rand.NewPCG(500, 1))
	write := func(rel, content string) {
		p := filepath.Join(s.dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	gitRun := func(stdin string, args ...string) string {
		cmd := exec.Command(s.gitPath, args...)
		cmd.Dir, cmd.Env = s.dir, s.env
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			tb.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	var use, replace strings.Builder
	s.deps = make([][]int, n)
	for i := range n {
		seen := map[int]bool{}
		for range rng.IntN(4) {
			if i > 0 {
				if j := rng.IntN(i); !seen[j] {
					seen[j] = true
					s.deps[i] = append(s.deps[i], j)
				}
			}
		}
		var gomod strings.Builder
		fmt.Fprintf(&gomod, "module %s/%s\n\ngo 1.26.0\n", fixture.Prefix, name(i))
		for _, j := range s.deps[i] {
			fmt.Fprintf(&gomod, "\nrequire %s/%s v0.0.0\n", fixture.Prefix, name(j))
		}
		write(name(i)+"/go.mod", gomod.String())
		write(name(i)+"/doc.go", fmt.Sprintf("// Package %s is synthetic.\npackage %s\n", name(i), name(i)))
		write(name(i)+"/CHANGELOG.md", "# Changelog\n\n## Unreleased\n")
		fmt.Fprintf(&use, "\t./%s\n", name(i))
		fmt.Fprintf(&replace, "\t%s/%s v0.0.0 => ./%s\n", fixture.Prefix, name(i), name(i))
	}
	write("go.work", "go 1.26.0\n\nuse (\n"+use.String()+")\n\nreplace (\n"+replace.String()+")\n")
	gitRun("", "init", "-q", "-b", "main")
	gitRun("", "add", "-A")
	gitRun("", "commit", "-q", "-m", "feat: synthetic workspace")
	head := gitRun("", "rev-parse", "HEAD")
	var refs strings.Builder
	for i := range n {
		fmt.Fprintf(&refs, "create refs/tags/%s/v0.1.0 %s\n", name(i), head)
	}
	gitRun(refs.String(), "update-ref", "--stdin")
	for k := range 10 {
		i := rng.IntN(n)
		s.changed = append(s.changed, i)
		write(name(i)+"/README.md", "changed\n")
		gitRun("", "add", "-A")
		gitRun("", "commit", "-q", "-m", fmt.Sprintf("fix(%s): change %d", name(i), k))
	}
	write(".changes/one.md", fmt.Sprintf("---\n%s: minor\n%s: patch\n---\nSynthetic change.\n", name(s.changed[0]), name(s.changed[1])))
	gitRun("", "add", "-A")
	gitRun("", "commit", "-q", "-m", "docs: a change file")
	return s
}

func (s *synthetic) config() *release.Config {
	return &release.Config{Dir: s.dir, Env: s.env, Git: s.gitPath, Go: s.goPath, Rules: policy.Rules{Prefix: fixture.Prefix}, Now: clock}
}

// TestPlan500 plans a synthetic workspace of 500 modules with random DAG
// edges and checks what it releases. How long that takes is measured by
// BenchmarkPlan500 (the issue asks for under 3 s; about 80 ms here), not
// asserted: a unit test holds no timing threshold.
func TestPlan500(t *testing.T) {
	t.Parallel()
	s := newSynthetic(t, 500)
	start := time.Now()
	p, err := release.MakePlan(ctx, s.config(), release.PlanOptions{})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plan of 500 modules: %v, %d releases", elapsed, len(p.Tags))
	if len(p.Modules) != 500 {
		t.Fatalf("plan has %d modules, want 500", len(p.Modules))
	}
	// Every changed module and everything that requires it, transitively,
	// is released; nothing else is.
	want := map[int]bool{}
	var mark func(int)
	mark = func(i int) {
		if want[i] {
			return
		}
		want[i] = true
		for k, ds := range s.deps {
			for _, j := range ds {
				if j == i {
					mark(k)
				}
			}
		}
	}
	for _, i := range s.changed {
		mark(i)
	}
	pos := map[string]int{}
	for i, m := range p.Modules {
		pos[m.Dir] = i
	}
	for i := range 500 {
		m := p.Modules[pos[name(i)]]
		if got := m.Next != ""; got != want[i] {
			t.Errorf("%s released = %v, want %v (%+v)", name(i), got, want[i], m)
		}
		for _, j := range s.deps[i] {
			if pos[name(j)] >= pos[name(i)] {
				t.Errorf("%s comes before its dependency %s", name(i), name(j))
			}
		}
	}
	if m := p.Modules[pos[name(s.changed[0])]]; m.Next != "v0.2.0" {
		t.Errorf("%s with a minor change file: next %q, want v0.2.0", m.Dir, m.Next)
	}
}

func BenchmarkPlan500(b *testing.B) {
	s := newSynthetic(b, 500)
	cfg := s.config()
	var out bytes.Buffer
	cfg.Stdout, cfg.Stderr = &out, &out
	b.ReportAllocs()
	for b.Loop() {
		if _, err := release.MakePlan(ctx, cfg, release.PlanOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
