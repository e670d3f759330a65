# gunicorn-go: the project's commands. `make help` lists them.
#
# The repository is a Go workspace (go.work) of one module per stage plus
# shared/ and bench/. Go cannot test "./..." from a workspace's root, so the
# module list comes from `go list -m` and each module becomes ./DIR/... .
# Stage commands are found by globbing stage*/cmd/*/, so a new stage needs no
# change here.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go

# Modules of the workspace, relative to here: shared, stage1-wsgi-hello, …
MODULES := $(patsubst $(CURDIR)/%,%,$(shell $(GO) list -m -f '{{.Dir}}'))
PKGS := $(foreach m,$(MODULES),./$(m)/...)

# `make test STAGE=2` tests stage 2's module only.
STAGE ?=
ifeq ($(STAGE),)
TEST_PKGS := $(PKGS)
else
TEST_PKGS := $(foreach m,$(filter stage$(STAGE)-%,$(MODULES)),./$(m)/...)
endif

TEST_FLAGS ?= -count=1 -timeout=8m

# Every stage command: stage1-wsgi-hello/cmd/stage1, …, stage6-…/cmd/gunicorn-go.
# Each builds to $(BIN)/<its directory's name>; BIN is bin/ unless told.
BIN ?= bin
CMD_DIRS := $(sort $(patsubst %/,%,$(dir $(filter-out %_test.go,$(wildcard stage*/cmd/*/*.go)))))

# What `make run` serves with: gunicorn-go once it exists, else the command of
# the highest stage from 2 up (stage 1 cannot listen; it answers one request).
SERVE_DIR := $(or $(filter %/gunicorn-go,$(CMD_DIRS)),$(lastword $(shell printf '%s\n' $(filter-out stage0-% stage1-%,$(CMD_DIRS)) | sort -V)))
STAGE1_DIR := $(firstword $(filter stage1-%,$(CMD_DIRS)))
BIND ?= 127.0.0.1:8000
APP_DIR ?= shared/examples
APP ?= hello:app

# Fuzz targets as PACKAGE_DIR:FUNC. A target whose package or function does
# not exist yet is skipped with a note.
FUZZ_TARGETS ?= stage2-single-worker/http1:FuzzReadRequest stage2-single-worker/http1:FuzzChunkedBody
ifneq ($(STAGE),)
FUZZ_TARGETS := $(filter stage$(STAGE)-%,$(FUZZ_TARGETS))
endif
# Budgets are counts of inputs, not durations: Go 1.26's fuzz coordinator can
# report a spurious "context deadline exceeded" failure when a -fuzztime
# duration runs out under CPU contention (golang/go#75804, fixed in Go 1.27).
# A count has no deadline to race. About 20,000 inputs/s run on 2 cores, so
# the defaults are roughly 2 minutes and 10 seconds.
FUZZTIME ?= 2500000x
FUZZTIME_SHORT ?= 200000x
# Minimizing each new interesting input for up to 60 s (go test's default)
# would eat a short run whole; 100 tries keeps the fuzzer fuzzing.
FUZZMINIMIZE ?= 100x

# fuzz runs every FUZZ_TARGETS entry for $(1). A package that does not
# compile is an error; a missing package or function is skipped.
define fuzz
	for t in $(FUZZ_TARGETS); do \
	  pkg=./$${t%%:*}; fn=$${t##*:}; \
	  if [ ! -d "$$pkg" ]; then echo "fuzz: no $$pkg yet, skipped"; continue; fi; \
	  list=$$($(GO) test -list "^$$fn\$$" "$$pkg"); \
	  if ! grep -qx "$$fn" <<<"$$list"; then echo "fuzz: no $$fn in $$pkg yet, skipped"; continue; fi; \
	  echo "fuzz $$fn in $$pkg for $(1)"; \
	  $(GO) test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(1) -fuzzminimizetime=$(FUZZMINIMIZE) "$$pkg" || exit 1; \
	done
endef

# `make bench` runs every case BENCH_ROUNDS times (each row its median round)
# and writes bench/RESULTS.md; BENCH_FLAGS adds the harness's flags, e.g.
# BENCH_FLAGS='-cases 1,2 -d 20s'. `make bench QUICK=1` is the harness's smoke
# test, part of `make test`: every case for one second, the results checked
# complete and written to QUICK_OUT (a temporary file, removed when the check
# passes, unless named), never to bench/RESULTS.md.
BENCH_ROUNDS ?= 3
QUICK ?=
QUICK_OUT ?=

# `make install` copies bin/gunicorn-go to $(DESTDIR)$(PREFIX)/bin and the
# deploy/ files (systemd units, Supervisor, logrotate, nginx) to
# $(DESTDIR)$(PREFIX)/share/gunicorn-go/deploy, for an operator to adapt.
PREFIX ?= /usr/local
DESTDIR ?=
DEPLOY_FILES := $(wildcard deploy/*/*)

.PHONY: help build run test lint fuzz bench docs clean install

help: ## list the targets
	@echo "usage: make TARGET [STAGE=N] [FUZZTIME=2500000x|2m] [QUICK=1] [BENCH_FLAGS='-cases 1,2 -d 8s …']"
	@grep -E '^[a-z]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed -E 's/^([a-z]+):.*## /  \1\t/' | expand -t 11

build: ## build every stage's command into bin/ (bin/gunicorn-go is the production server)
	@mkdir -p $(BIN)
ifeq ($(CMD_DIRS),)
	@echo "build: no stage command (stage*/cmd/*/) yet"
else
	$(GO) build -o $(BIN)/ $(foreach d,$(CMD_DIRS),./$(d))
endif

install: build ## install bin/gunicorn-go into PREFIX/bin (PREFIX=/usr/local), deploy/ into PREFIX/share/gunicorn-go
	@test -x $(BIN)/gunicorn-go || { echo "install: no $(BIN)/gunicorn-go (stage 6's command)" >&2; exit 1; }
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN)/gunicorn-go $(DESTDIR)$(PREFIX)/bin/gunicorn-go
	for f in $(DEPLOY_FILES); do install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/gunicorn-go/$$f"; done

run: build ## serve shared/examples/hello.py with the highest stage (127.0.0.1:8000)
ifneq ($(SERVE_DIR),)
	@echo "run: $(BIN)/$(notdir $(SERVE_DIR)) serves $(APP) from $(APP_DIR) at http://$(BIND)/ (Ctrl-C stops it)"
	$(BIN)/$(notdir $(SERVE_DIR)) -b $(BIND) --chdir $(APP_DIR) $(APP)
else ifneq ($(STAGE1_DIR),)
	@echo "run: only stage 1 exists; it calls the app once and prints the response"
	$(BIN)/$(notdir $(STAGE1_DIR)) --chdir $(APP_DIR) $(APP)
else
	@echo "run: no stage command to run yet" >&2; exit 1
endif

test: build ## run the tests (STAGE=N for one stage), the bench smoke test, a short fuzz, then lint
ifeq ($(strip $(TEST_PKGS)),)
	@echo "test: no module stage$(STAGE)-*" >&2; exit 1
endif
	$(GO) test $(TEST_FLAGS) $(TEST_PKGS)
ifeq ($(STAGE),)
	@$(MAKE) --no-print-directory bench QUICK=1
endif
	@$(call fuzz,$(FUZZTIME_SHORT))
	@$(MAKE) --no-print-directory lint

lint: ## gofmt, go vet, the stages' layering, and staticcheck when installed
	@unformatted=$$(gofmt -l $(MODULES)); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run ./shared/layers $(PKGS)
	@if command -v staticcheck >/dev/null; then echo "staticcheck $(PKGS)"; staticcheck $(PKGS); \
	else echo "lint: staticcheck not installed, skipped"; fi

fuzz: ## fuzz the HTTP parser for FUZZTIME inputs (default 2500000x, about 2m)
	@$(call fuzz,$(FUZZTIME))

bench: build ## gunicorn-go against gunicorn, uWSGI and net/http; writes bench/RESULTS.md (QUICK=1: smoke test)
ifeq ($(QUICK),)
	$(GO) run ./bench -rounds $(BENCH_ROUNDS) -out bench/RESULTS.md $(BENCH_FLAGS)
else
	@out="$(QUICK_OUT)"; [ -n "$$out" ] || out=$$(mktemp -t gunicorn-go-bench-XXXXXX.md); \
	log=$$(mktemp -t gunicorn-go-bench-XXXXXX.log); \
	echo "bench QUICK: every case for 1 s, a smoke test of the harness"; \
	if $(GO) run ./bench -quick -out "$$out" $(BENCH_FLAGS) >/dev/null 2>"$$log"; then \
	  tail -n 1 "$$log"; rm -f "$$log"; \
	  if [ -z "$(QUICK_OUT)" ]; then rm -f "$$out"; else echo "bench QUICK: results in $$out"; fi; \
	else \
	  status=$$?; cat "$$log"; echo "bench QUICK failed (exit $$status); results in $$out, progress in $$log" >&2; exit $$status; \
	fi
endif

docs: ## regenerate generated docs (docs/settings.md) with go generate
	$(GO) generate $(PKGS)

clean: ## remove bin/
	rm -rf bin
