#!/usr/bin/env python3
"""Turns bench/run.sh's raw measurements into the Markdown report: per
scenario and tool the median wall time over the repetitions, its spread,
the ratio to the scenario's transport floor, how much slower each peer is
than modelget, throughput and peak RSS."""
import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import time

FLOOR = {"small": "curl", "big": "curl", "push-big": "curl -T"}
# The floor plus checking every digest (what modelget does too).
VERIFIED_FLOOR = {"small": "curl+openssl", "big": "curl+openssl+fsync"}
TITLES = {
    "small": "1. Many small blobs (pull)",
    "big": "2. One big layer (pull)",
    "resume": "3. Resume after kill -9 (second run)",
    "push-small": "5a. Push, many small blobs",
    "push-big": "5b. Push, one big layer",
}
TOOL_NOTES = {
    ("small", "modelget"): "Ollama model; verifies every blob, fsyncs",
    ("small", "curl"): "`--parallel --parallel-max 64`, no hashing",
    ("small", "curl+sha256sum"): "then `sha256sum -c` of all files (sequential)",
    ("small", "curl+openssl"): "then `openssl dgst -sha256` of all files (SHA-NI): the verified floor",
    ("small", "oras"): "oras-py, same repo, one blob at a time, no digest check",
    ("small", "skopeo"): "OCI twin, `dir:`, verifies",
    ("big", "modelget"): "default 4 parallel ranged parts; verifies, fsyncs",
    ("big", "curl"): "`curl -o`, one stream, no hashing",
    ("big", "curl+sha256sum"): "then `sha256sum -c` (coreutils, no SHA-NI: slow)",
    ("big", "curl+openssl+fsync"): "then `openssl dgst -sha256` (SHA-NI), `sync FILE`: the verified floor",
    ("big", "aria2c"): "`-x16 -s16`, no digest check",
    ("big", "oras"): "oras-py, no digest check",
    ("big", "skopeo"): "OCI twin, `dir:`, verifies",
    ("push-small", "modelget"): "from the pulled store to an empty registry",
    ("push-small", "modelget (2nd repo)"): "same model to another repo of that registry",
    ("push-small", "oras"): "oras-py: hash, then POST + PUT per file, sequential",
    ("push-small", "skopeo"): "`dir:` → `docker://`, `--preserve-digests`",
    ("push-big", "modelget"): "from the pulled store to an empty registry",
    ("push-big", "modelget (2nd repo)"): "same model to another repo of that registry",
    ("push-big", "oras"): "oras-py: reads the whole file into memory for its PUT",
    ("push-big", "skopeo"): "`dir:` → `docker://`, `--preserve-digests`",
    ("push-big", "curl -T"): "POST, then one PUT `?digest=` (digest known)",
    ("big", "modelget --parts 4"): "the part count fixed at 4 (no adaptive growth)",
    ("big", "modelget (base)"): "the base commit's binary (`BENCH_BASE_BIN`), same run",
    ("small", "modelget (base)"): "the base commit's binary (`BENCH_BASE_BIN`), same run",
}
NET_NOTES = {
    "modelget": "through the registry front (307 to the CDN); adaptive part count, parts on own connections; verifies, fsyncs",
    "modelget --parts 4": "4 parts, each on its own connection",
    "modelget --parts 16": "16 parts, each on its own connection",
    "modelget (base)": "base commit: 4 parts multiplexed on one HTTP/2 connection",
    "aria2c -x16": "`-x16 -s16 -k1M` on the CDN URL, no digest check: the floor",
    "aria2c -x16 --checksum": "the same with `--checksum=sha-256=…`: aria2c verifies the digest too (no fsync)",
    "ollama-like 16 parts": "16 ranged parts at once, multiplexed on HTTP/2 like Go's default transport (`curl --parallel`), joined",
    "curl -o": "one stream on the CDN URL",
}


def net_title(scenario):
    _, cap, size = scenario.split("-")
    return f"4. HTTPS CDN, {cap[:-1]} MiB/s per connection, {size[:-1]} MiB"



def mib(n):
    return n / (1 << 20)


