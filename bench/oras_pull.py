#!/usr/bin/env python3
"""Pulls HOST/REPO:TAG into DIR with oras-py (the ORAS Python SDK): one
blob at a time, streamed to a file, no digest check (that is what oras-py's
Registry.pull does). Plain HTTP, or with --tls-no-verify HTTPS without
checking the certificate (a self-signed front)."""
import logging
import sys

import oras.client
import oras.logger


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--tls-no-verify"]
    if len(args) != 2:
        sys.exit("usage: oras_pull.py HOST/REPO:TAG DIR [--tls-no-verify]")
    target, outdir = args
    https = "--tls-no-verify" in sys.argv[1:]
    oras.logger.setup_logger(quiet=True)
    logging.getLogger("oras").setLevel(logging.WARNING)
    client = oras.client.OrasClient(hostname=target.split("/", 1)[0], insecure=not https, tls_verify=not https)
    files = client.pull(target=target, outdir=outdir)
    print(f"oras pulled {len(files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
