#!/usr/bin/env bash
# Demo: builds modelget, serves a small seeded Ollama model
# (library/tinyllama:latest) from a throwaway local registry, pulls it,
# and lists what landed in the models directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh

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

launch_registry "$bin/modelget-testkit" "$TMP/storage" "$TMP/registry.yml" "$TMP/registry.log"
registry_pid=$LAUNCHED_PID
PORT=$LAUNCHED_PORT

# Model weights (4 MiB), template, license, params, system prompt.
read -r digest bytes < <("$bin/modelget-testkit" seed --storage "$TMP/storage" \
    --repository library/tinyllama --tag latest --sizes 4194304,1200,11000,90,40)
echo "registry 127.0.0.1:$PORT serves library/tinyllama:latest ($digest, $bytes bytes)"

"$bin/modelget" pull "127.0.0.1:$PORT/library/tinyllama:latest" --insecure --models "$TMP/models"

echo "pulled into $TMP/models:"
find "$TMP/models" -type f -printf '%10s  %P\n' | sort -k2
