# Thin targets: each calls one go command. See README.md.
.PHONY: test check bench fuzz

# Everything CI runs: gofmt, go vet (host and windows), the Python and
# TypeScript binding suites, go test -race on the workspace, release check,
# release verify (the standalone lane); ends with "N passed, N failed".
test:
	go run ./release/internal/ci

# The quick gate: gofmt, go vet, `go run ./release check` (workspace policy
# and release rules), then actionlint on the release workflow at a pinned
# version, served from the module cache when it is there.
check:
	go run ./release/internal/ci -quick && GOPROXY="file://$$(go env GOMODCACHE)/cache/download,$$(go env GOPROXY)" go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 .github/workflows/release.yml

# mist-go next to the peer libraries, side by side (issue 8): one table of
# median ns/op, allocs, ratios and goals; raw output in a temporary file.
bench:
	go run ./benchmarks/cmd/benchtable -dir benchmarks

# Every fuzz target for FUZZTIME each (default 10s).
fuzz:
	go run ./release/internal/ci -fuzz=$(or $(FUZZTIME),10s)