def load(path):
    runs = {}
    order = []
    with open(path) as f:
        for scenario, tool, _rep, micros, rss, user, system in csv.reader(f, delimiter="\t"):
            key = (scenario, tool)
            if key not in runs:
                runs[key] = {"secs": [], "rss": [], "cpu": [], "fail": 0}
                order.append(key)
            if micros == "FAIL":
                runs[key]["fail"] += 1
            else:
                runs[key]["secs"].append(int(micros) / 1e6)
                runs[key]["rss"].append(int(rss))
                runs[key]["cpu"].append(float(user) + float(system))
    return runs, order


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = open("/proc/loadavg").read().split()[:3]
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}; load average at the end {' '.join(load)}"


def versions():
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).splitlines()[0].strip()
        except Exception:
            return "?"
    try:
        import oras.version
        oras_version = oras.version.__version__
    except Exception:
        oras_version = "?"
    return ", ".join([
        first_line(["curl", "--version"]).split(" (")[0],
        first_line(["skopeo", "--version"]),
        first_line(["aria2c", "--version"]),
        f"oras-py {oras_version}",
        first_line(["docker-registry", "--version"]),
    ])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("notes")
    p.add_argument("--small-files", type=int)
    p.add_argument("--small-bytes", type=int)
    p.add_argument("--big-bytes", type=int)
    p.add_argument("--push")
    p.add_argument("--reps", type=int)
    p.add_argument("--big-reps", type=int)
    p.add_argument("--quick")
    a = p.parse_args()
    runs, order = load(a.results)
    size = {"small": a.small_bytes, "big": a.big_bytes, "push-small": a.small_bytes, "push-big": a.big_bytes,
            "resume": None}

    out = []
    w = out.append
    w(f"# modelget benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}")
    w("")
    w(f"Machine: {machine()}.  ")
    w(f"Tools: {versions()}.  ")
    w(f"Small model: {a.small_files} blobs (config + layers), {a.small_bytes:,} bytes; big layer: {a.big_bytes:,} bytes."
      + (" **Quick smoke run (BENCH_QUICK=1).**" if a.quick == "1" else ""))
    w(f"Each cell: median of {a.reps} runs ({a.big_reps} for the big layer), tools interleaved run by run; "
      "spread is min–max. Loopback registry, its files in the page cache; every pull into a fresh empty directory; "
      "`sync` before every run (not timed).")
    w("")
    w("| Scenario | Tool | Median s | Spread s | × floor | × verified floor | Peer ÷ modelget | MB/s | CPU s | Peak RSS MiB | Notes |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    net = []
    for k in order:
        if k[0].startswith("net-") and k[0] not in net:
            net.append(k[0])
            size[k[0]] = int(k[0].split("-")[2][:-1]) << 20
            FLOOR[k[0]] = "aria2c -x16"
            VERIFIED_FLOOR[k[0]] = "aria2c -x16 --checksum"
            TITLES[k[0]] = net_title(k[0])
            for tool, note in NET_NOTES.items():
                TOOL_NOTES[(k[0], tool)] = note
    scenarios = [s for s in TITLES if not s.startswith("net-")]
    scenarios = scenarios[:3] + net + scenarios[3:]
    for scenario in scenarios:
        keys = [k for k in order if k[0] == scenario]
        if not keys:
            continue
        medians = {k[1]: statistics.median(runs[k]["secs"]) for k in keys if runs[k]["secs"]}
        floor = medians.get(FLOOR.get(scenario, ""))
        vfloor = medians.get(VERIFIED_FLOOR.get(scenario, ""))
        mg = medians.get("modelget")
        for k in keys:
            r = runs[k]
            tool = k[1]
            note = TOOL_NOTES.get(k, "")
            if r["fail"]:
                note = (note + "; " if note else "") + f"**{r['fail']} run(s) failed**"
            if not r["secs"]:
                w(f"| {TITLES[scenario]} | {tool} | — | — | — | — | — | — | — | — | {note} |")
                continue
            med = medians[tool]
            spread = f"{min(r['secs']):.2f}–{max(r['secs']):.2f}"
            ratio = f"{med / floor:.2f}" if floor else "—"
            vratio = f"{med / vfloor:.2f}" if vfloor else "—"
            vs = f"{med / mg:.2f}" if mg and not tool.startswith("modelget") else "—"
            nbytes = size.get(scenario)
            rate = f"{nbytes / med / 1e6:.0f}" if nbytes and "2nd repo" not in tool else "—"
            rss = f"{mib(max(r['rss']) * 1024):.0f}"
            cpu = f"{statistics.median(r['cpu']):.2f}"
            w(f"| {TITLES[scenario]} | {tool} | {med:.2f} | {spread} | {ratio} | {vratio} | {vs} | {rate} | {cpu} | {rss} | {note} |")
    w("")
    w("× floor: median ÷ the transport floor's median (small: `curl --parallel`, big: `curl -o`, big push: `curl -T`, "
      "HTTPS CDN: `aria2c -x16 -s16`, the target being ≤ 1.1; its verified floor is `aria2c --checksum=sha-256`); "
      "× verified floor: ÷ that floor followed by an OpenSSL SHA-256 of every file (and an fsync for the big layer). "
      "Peer ÷ modelget > 1 means modelget is that many times faster. MB/s = model bytes ÷ median (10^6 bytes). "
      "CPU s: median user + system time (children included). Peak RSS: the largest max RSS over the runs (`/usr/bin/time`), of the whole process tree for `bash -c` rows.")

    notes = []
    with open(a.notes) as f:
        notes = list(csv.reader(f, delimiter="\t"))
    resume = [n for n in notes if n[0] == "resume"]
    if resume:
        w("")
        w("## Resume")
        w("")
        w("`modelget pull` of the big model killed with SIGKILL once it had written half the layer, then run again. "
          "Ideal re-fetch = layer size − the partial file's size after the kill (or, for a preallocated partial, "
          "− the bytes modelget had written, its wchar, read just before the kill).")
        w("")
        w("| Run | Written before kill | Partial file (size / allocated) | Ideal re-fetch | Re-fetched (`bytes_transferred`) | Registry served (Δrchar) | Overhead |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        for _, rep, total, written, psize, palloc, transferred, served in resume:
            # A partial that grows as bytes land says exactly what was kept;
            # a preallocated one is full-size, so fall back to bytes written.
            held = int(psize) if 0 < int(psize) < int(total) else int(written)
            ideal = int(total) - held
            try:
                overhead = f"{(int(transferred) - ideal) / (1 << 20):+.1f} MiB"
            except ValueError:
                overhead = "?"
            w(f"| {rep} | {mib(int(written)):.0f} MiB | {mib(int(psize)):.0f} / {mib(int(palloc)):.0f} MiB | {mib(ideal):.0f} MiB | "
              f"{mib(int(transferred)):.0f} MiB | {mib(int(served)):.0f} MiB | {overhead} |" if transferred.isdigit() else
              f"| {rep} | {mib(int(written)):.0f} MiB | {mib(int(psize)):.0f} / {mib(int(palloc)):.0f} MiB | {mib(ideal):.0f} MiB | "
              f"{transferred} | {mib(int(served)):.0f} MiB | ? |")
    w("")
    w("## Push")
    w("")
    if a.push != "ran":
        w("Skipped: `modelget push --help` does not work in this build (the push command is not there yet).")
    else:
        w("Each push goes to an empty repository of a fresh registry; then `modelget (2nd repo)` pushes the same model "
          "to another repository of that registry (cross-repository mount when the CLI offers `--mount-from`).")
        w("")
        w("| Model | Run | Registry read during 2nd push (Δrchar) | modelget's done event |")
        w("|---|---|---:|---|")
        for n in notes:
            if n[0] == "mount":
                _, model, rep, received, line = n
                try:
                    ev = json.loads(line)
                    line = ", ".join(f"{k}={v}" for k, v in ev.items() if k not in ("event", "reference", "digest"))
                except ValueError:
                    pass
                w(f"| {model} | {rep} | {mib(int(received)):.1f} MiB | {line} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
