# CivicQ developer entry points. `make dev` and `make test` are the two that matter;
# both start (and on a fresh machine install) PostgreSQL and Redis by themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
SERVICES := scripts/services.sh
FUNCTIONS := $(notdir $(wildcard functions/*))
# Biggest bootstrap we accept (bytes): Lambda cold starts grow with the binary. The
# aim was 10 MB; the chosen libraries set the floor above it (README: "Binary size"),
# so this budget only stops regressions such as the AWS SDK creeping into a route.
MAX_BINARY := 13631488
# transcode alone links the AWS SDK's S3 client (it runs as a container image
# beside ffmpeg, where a few MB more do not matter): its own budget.
MAX_BINARY_transcode := 16777216
# The services' connection settings, exported into the commands that need them.
WITH_ENV = set -a && eval "$$($(SERVICES) env)" && set +a &&

# jsii warns that Node 20 is past end of life on every run; the warning is noise here.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help tools cognito-local dev test test-go test-infra test-web web web-deps build invoke lint bench services services-down db clean synth coldstart cost-report load city-admin

help:
	@echo "make dev        start Postgres+Redis, migrate, load the demo city, build the web app, serve http://localhost:8080/"
	@echo "make test       start the services and run every test (Go packages, fixtures, CDK template, web app in Chromium)"
	@echo "make web        build the web app into web/dist (npm ci first when the lock file changed)"
	@echo "make test-web   the web app's size budget and browser tests (Chromium, axe-core) against a throwaway stack"
	@echo "make build      build every function as build/<name>/bootstrap (linux/arm64)"
	@echo "make invoke FN=get-ballot EVENT=events/get-ballot/200-riverton.json"
	@echo "make lint       gofmt check, go vet, shell syntax"
	@echo "make bench      ballot through the local gateway vs a hello-world ceiling, plus Go benchmarks"
	@echo "make coldstart  cold start / memory / size per function under the Lambda emulator, checked against budgets.json"
	@echo "make cost-report  build/cost-report.{md,html}; LOGS=export.json to read a CloudWatch Logs Insights export"
	@echo "make load       election-night traffic mix (vegeta) on the local gateway; fails over p95 500 ms or 1% errors"
	@echo "make synth      build, then write the CDK app's CloudFormation to cdk.out/ (offline; STAGE=prod for prod)"
	@echo "make city-admin CITY=riverton EMAIL=you@example.org   make a signed-in user a city's admin (ROLE=moderator, REVOKE=1)"
	@echo "make services-down   stop Postgres and Redis"

services:
	@$(SERVICES) up >/dev/null

# ffmpeg and ffprobe for the video tests (installed with apt when missing).
tools:
	@scripts/tools.sh ensure-ffmpeg

services-down:
	@$(SERVICES) down

# cognito-local, the local stand-in for Cognito (make dev, the identity tests), pinned
# in scripts/cognito-local/package-lock.json. npm ci runs only when node_modules is
# missing or older than the lock file. Without node it only says so: make dev then
# signs tokens with an in-process issuer and the cognito-local tests skip.
COGNITO_LOCAL := scripts/cognito-local
cognito-local:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "cognito-local: node/npm not found, not installed (make dev falls back to an in-process token issuer)" >&2; \
	elif [ ! -f $(COGNITO_LOCAL)/node_modules/.package-lock.json ] || \
		[ $(COGNITO_LOCAL)/package-lock.json -nt $(COGNITO_LOCAL)/node_modules/.package-lock.json ]; then \
		echo "cognito-local: npm ci in $(COGNITO_LOCAL)" >&2; \
		cd $(COGNITO_LOCAL) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	fi

# Migrations and the demo city, for `make invoke` (make dev does this itself).
db: services
	@$(WITH_ENV) $(GO) run ./scripts/devserver -prepare

dev: services cognito-local web
	@$(WITH_ENV) $(GO) run ./scripts/devserver

test: lint test-go test-infra build test-web

test-go: services tools cognito-local
	@$(WITH_ENV) $(GO) test -count=1 ./...

test-infra:
	cd infra && $(GO) test -count=1 ./...

# The web app's packages, from web/package-lock.json; npm ci runs again only when
# the lock file or package.json changed (npm writes node_modules/.package-lock.json).
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web-deps: web/node_modules/.package-lock.json

# web/dist: the static site the local gateway serves and the CDK stack deploys
# (type-checked with tsc, bundled with Vite).
web: web-deps
	cd web && npm run build

# The web app's tests: the first-load JS budget (it builds and prints the figure),
# then the browser tests: Debian's Chromium (installed with apt when missing)
# driven by playwright-core against the devserver on a free port with a throwaway
# database, cognito-local and local S3 of its own (free ports), axe-core in every
# page, screenshots in build/screenshots/. ffmpeg makes the test video; cityadmin
# makes the test's city admin.
test-web: services tools cognito-local web
	@scripts/tools.sh ensure-chromium
	$(GO) build -o build/web-test/devserver ./scripts/devserver
	$(GO) build -o build/web-test/cityadmin ./scripts/cityadmin
	cd web && node --test tests/size.test.mjs
	@$(WITH_ENV) cd web && CIVICQ_DEVSERVER=$(CURDIR)/build/web-test/devserver node --test --test-concurrency=1 tests/browser.test.mjs

build: $(FUNCTIONS:%=build/%/bootstrap)
	@echo "function                   bytes"
	@for f in $(FUNCTIONS); do \
		size=$$(stat -c %s build/$$f/bootstrap); \
		printf '%-22s %9d\n' $$f $$size; \
		limit=$(MAX_BINARY); if [ $$f = transcode ]; then limit=$(MAX_BINARY_transcode); fi; \
		if [ $$size -gt $$limit ]; then echo "build/$$f/bootstrap is over $$limit bytes" >&2; exit 1; fi; \
	done

# Lambda's provided.al2023 runtime on Graviton: a static linux/arm64 binary named
# bootstrap; lambda.norpc drops the legacy net/rpc entry point.
build/%/bootstrap: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags "-s -w" -o $@ ./functions/$*

FORCE:

invoke: db
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function> EVENT=<events/.../file.json>"; exit 2; }
	@$(WITH_ENV) $(GO) run ./scripts/invoke -fn $(FN) -event $(EVENT)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd infra && $(GO) vet ./...
	@for f in scripts/*.sh .ci/run; do bash -n $$f; done

bench: services
	@$(WITH_ENV) $(GO) run ./scripts/bench
	@$(WITH_ENV) $(GO) test -run '^$$' -bench . -benchmem ./shared/...

# Cold start, warm duration, peak memory and size of every function under the AWS Lambda
# Runtime Interface Emulator (installed into .local/bin on first use), checked against
# budgets.json. `make test` runs the same check (scripts/coldstart/budget_test.go).
coldstart: services
	@$(WITH_ENV) $(GO) run ./scripts/coldstart -check budgets.json

# build/cost-report.md and .html; LOGS=export.json reads a CloudWatch Logs Insights export instead.
cost-report: services
	@$(WITH_ENV) $(GO) run ./scripts/costreport $(if $(LOGS),-from-logs $(LOGS))

# A role in one city outside the API: how a city's first admin is made (README "Roles").
city-admin: db
	@test -n "$(CITY)" -a -n "$(EMAIL)" || { echo "usage: make city-admin CITY=<slug> EMAIL=<email or subject> [ROLE=moderator] [REVOKE=1]"; exit 2; }
	@$(WITH_ENV) $(GO) run ./scripts/cityadmin -city $(CITY) -user $(EMAIL) $(if $(ROLE),-role $(ROLE)) $(if $(REVOKE),-revoke)

# Election-night mix against the local gateway; LOAD_FLAGS="-rate 400 -duration 120s" or "-find".
load: services
	@$(WITH_ENV) $(GO) run ./scripts/load $(LOAD_FLAGS)

# The CloudFormation of the whole stack, offline (no AWS calls), from build/.
STAGE ?= dev
synth: build
	cd infra && CDK_CONTEXT_JSON='{"stage":"$(STAGE)"}' $(GO) run .

clean:
	rm -rf build cdk.out infra/cdk.out
