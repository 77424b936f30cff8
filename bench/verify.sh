#!/usr/bin/env bash
# `modelget verify` against `find blobs -type f | xargs -P$(nproc) sha256sum`
# (issue 24), on a store of ~4 GB of mixed blob sizes (170 blobs log-uniform
# from 4 KiB to 256 MiB, seed 3, pulled once from a local registry), from a
# cold page cache (the store's files dropped from it with
# POSIX_FADV_DONTNEED before each run: nothing else's cache is touched, so
# the binaries stay warm) and from a warm one (the same run repeated). Also
# `xargs -P$(nproc) openssl dgst -sha256`, the same hash modelget uses
# (coreutils' sha256sum does not use SHA-NI). Interleaved run by run.
#
#   bench/verify.sh [BIN...]      default: this checkout's release build
#
# Knobs: BENCH_REPS (5), VERIFY_COUNT (170), VERIFY_MAX (268435456), TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh

REPS=${BENCH_REPS:-5}
build_release .build-bench
require_tools docker-registry sha256sum openssl python3 /usr/bin/time
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$bin/modelget")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-verify.XXXXXX")
trap stop_bench EXIT
start_bench_registry registry
"$bin/modelget-testkit" seed --storage "$TMP/registry" --seed 3 --repository bench/mixed --tag v1 \
    --small-blobs "${VERIFY_COUNT:-170}" --min 4096 --max "${VERIFY_MAX:-268435456}" >/dev/null
STORE=$TMP/store
"${BINS[0]}" pull "$REGISTRY_HOST/bench/mixed:v1" --insecure --models "$STORE" >/dev/null
stop_bench_registry() { kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; REGISTRY_PID=; }
stop_bench_registry
rm -rf "$TMP/registry"
log "store: $(find "$STORE/blobs" -type f | wc -l) blobs, $(du -sb "$STORE/blobs" | cut -f1) bytes"

# evict: the store's blobs leave the page cache (after a sync, so they can).
evict() {
    sync
    python3 - "$STORE/blobs" <<'PY'
import os, sys
for name in os.listdir(sys.argv[1]):
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}
# run CACHE TOOL CMD...: appends "cache tool ms rss_kb" to $TMP/runs.
run() {
    local cache=$1 tool=$2 t0 t1
    shift 2
    if [[ $cache == cold ]]; then evict; fi
    t0=$(date +%s%N)
    /usr/bin/time -o "$TMP/time" -f "%M" "$@" >/dev/null 2>"$TMP/err" || { echo "FAIL $tool" >&2; cat "$TMP/err" >&2; exit 1; }
    t1=$(date +%s%N)
    echo "$cache $tool $(((t1 - t0) / 1000000)) $(tail -1 "$TMP/time")" >>"$TMP/runs"
}
: >"$TMP/runs"
N=$(nproc)
for rep in $(seq "$REPS"); do
    log "repetition $rep/$REPS"
    for cache in cold warm; do
        i=0
        for b in "${BINS[@]}"; do
            i=$((i + 1))
            run "$cache" "modelget$i verify" "$b" verify --models "$STORE"
        done
        run "$cache" "xargs -P$N sha256sum" bash -c 'find "$0" -type f | xargs -P"$1" sha256sum' "$STORE/blobs" "$N"
        run "$cache" "xargs -P$N openssl" bash -c 'find "$0" -type f | xargs -P"$1" openssl dgst -sha256' "$STORE/blobs" "$N"
    done
done
mkdir -p bench/results
cp "$TMP/runs" bench/results/verify-latest.tsv
for i in $(seq ${#BINS[@]}); do echo "modelget$i = ${BINS[$((i - 1))]}"; done
python3 - "$TMP/runs" <<'EOF'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    cache, *tool, ms, rss = line.split()
    runs[(cache, " ".join(tool))].append((int(ms) / 1000, int(rss)))
print("| cache | tool | median s | min–max s | ÷ sha256sum | peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|")
for (cache, tool), rows in runs.items():
    peer = statistics.median(r[0] for r in runs[(cache, next(t for c, t in runs if c == cache and "sha256sum" in t))])
    wall = statistics.median(r[0] for r in rows)
    print(f"| {cache} | {tool} | {wall:.2f} | {min(r[0] for r in rows):.2f}–{max(r[0] for r in rows):.2f} "
          f"| {wall / peer:.2f} | {max(r[1] for r in rows) / 1024:.0f} |")
EOF
