# Mentor Claims: the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps test-deps build run test contract containers format lint bench chaos clean-data

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --with-test-tools

build: deps
	swift build

## Builds and starts all four services on loopback; Ctrl-C stops them.
run: build
	@bash scripts/run.sh

## The Swift sources the formatter owns (settings in .swift-format, the Hummingbird project's).
SWIFT_SOURCES := Package.swift Services Shared Tools Tests

## Formats every Swift file in place.
format:
	swift format format --recursive --in-place $(SWIFT_SOURCES)

## Fails on any file `make format` would change.
lint:
	swift format lint --recursive --strict $(SWIFT_SOURCES)

## Runs every test, from state machines to end-to-end across the real executables, after checking
## the formatting and each service against its OpenAPI document. Built once with the tests, then
## run without rebuilding (alternating rebuilds dependencies).
test: test-deps lint
	swift build --build-tests
	python3 Tests/Contract/contract.py "$$(swift build --show-bin-path)"
	swift test --skip-build --no-parallel

## The image built from the Dockerfile, compose.yaml started with podman, and checked black box
## (health, a claim to its "paid" email, kill and restart, down and up, stop, the bus without keys,
## loopback only). Installs podman and builds its base image when missing.
containers: deps
	bash scripts/containers.sh

## Each service against its own OpenAPI document: schemathesis with every check on.
contract: test-deps
	swift build
	python3 Tests/Contract/contract.py "$$(swift build --show-bin-path)"

## Runs the benchmarks (release build) and prints the figures for docs/benchmarks.md.
bench: test-deps
	swift build -c release
	@bash scripts/bench.sh

## The long chaos run: 2,000 claims' journeys while services are killed and paused (at least 50
## kills); `make test` runs a short version of the same test.
chaos: test-deps
	swift build --build-tests
	CHAOS_CLAIMS=$${CHAOS_CLAIMS:-2000} CHAOS_MIN_KILLS=$${CHAOS_MIN_KILLS:-50} CHAOS_KILL_EVERY_MS=$${CHAOS_KILL_EVERY_MS:-300} \
		CHAOS_COOLDOWN_MS=$${CHAOS_COOLDOWN_MS:-5000} \
		swift test --skip-build --no-parallel --filter ChaosTests

clean-data:
	rm -rf .data
