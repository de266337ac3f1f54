package release

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/build"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/release/internal/changelog"
	"github.com/greynewell/mist-go/release/internal/changes"
	"github.com/greynewell/mist-go/release/internal/workspace"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// ApplyOptions are the options of [Apply].
type ApplyOptions struct {
	PlanFile string // a plan from `release plan --json`; the release must match it
	Yes      bool   // do not ask for confirmation
}

// ApplyResult is what [Apply] did.
type ApplyResult struct {
	Commit string   // the release commit, "" when there was nothing to release
	Branch string   // the branch moved to it
	Tags   []string // the tags created, in release order
}

// Apply makes the release of the plan. Before anything is written it
// refuses a dirty working tree, a detached HEAD, a git without identity, a
// refused plan, any problem [Check] finds, and a plan file that is not the
// current plan. Then, in a temporary git worktree, it
// raises requires (modfile edits), rewrites go.work's replace block,
// refreshes go.sum through a scratch proxy (go mod tidy, offline), turns
// each released module's Unreleased changelog section into a version
// section, adds a release-train section to the root CHANGELOG.md, deletes
// the change files it used, sets the bindings package versions, and
// commits. Then it zips every released module from that commit into a
// scratch proxy, builds and tests each alone (GOWORK=off, -mod=readonly),
// and builds one consumer module that requires all new versions together.
// Only when all of that passed does it create the annotated tags, in
// release order, and fast-forward the branch to the release commit. Any
// failure leaves the repository as it was: no tag, no commit, no worktree.
func Apply(ctx context.Context, cfg *Config, opts ApplyOptions) (*ApplyResult, error) {
	r, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Go == "" {
		return nil, errNoGo
	}
	branch, err := r.git.Branch(ctx)
	if err != nil {
		return nil, err
	}
	if branch == "" {
		return nil, errors.New(errors.CodeConflict, "HEAD is detached: check out the branch to release (git switch main) and run release apply again")
	}
	if err := r.clean(ctx); err != nil {
		return nil, err
	}
	if _, err := r.git.Run(ctx, "var", "GIT_COMMITTER_IDENT"); err != nil {
		return nil, errors.Wrap(errors.CodeValidation, err, "git has no identity to commit with: run git config user.name \"Your Name\" and git config user.email you@example.com")
	}
	p, err := r.plan(ctx, PlanOptions{})
	if err != nil {
		return nil, err
	}
	if err := p.refusal(); err != nil {
		return nil, err
	}
	problems, err := r.check(p)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		var lines []string
		for _, pr := range problems {
			lines = append(lines, pr.String())
		}
		return nil, errors.Newf(errors.CodeValidation, "release check finds %d problem(s); fix them first (go run ./release check):\n  %s", len(problems), strings.Join(lines, "\n  "))
	}
	if opts.PlanFile != "" {
		if err := matchPlanFile(opts.PlanFile, p); err != nil {
			return nil, err
		}
	}
	rel := p.Released()
	if len(rel) == 0 {
		fmt.Fprintln(cfg.stdout(), "Nothing to release: no module changed since its last release.")
		return &ApplyResult{Branch: branch}, nil
	}
	if err := WritePlan(cfg.stdout(), p); err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "write the plan")
	}
	if !opts.Yes {
		if err := confirm(cfg, len(rel)); err != nil {
			return nil, err
		}
	}

	tmp, err := os.MkdirTemp("", "release-apply-*")
	if err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "temporary directory")
	}
	wt := filepath.Join(tmp, "worktree")
	defer func() {
		// The worktree goes whatever happened; errors here cannot make the
		// repository worse, so they are ignored after a best effort.
		r.git.Run(context.WithoutCancel(ctx), "worktree", "remove", "--force", wt)
		r.git.Run(context.WithoutCancel(ctx), "worktree", "prune")
		os.RemoveAll(tmp)
	}()
	if _, err := r.git.Run(ctx, "worktree", "add", "-q", "--detach", wt, r.head); err != nil {
		return nil, err
	}
	cfg.progress("release: preparing %d module(s) in a temporary worktree", len(rel))
	if err := r.edit(ctx, p, wt); err != nil {
		return nil, err
	}
	built := newProxy(r, filepath.Join(tmp, "proxy-build"), nil)
	if err := r.tidyAndZip(ctx, p, wt, built, filepath.Join(tmp, "modcache-build")); err != nil {
		return nil, err
	}
	// After tidy, which may add an indirect require of a sibling.
	if err := rewriteWorkReplaces(wt); err != nil {
		return nil, err
	}
	wg := r.git.In(wt)
	if _, err := wg.Run(ctx, "add", "-A"); err != nil {
		return nil, err
	}
	if _, err := wg.Run(ctx, "commit", "-q", "--no-verify", "-m", commitMessage(p)); err != nil {
		return nil, err
	}
	commit, err := wg.Head(ctx)
	if err != nil {
		return nil, err
	}
	cfg.progress("release: verifying the release commit %s", short(commit))
	if err := r.verifyRelease(ctx, p, wt, commit, tmp); err != nil {
		return nil, errors.Wrap(errors.CodeInternal, err, "verification failed; the repository is unchanged")
	}

	// Last look before anything visible changes.
	if head, err := r.git.Head(ctx); err != nil || head != r.head {
		return nil, errors.New(errors.CodeConflict, "HEAD moved while the release was prepared: run release apply again")
	}
	if err := r.clean(ctx); err != nil {
		return nil, err
	}
	var created []string
	undo := func() {
		for _, t := range created {
			r.git.Run(context.WithoutCancel(ctx), "tag", "-d", t)
		}
	}
	for _, mp := range rel {
		if _, err := r.git.Run(ctx, "tag", "-a", "-m", mp.Path+" "+mp.Next, mp.Tag, commit); err != nil {
			undo()
			return nil, errors.Wrap(errors.CodeConflict, err, "create tags; none was kept")
		}
		created = append(created, mp.Tag)
	}
	if _, err := r.git.Run(ctx, "merge", "-q", "--ff-only", commit); err != nil {
		undo()
		return nil, errors.Wrap(errors.CodeConflict, err, "move the branch; the tags were removed again")
	}
	fmt.Fprintf(cfg.stdout(), "\nReleased %d module(s) in commit %s on %s:\n", len(rel), short(commit), branch)
	for _, t := range created {
		fmt.Fprintf(cfg.stdout(), "  %s\n", t)
	}
	fmt.Fprintln(cfg.stdout(), "Next: release push (or release publish --dir DIR for a file proxy).")
	return &ApplyResult{Commit: commit, Branch: branch, Tags: created}, nil
}

