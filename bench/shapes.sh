#!/usr/bin/env bash
# Today's model shapes over a real path (issue 24): a model shaped like
# ollama's qwen3.5:27b-int4 (1,193 layers: 1,184 tensor blobs lognormal
# around 256 KiB from 4 KiB to 16 MiB, scaled to ~2 GB, plus template,
# license, params and six json files) behind a registry shaped like
# ollama's (`modelget-testkit far`: docker-registry with token auth,
# redirecting blob GETs by 307 to an HTTPS HTTP/2 nginx CDN, behind an
# HTTPS HTTP/2 nginx front serving manifests as text/plain), both reached
# through user-space delay relays: 20 ms each way (40 ms round trip) on
# every connection, connection set-up included.
#
# Rows (SHAPES_ROWS, default "cap link"):
#   cap   each connection capped at SHAPES_CAP bytes/s (default 4 MiB/s)
#   link  no cap per connection; the whole path (both hosts, all
#         connections) capped at SHAPES_LINK bytes/s (default 200 Mbit/s)
# Tools, interleaved run by run: `modelget pull` (BINS: this checkout's
# release build, or the binaries given as arguments); on the CDN URLs of
# every blob (the redirects resolved beforehand: best case for them)
# `aria2c -j64` and `curl --parallel --parallel-max 64` over HTTP/1.1 and
# with its default (HTTP/2, multiplexed: run only where one connection's
# worth takes under 60 s); on the registry `skopeo copy` (of the OCI twin,
# same blobs) and oras-py (one blob at a time: run only where one
# connection's worth takes under SHAPES_LONG, default 300 s); these two, the
# slowest, only in the first SHAPES_SLOW_REPS repetitions (default 1). Per run: wall time, peak RSS, and from the
# relays and nginx's logs the connections and TLS handshakes each host saw,
# the handshakes that offered resumption, and the token requests.
#
#   bench/shapes.sh [BIN...]
#
# Knobs: SHAPES_REPS (3), SHAPES_TOTAL (2000000000 bytes), SHAPES_TENSORS
# (1184), SHAPES_DELAY_MS (20, one way), SHAPES_CAP, SHAPES_LINK,
# SHAPES_TOOLS (default "modelget aria2c curl-h1 curl-h2 skopeo oras"),
# TMPDIR (registry storage and every pulled copy).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib.sh
source bench/lib.sh

REPS=${SHAPES_REPS:-3}
TOTAL=${SHAPES_TOTAL:-2000000000}
TENSORS=${SHAPES_TENSORS:-1184}
DELAY_MS=${SHAPES_DELAY_MS:-20}
CAP=${SHAPES_CAP:-$((4 << 20))}
LINK=${SHAPES_LINK:-25000000}
ROWS=${SHAPES_ROWS:-cap link}
TOOLS=" ${SHAPES_TOOLS:-modelget aria2c curl-h1 curl-h2 skopeo oras} "
build_release .build-bench
require_tools curl aria2c skopeo nginx docker-registry openssl python3 /usr/bin/time
python3 -c 'import oras' 2>/dev/null || python3 -m pip install --quiet oras >&2
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$bin/modelget")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-shapes.XXXXXX")
FAR_PID=
stop_far() {
    [[ -n $FAR_PID ]] || return 0
    kill "$FAR_PID" 2>/dev/null || true
    wait "$FAR_PID" 2>/dev/null || true
    FAR_PID=
}
trap 'stop_far; rm -rf "$TMP"' EXIT

