#!/usr/bin/env python3
"""Pushes the given files as the layers of a new OCI artifact HOST/REPO:TAG
with oras-py over plain HTTP. oras-py hashes each file first, then uploads
it with one POST and one monolithic PUT whose body it reads whole into
memory."""
import logging
import sys

import oras.client
import oras.logger


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit("usage: oras_push.py HOST/REPO:TAG FILE...")
    target, files = sys.argv[1], sys.argv[2:]
    oras.logger.setup_logger(quiet=True)
    logging.getLogger("oras").setLevel(logging.WARNING)
    client = oras.client.OrasClient(hostname=target.split("/", 1)[0], insecure=True)
    client.push(target=target, files=files, disable_path_validation=True, quiet=True)


if __name__ == "__main__":
    main()
