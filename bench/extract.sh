#!/usr/bin/env bash
# Benchmarks `modelget extract` against umoci on one image of >= 1 GiB
# uncompressed, in the same run, and prints a Markdown table of medians
# (time, peak RSS):
#
#   registry -> rootfs : modelget extract REF DIR   vs   skopeo copy docker://REF oci:L + umoci unpack --rootless
#   local    -> rootfs : modelget extract (layers in its store)   vs   umoci unpack --rootless (layers in an OCI layout)
#
#   bench/extract.sh                 full run (~1.1 GiB image, 3 repetitions)
#   BENCH_QUICK=1 bench/extract.sh   smoke run (~120 MiB image, 1 repetition)
#
# The image is made here: a layer of 10,000 small text-like files, a layer
# of large random files, a layer of large compressible files; gzip -1
# (umoci 0.4.7 reads no zstd), pushed to a local docker-registry by skopeo.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/registry.sh
source scripts/registry.sh
# shellcheck source=lib.sh
source bench/lib.sh

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then SCALE=1 REPS=${BENCH_REPS:-1}; else SCALE=9 REPS=${BENCH_REPS:-3}; fi

build_release .build-bench
require_tools skopeo umoci docker-registry python3 gzip /usr/bin/time

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelget-extract-bench.XXXXXX")
RESULTS=$TMP/results.tsv   # scenario tool rep seconds maxrss_kb
: >"$RESULTS"
trap stop_bench EXIT
start_bench_registry storage
HOST=$REGISTRY_HOST
REF=$HOST/bench/image:1

log "making the image (scale $SCALE)"
python3 - "$TMP/layout" "$SCALE" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile
layout, scale = sys.argv[1], int(sys.argv[2])
os.makedirs(layout + "/blobs/sha256")
rng = random.Random(7)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(5000)]
def text(n):
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])
def layer(entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    plain = raw.getvalue()
    packed = gzip.compress(plain, compresslevel=1, mtime=0)
    digest = hashlib.sha256(packed).hexdigest()
    open(f"{layout}/blobs/sha256/{digest}", "wb").write(packed)
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + digest,
            "size": len(packed)}, "sha256:" + hashlib.sha256(plain).hexdigest(), len(plain)
small = [("files", None)] + [(f"files/d{i // 500}/f{i}.txt", text(rng.randint(4096, 61440 * scale // 9 + 4096)))
                             for i in range(10000 * scale // 9)]
small[1:1] = [(f"files/d{d}", None) for d in range(20)]
big = [("blobs", None)] + [(f"blobs/r{i}.bin", os.urandom(128 << 20 if scale > 1 else 16 << 20)) for i in range(4)]
text_big = [("text", None)] + [(f"text/t{i}.txt", text(128 << 20 if scale > 1 else 16 << 20)) for i in range(2)]
layers, diff_ids, total = [], [], 0
for entries in (small, big, text_big):
    descriptor, diff_id, size = layer(entries)
    layers.append(descriptor); diff_ids.append(diff_id); total += size
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
config_digest = hashlib.sha256(config).hexdigest()
open(f"{layout}/blobs/sha256/{config_digest}", "wb").write(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": "sha256:" + config_digest, "size": len(config)},
                       "layers": layers}).encode()
manifest_digest = hashlib.sha256(manifest).hexdigest()
open(f"{layout}/blobs/sha256/{manifest_digest}", "wb").write(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "sha256:" + manifest_digest, "size": len(manifest),
          "annotations": {"org.opencontainers.image.ref.name": "1"}}]}, open(layout + "/index.json", "w"))
open(layout + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
print(f"uncompressed {total} bytes, compressed {sum(l['size'] for l in layers)} bytes", file=sys.stderr)
PY
skopeo copy --dest-tls-verify=false "oci:$TMP/layout:1" "docker://$REF" >&2
rm -rf "$TMP/layout"

# timed SCENARIO TOOL REP COMMAND...: one run, its wall time and peak RSS.
timed() {
    local scenario=$1 tool=$2 rep=$3
    shift 3
    /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" >"$TMP/out.log" 2>&1 || { cat "$TMP/out.log" >&2; exit 1; }
    read -r seconds rss <"$TMP/time"
    printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$tool" "$rep" "$seconds" "$rss" >>"$RESULTS"
    log "$scenario $tool #$rep: ${seconds}s, $((rss / 1024)) MiB"
}

# skopeo keeps a blob-info cache; each run starts without it.
clear_skopeo_cache() { rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb "$HOME/.local/share/containers/cache/blob-info-cache-v1.boltdb"; }

for rep in $(seq "$REPS"); do
    rm -rf "$TMP/models" "$TMP/rootfs" "$TMP/layout" "$TMP/bundle"
    timed "registry -> rootfs" "modelget extract" "$rep" "$bin/modelget" extract "$REF" "$TMP/rootfs" --insecure --models "$TMP/models"
    rm -rf "$TMP/rootfs"
    clear_skopeo_cache
    timed "registry -> layout" "skopeo copy" "$rep" skopeo copy --src-tls-verify=false "docker://$REF" "oci:$TMP/layout:1"
    timed "layout -> rootfs" "umoci unpack" "$rep" umoci unpack --rootless --image "$TMP/layout:1" "$TMP/bundle"
    rm -rf "$TMP/bundle"
    "$bin/modelget" pull "$REF" --insecure --models "$TMP/models" >/dev/null
    timed "store -> rootfs" "modelget extract" "$rep" "$bin/modelget" extract "$REF" "$TMP/rootfs" --models "$TMP/models"
done

python3 - "$RESULTS" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    scenario, tool, rep, seconds, rss = line.rstrip("\n").split("\t")
    rows[(scenario, tool)].append((float(seconds), int(rss)))
def med(key, i): return statistics.median(v[i] for v in rows[key])
m_remote = med(("registry -> rootfs", "modelget extract"), 0)
s_copy = med(("registry -> layout", "skopeo copy"), 0)
u_unpack = med(("layout -> rootfs", "umoci unpack"), 0)
m_local = med(("store -> rootfs", "modelget extract"), 0)
print("| scenario | tool | median s | peak RSS MiB | ratio (peer ÷ modelget) |")
print("|---|---|---:|---:|---:|")
for (scenario, tool), values in rows.items():
    print(f"| {scenario} | {tool} | {med((scenario, tool), 0):.2f} | {max(v[1] for v in values) / 1024:.0f} | |")
print(f"| registry -> rootfs | skopeo copy + umoci unpack | {s_copy + u_unpack:.2f} | | {(s_copy + u_unpack) / m_remote:.2f} |")
print(f"| local -> rootfs | umoci unpack vs modelget extract from the store | | | {u_unpack / m_local:.2f} |")
PY