// clean fails when the working tree has uncommitted changes.
func (r *repo) clean(ctx context.Context) error {
	st, err := r.git.Status(ctx)
	if err != nil {
		return err
	}
	if len(st) > 0 {
		shown := st
		if len(shown) > 5 {
			shown = append(slices.Clone(shown[:5]), fmt.Sprintf("... and %d more", len(st)-5))
		}
		return errors.Newf(errors.CodeConflict, "the working tree has uncommitted changes:\n  %s\ncommit or stash them (git stash -u), then run the command again", strings.Join(shown, "\n  "))
	}
	return nil
}

func confirm(cfg *Config, n int) error {
	if cfg.Stdin == nil {
		return errors.New(errors.CodeValidation, "apply needs a confirmation: answer y on a terminal, or pass --yes")
	}
	fmt.Fprintf(cfg.stdout(), "\nRelease %d module(s)? [y/N] ", n)
	line, _ := bufio.NewReader(cfg.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errors.New(errors.CodeCancelled, "release cancelled; nothing was changed")
}

// matchPlanFile checks that the plan in file is the plan p.
func matchPlanFile(file string, p *Plan) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return errors.Wrap(errors.CodeNotFound, err, "read the plan file")
	}
	var want Plan
	if err := json.Unmarshal(data, &want); err != nil {
		return errors.Wrapf(errors.CodeValidation, err, "%s is not a plan from `release plan --json`", file)
	}
	if want.Head != p.Head {
		return errors.Newf(errors.CodeConflict, "the plan in %s was made at %s, but HEAD is %s: make the plan again (release plan --json > %s)", file, short(want.Head), short(p.Head), file)
	}
	a, _ := json.Marshal(want.Modules)
	b, _ := json.Marshal(p.Modules)
	if !bytes.Equal(a, b) || !slices.Equal(want.Tags, p.Tags) {
		return errors.Newf(errors.CodeConflict, "the plan in %s is not the release the repository asks for now: make the plan again (release plan --json > %s) and review it", file, file)
	}
	return nil
}

