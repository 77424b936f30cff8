#!/usr/bin/env bash
# One 2 GiB blob from a loopback docker-registry (issue 24, item 2): the
# default adaptive part count, which starts from what the 64 KiB probe
# said, against every fixed `--parts` and against `curl -o FILE && sync
# FILE` (one stream, no hash, made durable as modelget makes it).
# Interleaved run by run, each into a fresh directory after a `sync`; the
# previous run's file leaves the page cache first (POSIX_FADV_DONTNEED on
# it only). Prints medians and the medians of the per-repetition ratios.
#
#   bench/big.sh [BIN]
#
# Knobs: BENCH_REPS (7), BIG_BYTES (2147483648), BIG_PARTS ("1 2 4 8"), TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh

REPS=${BENCH_REPS:-7}
build_release .build-bench
require_tools curl docker-registry python3 /usr/bin/time
BIN=${1:-$bin/modelget}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-big.XXXXXX")
trap stop_bench EXIT
start_bench_registry registry
"$bin/modelget-testkit" seed --storage "$TMP/registry" --seed 7 --repository bench/big --tag v1 --big "${BIG_BYTES:-2147483648}" >/dev/null
cat "$TMP"/registry/docker/registry/v2/blobs/sha256/*/*/data >/dev/null
digest=$(curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REGISTRY_HOST/v2/bench/big/manifests/v1" |
    python3 -c 'import json,sys; print(max(json.load(sys.stdin)["layers"], key=lambda l: l["size"])["digest"])')
URL=http://$REGISTRY_HOST/v2/bench/big/blobs/$digest

evict() {
    [[ -e $1 ]] || return 0
    python3 - "$1" <<'PY'
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        fd = os.open(os.path.join(root, name), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PY
}
: >"$TMP/runs"
last=
# run TOOL CMD...: one timed run into $D; appends "rep tool ms rss_kb cpu_s" to $TMP/runs.
run() {
    local tool=$1 t0 t1
    shift
    [[ -z $last ]] || { evict "$last"; rm -rf "$last"; }
    export D=$TMP/out-$RANDOM$RANDOM
    mkdir -p "$D"
    sync
    t0=$(date +%s%N)
    last=$D
    if ! /usr/bin/time -o "$TMP/time" -f "%M %U %S" "$@" >/dev/null 2>"$TMP/err"; then
        # A failed run (the shared disk full, say) is reported and left out.
        log "FAILED: $tool"
        tail -3 "$TMP/err" >&2
        return
    fi
    t1=$(date +%s%N)
    echo "$rep $tool $(((t1 - t0) / 1000000)) $(tail -1 "$TMP/time")" >>"$TMP/runs"
}
for rep in $(seq "$REPS"); do
    log "repetition $rep/$REPS"
    run "curl-o+sync" bash -c 'curl -fsS -o "$D/blob" "$0" && sync "$D/blob"' "$URL"
    run "modelget" "$BIN" pull "$REGISTRY_HOST/bench/big:v1" --insecure --models "$D"
    for parts in ${BIG_PARTS:-1 2 4 8}; do
        run "--parts_$parts" "$BIN" pull "$REGISTRY_HOST/bench/big:v1" --insecure --models "$D" --parts "$parts"
    done
done
mkdir -p bench/results
cp "$TMP/runs" bench/results/big-latest.tsv
python3 - "$TMP/runs" <<'EOF'
import statistics, sys
from collections import defaultdict
runs, per_rep = defaultdict(list), defaultdict(dict)
for line in open(sys.argv[1]):
    rep, tool, ms, rss, user, sys_ = line.split()
    runs[tool].append((int(ms) / 1000, int(rss), float(user) + float(sys_)))
    per_rep[rep][tool] = int(ms) / 1000
med = {t: statistics.median(r[0] for r in rows) for t, rows in runs.items()}
fixed = {t: v for t, v in med.items() if t.startswith("--parts")}
best = min(fixed, key=fixed.get)
print(f"| tool | median s | min–max s | ÷ curl -o && sync (per-rep median) | ÷ best fixed ({best.replace('_', ' ')}) | CPU s | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for tool, rows in runs.items():
    ratio = statistics.median(r[tool] / r["curl-o+sync"] for r in per_rep.values() if tool in r and "curl-o+sync" in r)
    ratio_best = statistics.median(r[tool] / r[best] for r in per_rep.values() if tool in r and best in r)
    print(f"| {tool.replace('_', ' ')} | {med[tool]:.2f} | {min(r[0] for r in rows):.2f}–{max(r[0] for r in rows):.2f} "
          f"| {med[tool] / med['curl-o+sync']:.2f} ({ratio:.2f}) | {med[tool] / med[best]:.2f} ({ratio_best:.2f}) "
          f"| {statistics.median(r[2] for r in rows):.2f} | {max(r[1] for r in rows) / 1024:.0f} |")
EOF
