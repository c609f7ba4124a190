# lvs-image: the usual entry points, `make image` and `make test`; each first runs `deps` (Debian packages and node
# modules), which costs about a second when everything is there.
SHELL := /bin/bash
NODE  := node
CLI   := $(NODE) bin/lvs-image.js
SPEC  ?= images/dsas-lv1.yaml

.PHONY: deps apt-deps image test test-unit test-integration check bench build clean

## deps: Debian packages (apt-get) and node modules (npm ci, only when package-lock.json is newer than them)
deps: apt-deps node_modules/.package-lock.json

apt-deps:
	bash .ci/deps.sh

node_modules/.package-lock.json: package-lock.json package.json
	npm ci

## build: compile TypeScript to dist/ (npm ci does it too, through `prepare`)
build:
	npx tsc -p tsconfig.build.json

## image: build the reference director image (kernel, ipvsadm, initramfs, PXE files) into out/
image: deps build
	$(CLI) build $(SPEC)

## test: the unit tests beside the integration tests (real gcc, make, kernel build, QEMU boots). The integration
## tests alone keep about one core of two busy (measured: 255 s wall, 275 s CPU), so the unit tests run in the
## other: 311 s for both against 344 s one after the other. The unit tests' output is printed when they end, after
## the integration tests' own, and either failing fails the target.
test: deps build
	@unit=$$(mktemp /tmp/lvs-unit-tests.XXXXXX); \
	LVS_IMAGE_TEST_CLI=dist npx ava --match '![integration]*' >"$$unit" 2>&1 & pid=$$!; \
	$(INTEGRATION_TESTS); irc=$$?; \
	wait $$pid; urc=$$?; echo "== unit tests (exit $$urc):"; cat "$$unit"; rm -f "$$unit"; \
	[ $$urc -eq 0 ] && [ $$irc -eq 0 ]

# Both run the CLI compiled by `build` (LVS_IMAGE_TEST_CLI=dist, test/_helpers/cli.ts): ~0.8 s of CPU less a run
# than through tsx; `npx ava FILE` alone runs it from source.
test-unit: build
	LVS_IMAGE_TEST_CLI=dist npx ava --match '![integration]*'

# Only the files that register integration tests (they all go through test/_helpers/integration.ts): ava starts a
# process per file it is given, and loading the ~70 others only to match nothing cost a minute of CI.
# INTEGRATION_EXCLUDE: title globs of integration tests to leave out, for a caller that runs the same check
# itself (.ci/run: its boot matrix runs the README's boot-test both ways and netboots through serve --dhcp full).
INTEGRATION_TESTS = LVS_IMAGE_TEST_CLI=dist npx ava --match '[integration]*' \
	$(foreach g,$(INTEGRATION_EXCLUDE),--match '!$(g)') \
	$$(grep -rlE --include='*.test.ts' "_helpers/integration\.js'" test | sort)
test-integration: build
	$(INTEGRATION_TESTS)

## check: types, lint, formatting
check:
	npx tsc --noEmit -p .
	npx eslint .
	npx prettier --check .

## bench: the figures the issues name, measured side by side
bench: build
	$(NODE) --import tsx bench/run.ts

clean:
	rm -rf dist out
