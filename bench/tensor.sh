#!/usr/bin/env bash
# Benchmarks the pull of an image-generation tensor model (the shape of
# ollama's x/flux2-klein: one safetensors blob per tensor, many tiny blobs
# and one huge one, json layers, ConfigV2) against the curl floor of the
# same blobs, and the diffusers-folder export (`blob -o DIR/`) against
# copying the same bytes. One local docker-registry, one run, medians.
#
#   bench/tensor.sh                 1,000 tensor layers of 200 B-4 MiB + one 256 MiB tensor, 3 repetitions
#   BENCH_QUICK=1 bench/tensor.sh   1,000 layers of 200 B-256 KiB + one 64 MiB tensor, 1 repetition
#
# Knobs: BENCH_REPS, TMPDIR (registry storage and every copy; keep it on one disk).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
    COUNT=1000 MAX=$((256 << 10)) BIG=$((64 << 20)) REPS=${BENCH_REPS:-1}
else
    COUNT=1000 MAX=$((4 << 20)) BIG=$((256 << 20)) REPS=${BENCH_REPS:-3}
fi
MIN=200 SEED=14

build_release .build-bench
require_tools curl docker-registry openssl python3 /usr/bin/time

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-tensor-bench.XXXXXX")
RESULTS=$TMP/results.tsv   # scenario tool rep micros maxrss_kb
O=$TMP/out
mkdir -p "$O"
: >"$RESULTS"
trap stop_bench EXIT
start_bench_registry src
SRC=$REGISTRY_HOST
log "registry $SRC; seeding a tensor model ($COUNT tensor layers of $MIN-$MAX bytes, one $BIG-byte tensor)"
read -r _ TOTAL < <("$bin/modelget-testkit" seed --tensor --storage "$TMP/src" --repository x/flux2-klein --tag 9b \
    --small-blobs "$COUNT" --min "$MIN" --max "$MAX" --big "$BIG" --seed "$SEED")
cat "$TMP"/src/docker/registry/v2/blobs/sha256/*/*/data >/dev/null   # page cache warm for every tool

curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$SRC/v2/x/flux2-klein/manifests/9b" |
    python3 -c 'import json,sys; m=json.load(sys.stdin)
for d in [m["config"]] + m["layers"]: print(d["digest"], d["size"])' >"$TMP/blobs"
BLOBS=$(wc -l <"$TMP/blobs")
while read -r digest _; do
    printf 'url = "http://%s/v2/x/flux2-klein/blobs/%s"\noutput = "%s"\n' "$SRC" "$digest" "${digest/:/-}"
done <"$TMP/blobs" >"$TMP/curlrc"
while read -r digest _; do printf '%s  %s\n' "${digest#sha256:}" "${digest/:/-}"; done <"$TMP/blobs" >"$TMP/sums"
log "$BLOBS blobs, $TOTAL bytes"

# timed SCENARIO TOOL REP CMD…: wall time and peak RSS of CMD after a sync.
timed() {
    local scenario=$1 tool=$2 rep=$3
    shift 3
    sync
    local t0 t1
    t0=$(date +%s%N)
    if /usr/bin/time -f '%M' -o "$TMP/time.out" "$@" >>"$TMP/$scenario.log" 2>&1; then
        t1=$(date +%s%N)
        printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$tool" "$rep" "$(((t1 - t0) / 1000))" "$(tail -1 "$TMP/time.out")" >>"$RESULTS"
    else
        log "FAILED: $scenario / $tool"; tail -5 "$TMP/$scenario.log" >&2
    fi
}

for rep in $(seq "$REPS"); do
    log "pull, repetition $rep/$REPS"
    fresh "$O/modelget"
    timed pull modelget "$rep" "$bin/modelget" pull "http://$SRC/x/flux2-klein:9b" --insecure --models "$O/modelget"
    fresh "$O/curl"
    timed pull "curl --parallel" "$rep" bash -c 'cd "$1" && curl -fsS --parallel --parallel-max 64 -K "$2"' _ "$O/curl" "$TMP/curlrc"
    fresh "$O/curl"
    timed pull "curl + openssl + sync" "$rep" bash -c 'cd "$1" && curl -fsS --parallel --parallel-max 64 -K "$2" &&
        openssl dgst -sha256 -r $(awk "{print \$2}" "$3") | sed "s/ \*/  /" | cmp -s - "$3" && sync .' \
        _ "$O/curl" "$TMP/curlrc" "$TMP/sums"

    log "folder export, repetition $rep/$REPS"
    rm -rf "$O/folder"
    timed export "modelget blob -o DIR/" "$rep" "$bin/modelget" blob "http://$SRC/x/flux2-klein:9b" -o "$O/folder/" --models "$O/modelget"
    rm -f "$O/concat"
    timed export "cat blobs + sync" "$rep" bash -c 'cat "$1"/blobs/sha256-* >"$2" && sync "$2"' _ "$O/modelget" "$O/concat"
done

python3 - "$RESULTS" "$BLOBS" "$TOTAL" "$REPS" <<'EOF'
import collections, statistics, sys
rows = collections.defaultdict(list)
rss = collections.defaultdict(int)
for line in open(sys.argv[1]):
    scenario, tool, _, micros, kb = line.rstrip("\n").split("\t")
    rows[(scenario, tool)].append(int(micros) / 1e6)
    rss[(scenario, tool)] = max(rss[(scenario, tool)], int(kb))
blobs, total, reps = sys.argv[2], int(sys.argv[3]), sys.argv[4]
print(f"Tensor model: {blobs} blobs, {total / 1e6:.0f} MB; median of {reps}\n")
for scenario, floor in (("pull", "curl --parallel"), ("export", "cat blobs + sync")):
    base = statistics.median(rows.get((scenario, floor), [float("nan")]))
    print(f"| {scenario} | median s | x {floor} | peak RSS |\n|---|---:|---:|---:|")
    for (name, tool), times in rows.items():
        if name == scenario:
            median = statistics.median(times)
            print(f"| {tool} | {median:.2f} | {median / base:.2f} | {rss[(name, tool)] / 1024:.0f} MiB |")
    print()
EOF
