#!/usr/bin/env bash
# Benchmarks `modelget serve` against docker-registry serving the same
# blobs, in the same run, and prints a Markdown table (also written to
# bench/results/serve-latest.md):
#
#   big    one client (curl -o /dev/null) fetching one 2 GiB blob, on
#          loopback and, as root with `ip netns`, across a veth pair:
#          both servers in one network namespace, curl in another, as a
#          LAN client sees them (MTU 1500, no loopback shortcuts);
#          BENCH_VETH_RATE=4gbit caps the server's side with tc tbf, as
#          a LAN link would
#   small  64 concurrent clients (curl --parallel --parallel-max 64)
#          fetching 1,000 small blobs (16 KiB-1 MiB)
#   RSS    each server's peak resident memory (VmHWM) after both
#
#   bench/serve.sh                 full run
#   BENCH_QUICK=1 bench/serve.sh   smoke run: 100 small blobs, 200 MiB blob, 1 repetition
#
# Both servers read their files from the page cache (warmed first); the
# clients write to /dev/null, so the numbers are the servers' own.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
    SMALL_COUNT=100 BIG_BYTES=$((200 << 20)) REPS=${BENCH_REPS:-1}
else
    SMALL_COUNT=1000 BIG_BYTES=2147483648 REPS=${BENCH_REPS:-5}
fi

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

log "building release"
# Only the two programs it runs.
swift build -c release --scratch-path .build-bench-serve --product modelget >&2
swift build -c release --scratch-path .build-bench-serve --product modelget-testkit >&2
bin=$(swift build -c release --scratch-path .build-bench-serve --show-bin-path)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-bench-serve.XXXXXX")
RESULTS=$TMP/results.tsv # scenario server rep micros
: >"$RESULTS"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}

# The veth pair: two network namespaces named after this shell, gone with it.
NS_SERVER=mgs-server-$$ NS_CLIENT=mgs-client-$$ VETH_SERVER=10.77.0.1
VETH=0
if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
    log "note: not root or no ip(8): the veth scenario is skipped (loopback only)"
elif ip netns add "$NS_SERVER" && ip netns add "$NS_CLIENT" &&
    ip link add "mgs-s$$" type veth peer name "mgs-c$$" &&
    ip link set "mgs-s$$" netns "$NS_SERVER" && ip link set "mgs-c$$" netns "$NS_CLIENT" &&
    ip -n "$NS_SERVER" addr add "$VETH_SERVER/24" dev "mgs-s$$" && ip -n "$NS_CLIENT" addr add 10.77.0.2/24 dev "mgs-c$$" &&
    ip -n "$NS_SERVER" link set "mgs-s$$" up && ip -n "$NS_CLIENT" link set "mgs-c$$" up &&
    ip -n "$NS_SERVER" link set lo up && ip -n "$NS_CLIENT" link set lo up; then
    VETH=1
    if [[ -n ${BENCH_VETH_RATE:-} ]]; then
        ip netns exec "$NS_SERVER" tc qdisc add dev "mgs-s$$" root tbf rate "$BENCH_VETH_RATE" burst 4mb latency 50ms
    fi
else
    log "note: could not set up network namespaces and a veth pair: the veth scenario is skipped"
fi
cleanup_netns() {
    ip netns del "$NS_SERVER" 2>/dev/null || true
    ip netns del "$NS_CLIENT" 2>/dev/null || true
}
trap 'cleanup; cleanup_netns' EXIT

launch_registry "$bin/modelget-testkit" "$TMP/registry" "$TMP/registry.yml" "$TMP/registry.log" || exit 1
pids+=("$LAUNCHED_PID")
REGISTRY_PID=$LAUNCHED_PID
REG=127.0.0.1:$LAUNCHED_PORT
seed() { "$bin/modelget-testkit" seed --storage "$TMP/registry" --seed 7 "$@" >/dev/null; }
log "registry $REG; seeding $SMALL_COUNT small blobs and a $BIG_BYTES-byte blob"
seed --repository bench/small --tag v1 --small-blobs "$SMALL_COUNT" --min 16384 --max 1048576
seed --repository bench/big --tag v1 --big "$BIG_BYTES"

# The same models in a store, as `modelget pull` writes them, under
# registry.ollama.ai so serve's names are bench/small and bench/big too.
log "pulling both into a store for serve"
"$bin/modelget" pull "$REG/bench/small:v1" --insecure --models "$TMP/store" >/dev/null
"$bin/modelget" pull "$REG/bench/big:v1" --insecure --models "$TMP/store" >/dev/null
mv "$TMP/store/manifests/$REG" "$TMP/store/manifests/registry.ollama.ai"

port=$(free_port)
"$bin/modelget" serve --listen "127.0.0.1:$port" --models "$TMP/store" 2>"$TMP/serve.log" &
SERVE_PID=$!
pids+=("$SERVE_PID")
for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && break
    sleep 0.1
done
SERVE=127.0.0.1:$port

