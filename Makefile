# Thin targets: each calls one go command. See README.md.
.PHONY: test check bench fuzz

# Everything CI runs: gofmt, go vet (host and windows), go test -race on the
# workspace, the standalone lane; ends with "N passed, N failed".
test:
	go run ./release/internal/ci

# The quick gate: gofmt, go vet and the workspace policy test.
check:
	go run ./release/internal/ci -quick

# Every benchmark of the workspace, with allocations.
bench:
	go test -run='^$$' -bench=. -benchmem work

# Every fuzz target for FUZZTIME each (default 10s).
fuzz:
	go run ./release/internal/ci -fuzz=$(or $(FUZZTIME),10s)