log "seeding $TENSORS tensors, ~$TOTAL bytes (Ollama model and its OCI twin, same blobs)"
seed() { "$bin/modelget-testkit" seed --storage "$TMP/src" --seed 24 --llm-tensors "$TENSORS" --total "$TOTAL" "$@"; }
read -r MANIFEST MODEL_BYTES < <(seed --repository library/qwen-shape --tag 27b)
seed --repository library/qwen-shape-oci --tag 27b --oci >/dev/null
BLOBS=$TMP/src/docker/registry/v2/blobs/sha256
hex=${MANIFEST#sha256:}
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("\n".join(d["digest"][7:] for d in [m["config"]] + m["layers"]))' \
    "$BLOBS/${hex:0:2}/$hex/data" >"$TMP/blobs"
BLOB_COUNT=$(wc -l <"$TMP/blobs")
log "model: $BLOB_COUNT blobs, $MODEL_BYTES bytes"
cat "$BLOBS"/*/*/data >/dev/null

# counts: one JSON line of the far side's counts so far.
counts() {
    local before
    before=$(wc -l <"$TMP/far.out")
    kill -USR1 "$FAR_PID"
    for _ in $(seq 100); do (($(wc -l <"$TMP/far.out") > before)) && break; sleep 0.02; done
    tail -1 "$TMP/far.out"
}

# run ROW TOOL REP CMD...: one timed run into a fresh $D, after a sync;
# appends "row tool rep ms rss_kb counts_before counts_after" to $TMP/runs.
run() {
    local row=$1 tool=$2 rep=$3
    shift 3
    export D=$TMP/out/$tool
    rm -rf "$D"
    mkdir -p "$D"
    sync
    local c0 c1 t0 t1 ms
    c0=$(counts)
    t0=$(date +%s%N)
    if /usr/bin/time -o "$TMP/time" -f "%M" "$@" >"$TMP/log" 2>&1; then
        t1=$(date +%s%N)
        ms=$(((t1 - t0) / 1000000))
    else
        log "FAILED: $row / $tool"
        tail -5 "$TMP/log" >&2
        ms=FAIL
    fi
    c1=$(counts)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$tool" "$rep" "$ms" "$(tail -1 "$TMP/time")" "$c0" "$c1" >>"$TMP/runs"
    rm -rf "$D"
}

: >"$TMP/runs"
for row in $ROWS; do
    case $row in
        cap) shaping=(--cap "$CAP"); one_connection=$((MODEL_BYTES / CAP)) ;;
        link) shaping=(--link "$LINK"); one_connection=$((MODEL_BYTES / LINK)) ;;
        *) echo "unknown row $row" >&2; exit 2 ;;
    esac
    : >"$TMP/far.out"
    "$bin/modelget-testkit" far --storage "$TMP/src" --delay-ms "$DELAY_MS" "${shaping[@]}" >"$TMP/far.out" 2>"$TMP/far.err" &
    FAR_PID=$!
    for _ in $(seq 200); do [[ -s $TMP/far.out ]] && break; sleep 0.1; done
    read -r FRONT CDN <"$TMP/far.out" || { cat "$TMP/far.err" >&2; exit 1; }
    # The CDN URL of every blob, as the registry's 307 names it (checked on the first one).
    while read -r h; do echo "https://127.0.0.1:$CDN/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data"; done <"$TMP/blobs" >"$TMP/urls"
    token=$(curl -fsSk "https://127.0.0.1:$FRONT/token?service=modelget-test-registry&scope=repository:library/qwen-shape:pull" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    first=$(head -1 "$TMP/blobs")
    location=$(curl -sSk -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $token" \
        "https://127.0.0.1:$FRONT/v2/library/qwen-shape/blobs/sha256:$first")
    [[ $location == "$(head -1 "$TMP/urls")" ]] || { echo "bench: the registry redirected to $location" >&2; exit 1; }
    while read -r h; do printf '%s\n  out=sha256-%s\n' "https://127.0.0.1:$CDN/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data" "$h"; done \
        <"$TMP/blobs" >"$TMP/aria2.list"
    while read -r h; do
        printf 'url = "%s"\noutput = "sha256-%s"\n' "https://127.0.0.1:$CDN/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data" "$h"
    done <"$TMP/blobs" >"$TMP/curlrc"
    log "row $row: front 127.0.0.1:$FRONT, CDN 127.0.0.1:$CDN; one connection's worth ${one_connection} s"
    for rep in $(seq "$REPS"); do
        log "row $row, repetition $rep/$REPS"
        i=0
        for b in "${BINS[@]}"; do
            i=$((i + 1))
            [[ $TOOLS == *" modelget "* ]] && run "$row" "modelget$i" "$rep" "$b" pull "127.0.0.1:$FRONT/library/qwen-shape:27b" \
                --insecure --models "$TMP/out/modelget$i"
        done
        [[ $TOOLS == *" aria2c "* ]] && run "$row" "aria2c -j64" "$rep" aria2c -q -j64 -x1 --check-certificate=false \
            --file-allocation=none --allow-overwrite=true -d "$TMP/out/aria2c -j64" -i "$TMP/aria2.list"
        [[ $TOOLS == *" curl-h1 "* ]] && run "$row" "curl --http1.1" "$rep" bash -c \
            'cd "$D" && exec curl -fsSk --http1.1 --parallel --parallel-max 64 -K "$0"' "$TMP/curlrc"
        if [[ $TOOLS == *" curl-h2 "* ]] && ((one_connection < 60)); then
            run "$row" "curl (HTTP/2)" "$rep" bash -c 'cd "$D" && exec curl -fsSk --parallel --parallel-max 64 -K "$0"' "$TMP/curlrc"
        fi
        slow=0; ((rep <= ${SHAPES_SLOW_REPS:-1})) && slow=1
        if [[ $TOOLS == *" skopeo "* && $slow == 1 ]]; then
            rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
            run "$row" skopeo "$rep" skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$FRONT/library/qwen-shape-oci:27b" \
                "dir:$TMP/out/skopeo"
        fi
        # oras-py fetches one blob at a time: one connection's worth at best.
        if [[ $TOOLS == *" oras "* && $slow == 1 ]] && ((one_connection < ${SHAPES_LONG:-300})); then
            run "$row" oras "$rep" python3 bench/oras_pull.py "127.0.0.1:$FRONT/library/qwen-shape:27b" "$TMP/out/oras" --tls-no-verify
        fi
    done
    stop_far
done
mkdir -p bench/results
cp "$TMP/runs" bench/results/shapes-latest.tsv
python3 bench/shapes_report.py "$TMP/runs" --bytes "$MODEL_BYTES" --blobs "$BLOB_COUNT" --cap "$CAP" --link "$LINK" \
    --delay-ms "$DELAY_MS" | tee bench/results/shapes-latest.md