func commitMessage(p *Plan) string {
	var b strings.Builder
	rel := p.Released()
	fmt.Fprintf(&b, "chore(release): %d module(s)\n\n", len(rel))
	for _, mp := range rel {
		fmt.Fprintf(&b, "%s %s\n", mp.Dir, mp.Next)
	}
	return b.String()
}

// edit writes every file change of the release into the worktree.
func (r *repo) edit(ctx context.Context, p *Plan, wt string) error {
	files, err := changes.Load(wt)
	if err != nil {
		return err
	}
	bodies := map[string][]string{} // module dir -> change-file bodies
	for _, f := range files {
		for _, e := range f.Entries {
			bodies[e.Module] = append(bodies[e.Module], f.Body)
		}
	}
	date := r.cfg.now().UTC().Format("2006-01-02")
	var train []string
	for _, mp := range p.Modules {
		if len(mp.Raise) > 0 {
			if err := raiseRequires(filepath.Join(wt, filepath.FromSlash(mp.Dir), "go.mod"), mp.Raise); err != nil {
				return err
			}
		}
		if mp.Next == "" {
			continue
		}
		summary, err := writeChangelog(filepath.Join(wt, filepath.FromSlash(mp.Dir), "CHANGELOG.md"), mp, bodies[mp.Dir], date)
		if err != nil {
			return err
		}
		train = append(train, fmt.Sprintf("%s@%s: %s", mp.Dir, mp.Next, summary))
		if mp.Dir == "bindings" {
			if err := setBindingsVersion(filepath.Join(wt, "bindings"), mp.Next); err != nil {
				return err
			}
		}
	}
	if err := writeTrain(filepath.Join(wt, "CHANGELOG.md"), date, train); err != nil {
		return err
	}
	for _, name := range p.Changes {
		if err := os.Remove(filepath.Join(wt, filepath.FromSlash(name))); err != nil {
			return errors.Wrap(errors.CodeInternal, err, "remove a used change file")
		}
	}
	return nil
}

// raiseRequires sets the raised requires in a go.mod with modfile edits,
// keeping comments and // indirect markers.
func raiseRequires(gomod string, raises []Raise) error {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return errors.Wrap(errors.CodeInternal, err, "read go.mod")
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return errors.Wrap(errors.CodeValidation, err, "parse go.mod")
	}
	for _, rs := range raises {
		if err := f.AddRequire(rs.Path, rs.To); err != nil {
			return errors.Wrap(errors.CodeInternal, err, "edit go.mod")
		}
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return errors.Wrap(errors.CodeInternal, err, "format go.mod")
	}
	return writeFile(gomod, out)
}

// rewriteWorkReplaces makes go.work's replace block serve exactly the
// sibling versions the go.mod files of the worktree require.
func rewriteWorkReplaces(wt string) error {
	ws, err := workspace.Load(wt)
	if err != nil {
		return errors.Wrap(errors.CodeValidation, err, "read the workspace of the release")
	}
	needed := map[module.Version]string{} // -> directory of the required module
	for _, m := range ws.Mods {
		for _, req := range m.File.Require {
			if d, ok := ws.Module(req.Mod.Path); ok {
				needed[req.Mod] = d.Dir
			}
		}
	}
	wf := ws.Work
	keys := slices.SortedFunc(maps.Keys(needed), func(a, b module.Version) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return strings.Compare(a.Version, b.Version)
	})
	for _, k := range keys {
		if err := wf.AddReplace(k.Path, k.Version, "./"+needed[k], ""); err != nil {
			return errors.Wrap(errors.CodeInternal, err, "edit go.work")
		}
	}
	for _, rep := range slices.Clone(wf.Replace) {
		if _, ours := ws.Module(rep.Old.Path); ours && needed[rep.Old] == "" {
			if err := wf.DropReplace(rep.Old.Path, rep.Old.Version); err != nil {
				return errors.Wrap(errors.CodeInternal, err, "edit go.work")
			}
		}
	}
	wf.Cleanup()
	return writeFile(filepath.Join(wt, "go.work"), modfile.Format(wf.Syntax))
}

