#!/usr/bin/env bash
# The small-blob target of issue 9, measured the way its numbers in
# bench/README.md were: 1,001 blobs of 16 KiB-1 MiB from one local
# docker-registry, bare `curl --parallel --parallel-max 64` and each given
# modelget binary pulling the same blobs in turn, REPS times. Every run
# writes into a new directory under OUT (the old ones stay until the end:
# deleting 1,000 files makes ext4's next inode allocations slower, and that
# would fall on whichever tool runs next). Per run it records the wall
# time, the client's CPU and the registry's CPU: with the registry on the
# same cores, a client's CPU shows up in the wall time almost one for one.
# Prints per tool the medians and the median of the per-repetition ratios
# to curl (each tool against the curl run just before it).
#
#   bench/small.sh [BIN...]        default: this checkout's release build; 11 repetitions
#
# Knobs: BENCH_REPS, OUT (default $TMPDIR; put it on the disk you care
# about, or on tmpfs to see the run without the cost of durability).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh

REPS=${BENCH_REPS:-11}
build_release .build-bench
require_tools curl docker-registry python3 /usr/bin/time
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$bin/modelget")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-small-bench.XXXXXX")
OUTDIR=$(mktemp -d "${OUT:-${TMPDIR:-/tmp}}/modelget-small-out.XXXXXX")
trap 'stop_bench; rm -rf "$OUTDIR"' EXIT
start_bench_registry registry
"$bin/modelget-testkit" seed --storage "$TMP/registry" --seed 7 --repository bench/small --tag v1 \
    --small-blobs 1000 --min 16384 --max 1048576 >/dev/null
cat "$TMP"/registry/docker/registry/v2/blobs/sha256/*/*/data >/dev/null
curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_HOST/v2/bench/small/manifests/v1" |
    python3 -c 'import json,sys; m=json.load(sys.stdin); print("\n".join(d["digest"] for d in [m["config"]] + m["layers"]))' |
    while read -r digest; do
        printf 'url = "http://%s/v2/bench/small/blobs/%s"\noutput = "%s"\n' "$REGISTRY_HOST" "$digest" "${digest/:/-}"
    done >"$TMP/curlrc"

ticks=$(getconf CLK_TCK)
registry_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/$REGISTRY_PID/stat"; }
n=0
# run NAME CMD...: one timed run, CMD's output directory in $D; appends "NAME wall client registry" to $TMP/runs.
run() {
    local name=$1; shift
    n=$((n + 1)); export D=$OUTDIR/$n; mkdir -p "$D"; sync
    local r0 t0 t1 r1
    r0=$(registry_ms); t0=$(date +%s%N)
    /usr/bin/time -o "$TMP/time" -f "%U %S" "$@" >/dev/null 2>"$TMP/err" || { echo "FAIL $name" >&2; cat "$TMP/err" >&2; exit 1; }
    t1=$(date +%s%N); r1=$(registry_ms)
    echo "$name $(( (t1 - t0) / 1000000 )) $(awk '{print ($1 + $2) * 1000}' "$TMP/time") $(echo "$r1 - $r0" | bc)" >>"$TMP/runs"
}
for rep in $(seq "$REPS"); do
    log "repetition $rep/$REPS"
    run curl bash -c 'cd "$D" && exec curl -fsS --parallel --parallel-max 64 -K "$0"' "$TMP/curlrc"
    i=0
    for b in "${BINS[@]}"; do
        i=$((i + 1))
        run "modelget$i" bash -c 'exec "$0" pull "$1" --insecure --models "$D"' "$b" "$REGISTRY_HOST/bench/small:v1"
    done
done
for i in $(seq ${#BINS[@]}); do echo "modelget$i = ${BINS[$((i - 1))]}"; done
python3 - "$TMP/runs" <<'EOF'
import statistics, sys
runs, curl = {}, None
for line in open(sys.argv[1]):
    name, wall, client, registry = line.split()
    wall, client, registry = float(wall), float(client), float(registry)
    runs.setdefault(name, []).append((wall, client, registry, wall / curl if name != "curl" else 1.0))
    if name == "curl":
        curl = wall
base = statistics.median(w for w, *_ in runs["curl"])
for name, rows in runs.items():
    wall = statistics.median(r[0] for r in rows)
    print(f"{name}: wall {wall:.0f} ms ({wall / base:.2f}x curl's median; per-run ratio median {statistics.median(r[3] for r in rows):.2f}x),"
          f" client CPU {statistics.median(r[1] for r in rows):.0f} ms, registry CPU {statistics.median(r[2] for r in rows):.0f} ms")
EOF
