#!/usr/bin/env bash
# The small-blob target of issue 9, measured the way its numbers in
# bench/README.md were: 1,001 blobs of 16 KiB-1 MiB from one local
# docker-registry, bare `curl --parallel --parallel-max 64` and each given
# modelget binary pulling the same blobs in turn, REPS times. Every run
# writes into a new directory under OUT (the old ones stay until the end:
# deleting 1,000 files makes ext4's next inode allocations slower, and that
# would fall on whichever tool runs next). Per run it records the wall
# time, the client's CPU and peak RSS and the registry's CPU: with the
# registry on the same cores, a client's CPU shows up in the wall time
# almost one for one.
# Prints per tool the medians and the median of the per-repetition ratios
# to curl (each tool against the curl run just before it).
#
# Two more references show what the target's "verified and durable" costs
# on the same cores when curl does the transfer: "curl+sha256" is the same
# curl run with `openssl dgst -sha256` of the same blobs (hot in the page
# cache) running alongside, the CPU a verifying client must spend;
# "curl+verify" is that followed by a `sync -f` of the output's filesystem.
# modelget's ratio to them is what it costs beyond verifying and syncing.
#
#   bench/small.sh [BIN...]        default: this checkout's release build; 11 repetitions
#
# Knobs: BENCH_REPS, OUT (default $TMPDIR; put it on the disk you care
# about, or on tmpfs to see the run without the cost of durability),
# RUNS_OUT (a file to keep every run's line of $TMP/runs in).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh

REPS=${BENCH_REPS:-11}
build_release .build-bench
require_tools curl docker-registry openssl python3 /usr/bin/time
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$bin/modelget")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-small-bench.XXXXXX")
OUTDIR=$(mktemp -d "${OUT:-${TMPDIR:-/tmp}}/modelget-small-out.XXXXXX")
trap 'stop_bench; rm -rf "$OUTDIR"' EXIT
start_bench_registry registry
"$bin/modelget-testkit" seed --storage "$TMP/registry" --seed 7 --repository bench/small --tag v1 \
    --small-blobs 1000 --min 16384 --max 1048576 >/dev/null
ls "$TMP"/registry/docker/registry/v2/blobs/sha256/*/*/data >"$TMP/blobfiles"
xargs cat <"$TMP/blobfiles" >/dev/null
curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_HOST/v2/bench/small/manifests/v1" |
    python3 -c 'import json,sys; m=json.load(sys.stdin); print("\n".join(d["digest"] for d in [m["config"]] + m["layers"]))' |
    while read -r digest; do
        printf 'url = "http://%s/v2/bench/small/blobs/%s"\noutput = "%s"\n' "$REGISTRY_HOST" "$digest" "${digest/:/-}"
    done >"$TMP/curlrc"

ticks=$(getconf CLK_TCK)
registry_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/$REGISTRY_PID/stat"; }
# Every run writes 238 MB, a 21-repetition run 20 GB of a 24 GiB machine:
# so that later runs do not reclaim the pages of earlier ones, a run's files
# leave the page cache once they are on disk (`sync`), and nothing else
# does (dropping every cache would make each start read modelget's binary
# and the Swift runtime from disk).
evict_run() {
    [[ -d $1 ]] || return 0
    python3 - "$1" <<'PY'
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        fd = os.open(os.path.join(root, name), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PY
}
n=0
# run NAME CMD...: one timed run, CMD's output directory in $D; appends "NAME wall client registry rss" to $TMP/runs
# (milliseconds, and the client's peak RSS in KiB).
run() {
    local name=$1; shift
    n=$((n + 1)); export D=$OUTDIR/$n; mkdir -p "$D"; sync
    evict_run "$OUTDIR/$((n - 1))"
    local r0 t0 t1 r1
    r0=$(registry_ms); t0=$(date +%s%N)
    /usr/bin/time -o "$TMP/time" -f "%U %S %M" "$@" >/dev/null 2>"$TMP/err" || { echo "FAIL $name" >&2; cat "$TMP/err" >&2; exit 1; }
    t1=$(date +%s%N); r1=$(registry_ms)
    echo "$name $(( (t1 - t0) / 1000000 )) $(awk '{print ($1 + $2) * 1000}' "$TMP/time") $(echo "$r1 - $r0" | bc) $(awk '{print $3}' "$TMP/time")" >>"$TMP/runs"
}
# The references' commands, run by `bash -c` in $D with $0 = the curl
# config and $1 = the list of the registry's blob files.
CURL_PULL='curl -fsS --parallel --parallel-max 64 -K "$0"'
HASH_ALONGSIDE='{ xargs openssl dgst -sha256 <"$1" >/dev/null & '"$CURL_PULL"' && wait $!; }'
for rep in $(seq "$REPS"); do
    log "repetition $rep/$REPS"
    run curl bash -c 'cd "$D" && exec '"$CURL_PULL" "$TMP/curlrc"
    run curl+sha256 bash -c 'cd "$D" && '"$HASH_ALONGSIDE" "$TMP/curlrc" "$TMP/blobfiles"
    run curl+verify bash -c 'cd "$D" && '"$HASH_ALONGSIDE"' && sync -f .' "$TMP/curlrc" "$TMP/blobfiles"
    i=0
    for b in "${BINS[@]}"; do
        i=$((i + 1))
        run "modelget$i" bash -c 'exec "$0" pull "$1" --insecure --models "$D"' "$b" "$REGISTRY_HOST/bench/small:v1"
    done
done
[[ -z ${RUNS_OUT:-} ]] || cp "$TMP/runs" "$RUNS_OUT"
for i in $(seq ${#BINS[@]}); do echo "modelget$i = ${BINS[$((i - 1))]}"; done
python3 - "$TMP/runs" <<'EOF'
import statistics, sys
runs, curl = {}, None
for line in open(sys.argv[1]):
    name, wall, client, registry, rss = line.split()
    wall, client, registry, rss = float(wall), float(client), float(registry), float(rss)
    runs.setdefault(name, []).append((wall, client, registry, wall / curl if name != "curl" else 1.0, rss))
    if name == "curl":
        curl = wall
base = statistics.median(w for w, *_ in runs["curl"])
hashed = statistics.median(w for w, *_ in runs["curl+sha256"])
floor = statistics.median(w for w, *_ in runs["curl+verify"])
for name, rows in runs.items():
    wall = statistics.median(r[0] for r in rows)
    print(f"{name}: wall {wall:.0f} ms ({wall / base:.2f}x curl's median; per-run ratio median {statistics.median(r[3] for r in rows):.2f}x),"
          + (f" {wall / hashed:.2f}x curl+sha256's, {wall / floor:.2f}x curl+verify's," if name.startswith("modelget") else "")
          + f" client CPU {statistics.median(r[1] for r in rows):.0f} ms, registry CPU {statistics.median(r[2] for r in rows):.0f} ms,"
          + f" peak RSS {max(r[4] for r in rows) / 1024:.0f} MiB")
EOF
