#!/usr/bin/env bash
# "Never hang" figures: what modelget, curl and aria2c do when the registry
# goes away, in the same run, against one docker-registry holding one big
# blob (reached through bench/count_proxy.py, which counts the bytes each
# tool fetched). Prints a Markdown table:
#
#   give up     the registry is killed mid-transfer for good: seconds from the kill until the tool exits, its status
#   resume      the registry is killed mid-transfer and back 5 s later: seconds from its return until the tool is done
#   kill -9     the tool is killed at about half of the blob, unthrottled, then run again to the end:
#               MiB sent twice (both runs minus the blob; includes what was still in socket
#               buffers at the kill) and MiB of what had arrived in the tool's file fetched again
#   limit-rate  the whole blob at --limit-rate 50M: seconds, and the rate as a share of the limit
#
# The tools and their retry settings:
#   modelget pull --retry-window 30s                              (the default window is 2 min)
#   curl --retry 10 --retry-connrefused --retry-max-time 30 -C -  (the resumable way to run it)
#   aria2c --max-tries 10 --retry-wait 2 -c                       (one connection; its .aria2 file resumes)
# Downloads in the outage scenarios are held to an eighth of the blob per
# second by each tool's own limit (8 s a transfer), so the kill 2 s in lands
# mid-transfer.
#
#   bench/never-hang.sh                 full run (256 MiB blob)
#   BENCH_QUICK=1 bench/never-hang.sh   smoke run (64 MiB blob)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then MIB=64; else MIB=256; fi
SIZE=$((MIB << 20))
SLOW=$((MIB / 8))M

build_release .build-bench
require_tools curl aria2c python3 docker-registry

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-never-hang.XXXXXX")
PROXY_PID=
cleanup() {
    [[ -n $PROXY_PID ]] && kill "$PROXY_PID" 2>/dev/null
    stop_bench
}
trap cleanup EXIT
start_bench_registry storage
REGISTRY_PORT=${REGISTRY_HOST##*:}
log "seeding a $MIB MiB blob"
"$bin/modelget-testkit" seed --storage "$TMP/storage" --repository bench/big --tag v1 --big "$SIZE" >/dev/null
PROXY_PORT=$(free_port)
python3 bench/count_proxy.py "$PROXY_PORT" "$REGISTRY_PORT" "$TMP/count" &
PROXY_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT") 2>/dev/null && break; sleep 0.1; done
HOST=127.0.0.1:$PROXY_PORT
DIGEST=$(curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$HOST/v2/bench/big/manifests/v1" |
    python3 -c 'import json,sys; print(max(json.load(sys.stdin)["layers"], key=lambda l: l["size"])["digest"])')
BLOB_URL=http://$HOST/v2/bench/big/blobs/$DIGEST

counted() { cat "$TMP/count"; }
SOURCE=$TMP/storage/docker/registry/v2/blobs/sha256/${DIGEST:7:2}/${DIGEST#sha256:}/data
# arrived_bytes FILE: bytes of FILE that hold the blob's own bytes at their offset (64 KiB at a time).
arrived_bytes() {
    python3 - "$1" "$SOURCE" <<'PY'
import sys
total = 0
try:
    with open(sys.argv[1], "rb") as mine, open(sys.argv[2], "rb") as source:
        while True:
            a, b = mine.read(1 << 16), source.read(1 << 16)
            if not b:
                break
            total += len(a) if a == b else 0
except FileNotFoundError:
    pass
print(total)
PY
}
# partial_file TOOL DIR: where TOOL keeps an unfinished blob.
partial_file() {
    case $1 in
    modelget) echo "$2/.modelget/partial/sha256-${DIGEST#sha256:}" ;;
    *) echo "$2/blob" ;;
    esac
}
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }

