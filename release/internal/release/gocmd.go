package release

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/greynewell/mist-go/errors"
)

// goRunner runs the go command with a fixed environment.
type goRunner struct {
	path string
	env  []string
}

// run runs go with args in dir and returns its combined output. A failure
// is coded internal and carries the output.
func (g goRunner) run(ctx context.Context, dir string, args ...string) (string, error) {
	if g.path == "" {
		return "", errNoGo
	}
	cmd := exec.CommandContext(ctx, g.path, args...)
	cmd.Dir = dir
	cmd.Env = g.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), errors.Wrapf(errors.CodeInternal, err, "go %s in %s:\n%s", strings.Join(args, " "), dir, indent(tail(out.String(), 60)))
	}
	return out.String(), nil
}

var errNoGo = errors.New(errors.CodeUnavailable, "go not found on PATH: install Go 1.26 (https://go.dev/dl) and run the command again")

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// userModCache returns the GOMODCACHE of the caller's environment: its
// cache/download directory serves third-party modules offline.
func (r *repo) userModCache(ctx context.Context) (string, error) {
	r.modCacheOnce.Do(func() {
		out, err := goRunner{path: r.cfg.Go, env: setenv(r.cfg.Env, "GOWORK=off", "GOFLAGS=")}.run(ctx, r.root, "env", "GOMODCACHE")
		if err != nil {
			r.modCacheErr = err
			return
		}
		r.modCache = strings.TrimSpace(out)
		if r.modCache == "" {
			r.modCacheErr = errors.New(errors.CodeInternal, "go env GOMODCACHE is empty: set GOMODCACHE or GOPATH")
		}
	})
	return r.modCache, r.modCacheErr
}

// isolated returns a go runner that sees nothing of the workspace or the
// network: GOWORK=off, our modules from the scratch proxy dir, third-party
// modules from the caller's module cache, a scratch module cache, no
// checksum database. flags become GOFLAGS (-modcacherw is always added so
// the scratch cache can be removed).
func (r *repo) isolated(ctx context.Context, proxyDir, modcache string, flags ...string) (goRunner, error) {
	cache, err := r.userModCache(ctx)
	if err != nil {
		return goRunner{}, err
	}
	env := setenv(r.cfg.Env,
		"GOWORK=off",
		"GOPROXY="+fileURL(proxyDir)+","+fileURL(filepath.Join(cache, "cache", "download"))+",off",
		"GONOSUMDB="+r.prefix,
		"GOSUMDB=off",
		"GONOPROXY=",
		"GOPRIVATE=",
		"GOFLAGS="+strings.Join(append(flags, "-modcacherw"), " "),
		"GOMODCACHE="+modcache,
		"GOTOOLCHAIN=local",
		"MIST_REPO_ROOT="+r.root,
	)
	return goRunner{path: r.cfg.Go, env: env}, nil
}

// workspaceGo returns a go runner for the workspace itself: go.work of the
// repository, whatever the caller's GOWORK and GOFLAGS say.
func (r *repo) workspaceGo() goRunner {
	flags := getenv(r.cfg.Env, "GOFLAGS")
	var keep []string
	for _, f := range strings.Fields(flags) {
		if !strings.HasPrefix(f, "-mod=") && !strings.HasPrefix(f, "--mod=") {
			keep = append(keep, f)
		}
	}
	return goRunner{path: r.cfg.Go, env: setenv(r.cfg.Env,
		"GOWORK="+filepath.Join(r.root, "go.work"),
		"GOFLAGS="+strings.Join(keep, " "),
		"GOTOOLCHAIN=local",
	)}
}

// forEach calls fn for every item, each in a goroutine of its own, up to
// jobs (at least 1) calls at once, and returns when every call has
// returned.
func forEach[T any](items []T, jobs int, fn func(T)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, jobs)
	for _, it := range items {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			fn(it)
		})
	}
	wg.Wait()
}

// once-guarded state of a repo.
type repoCache struct {
	modCacheOnce sync.Once
	modCache     string
	modCacheErr  error
}
