# Sourced by the bench scripts (after `cd` to the repository root): the
# log line, the release build and the check for the tools a run needs.
# Each script keeps its own timing loop: they measure different things.

# log TEXT…: a timestamped line on stderr.
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

# build_release SCRATCH: builds every product in release mode under
# SCRATCH and sets `bin` to the directory of the binaries.
build_release() {
    log "building release"
    swift build -c release --scratch-path "$1" >&2
    bin=$(swift build -c release --scratch-path "$1" --show-bin-path)
}

# require_tools TOOL…: stops the run when one of them is not installed.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
    done
}

# fresh DIR: an empty directory for a tool to write into.
fresh() { rm -rf "$1"; mkdir -p "$1"; }

# start_bench_registry NAME: a docker-registry on a free loopback port with
# its storage in $TMP/NAME (after `build_release`); sets REGISTRY_HOST and
# REGISTRY_PID. Install `stop_bench` as the EXIT trap first.
start_bench_registry() {
    launch_registry "$bin/modelget-testkit" "$TMP/$1" "$TMP/$1.yml" "$TMP/$1-registry.log" || exit 1
    REGISTRY_PID=$LAUNCHED_PID
    REGISTRY_HOST=127.0.0.1:$LAUNCHED_PORT
}

# stop_bench: ends the registry `start_bench_registry` started and removes $TMP.
stop_bench() {
    if [[ -n ${REGISTRY_PID:-} ]]; then
        kill "$REGISTRY_PID" 2>/dev/null || true
        wait "$REGISTRY_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
