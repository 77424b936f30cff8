#!/usr/bin/env python3
"""Pulls HOST/REPO:TAG into DIR with oras-py (the ORAS Python SDK) over
plain HTTP: one blob at a time, streamed to a file, no digest check (that is
what oras-py's Registry.pull does)."""
import logging
import sys

import oras.client
import oras.logger


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: oras_pull.py HOST/REPO:TAG DIR")
    target, outdir = sys.argv[1], sys.argv[2]
    oras.logger.setup_logger(quiet=True)
    logging.getLogger("oras").setLevel(logging.WARNING)
    client = oras.client.OrasClient(hostname=target.split("/", 1)[0], insecure=True)
    files = client.pull(target=target, outdir=outdir)
    print(f"oras pulled {len(files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
