# drivemon — one workspace, one module per service. `make test` is what CI runs.
SHELL := /bin/bash
MODULES = $(shell go list -m -f '{{.Path}}/...')
TESTENV ?= /tmp/drivemon-testenv
GOFILES = $(shell git ls-files '*.go')
# staticcheck at a pinned version (go run fetches and caches it once)
STATICCHECK = go run honnef.co/go/tools/cmd/staticcheck@v0.8.2

FULL_SCALE = '^TestIntegration(Burst|ManyObjectsAtStart|SSEClients|BadInput)$$'

.PHONY: test lint vet testenv testenv-stop unit bench full-scale fuzz

## test: lint, start PostgreSQL and MinIO, run every module's tests with
## -race, then the load scenarios at full scale
test: lint testenv
	set -a; . $(TESTENV)/env; set +a; \
	go test -race -shuffle=on -count=1 -timeout 40m $(MODULES)
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory full-scale

## full-scale: the load scenarios of test/reliability at the sizes of the
## issue (10 000 changes, 100 000 objects, 10 000 SSE clients), without the
## race detector (under it they run at a tenth of that); and the bad-input
## scenario, whose 1.5 GB memory bound is meant without the race detector
full-scale: testenv
	set -a; . $(TESTENV)/env; set +a; \
	DRIVEMON_FULL_SCALE=1 go test -count=1 -v -timeout 40m -run $(FULL_SCALE) github.com/drivemon/drivemon/test/reliability

## fuzz: each extractor's fuzz target for FUZZTIME (no crash, no hang, no
## text beyond the limit); about 2 minutes in all
FUZZ = FuzzCSV FuzzJSON FuzzHTML FuzzPDF FuzzDOCX FuzzXLSX FuzzPPTX
FUZZTIME ?= 10s
fuzz:
	scripts/fuzz.sh services/indexer/extract/extractfuzz $(FUZZTIME) $(FUZZ)

## lint: gofmt, go vet and staticcheck over every module
lint:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(MODULES)
	$(STATICCHECK) $(MODULES)

## unit: the tests that need no server (integration tests skip)
unit:
	go test -race -shuffle=on -count=1 $(MODULES)

## testenv: start the real PostgreSQL and MinIO the integration tests use
testenv:
	DRIVEMON_TESTENV=$(TESTENV) scripts/testenv.sh start >/dev/null

testenv-stop:
	DRIVEMON_TESTENV=$(TESTENV) scripts/testenv.sh stop

## bench: the benchmarks recorded in docs/BENCHMARKS.md
bench: testenv
	set -a; . $(TESTENV)/env; set +a; \
	go test -run '^$$' -bench . -benchmem -count=1 -timeout 60m $(MODULES)
