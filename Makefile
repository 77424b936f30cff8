# Entry points for people and CI; see .ci/run for the CI machine setup.
SWIFT ?= swift

.PHONY: build test check-layout demo release bench packages fuzz fuzz-seeded man install install-files

PREFIX ?= /usr/local
CONFIGURATION ?= release

# Installs the Debian packages of scripts/system-packages.txt that are missing.
packages:
	scripts/ensure-packages.sh

build: packages
	$(SWIFT) build

# Unit and integration tests (XCTest, then Swift Testing: the tables of
# references and sync files, and Tests/ModelGetCLITests, the command line
# run in-process); the integration tests start docker-registry.
# The man pages come first (a debug build, which the tests reuse): the
# install test installs them into a temporary PREFIX.
# Most tests wait (on a registry killed for good, a retry window, a relay's
# delay) rather than compute, so they run TEST_WORKERS at once, one
# process per test; the classes of TESTS_ALONE then run one by one, on a
# quiet machine, because what they assert depends on it:
#   LimitRateTests, PartsOverConnectionsTests, PartCountFromProbeTests,
#   SmallBlobsOverAFarPathTests: rates, connection counts and part counts
#     that follow the speed the path shows;
#   PullKilledAtFullSpeedTests: how far the writer runs ahead of its
#     records before a kill -9.
# A test held from one side only (a limit never exceeded, a throttled
# pull killed half-way) runs with the others: a loaded machine only slows
# it.
TEST_WORKERS ?= 6
TESTS_ALONE = LimitRateTests|PartsOverConnectionsTests|PartCountFromProbeTests|SmallBlobsOverAFarPathTests|PullKilledAtFullSpeedTests
test: packages check-layout
	$(MAKE) man CONFIGURATION=debug
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing --parallel --num-workers $(TEST_WORKERS) --skip '$(TESTS_ALONE)'
	$(SWIFT) test --skip-build --disable-swift-testing --filter '$(TESTS_ALONE)'
	$(SWIFT) test --skip-build --disable-xctest

# Builds every product (CONFIGURATION) and writes a man page per command
# with swift-argument-parser's generate-manual plugin, into
# .build/plugins/GenerateManual/outputs/modelget/.
man: packages
	$(SWIFT) package generate-manual --configuration $(CONFIGURATION) --multi-page

# Installs modelget under PREFIX (default /usr/local; DESTDIR for staging):
# bin/modelget, share/man/man1/modelget*.1, and bash/zsh/fish completions.
install: man
	$(MAKE) install-files

# The copying part of install, from an existing build and man pages.
install-files:
	scripts/install.sh $(CONFIGURATION) "$(DESTDIR)$(PREFIX)"

# docs/ARCHITECTURE.md's layout, paths and dependencies match Sources/ModelGet
# (and the paths docs/DATA-FLOW.md, ON-DISK.md and CLI.md name exist).
check-layout: packages
	python3 scripts/check-layout.py

# Pulls a small seeded model from a local registry (scripts/demo.sh).
demo: packages
	scripts/demo.sh

release: packages
	$(SWIFT) build -c release

# Benchmarks against curl, aria2c, oras-py and skopeo (bench/run.sh;
# BENCH_QUICK=1 for a smoke run). Writes bench/results/latest.md.
bench:
	bench/run.sh

# Fuzzes each parser of untrusted input with libFuzzer for FUZZ_SECONDS
# (not in CI): reference, manifest, auth-challenge, sync-file,
# content-range, upload-location. Seeds come from Fuzz/corpus/<target>/;
# what libFuzzer learns goes to .build-fuzz/corpus/, crashes to
# .build-fuzz/crash-*. See Fuzz/README.md.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= reference manifest auth-challenge sync-file content-range upload-location
fuzz: packages
	$(SWIFT) build --product modelget-fuzz --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER
	for target in $(FUZZ_TARGETS); do \
		mkdir -p .build-fuzz/corpus/$$target && \
		SWIFT_BACKTRACE=enable=no MODELGET_FUZZ_TARGET=$$target .build-fuzz/debug/modelget-fuzz .build-fuzz/corpus/$$target Fuzz/corpus/$$target \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix=.build-fuzz/ \
			-print_final_stats=1 || exit 1; \
	done

# The same targets without libFuzzer: seeded mutations of the corpus.
fuzz-seeded: packages
	$(SWIFT) run modelget-fuzz all $(FUZZ_SECONDS)