// writeChangelog releases a module's CHANGELOG.md and returns the one-line
// summary for the release train.
func writeChangelog(name string, mp *ModulePlan, bodies []string, date string) (string, error) {
	data, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		return "", errors.Wrap(errors.CodeInternal, err, "read CHANGELOG.md")
	}
	if len(data) == 0 {
		data = []byte("# Changelog\n\n## Unreleased\n")
	}
	doc := changelog.Parse(data)
	var unreleased string
	if s := doc.Unreleased(); s != nil {
		unreleased = s.Body
	}
	var extra []string
	extra = append(extra, bodies...)
	if strings.TrimSpace(unreleased) == "" && len(bodies) == 0 && len(mp.Commits) > 0 {
		var b strings.Builder
		b.WriteString("### Changes\n\n")
		for _, c := range mp.Commits {
			fmt.Fprintf(&b, "- %s\n", c)
		}
		extra = append(extra, strings.TrimSpace(b.String()))
	}
	if len(mp.Raise) > 0 {
		var deps strings.Builder
		deps.WriteString("### Dependencies\n\n")
		for _, rs := range mp.Raise {
			fmt.Fprintf(&deps, "- dependency: %s %s\n", rs.Dir, rs.To)
		}
		extra = append(extra, strings.TrimSpace(deps.String()))
	}
	if err := doc.Release(mp.Next, date, strings.Join(extra, "\n\n")); err != nil {
		return "", errors.Wrapf(errors.CodeValidation, err, "%s/CHANGELOG.md", mp.Dir)
	}
	if err := writeFile(name, doc.Bytes()); err != nil {
		return "", err
	}
	return summarize(unreleased+"\n"+strings.Join(extra, "\n"), mp), nil
}

// summarize returns the first list item of a changelog text, or a line
// made from the plan's reasons.
func summarize(text string, mp *ModulePlan) string {
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if item, ok := strings.CutPrefix(l, "- "); ok && strings.TrimSpace(item) != "" {
			return strings.TrimSpace(item)
		}
	}
	if mp.Last == "" {
		return "first release"
	}
	if len(mp.Reasons) > 0 {
		return mp.Reasons[0]
	}
	return mp.Bump + " release"
}

// writeTrain adds the release-train section to the root CHANGELOG.md.
func writeTrain(name, date string, items []string) error {
	data, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		return errors.Wrap(errors.CodeInternal, err, "read CHANGELOG.md")
	}
	if len(data) == 0 {
		data = []byte("# Release train\n")
	}
	doc := changelog.Parse(data)
	title := date
	for n := 2; slices.Contains(doc.Titles(), title); n++ {
		title = fmt.Sprintf("%s (%d)", date, n)
	}
	doc.AddTrain(title, items)
	return writeFile(name, doc.Bytes())
}

func writeFile(name string, data []byte) error {
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return errors.Wrap(errors.CodeInternal, err, "write "+filepath.Base(name))
	}
	return nil
}

// tidyAndZip refreshes go.mod and go.sum of every module whose requires
// were raised, in release order, against a scratch proxy that holds each
// new version as soon as its files are final, and adds every released
// module to that proxy.
func (r *repo) tidyAndZip(ctx context.Context, p *Plan, wt string, px *proxy, modcache string) error {
	gor, err := r.isolated(ctx, px.dir, modcache)
	if err != nil {
		return err
	}
	for _, mp := range p.Modules {
		dir := filepath.Join(wt, filepath.FromSlash(mp.Dir))
		if len(mp.Raise) > 0 {
			data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
			if err != nil {
				return errors.Wrap(errors.CodeInternal, err, "read go.mod")
			}
			f, err := modfile.ParseLax("go.mod", data, nil)
			if err != nil {
				return errors.Wrap(errors.CodeValidation, err, "parse go.mod")
			}
			if err := px.serveRequires(ctx, f); err != nil {
				return err
			}
			if _, err := gor.run(ctx, dir, "mod", "tidy"); err != nil {
				return errors.Wrapf(errors.CodeInternal, err, "refresh go.sum of %s", mp.Dir)
			}
		}
		if mp.Next == "" {
			continue
		}
		// Listed for each module in turn: tidy may have just written a go.sum.
		names, err := r.git.In(wt).Files(ctx, mp.Dir)
		if err != nil {
			return err
		}
		mv := module.Version{Path: mp.Path, Version: mp.Next}
		zipData, gomod, err := zipTree(wt, mp.Dir, names, mv)
		if err != nil {
			return err
		}
		if err := px.add(mv, zipData, gomod, r.cfg.now()); err != nil {
			return err
		}
	}
	return nil
}

