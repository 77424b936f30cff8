#!/usr/bin/env bash
# Demo: builds modelget, serves a small seeded Ollama model
# (library/tinyllama:latest) from a throwaway local registry, pulls it,
# and lists what landed in the models directory.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release
bin=.build/release

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-demo.XXXXXX")
registry_pid=
cleanup() {
    if [[ -n $registry_pid ]]; then
        kill "$registry_pid" 2>/dev/null || true
        wait "$registry_pid" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# A loopback port nobody answers on.
free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 12000))  # below the ephemeral range (32768+)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

PORT=$(free_port)
"$bin/modelget-testkit" registry --storage "$TMP/storage" --port "$PORT" \
    --config-out "$TMP/registry.yml" >"$TMP/registry.log" 2>&1 &
registry_pid=$!

for _ in $(seq 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v2/" 2>/dev/null; then break; fi
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v2/" || { cat "$TMP/registry.log"; exit 1; }

# Model weights (4 MiB), template, license, params, system prompt.
read -r digest bytes < <("$bin/modelget-testkit" seed --storage "$TMP/storage" \
    --repository library/tinyllama --tag latest --sizes 4194304,1200,11000,90,40)
echo "registry 127.0.0.1:$PORT serves library/tinyllama:latest ($digest, $bytes bytes)"

"$bin/modelget" pull "127.0.0.1:$PORT/library/tinyllama:latest" --insecure --models "$TMP/models"

echo "pulled into $TMP/models:"
find "$TMP/models" -type f -printf '%10s  %P\n' | sort -k2
