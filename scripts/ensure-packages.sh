#!/usr/bin/env bash
# Installs the PyPI packages of scripts/python-packages.txt (with pip) and
# the Debian packages of scripts/system-packages.txt that are missing: as
# root directly, else through sudo, else it prints the one apt-get line to
# run and exits 1. Run by `make demo`, `make test` and
# .ci/run, so a fresh Debian 12 with Swift needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

# PyPI packages the tests use (scripts/python-packages.txt), installed with
# python3's own pip when missing; a Debian python that refuses user pip
# installs (PEP 668) gets --break-system-packages.
ensure_python_packages() {
    [[ -f scripts/python-packages.txt ]] || return 0
    local wanted_py missing_py=() package
    mapfile -t wanted_py < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' scripts/python-packages.txt)
    command -v python3 >/dev/null || { echo "ensure-packages: python3 is missing; install it for ${wanted_py[*]}" >&2; return 1; }
    for package in "${wanted_py[@]}"; do
        python3 -m pip show -q "$package" >/dev/null 2>&1 || missing_py+=("$package")
    done
    ((${#missing_py[@]} == 0)) && return 0
    echo "ensure-packages: pip-installing ${missing_py[*]}" >&2
    python3 -m pip install --quiet "${missing_py[@]}" ||
        python3 -m pip install --quiet --break-system-packages "${missing_py[@]}"
}
ensure_python_packages

mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' scripts/system-packages.txt)
missing=()
for package in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

echo "ensure-packages: installing ${missing[*]}" >&2
if ((EUID == 0)); then
    run=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    run=(sudo)
elif command -v sudo >/dev/null && [[ -t 0 ]]; then
    run=(sudo)
else
    echo "missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# docker-registry's postinst starts a system registry on :5000; forbid
# service starts during the install (the usual policy-rc.d switch), and
# lift the ban afterwards only if we put it there.
own_policy=false
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${run[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${run[@]}" chmod +x /usr/sbin/policy-rc.d
    own_policy=true
fi
trap '$own_policy && "${run[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

# Should a system registry be running anyway, stop it: the tests and the
# demo start their own on free loopback ports.
if [[ " ${missing[*]} " == *" docker-registry "* ]]; then
    if [[ -d /run/systemd/system ]]; then
        "${run[@]}" systemctl disable --now docker-registry.service || true
    elif [[ -x /etc/init.d/docker-registry ]]; then
        "${run[@]}" /etc/init.d/docker-registry stop || true
    fi
fi
