#!/usr/bin/env python3
"""The Markdown report of bench/shapes.sh: per row and tool the median wall
time (min-max), the ratio to the best peer of the same row, throughput,
peak RSS, and what the far side counted during the tool's runs (medians):
connections and TLS handshakes at each relay, handshakes offering session
resumption, CDN connections nginx saw resumed, token requests and scopes."""
import argparse
import json
import statistics
from collections import defaultdict


def delta(before, after):
    """The far side's counts during one run."""
    b, a = json.loads(before), json.loads(after)
    out = {}
    for host in ("front", "cdn"):
        for key in ("connections", "tls_handshakes", "resumption_offers"):
            out[f"{host}_{key}"] = a[host][key] - b[host][key]
    out["cdn_connections_resumed"] = a["cdn_connections_resumed"] - b["cdn_connections_resumed"]
    out["cdn_requests"] = a["cdn_requests"] - b["cdn_requests"]
    scopes = {k: v - b["token_requests"].get(k, 0) for k, v in a["token_requests"].items()}
    scopes = {k: v for k, v in scopes.items() if v > 0}
    out["token_requests"] = sum(scopes.values())
    out["token_scopes"] = len(scopes)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runs")
    parser.add_argument("--bytes", type=int, required=True)
    parser.add_argument("--blobs", type=int, required=True)
    parser.add_argument("--cap", type=int, required=True)
    parser.add_argument("--link", type=int, required=True)
    parser.add_argument("--delay-ms", type=int, required=True)
    args = parser.parse_args()
    rows = defaultdict(lambda: defaultdict(list))
    for line in open(args.runs):
        row, tool, _rep, ms, rss, before, after = line.rstrip("\n").split("\t")
        rows[row][tool].append((None if ms == "FAIL" else int(ms) / 1000, int(rss or 0), delta(before, after)))
    titles = {
        "cap": f"each connection capped at {args.cap / 2**20:g} MiB/s",
        "link": f"path capped at {args.link * 8 / 1e6:g} Mbit/s, connections uncapped",
    }
    print(f"# Shapes: {args.blobs} blobs, {args.bytes / 1e9:.2f} GB, {2 * args.delay_ms} ms round trip\n")
    for row, tools in rows.items():
        times = {t: statistics.median([r[0] for r in runs if r[0] is not None] or [float("nan")]) for t, runs in tools.items()}
        peers = [v for t, v in times.items() if not t.startswith("modelget") and v == v]
        best = min(peers) if peers else float("nan")
        print(f"## {titles.get(row, row)}\n")
        if row == "link":
            print(f"size / link rate: {args.bytes / args.link:.2f} s\n")
        print("| tool | median s | min–max s | × best peer | MB/s | peak RSS MiB | CDN conns | CDN TLS handshakes (resumption offered) "
              "| CDN conns resumed (nginx) | registry conns | token requests (scopes) | failed |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for tool, runs in tools.items():
            ok = [r for r in runs if r[0] is not None]
            wall = times[tool]
            spread = f"{min(r[0] for r in ok):.2f}–{max(r[0] for r in ok):.2f}" if ok else "—"
            med = lambda key: statistics.median(r[2][key] for r in runs)
            print(f"| {tool} | {wall:.2f} | {spread} | {wall / best:.2f} | {args.bytes / wall / 1e6:.0f} "
                  f"| {max(r[1] for r in runs) / 1024:.0f} | {med('cdn_connections'):g} "
                  f"| {med('cdn_tls_handshakes'):g} ({med('cdn_resumption_offers'):g}) | {med('cdn_connections_resumed'):g} "
                  f"| {med('front_connections'):g} | {med('token_requests'):g} ({med('token_scopes'):g}) "
                  f"| {len(runs) - len(ok)} |")
        print()


if __name__ == "__main__":
    main()
