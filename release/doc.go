// Command release releases the modules of the mist-go workspace, each on
// its own, in dependency order, with changelogs, verified tags, and nothing
// half done when a step fails. Run it from anywhere in the repository:
//
//	go run ./release plan      # what a release would do; writes nothing
//	go run ./release check     # the CI gate
//	go run ./release verify    # every module built and tested alone
//	go run ./release apply     # make the release (asks first; --yes in CI)
//	go run ./release push      # send the release commit and its tags
//
// Its unit is a module of the workspace: a directory <dir> with a go.mod
// declaring <prefix>/<dir> (github.com/greynewell/mist-go/<dir> here),
// listed in go.work, released as tags <dir>/vX.Y.Z. It never guesses: it
// reads go.work, every go.mod, the git tags and the git history. The
// modules benchmarks and examples are never released; release is released
// as a program.
//
// # plan [--json] [--since REV]
//
// Prints every module in release order (dependencies first; by depth,
// then by name), its last released version, the bump it needs and why, the
// version and tag the release creates, the requires raised, and the change
// files the release uses. --json prints the same as one JSON document, the
// stable form for CI and for apply --plan. --since REV counts changes since
// REV instead of each module's last tag (modules never released are always
// planned).
//
// A module is released when it was never released, when files in its
// directory changed since its last tag (nested modules excluded), when a
// change file names it, or when it requires a module this release
// releases: then its require is raised to the new version and it gets at
// least a patch release ("dependency: errors v0.2.0" in its changelog),
// transitively. The bump is the highest of:
//
//   - change files: .changes/<name>.md, front matter `<dir>: major|minor|patch`
//     lines (several modules per file), body = the changelog text (see
//     .changes/README.md);
//   - Conventional Commits since the last tag that touch the module's
//     directory: feat is minor, fix and perf are patch, "!" or a
//     "BREAKING CHANGE:" footer is major; a commit scoped to other modules
//     (fix(retry): ...) counts at most as a patch here;
//   - the API diff (golang.org/x/exp/apidiff) between the last release and
//     the working tree, for libraries whose Go files changed: an
//     incompatible change is major, a compatible addition minor.
//
// Below v1 a breaking change is a minor release; a change file that
// declares major takes a v0 module to v1.0.0. A first release is v0.1.0.
// From v1 on, a breaking change needs the /vN module path: the plan
// refuses it with what to change. A declared bump (change file or commit)
// lower than what the API diff needs is marked, and check fails on it.
//
// # check
//
// The CI gate, run by make test and on every pull request: the workspace
// policy (layout, no replace in any go.mod, no dependency on the repository
// root path, doc.go and a "Package <name> " comment on every library package,
// CHANGELOG.md, examples, go directive 1.26.0, go.work lists every module
// and serves every required sibling version from the working tree, every
// third-party module required at one version, allowed module edges, no
// import cycle), declared bumps not lower than the API diff needs, every
// require of a sibling naming a tagged version or one this release creates
// (a v0.0.0 require of a module never released is accepted: the release
// raises it), canonical tag names, and no refused release. Problems print
// as a table; the exit status is 2.
//
// # verify [--json] [--jobs N]
//
// The standalone lane of make test: each module is zipped from the working
// tree, unzipped alone and tested (go test ./..., which builds every
// package) with GOWORK=off against one scratch module proxy that serves the
// sibling versions the go.mod files require, from their tags when they
// exist and from the working tree otherwise. Third-party modules come from
// the local module cache (GOPROXY=file://<scratch>,file://<GOMODCACHE>/cache/download,off),
// so verify never touches the network. Modules run GOMAXPROCS at a time;
// --json prints one line per module.
//
// # apply [--plan FILE] [--yes]
//
// Makes the release of the plan. It refuses, before writing anything, a
// dirty working tree, a detached HEAD, a git without identity, a refused
// plan, any problem check finds, and a plan FILE that is not the current
// plan. Then, in a temporary
// git worktree: the requires are raised (modfile edits), go.work's replace
// block is rewritten to the new versions, go.mod and go.sum are refreshed
// offline through a scratch proxy (go mod tidy), each released module's
// CHANGELOG.md turns its Unreleased section into the version section
// (plus change-file text, the commits when nothing else was written, and
// dependency lines), the root CHANGELOG.md gets a release-train section,
// the used change files are deleted, bindings releases set the Python and
// TypeScript package versions, and one commit is made. Every released
// module is then zipped from that commit into a fresh scratch proxy and
// built and tested alone (GOWORK=off, -mod=readonly), and one consumer
// module requiring all new versions together must build. Only then are the
// annotated tags created, in release order, and the branch fast-forwarded.
// Any failure leaves the repository as it was: no tag, no commit, no
// worktree. Without --yes it asks.
//
// # publish --dir DIR
//
// Writes every released version into DIR in the GOPROXY layout
// (<module>/@v/list, .info, .mod, .zip made from the tagged commit), for a
// file or internal proxy: GOPROXY=file://DIR.
//
// # push [--remote NAME]
//
// Pushes the branch and every module tag at HEAD in one git push --atomic.
// It refuses when a tag already exists on the remote at another commit: a
// published version never moves.
//
// # graph [--dot] [--json], status [--json]
//
// graph prints the module graph in release order (--dot for Graphviz);
// status prints each module's last version, its newest changelog heading,
// the changes since its release, and where tags and changelog headings
// disagree.
//
// # Errors
//
// Every failure is a coded error (mist-go/errors) that says what to do, and
// the exit status is errors.ExitCode of its code: 2 for bad input
// (validation), 3 for a missing remote, 6 for a missing git or go, 10 for a
// conflict (dirty tree, detached HEAD, a tag elsewhere), 130 when apply is
// declined, 1 for a failed verification.
package main
