// Package release is the engine of the release tool: it plans, checks,
// verifies, applies, publishes and pushes releases of the modules of a Go
// workspace whose modules live in subdirectories of one git repository.
//
// Every command starts the same way: it finds go.work (here or above
// [Config.Dir]), requires it at the top of the git work tree, reads every
// go.mod it lists (a module listed but missing, or present but not listed,
// is an error), derives the module path prefix (every module is
// <prefix>/<dir>, plus /vN from v2 on), builds the module graph from the
// requires, refuses import cycles, and reads the tags <dir>/vX.Y.Z.
//
// # Commands
//
//   - [MakePlan]: what changed since each module's last tag, the bump and
//     why, the dependents that follow, the tags to create.
//   - [Check]: the CI gate: workspace policy plus the release rules.
//   - [Verify]: every module built and tested alone against a scratch
//     proxy, fully offline.
//   - [Apply]: the release itself, prepared and verified in a temporary
//     worktree; only then the tags appear and the branch moves.
//   - [Publish]: released versions into a GOPROXY directory.
//   - [Push]: the release commit and its tags in one atomic push.
//   - [Graph] and [Status]: the module graph; versions, changes and
//     disagreements between tags and changelogs.
//
// Each returns coded errors from mist-go/errors; a bad input (dirty tree,
// detached HEAD, existing tag, go.work mismatch, import cycle, malformed
// change file, missing git) is reported before anything is written.
//
// # Environments
//
// Nothing here reads the process environment: [Config.Env] is the
// environment of every git and go process. Work that must not see the
// workspace or the network runs with GOWORK=off,
// GOPROXY=file://<scratch>,file://<GOMODCACHE>/cache/download,off,
// GONOSUMDB=<prefix>, GOSUMDB=off, a scratch GOMODCACHE and
// GOTOOLCHAIN=local, so the go command never asks a network proxy for a
// module of the repository.
//
// # Concurrency
//
// The result types ([Plan], [ModulePlan], [VerifyResult], [ApplyResult],
// [Published], [PushResult], [GraphRow], [StatusRow]) are plain values:
// their zero values are empty results, and they are safe to read from
// several goroutines. The functions may run concurrently on different
// repositories. Within
// one call, modules are verified and API-diffed up to [Config.Jobs] at a
// time; the report callback of [Verify] is called from one goroutine at a
// time.
package release
