# lvs-image: the usual entry points. `make deps` once on a fresh Debian 12 machine, then `make image` / `make test`.
SHELL := /bin/bash
NODE  := node
CLI   := $(NODE) bin/lvs-image.js
SPEC  ?= images/dsas-lv1.yaml

.PHONY: deps image test test-unit test-integration check bench build clean

## deps: Debian packages (apt-get) and node modules (npm ci); safe to run again
deps:
	bash .ci/deps.sh
	npm ci

## build: compile TypeScript to dist/ (npm ci does it too, through `prepare`)
build:
	npx tsc -p tsconfig.build.json

## image: build the reference director image (kernel, ipvsadm, initramfs, PXE files) into out/
image: build
	$(CLI) build $(SPEC)

## test: unit tests first, then the integration tests (real gcc, make, kernel build, QEMU boots)
test: test-unit test-integration

test-unit:
	npx ava --match '![integration]*'

test-integration:
	npx ava --match '[integration]*'

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
