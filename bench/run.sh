#!/usr/bin/env bash
# Benchmarks modelget against its peers (curl, aria2c, oras-py, skopeo) on
# one local docker-registry, in the same run, and prints a Markdown table of
# medians and ratios (also written to bench/results/latest.md).
#
#   bench/run.sh                 full run (~15 min on 2 cores)
#   BENCH_QUICK=1 bench/run.sh   smoke run: 100 small blobs, 200 MiB layer, 1 repetition
#
# Knobs: BENCH_REPS (default 3), BENCH_BIG_REPS (default 3), TMPDIR (where the
# registry storage and every pulled copy go; keep it on one disk),
# BENCH_SCENARIOS (default "small big resume push network": which sections run),
# BENCH_NET_REPS (default 1), BENCH_NET_CAPS (default "8 64", MiB/s per
# connection in the network scenario), BENCH_BASE_BIN (a modelget binary built from an
# earlier commit: timed beside this one as "modelget (base)", same run).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh
ROOT=$PWD

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
    SMALL_COUNT=100 BIG_BYTES=$((200 << 20)) REPS=${BENCH_REPS:-1} BIG_REPS=${BENCH_BIG_REPS:-1}
else
    SMALL_COUNT=1000 BIG_BYTES=2147483648 REPS=${BENCH_REPS:-3} BIG_REPS=${BENCH_BIG_REPS:-3}
fi
SMALL_MIN=16384 SMALL_MAX=1048576 SEED=7
SCENARIOS=" ${BENCH_SCENARIOS:-small big resume push network} "
NET_REPS=${BENCH_NET_REPS:-1}
BASE_BIN=${BENCH_BASE_BIN:-}
# reps_for SCENARIO N: N when the scenario is wanted, else 0.
reps_for() { if [[ $SCENARIOS == *" $1 "* ]]; then echo "$2"; else echo 0; fi; }

# --- build and tools -------------------------------------------------------
build_release .build-bench
require_tools curl skopeo aria2c docker-registry sha256sum openssl python3 nginx /usr/bin/time
python3 -c 'import oras' 2>/dev/null || python3 -m pip install --quiet oras >&2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-bench.XXXXXX")
RESULTS=$TMP/results.tsv     # scenario tool rep micros maxrss_kb user_s sys_s
NOTES=$TMP/notes.tsv         # free-form rows for the resume and push extras
LOGS=$TMP/logs
mkdir -p "$LOGS" "$TMP/out"
: >"$RESULTS"; : >"$NOTES"

