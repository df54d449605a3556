# Portville. `make run` starts the app on http://localhost:8080; `make test`
# runs every test, browser tests included (it installs Chromium when it can).
GO      ?= go
ADDR    ?= 127.0.0.1:8080
PKGS    := ./...

.PHONY: run test quick check bench build static browser tshark fuzz shots

run:
	$(GO) run ./cmd/portville serve --addr $(ADDR)

# browser installs Debian's Chromium for the browser tests, and tshark
# Debian's tshark for the tests of capture files, when they are missing and
# this machine can install packages; otherwise those tests skip (unless
# PORTVILLE_REQUIRE_BROWSER=1 and PORTVILLE_REQUIRE_TSHARK=1, as in CI).
browser:
	@.ci/install-browser

tshark:
	@.ci/install-tshark

test: browser tshark
	$(GO) test -race -timeout 15m $(PKGS)

# quick is the inner loop: every test but the browser's (TestBrowser*,
# TestStatic*) and without -race, about 30 s on two cores once built.
# make test before a commit lands.
quick:
	$(GO) test -skip 'Browser|Static' $(PKGS)

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOOS=js GOARCH=wasm $(GO) vet -tags portville_noyaml ./cmd/portville-wasm
	@# /live reads the machine with gopsutil (web/live): tested on Linux here,
	@# it must compile for macOS and Windows too (both at once: two cores).
	GOOS=darwin $(GO) vet ./web/live & pid=$$!; GOOS=windows $(GO) vet ./web/live || exit 1; wait $$pid
	$(GO) tool templ generate -check

# bench runs every Go benchmark; docs/benchmarks.md records the figures and
# the command behind each.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

build:
	$(GO) build -o bin/portville ./cmd/portville

# static writes the app as plain files into $(STATIC_DIR), for any static
# file server (python3 -m http.server -d dist/static): the pages, the front
# end and the simulator compiled to WebAssembly, which export-static builds
# with this Go toolchain (GOOS=js GOARCH=wasm, -tags portville_noyaml).
STATIC_DIR ?= dist/static
static:
	$(GO) run ./cmd/portville export-static $(STATIC_DIR)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s -fuzzminimizetime 100x ./sim/scenario/
	$(GO) test -run '^$$' -fuzz FuzzWorld -fuzztime 60s -fuzzminimizetime 100x ./sim/
	$(GO) test -run '^$$' -fuzz FuzzDescribe -fuzztime 30s -fuzzminimizetime 100x ./sim/
	$(GO) test -run '^$$' -fuzz FuzzCommand -fuzztime 60s -fuzzminimizetime 100x ./sim/lab/
	$(GO) test -run '^$$' -fuzz FuzzParseScript -fuzztime 30s -fuzzminimizetime 100x ./sim/lab/
	$(GO) test -run '^$$' -fuzz '^FuzzForwarded$$' -fuzztime 30s -fuzzminimizetime 100x ./web/

# shots saves screenshots of every lesson on the screens of a class (the
# projector at 1024x768, 1280x720 and 1920x1080, phones at 390x844 and
# 360x740) and of the lab into $(SHOTS_DIR), for a person to look at.
SHOTS_DIR ?= dist/shots
shots: browser
	PORTVILLE_SHOTS=$(abspath $(SHOTS_DIR)) $(GO) test -count 1 -run 'TestBrowserScreens|TestBrowserLab' ./web/
