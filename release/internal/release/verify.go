package release

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"golang.org/x/mod/module"
)

// VerifyResult is the outcome of verifying one module.
type VerifyResult struct {
	Module  string        `json:"module"`
	OK      bool          `json:"ok"`
	Elapsed time.Duration `json:"elapsed_ns"`
	Output  string        `json:"output,omitempty"` // the go command's output on failure
}

// Verify is the standalone lane: every module of the workspace is zipped
// from the working tree, unzipped alone, and built and tested with
// GOWORK=off against one scratch proxy that serves the sibling versions the
// go.mod files require, from their tags when they exist and from the
// working tree otherwise; third-party modules come from the local module
// cache, so nothing touches the network. Up to cfg.Jobs modules run at
// once. report is called once per module as it finishes, from one
// goroutine at a time. The error is coded internal when a module failed.
func Verify(ctx context.Context, cfg *Config, report func(VerifyResult)) error {
	r, err := load(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.Go == "" {
		return errNoGo
	}
	tmp, err := os.MkdirTemp("", "release-verify-*")
	if err != nil {
		return errors.Wrap(errors.CodeInternal, err, "temporary directory")
	}
	defer os.RemoveAll(tmp)
	tree, err := r.treeFiles(ctx)
	if err != nil {
		return err
	}
	px := newProxy(r, filepath.Join(tmp, "proxy"), tree)
	for _, m := range r.mods {
		if err := px.serveRequires(ctx, m.File); err != nil {
			return err
		}
	}
	gor, err := r.isolated(ctx, px.dir, filepath.Join(tmp, "modcache"), "-mod=mod", "-trimpath")
	if err != nil {
		return err
	}
	var (
		mu     sync.Mutex
		failed []string
	)
	forEach(r.mods, cfg.jobs(), func(m *mod) {
		start := time.Now()
		out, err := r.verifyTree(ctx, m, tree[m.Dir], gor, filepath.Join(tmp, "src", m.Dir))
		res := VerifyResult{Module: m.Dir, OK: err == nil, Elapsed: time.Since(start)}
		if err != nil {
			res.Output = out
			if out == "" {
				res.Output = err.Error()
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed = append(failed, m.Dir)
		}
		if report != nil {
			report(res)
		}
	})
	if len(failed) > 0 {
		return errors.Newf(errors.CodeInternal, "verify: %d module(s) failed standalone: %v: run `go run ./release verify` and fix what the output shows", len(failed), failed)
	}
	return nil
}

// verifyTree zips m from its files in the working tree, unzips it into dst
// and builds and tests it there.
func (r *repo) verifyTree(ctx context.Context, m *mod, names []string, gor goRunner, dst string) (string, error) {
	mv := module.Version{Path: m.Path, Version: "v0.0.0"}
	zipData, _, err := zipTree(r.root, m.Dir, names, mv)
	if err != nil {
		return "", err
	}
	if err := unzip(dst, mv, zipData); err != nil {
		return "", err
	}
	return buildAndTest(ctx, gor, dst)
}

// buildAndTest builds and tests every package in dir with one go test
// ./..., which also compiles the packages that have no test files. A
// module without any Go package (only other files so far) has nothing to
// build and passes.
func buildAndTest(ctx context.Context, gor goRunner, dir string) (string, error) {
	out, err := gor.run(ctx, dir, "test", "./...")
	if err != nil && strings.Contains(out, `"./..." matched no packages`) && strings.Contains(out, "no packages to test") {
		return out, nil
	}
	return out, err
}