declare -A registry_pids=()
cleanup() {
    local pid
    for pid in "${registry_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# start_registry NAME: a registry on a free port with storage $TMP/NAME;
# sets REG_HOST and remembers the pid under NAME.
start_registry() {
    local name=$1 port
    launch_registry "$bin/modelget-testkit" "$TMP/$name" "$TMP/$name.yml" "$LOGS/registry-$name.log" || exit 1
    registry_pids[$name]=$LAUNCHED_PID
    port=$LAUNCHED_PORT
    REG_HOST=127.0.0.1:$port
}

stop_registry() {
    local name=$1
    kill "${registry_pids[$name]}" 2>/dev/null || true
    wait "${registry_pids[$name]}" 2>/dev/null || true
    unset "registry_pids[$name]"
    rm -rf "${TMP:?}/$name"
}

# Bytes a process has read (read, recv, sendfile all count).
rchar() { awk '/^rchar:/ {print $2}' "/proc/$1/io"; }

# blob_list HOST REPO TAG: "digest size" for the config and every layer.
blob_list() {
    curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' \
        "http://$1/v2/$2/manifests/$3" |
        python3 -c 'import json,sys; m=json.load(sys.stdin)
for d in [m["config"]] + m["layers"]: print(d["digest"], d["size"])'
}

clear_skopeo_cache() {
    rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb \
        "${XDG_DATA_HOME:-$HOME/.local/share}/containers/cache/blob-info-cache-v1.boltdb"
}

# timed SCENARIO TOOL REP CMD…: runs CMD once under /usr/bin/time after a
# sync (so earlier runs' writeback is not billed to it) and records wall
# time, peak RSS and CPU time (user + system, children included). Output goes to a per-tool log. A failure is recorded as
# such and the suite goes on.
timed() {
    local scenario=$1 tool=$2 rep=$3
    shift 3
    sync
    local t0 t1
    t0=$(date +%s%N)
    if /usr/bin/time -f '%M\t%U\t%S' -o "$TMP/time.out" "$@" >>"$LOGS/$scenario-$tool.log" 2>&1; then
        t1=$(date +%s%N)
        printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$tool" "$rep" $(((t1 - t0) / 1000)) "$(tail -1 "$TMP/time.out")" >>"$RESULTS"
    else
        log "FAILED: $scenario / $tool (see below)"
        tail -5 "$LOGS/$scenario-$tool.log" >&2
        printf '%s\t%s\t%s\tFAIL\t0\t0\t0\n' "$scenario" "$tool" "$rep" >>"$RESULTS"
    fi
}


# --- registry and models ---------------------------------------------------
start_registry src
SRC=$REG_HOST
log "registry $SRC; seeding (${SMALL_COUNT} small blobs, $BIG_BYTES-byte layer, Ollama and OCI twins)"
seed() { "$bin/modelget-testkit" seed --storage "$TMP/src" --seed "$SEED" "$@"; }
read -r _ SMALL_TOTAL < <(seed --repository bench/small --tag v1 --small-blobs "$SMALL_COUNT" --min $SMALL_MIN --max $SMALL_MAX)
seed --repository bench/small-oci --tag v1 --oci --small-blobs "$SMALL_COUNT" --min $SMALL_MIN --max $SMALL_MAX >/dev/null
read -r _ BIG_TOTAL < <(seed --repository bench/big --tag v1 --big "$BIG_BYTES")
seed --repository bench/big-oci --tag v1 --oci --big "$BIG_BYTES" >/dev/null
# Warm the page cache so every tool reads the registry's files from memory.
cat "$TMP"/src/docker/registry/v2/blobs/sha256/*/*/data >/dev/null

# curl config for the small model: every blob URL with its output file, and
# a sha256sum check list.
blob_list "$SRC" bench/small v1 >"$TMP/small.blobs"
SMALL_FILES=$(wc -l <"$TMP/small.blobs")
while read -r digest _; do
    printf 'url = "http://%s/v2/bench/small/blobs/%s"\noutput = "%s"\n' "$SRC" "$digest" "${digest/:/-}"
done <"$TMP/small.blobs" >"$TMP/small.curlrc"
while read -r digest _; do printf '%s  %s\n' "${digest#sha256:}" "${digest/:/-}"; done <"$TMP/small.blobs" >"$TMP/small.sums"
read -r BIG_DIGEST _ < <(blob_list "$SRC" bench/big v1 | sort -k2 -n | tail -1)
BIG_URL=http://$SRC/v2/bench/big/blobs/$BIG_DIGEST
log "small model: $SMALL_FILES blobs, $SMALL_TOTAL bytes; big layer: $BIG_DIGEST"

O=$TMP/out
# --- 1. many small blobs ---------------------------------------------------
for rep in $(seq "$(reps_for small "$REPS")"); do
    log "small blobs, repetition $rep/$REPS"
    fresh "$O/small-modelget"
    timed small modelget "$rep" "$bin/modelget" pull "$SRC/bench/small:v1" --insecure --models "$O/small-modelget"
    if [[ -n $BASE_BIN ]]; then
        fresh "$O/small-base"
        timed small "modelget (base)" "$rep" "$BASE_BIN" pull "$SRC/bench/small:v1" --insecure --models "$O/small-base"
        rm -rf "$O/small-base"
    fi
    fresh "$O/small-curl"
    timed small curl "$rep" bash -c 'cd "$1" && curl -fsS --parallel --parallel-max 64 -K "$2"' _ "$O/small-curl" "$TMP/small.curlrc"
    fresh "$O/small-curl"
    timed small curl+sha256sum "$rep" bash -c 'cd "$1" && curl -fsS --parallel --parallel-max 64 -K "$2" && sha256sum --quiet -c "$3"' \
        _ "$O/small-curl" "$TMP/small.curlrc" "$TMP/small.sums"
    fresh "$O/small-curl"
    timed small curl+openssl "$rep" bash -c 'cd "$1" && curl -fsS --parallel --parallel-max 64 -K "$2" &&
        openssl dgst -sha256 -r $(awk "{print \$2}" "$3") | sed "s/ \*/  /" | cmp -s - "$3"' \
        _ "$O/small-curl" "$TMP/small.curlrc" "$TMP/small.sums"
    fresh "$O/small-oras"
    timed small oras "$rep" python3 bench/oras_pull.py "$SRC/bench/small:v1" "$O/small-oras"
    fresh "$O/small-skopeo"
    clear_skopeo_cache
    timed small skopeo "$rep" skopeo copy -q --src-tls-verify=false "docker://$SRC/bench/small-oci:v1" "dir:$O/small-skopeo"
done
rm -rf "$O/small-curl" "$O/small-oras"

# --- 2. one big layer ------------------------------------------------------
BIG_HEX=${BIG_DIGEST#sha256:}
for rep in $(seq "$(reps_for big "$BIG_REPS")"); do
    log "big layer, repetition $rep/$BIG_REPS"
    fresh "$O/big-modelget"
    timed big modelget "$rep" "$bin/modelget" pull "$SRC/bench/big:v1" --insecure --models "$O/big-modelget"
    fresh "$O/big-fixed"
    timed big "modelget --parts 4" "$rep" "$bin/modelget" pull "$SRC/bench/big:v1" --insecure --models "$O/big-fixed" --parts 4
    rm -rf "$O/big-fixed"
    if [[ -n $BASE_BIN ]]; then
        fresh "$O/big-base"
        timed big "modelget (base)" "$rep" "$BASE_BIN" pull "$SRC/bench/big:v1" --insecure --models "$O/big-base"
        rm -rf "$O/big-base"
    fi
    fresh "$O/big-curl"
    timed big curl "$rep" curl -fsS -o "$O/big-curl/blob" "$BIG_URL"
    fresh "$O/big-curl"
    timed big curl+sha256sum "$rep" bash -c 'curl -fsS -o "$1/blob" "$2" && echo "$3  $1/blob" | sha256sum --quiet -c' \
        _ "$O/big-curl" "$BIG_URL" "$BIG_HEX"
    # coreutils sha256sum hashes at ~180 MB/s here, OpenSSL (SHA-NI) at ~1.4 GB/s:
    # the verified floor is curl, then OpenSSL's hash, then fsync (as modelget does).
    fresh "$O/big-curl"
    timed big "curl+openssl+fsync" "$rep" bash -c 'curl -fsS -o "$1/blob" "$2" &&
        [[ $(openssl dgst -sha256 -r "$1/blob") == "$3 "* ]] && sync "$1/blob"' \
        _ "$O/big-curl" "$BIG_URL" "$BIG_HEX"
    rm -rf "$O/big-curl"
    fresh "$O/big-aria2c"
    timed big aria2c "$rep" aria2c -q -x16 -s16 --file-allocation=none --allow-overwrite=true -d "$O/big-aria2c" -o blob "$BIG_URL"
    rm -rf "$O/big-aria2c"
    fresh "$O/big-oras"
    timed big oras "$rep" python3 bench/oras_pull.py "$SRC/bench/big:v1" "$O/big-oras"
    rm -rf "$O/big-oras"
    fresh "$O/big-skopeo"
    clear_skopeo_cache
    timed big skopeo "$rep" skopeo copy -q --src-tls-verify=false "docker://$SRC/bench/big-oci:v1" "dir:$O/big-skopeo"
done

# --- 3. resume after kill -9 at ~50 % ---------------------------------------
# The kill fires when modelget has written half the layer (its wchar, which
# counts every byte it put into the partial file; the partial's size is also
# recorded, but a preallocated partial is full-size from the start).
registry_src_pid=${registry_pids[src]}
for rep in $(seq "$(reps_for resume "$REPS")"); do
    log "resume, repetition $rep/$REPS"
    dir=$O/resume
    fresh "$dir"
    "$bin/modelget" pull "$SRC/bench/big:v1" --insecure --models "$dir" --json >"$LOGS/resume-first.log" 2>&1 &
    pid=$!
    written=0
    while kill -0 "$pid" 2>/dev/null; do
        written=$(awk '/^wchar:/ {print $2}' "/proc/$pid/io" 2>/dev/null || echo "$written")
        if ((written >= BIG_TOTAL / 2)); then
            kill -9 "$pid"
            break
        fi
        sleep 0.02
    done
    wait "$pid" 2>/dev/null || true
    partial=$dir/blobs/sha256-$BIG_HEX-partial
    partial_size=$(stat -c %s "$partial" 2>/dev/null || echo 0)
    partial_alloc=$(($(stat -c '%b * %B' "$partial" 2>/dev/null || echo 0)))
    served_before=$(rchar "$registry_src_pid")
    timed resume modelget "$rep" "$bin/modelget" pull "$SRC/bench/big:v1" --insecure --models "$dir" --json
    served=$(($(rchar "$registry_src_pid") - served_before))
    transferred=$(grep '"event":"done"' "$LOGS/resume-modelget.log" | tail -1 |
        python3 -c 'import json,sys; print(json.loads(sys.stdin.read() or "{}").get("bytes_transferred","?"))')
    printf 'resume\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$BIG_BYTES" "$written" "$partial_size" "$partial_alloc" "$transferred" "$served" >>"$NOTES"
done
rm -rf "$O/resume"

# --- 4. network-shaped: HTTPS HTTP/2 CDN behind a redirect, capped connections
# nginx serves the registry's blob files over HTTPS (HTTP/2, self-signed) and
# fronts the registry, answering blob GETs with 307 to the CDN; a relay in
# front of the CDN caps each TCP connection (TLS passes through untouched),
# as one stream over a long path is capped. modelget pulls through the front;
# the peers fetch the CDN URL of the same blob directly.
NET_CAPS=${BENCH_NET_CAPS:-8 64}                   # MiB/s per connection
if [[ $QUICK == 1 ]]; then NET_SIZES="256"; else NET_SIZES="256 $((BIG_BYTES >> 20))"; fi
declare -A net_digest=()
if [[ $(reps_for network 1) == 1 ]]; then
    for size in $NET_SIZES; do
        if ((size == BIG_BYTES >> 20)); then
            net_digest[$size]=$BIG_DIGEST
        else
            seed --repository "bench/net$size" --tag v1 --big $((size << 20)) >/dev/null
            read -r digest _ < <(blob_list "$SRC" "bench/net$size" v1 | sort -k2 -n | tail -1)
            net_digest[$size]=$digest
        fi
    done
    cat "$TMP"/src/docker/registry/v2/blobs/sha256/*/*/data >/dev/null
fi
for cap in $NET_CAPS; do
    [[ $(reps_for network 1) == 1 ]] || break
    rm -f "$TMP/cdn.ports"
    "$bin/modelget-testkit" cdn --registry-port "${SRC#*:}" --storage "$TMP/src" --cap $((cap << 20)) --workers 2 \
        >"$TMP/cdn.ports" 2>"$LOGS/cdn-$cap.log" &
    cdn_pid=$!
    registry_pids[cdn]=$cdn_pid
    for _ in $(seq 100); do [[ -s $TMP/cdn.ports ]] && break; sleep 0.1; done
    read -r front relay _ <"$TMP/cdn.ports"
    for size in $NET_SIZES; do
        digest=${net_digest[$size]}
        hex=${digest#sha256:}
        repo=bench/net$size; ((size == BIG_BYTES >> 20)) && repo=bench/big
        url=https://127.0.0.1:$relay/cdn/${hex:0:2}/$hex/data
        scenario="net-${cap}M-${size}M"
        for rep in $(seq "$NET_REPS"); do
            log "network: $cap MiB/s per connection, $size MiB, repetition $rep/$NET_REPS"
            fresh "$O/net"
            timed "$scenario" modelget "$rep" "$bin/modelget" pull "127.0.0.1:$front/$repo:v1" --insecure --models "$O/net"
            # One connection's worth (size/cap by construction) only where that is short.
            short=0; ((size <= cap * 40)) && short=1
            if [[ $short == 1 ]]; then
                fresh "$O/net"
                timed "$scenario" "modelget --parts 4" "$rep" "$bin/modelget" pull "127.0.0.1:$front/$repo:v1" --insecure \
                    --models "$O/net" --parts 4
            fi
            fresh "$O/net"
            timed "$scenario" "modelget --parts 16" "$rep" "$bin/modelget" pull "127.0.0.1:$front/$repo:v1" --insecure \
                --models "$O/net" --parts 16
            if [[ -n $BASE_BIN && $short == 1 ]]; then
                fresh "$O/net"
                timed "$scenario" "modelget (base)" "$rep" "$BASE_BIN" pull "127.0.0.1:$front/$repo:v1" --insecure --models "$O/net"
            fi
            fresh "$O/net"
            timed "$scenario" "aria2c -x16" "$rep" aria2c -q -x16 -s16 -k1M --check-certificate=false --file-allocation=none \
                --allow-overwrite=true -d "$O/net" -o blob "$url"
            # aria2c verifying the SHA-256 too, as modelget does.
            fresh "$O/net"
            timed "$scenario" "aria2c -x16 --checksum" "$rep" aria2c -q -x16 -s16 -k1M --check-certificate=false \
                --file-allocation=none --allow-overwrite=true --checksum="sha-256=$hex" -d "$O/net" -o blob "$url"
            fresh "$O/net"
            # ollama's downloader: 16 ranged parts at once over Go's default
            # transport, which multiplexes them on one HTTP/2 connection; here
            # curl --parallel (which also multiplexes), then the parts joined.
            bytes=$((size << 20)) part=$(((size << 20) / 16))
            for i in $(seq 0 15); do
                end=$(((i + 1) * part - 1)); ((i == 15)) && end=$((bytes - 1))
                printf 'url = "%s"\nrange = "%s-%s"\noutput = "%s/part%02d"\n' "$url" $((i * part)) "$end" "$O/net" "$i"
            done >"$TMP/ollama.curlrc"
            [[ $short == 1 ]] && timed "$scenario" "ollama-like 16 parts" "$rep" bash -c 'curl -fsSk --parallel --parallel-max 16 -K "$1" &&
                cat "$2"/part* >"$2/blob" && rm "$2"/part*' _ "$TMP/ollama.curlrc" "$O/net"
            if [[ $short == 1 ]]; then
                fresh "$O/net"
                timed "$scenario" "curl -o" "$rep" curl -fsSk -o "$O/net/blob" "$url"
            fi
        done
        rm -rf "$O/net"
    done
    kill "$cdn_pid" 2>/dev/null || true
    wait "$cdn_pid" 2>/dev/null || true
    unset "registry_pids[cdn]"
done

# --- 5. push ---------------------------------------------------------------
PUSH=skipped
# Without a push subcommand, `modelget push --help` prints the root help (exit 0).
"$bin/modelget" push --help >"$LOGS/push-help.txt" 2>&1 || true
if [[ $(reps_for push 1) == 1 && -d $O/small-modelget && -d $O/big-modelget ]] &&
    grep -q 'USAGE: modelget push' "$LOGS/push-help.txt"; then
    PUSH=ran
    mount_flag=()
    if grep -q -- '--mount-from' "$LOGS/push-help.txt"; then mount_flag=(--mount-from bench/pushed); fi
    for size in small big; do
        store=$O/$size-modelget
        skopeo_dir=$O/$size-skopeo
        reps=$REPS; [[ $size == big ]] && reps=$BIG_REPS
        for rep in $(seq "$reps"); do
            log "push $size, repetition $rep/$reps"
            start_registry dst
            timed "push-$size" modelget "$rep" "$bin/modelget" push "$SRC/bench/$size:v1" "$REG_HOST/bench/pushed:v1" --insecure --models "$store"
            # Second push of the same model to another repository of the same registry.
            before=$(rchar "${registry_pids[dst]}")
            timed "push-$size" "modelget (2nd repo)" "$rep" "$bin/modelget" push "$SRC/bench/$size:v1" "$REG_HOST/bench/again:v1" \
                --insecure --models "$store" --json "${mount_flag[@]}"
            received=$(($(rchar "${registry_pids[dst]}") - before))
            line=$(grep '"event":"done"' "$LOGS/push-$size-modelget (2nd repo).log" | tail -1 || true)
            printf 'mount\t%s\t%s\t%s\t%s\n' "$size" "$rep" "$received" "${line:-no done event}" >>"$NOTES"
            stop_registry dst

            start_registry dst
            timed "push-$size" oras "$rep" python3 bench/oras_push.py "$REG_HOST/bench/pushed:v1" "$store"/blobs/sha256-*
            stop_registry dst

            start_registry dst
            clear_skopeo_cache
            timed "push-$size" skopeo "$rep" skopeo copy -q --preserve-digests --dest-tls-verify=false \
                "dir:$skopeo_dir" "docker://$REG_HOST/bench/pushed:v1"
            stop_registry dst

            if [[ $size == big ]]; then
                start_registry dst
                timed "push-$size" "curl -T" "$rep" bash -c '
                    location=$(curl -fsS -X POST -o /dev/null -w "%header{location}" "http://$1/v2/bench/pushed/blobs/uploads/")
                    [[ $location == http* ]] || location=http://$1$location
                    sep="?"; [[ $location == *\?* ]] && sep="&"
                    curl -fsS -o /dev/null -T "$2" -H "Content-Type: application/octet-stream" "$location${sep}digest=$3"' \
                    _ "$REG_HOST" "$store/blobs/sha256-$BIG_HEX" "$BIG_DIGEST"
                stop_registry dst
            fi
        done
    done
fi

# --- report ----------------------------------------------------------------
mkdir -p bench/results
python3 bench/report.py "$RESULTS" "$NOTES" \
    --small-files "$SMALL_FILES" --small-bytes "$SMALL_TOTAL" --big-bytes "$BIG_TOTAL" --push "$PUSH" \
    --reps "$REPS" --big-reps "$BIG_REPS" --quick "$QUICK" | tee bench/results/latest.md
cp "$RESULTS" bench/results/latest.tsv
