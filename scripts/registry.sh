# Sourced by scripts/demo.sh and bench/run.sh: start a throwaway
# docker-registry on loopback with modelget-testkit.

# A loopback port nobody answers on, below the ephemeral range (32768+)
# where outgoing connections could hold it.
free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# launch_registry TESTKIT STORAGE CONFIG LOG: starts a registry on a free
# port in the background, waits until it answers, and sets LAUNCHED_PORT
# and LAUNCHED_PID (the caller stops it). Prints the log and fails when it
# does not come up.
launch_registry() {
    local testkit=$1 storage=$2 config=$3 log=$4
    LAUNCHED_PORT=$(free_port)
    "$testkit" registry --storage "$storage" --port "$LAUNCHED_PORT" --config-out "$config" >"$log" 2>&1 &
    LAUNCHED_PID=$!
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$LAUNCHED_PORT/v2/" 2>/dev/null && return 0
        sleep 0.1
    done
    cat "$log" >&2
    return 1
}
