# jxlgw: `make run` for the demo, `make test` for every test.

GO      ?= go
ADDR    ?= 127.0.0.1:8080
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

FUZZTIME ?= 5s
# package:target pairs run by `make fuzz`
FUZZ := ./session:FuzzDecodeMessage ./internal/ticket:FuzzVerify ./jxlclient:FuzzDecodeCollect

# Debian packages the tests need beyond Go: the browser for the demo and SDK tests, and a CJK
# font so their screenshots are legible.
TEST_PACKAGES := chromium fonts-wqy-microhei

.PHONY: run test deps fuzz build bench contract clean

## run: the gateway with the embedded JXL simulator and the demo page on $(ADDR)
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/jxlgw serve --demo --addr $(ADDR)

## test: every test, with the race detector, then a short run of every fuzz target
test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

## deps: install the test packages where we can (root with apt-get); otherwise say loudly
## that the browser tests will be skipped. CI installs them in .ci/run and never skips.
deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing $(TEST_PACKAGES) for the browser tests"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $(TEST_PACKAGES) >/dev/null; } || \
		echo "!!! make: could not install chromium: the browser tests will be SKIPPED !!!"; \
	else \
		echo "!!! make: chromium is missing and cannot be installed here:" \
			"the browser tests will be SKIPPED (apt-get install $(TEST_PACKAGES)) !!!"; \
	fi

## fuzz: each fuzz target for FUZZTIME (make fuzz FUZZTIME=60s for a longer run)
fuzz:
	@for t in $(FUZZ); do \
		echo "fuzz $${t#*:} for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$${t#*:}$$" -fuzztime=$(FUZZTIME) $${t%%:*} || exit 1; \
	done

## build: the jxlgw binary in bin/
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/jxlgw ./cmd/jxlgw

## bench: the benchmarks (one whole flow over real HTTP and WebSocket, and the rest)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## contract: the external contract checks against a fresh build (needs the team's shared tools
## checked out beside this repository)
contract: build
	cd ../shared/tools/contractcheck && $(GO) run . -bin $(CURDIR)/bin/jxlgw -suite all

clean:
	rm -rf bin