# The same two servers again in the server namespace, on the veth address.
if [[ $VETH == 1 ]]; then
    in_client() { ip netns exec "$NS_CLIENT" "$@"; }
    sed "s/127\.0\.0\.1:[0-9]*/$VETH_SERVER:5000/" "$TMP/registry.yml" >"$TMP/registry-veth.yml"
    ip netns exec "$NS_SERVER" docker-registry serve "$TMP/registry-veth.yml" >"$TMP/registry-veth.log" 2>&1 &
    pids+=("$!")
    ip netns exec "$NS_SERVER" "$bin/modelget" serve --listen "$VETH_SERVER:5001" --models "$TMP/store" 2>"$TMP/serve-veth.log" &
    pids+=("$!")
    for url in "http://$VETH_SERVER:5000/v2/" "http://$VETH_SERVER:5001/v2/"; do
        for _ in $(seq 100); do
            in_client curl -fsS -o /dev/null "$url" 2>/dev/null && break
            sleep 0.1
        done
        in_client curl -fsS -o /dev/null "$url" || { cat "$TMP"/*-veth.log >&2; exit 1; }
    done
fi

# Every blob's digest, from the registry's manifest.
blobs() {
    curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REG/v2/$1/manifests/v1" |
        python3 -c 'import json,sys; m=json.load(sys.stdin)
for d in [m["config"]] + m["layers"]: print(d["digest"], d["size"])'
}
blobs bench/small >"$TMP/small.blobs"
read -r BIG _ < <(blobs bench/big | sort -k2 -n | tail -1)
for host in "$REG" "$SERVE"; do
    while read -r digest _; do
        printf 'url = "http://%s/v2/bench/small/blobs/%s"\noutput = "/dev/null"\n' "$host" "$digest"
    done <"$TMP/small.blobs" >"$TMP/small-$host.curlrc"
done
# Warm the page cache for both servers' files.
cat "$TMP"/registry/docker/registry/v2/blobs/sha256/*/*/data "$TMP"/store/blobs/* >/dev/null

# timed SCENARIO SERVER REP CMD…: wall time of CMD, which must succeed.
timed() {
    local scenario=$1 server=$2 rep=$3 t0 t1
    shift 3
    t0=$(date +%s%N)
    "$@"
    t1=$(date +%s%N)
    printf '%s\t%s\t%s\t%s\n' "$scenario" "$server" "$rep" $(((t1 - t0) / 1000)) >>"$RESULTS"
}

for rep in $(seq "$REPS"); do
    for server in docker-registry serve; do
        host=$REG
        [[ $server == serve ]] && host=$SERVE
        log "repetition $rep/$REPS: $server"
        timed big "$server" "$rep" curl -fsS -o /dev/null "http://$host/v2/bench/big/blobs/$BIG"
        if [[ $VETH == 1 ]]; then
            veth_port=5000
            [[ $server == serve ]] && veth_port=5001
            timed big-veth "$server" "$rep" in_client curl -fsS -o /dev/null "http://$VETH_SERVER:$veth_port/v2/bench/big/blobs/$BIG"
        fi
        timed small "$server" "$rep" curl -fsS --no-progress-meter --parallel --parallel-max 64 -K "$TMP/small-$host.curlrc"
    done
done
hwm() { awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$1/status"; }
SERVE_RSS=$(hwm "$SERVE_PID") REGISTRY_RSS=$(hwm "$REGISTRY_PID")
SMALL_BYTES=$(awk '{s += $2} END {print s}' "$TMP/small.blobs")

mkdir -p bench/results
python3 - "$RESULTS" "$BIG_BYTES" "$SMALL_COUNT" "$SMALL_BYTES" "$SERVE_RSS" "$REGISTRY_RSS" <<'EOF' | tee bench/results/serve-latest.md
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
big, count, small_bytes, serve_rss, registry_rss = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
def times(scenario, server):
    return {r[2]: int(r[3]) / 1e6 for r in rows if r[0] == scenario and r[1] == server}
print("| scenario | docker-registry, median (min–max) | modelget serve, median (min–max) | serve / registry throughput (per repetition: min–max) |")
print("|---|---|---|---|")
for scenario, label, size in [("big", f"1 client, one {big / 2**30:.2f} GiB blob, loopback", big),
                              ("big-veth", f"1 client, one {big / 2**30:.2f} GiB blob, veth between namespaces", big),
                              ("small", f"64 clients, {count} blobs ({small_bytes / 2**20:.0f} MiB), loopback", small_bytes)]:
    r, s = times(scenario, "docker-registry"), times(scenario, "serve")
    if not r or not s:
        continue
    rm, sm = statistics.median(r.values()), statistics.median(s.values())
    pairs = [r[k] / s[k] for k in r if k in s]
    def cell(t, m):
        return f"{m:.2f} s ({size / m / 2**20:.0f} MiB/s; {min(t.values()):.2f}–{max(t.values()):.2f} s)"
    print(f"| {label} | {cell(r, rm)} | {cell(s, sm)} | {rm / sm:.2f}x ({min(pairs):.2f}–{max(pairs):.2f}x) |")
print(f"| peak RSS (VmHWM) after both, loopback instances | {registry_rss} MiB | {serve_rss} MiB | |")
print()
print(f"Medians of {len(set(r[2] for r in rows))} repetitions, the servers interleaved run by run.")
EOF
