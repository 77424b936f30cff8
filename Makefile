# Entry points for people and CI; see .ci/run for the CI machine setup.
SWIFT ?= swift

.PHONY: build test demo release bench packages

# Installs the Debian packages of scripts/system-packages.txt that are missing.
packages:
	scripts/ensure-packages.sh

build: packages
	$(SWIFT) build

# Unit and integration tests; the integration tests start docker-registry.
test: packages
	$(SWIFT) test --disable-swift-testing

# Pulls a small seeded model from a local registry (scripts/demo.sh).
demo: packages
	scripts/demo.sh

release: packages
	$(SWIFT) build -c release

# Benchmarks against curl, aria2c, oras-py and skopeo (bench/run.sh;
# BENCH_QUICK=1 for a smoke run). Writes bench/results/latest.md.
bench:
	bench/run.sh
