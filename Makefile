# maintgen's developer targets. `make test` is what CI runs.
GO ?= go
FUZZTIME ?= 60s

# The compiler, the go command and the tests spend less time collecting
# garbage with a heap allowed to grow further: GOGC=400 builds the standard
# library 13% faster from a cold cache on a 2-core machine, for 0.5 GB more.
GOGC ?= 400
export GOGC

.PHONY: test tidy test-race test-norace test-examples bench fuzz generate golden check-generated lint screenshots

## test: tidy go.mod and gofmt'd sources (every nested module too), vet and
## staticcheck, then every test (race detector on), fuzz seeds included. The
## three groups of tests run two at a time, each target's output kept
## together: on two cores one group's waits (browsers, servers, the go
## command) are another's CPU.
test: tidy lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-race test-norace test-examples

tidy:
	$(GO) mod tidy -diff
	cd examples/redis && $(GO) mod tidy -diff
	cd examples/prometheus && $(GO) mod tidy -diff
	cd examples/routers && $(GO) mod tidy -diff

# go vet (make lint) runs every analyzer; the test lines skip the vet pass
# that go test adds (-vet=off), which would redo its work for the race
# build, standard library included.
test-race:
	$(GO) test -race -vet=off ./...

# Tests of pure computation that the race detector slows six to sixty times
# and has nothing to check in (no goroutines) carry //go:build !race or skip
# themselves under it (difftest.Race); they run here, without it.
test-norace:
	$(GO) test -vet=off ./internal/bench/...
	$(GO) test -vet=off -run '^(TestXFFEntry|TestParseSize|TestGolden|Test(Nginx|Caddy|Worker)MatchesMiddleware)$$' ./internal/proxyconf ./internal/policy ./internal/cli

# The nested modules. Those tested with the race detector are vetted with
# it too (vet -race), so that their dependencies are compiled once. The
# router conformance suite starts no goroutines: without the race detector
# it serves its whole corpus, and the routers build faster. gin's
# nomsgpack tag leaves out its MessagePack codec (github.com/ugorji/go),
# which routes nothing and took half the suite's compile time.
#
# The routers come first: test-examples runs beside test-race, and the two
# go commands, both missing the same race-built standard library in a cold
# build cache, each compiled 19 of its packages (net/http and crypto/tls
# among them, 13 CPU-seconds). By the time the routers are done, test-race
# has cached it.
test-examples:
	cd examples/routers && $(GO) vet -tags nomsgpack ./... && $(GO) test -tags nomsgpack -vet=off ./...
	cd examples/redis && $(GO) vet -race ./... && $(GO) test -race -vet=off ./...
	cd examples/prometheus && $(GO) vet -race ./... && $(GO) test -race -vet=off ./...

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
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo 'gofmt -l lists files; run gofmt -w on them:'; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## screenshots: the pictures of the built-in page in docs/policy.md, light and dark,
## one LTR and one RTL locale, taken by the browser test (needs chromium)
screenshots:
	MAINTGEN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test ./internal/pagecheck -run '^TestBrowser$$' -count=1
