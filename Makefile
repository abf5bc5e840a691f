# jxlgw: `make run` for the demo, `make test` for every test.

GO      ?= go
ADDR    ?= 127.0.0.1:8080
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

FUZZTIME ?= 5s
# package:target pairs run by `make fuzz`
FUZZ := ./session:FuzzDecodeMessage ./internal/ticket:FuzzVerify ./jxlclient:FuzzDecodeCollect

.PHONY: run test fuzz build bench contract clean

## run: the gateway with the embedded JXL simulator and the demo page on $(ADDR)
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/jxlgw serve --demo --addr $(ADDR)

## test: every test, with the race detector, then a short run of every fuzz target
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

## fuzz: each fuzz target for FUZZTIME (make fuzz FUZZTIME=60s for a longer run)
fuzz:
	@for t in $(FUZZ); do \
		echo "fuzz $${t#*:} for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$${t#*:}$$" -fuzztime=$(FUZZTIME) $${t%%:*} || exit 1; \
	done

## build: the jxlgw binary in bin/
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/jxlgw ./cmd/jxlgw

## contract: the external contract checks against a fresh build
contract: build
	cd ../shared/tools/contractcheck && $(GO) run . -bin $(CURDIR)/bin/jxlgw -suite all

clean:
	rm -rf bin