// verifyRelease zips every released module from the release commit into a
// fresh scratch proxy, builds and tests each alone, and builds a consumer
// of all new versions together.
func (r *repo) verifyRelease(ctx context.Context, p *Plan, wt, commit, tmp string) error {
	px := newProxy(r, filepath.Join(tmp, "proxy-verify"), nil)
	rel := p.Released()
	// Every new version first, then what they require: a new version may
	// require another one.
	gomods := make([]*modfile.File, len(rel))
	for i, mp := range rel {
		mv := module.Version{Path: mp.Path, Version: mp.Next}
		zipData, err := zipCommit(ctx, r, commit, mp.Dir, mv)
		if err != nil {
			return err
		}
		gomod, err := r.goModAt(ctx, commit, mp.Dir)
		if err != nil {
			return err
		}
		if gomods[i], err = modfile.ParseLax("go.mod", gomod, nil); err != nil {
			return errors.Wrap(errors.CodeValidation, err, "parse go.mod")
		}
		if err := px.add(mv, zipData, gomod, r.cfg.now()); err != nil {
			return err
		}
	}
	for _, f := range gomods {
		if err := px.serveRequires(ctx, f); err != nil {
			return err
		}
	}
	modcache := filepath.Join(tmp, "modcache-verify")
	gor, err := r.isolated(ctx, px.dir, modcache, "-mod=readonly")
	if err != nil {
		return err
	}
	var (
		mu   sync.Mutex
		errs []error
		pkgs []string
	)
	forEach(rel, r.cfg.jobs(), func(mp *ModulePlan) {
		mv := module.Version{Path: mp.Path, Version: mp.Next}
		z, _ := px.zip(mv)
		dst := filepath.Join(tmp, "verify", mp.Dir)
		err := unzip(dst, mv, z)
		if err == nil {
			_, err = buildAndTest(ctx, gor, dst)
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, errors.Wrapf(errors.CodeInternal, err, "%s %s standalone", mp.Dir, mp.Next))
			return
		}
		r.cfg.progress("release: %s %s builds and passes its tests alone", mp.Dir, mp.Next)
		if mp.Kind == KindLibrary {
			if pkg, err := build.ImportDir(dst, 0); err == nil && pkg.Name != "main" {
				pkgs = append(pkgs, mp.Path)
			}
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	slices.Sort(pkgs)
	return r.buildConsumer(ctx, rel, pkgs, filepath.Join(tmp, "consumer"), px, modcache)
}

// buildConsumer builds a module outside the repository that requires every
// released version together and imports the root package of each library.
func (r *repo) buildConsumer(ctx context.Context, rel []*ModulePlan, pkgs []string, dir string, px *proxy, modcache string) error {
	var gomod, main strings.Builder
	gomod.WriteString("module release.invalid/consumer\n\ngo 1.26.0\n\nrequire (\n")
	for _, mp := range rel {
		fmt.Fprintf(&gomod, "\t%s %s\n", mp.Path, mp.Next)
	}
	gomod.WriteString(")\n")
	main.WriteString("// Command consumer requires every module of the release together.\npackage main\n\nimport (\n")
	for _, p := range pkgs {
		fmt.Fprintf(&main, "\t_ %q\n", p)
	}
	main.WriteString(")\n\nfunc main() {}\n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(errors.CodeInternal, err, "consumer directory")
	}
	if err := writeFile(filepath.Join(dir, "go.mod"), []byte(gomod.String())); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "main.go"), []byte(main.String())); err != nil {
		return err
	}
	gor, err := r.isolated(ctx, px.dir, modcache, "-mod=mod")
	if err != nil {
		return err
	}
	if _, err := gor.run(ctx, dir, "build", "./..."); err != nil {
		return errors.Wrap(errors.CodeInternal, err, "a module requiring all new versions together does not build")
	}
	r.cfg.progress("release: a consumer of all %d new version(s) builds", len(rel))
	return nil
}
