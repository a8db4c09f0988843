# maintgen's developer targets. `make test` is what CI runs.
GO ?= go
FUZZTIME ?= 60s

.PHONY: test bench fuzz generate golden check-generated lint screenshots

## test: tidy go.mod and gofmt'd sources (every nested module too), vet and
## staticcheck, then every test (race detector on), fuzz seeds included
test:
	$(GO) mod tidy -diff
	cd examples/redis && $(GO) mod tidy -diff
	cd examples/prometheus && $(GO) mod tidy -diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo 'gofmt -l lists files; run gofmt -w on them:'; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
# go vet has run every analyzer above; the test lines skip the vet pass
# that go test adds (-vet=off), which would redo its work for the race
# build, standard library included.
	$(GO) test -race -vet=off ./...
# Tests of pure computation that the race detector slows six to sixty times
# and has nothing to check in (no goroutines) carry //go:build !race or skip
# themselves under it (difftest.Race); they
# run here, without it.
	$(GO) test -vet=off ./internal/bench/...
	$(GO) test -vet=off -run '^(TestXFFEntry|TestParseSize|TestGolden|Test(Nginx|Caddy|Worker)MatchesMiddleware)$$' ./internal/proxyconf ./internal/policy ./internal/cli
	cd examples/redis && $(GO) vet ./... && $(GO) test -race -vet=off ./...
	cd examples/prometheus && $(GO) vet ./... && $(GO) test -race -vet=off ./...
# The router conformance suite starts no goroutines: without the race
# detector it serves its whole corpus, and the routers build faster. gin's
# nomsgpack tag leaves out its MessagePack codec (github.com/ugorji/go),
# which routes nothing and took half the suite's compile time.
	cd examples/routers && $(GO) mod tidy -diff && $(GO) vet -tags nomsgpack ./... && $(GO) test -tags nomsgpack -vet=off ./...

## bench: every benchmark, benchstat-friendly (run twice to compare); first
## generates the 100,000-rule guard, which is not committed (-tags ip100k)
BENCHCOUNT ?= 6
BENCHTIME ?= 1s
bench:
	$(GO) test ./internal/bench -run '^TestGuardsUpToDate$$/^ip100k$$' -update
	$(GO) test -tags ip100k -run='^$$' -bench=. -benchmem -count=$(BENCHCOUNT) -benchtime=$(BENCHTIME) ./internal/bench ./internal/gen/maintenance | tee bench.out
	$(GO) run ./internal/bench/measure | tee measure.out

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## generate: regenerate the example apps (examples/redis, examples/prometheus and
## examples/routers are modules of their own) and the runtime's test tables
generate:
	$(GO) generate ./...
	$(GO) test ./internal/gen -run TestRuntimeTables -update
	cd examples/redis && $(GO) generate ./...
	cd examples/prometheus && $(GO) generate ./...
	cd examples/routers && $(GO) generate ./...

## golden: rewrite the golden files from the current generator
golden:
	$(GO) test ./internal/cli -run TestGolden -update

## check-generated: regenerate, then fail if anything committed changed
check-generated: generate golden
	git diff --exit-code

## lint: formatting, vet and staticcheck (pinned in go.mod as a tool)
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## screenshots: the pictures of the built-in page in docs/policy.md, light and dark,
## one LTR and one RTL locale, taken by the browser test (needs chromium)
screenshots:
	MAINTGEN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test ./internal/pagecheck -run '^TestBrowser$$' -count=1
