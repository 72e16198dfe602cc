# honeygate: two commands for a new user.
#   make run   installs what is missing, builds, and starts `honeygate serve`
#   make test  vet, staticcheck, race-enabled tests (unit + end-to-end), and a short fuzz run

GO        ?= go
BIN       := bin/honeygate
FUZZTIME  ?= 5s
RUN_ARGS  ?=
# staticcheck is pinned so that CI and every machine check the same rules.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build deps test vet lint unit fuzz bench clean

run: deps build
	./$(BIN) serve $(RUN_ARGS)

deps:
	@scripts/deps.sh

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# -buildvcs=auto: the commit goes into --version even where GOFLAGS turns stamping off.
build:
	$(GO) build -buildvcs=auto -ldflags "-X github.com/honeygate/honeygate/internal/buildinfo.Version=$(VERSION)" -o $(BIN) ./cmd/honeygate

test: deps vet lint unit fuzz

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal test bench 2>/dev/null)" || { echo "gofmt needed:"; gofmt -l cmd internal test bench; exit 1; }

# staticcheck with its default checks (staticcheck.conf); every exclusion
# is a //lint:ignore or //lint:file-ignore comment with its reason beside it.
lint:
	$(GO) run $(STATICCHECK) ./...

# Unit, integration and end-to-end tests (test/e2e builds and starts the real
# binary on port 0 with a temp data dir).
unit:
	$(GO) test -race -count=1 -timeout 15m ./...

# Each fuzz target for a few seconds, so CI catches a crash a new change made
# reachable. Longer runs: make fuzz FUZZTIME=10m
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

bench:
	bash bench/telnet.sh

clean:
	rm -rf bin