# The registry: killed as a crash would, started again on the same port and storage.
kill_registry() { kill -9 "$REGISTRY_PID"; wait "$REGISTRY_PID" 2>/dev/null || true; }
restart_registry() {
    "$bin/modelget-testkit" registry --storage "$TMP/storage" --port "$REGISTRY_PORT" --config-out "$TMP/storage.yml" \
        >>"$TMP/storage-registry.log" 2>&1 &
    REGISTRY_PID=$!
    for _ in $(seq 100); do curl -fsS -o /dev/null "http://$REGISTRY_HOST/v2/" 2>/dev/null && return; sleep 0.1; done
}

# tool_command TOOL LIMIT DIR: the command line that fetches the blob into DIR.
tool_command() {
    local tool=$1 limit=$2 dir=$3
    case $tool in
    modelget) echo "$bin/modelget pull $HOST/bench/big:v1 --insecure --models $dir --retry-window 30s ${limit:+--limit-rate $limit}" ;;
    curl) echo "curl -sS -f --retry 10 --retry-connrefused --retry-max-time 30 -C - ${limit:+--limit-rate $limit} -o $dir/blob $BLOB_URL" ;;
    aria2c) echo "aria2c -q --allow-overwrite=false --auto-file-renaming=false --max-tries=10 --retry-wait=2 -c ${limit:+--max-overall-download-limit=$limit} -d $dir -o blob $BLOB_URL" ;;
    esac
}

ROWS=()
for tool in modelget curl aria2c; do
    # give up: killed for good 2 s in.
    dir=$TMP/$tool-give-up; fresh "$dir"
    $(tool_command $tool $SLOW "$dir") >"$TMP/$tool-give-up.log" 2>&1 &
    pid=$!
    sleep 2
    kill_registry
    killed=$(now)
    set +e; wait "$pid"; status=$?; set -e
    give_up="$(since "$killed") s (exit $status)"
    restart_registry

    # resume: killed 2 s in, back 5 s later.
    dir=$TMP/$tool-resume; fresh "$dir"
    $(tool_command $tool $SLOW "$dir") >"$TMP/$tool-resume.log" 2>&1 &
    pid=$!
    sleep 2
    kill_registry
    sleep 5
    restart_registry
    back=$(now)
    set +e; wait "$pid"; status=$?; set -e
    resume="$(since "$back") s (exit $status)"

    # kill -9 at about half, unthrottled, then to the end.
    dir=$TMP/$tool-kill9; fresh "$dir"
    before=$(counted)
    $(tool_command $tool "" "$dir") >"$TMP/$tool-kill9.log" 2>&1 &
    pid=$!
    while (( $(counted) - before < SIZE / 2 )) && kill -0 "$pid" 2>/dev/null; do sleep 0.005; done
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    sleep 0.3  # the proxy's count catches up
    first=$(( $(counted) - before ))
    arrived=$(arrived_bytes "$(partial_file $tool "$dir")")
    set +e; $(tool_command $tool "" "$dir") >>"$TMP/$tool-kill9.log" 2>&1; status=$?; set -e
    sleep 0.3
    second=$(( $(counted) - before - first ))
    # Sent twice: everything beyond one copy. Fetched again of what had arrived: what the
    # second run fetched beyond what the first had not delivered to the tool's file.
    kill9=$(python3 -c "print(f'{($first + $second - $SIZE) / 1048576:.1f} MiB sent twice, {($second - ($SIZE - $arrived)) / 1048576:.1f} MiB of what had arrived fetched again')")
    kill9="$kill9 (exit $status)"

    # limit-rate accuracy.
    dir=$TMP/$tool-limit; fresh "$dir"
    start=$(now)
    $(tool_command $tool 50M "$dir") >"$TMP/$tool-limit.log" 2>&1
    seconds=$(since "$start")
    share=$(python3 -c "print(f'{$SIZE / $seconds / (50 << 20):.2f}')")
    ideal=$(python3 -c "print(f'{$SIZE / (50 << 20):.1f}')")
    limit="$seconds s for $ideal s ideal (${share}× the limit)"

    ROWS+=("| $tool | $give_up | $resume | $kill9 | $limit |")
done

echo "| tool | give up (registry killed for good) | resume (registry back after 5 s) | kill -9 at half: fetched twice | --limit-rate 50M, $MIB MiB |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
