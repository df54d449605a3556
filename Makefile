# Portville. `make run` starts the app on http://localhost:8080; `make test`
# runs every test, browser tests included (it installs Chromium when it can).
GO      ?= go
ADDR    ?= 127.0.0.1:8080
PKGS    := ./...

.PHONY: run test check bench build static browser fuzz

run:
	$(GO) run ./cmd/portville serve --addr $(ADDR)

# browser installs Debian's Chromium for the browser tests when it is missing
# and this machine can install packages; otherwise those tests skip (unless
# PORTVILLE_REQUIRE_BROWSER=1, as in CI).
browser:
	@.ci/install-browser

test: browser
	$(GO) test -race -timeout 15m $(PKGS)

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool templ generate -check

# bench runs every Go benchmark; docs/benchmarks.md records the figures and
# the command behind each.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

build:
	$(GO) build -o bin/portville ./cmd/portville

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./sim/scenario/
	$(GO) test -run '^$$' -fuzz FuzzWorld -fuzztime 60s ./sim/
