# drivemon — one workspace, one module per service. `make test` is what CI runs.
SHELL := /bin/bash
MODULES = $(shell go list -m -f '{{.Path}}/...')
TESTENV ?= /tmp/drivemon-testenv
GOFILES = $(shell git ls-files '*.go')

.PHONY: test lint vet testenv testenv-stop unit bench

## test: lint, start PostgreSQL and MinIO, run every module's tests with -race
test: lint testenv
	set -a; . $(TESTENV)/env; set +a; \
	go test -race -shuffle=on -count=1 -timeout 40m $(MODULES)

## lint: gofmt and go vet over every module
lint:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(MODULES)

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
