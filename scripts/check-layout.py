#!/usr/bin/env python3
"""Checks that docs/ARCHITECTURE.md still matches Sources/ModelGet/.

1. Every path the document names in backquotes (`Sources/…`, `Tests/…`,
   `Formats/X`, `Operations/X`, `Part/File`) exists.
2. Every folder of the library is in the layout block and has a row in
   the table of parts.
3. Every use of one part by another is an edge the document allows
   (ALLOWED below mirrors its list of dependencies). A use is a name
   declared at the top level of one part's files (type or function)
   appearing in another part's code, comments left out.
4. The store's doors (see DOORS below): outside `Store/`, no code
   renames into `blobs/` or calls `commitBlob` (bytes become a blob only
   through a `BlobWriter`, or a `HashingFileWriter` and `adoptBlob`, which
   hashed them as they were written), and no code builds a blob's path (`blobPath`) but the files of
   BLOB_PATH_DEBT (readers open blobs with `openBlob`).

Run from anywhere: `python3 scripts/check-layout.py` (or `make check-layout`);
prints what does not match and exits 1, else prints "layout ok".
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = "Sources/ModelGet"
DOC = "docs/ARCHITECTURE.md"

BASE = {"Primitives", "Output", "Errors", "Reference"}
FORMATS = {"Formats/Manifest", "Formats/JSON", "Formats/GGUF", "Formats/Tensor", "Formats/Archive", "Formats/Image"}
STAGES = {"HTTP", "Registry", "Transfer", "Fetch", "Store"}
# part -> parts it may use, besides BASE (and itself).
ALLOWED = {
    "Primitives": set(), "Output": set(), "Errors": {"Output"}, "Reference": {"Errors"},
    "Formats/JSON": set(), "Formats/GGUF": set(), "Formats/Manifest": {"Formats/JSON"},
    "Store": {"Formats/Manifest"},
    "Formats/Archive": {"Formats/Manifest", "Store"},
    "Formats/Tensor": {"Formats/Manifest", "Store"},
    "Formats/Image": {"Formats/Archive", "Store"},
    "HTTP": {"Transfer"},                      # back edge: RateLimiter, default stall timeout
    "Transfer": {"HTTP", "Fetch"},             # back edge: TransferOptions builds the FetchEngine
    "Registry": {"HTTP", "Formats/Manifest", "Transfer"},
    "Fetch": {"Store", "Registry", "Transfer", "HTTP", "Formats/Manifest"},
}
BETWEEN_OPERATIONS = {"Operations/Copy": {"Operations/Push", "Operations/Graph"}, "Operations/Push": {"Operations/Graph"},
                      "Operations/Export": {"Operations/Graph"},
                      "Operations/Sync": {"Operations/Push"}, "Operations/Blob": {"Operations/Pull"}}

# The store's doors: files outside `Store/` that still take `blobPath`, each
# a debt of issue 21 (item 2), to move onto `openBlob` and leave this list.
BLOB_PATH_DEBT = {
    "Sources/ModelGetServe/RegistryResponder.swift",        # sendfile and FileChunks take a path
}
STORE = LIB + "/Store/"
BLOB_PATH = re.compile(r"(?<!ImageLayout\.)(?<!func )\bblobPath\(")
RENAME_INTO_BLOBS = re.compile(r"\brename\([^\n]*(blobPath|blobsDirectory)")
COMMIT_BLOB = re.compile(r"\bcommitBlob\(")

DECLARATION = re.compile(r"^(?:public |internal |package )?(?:final )?(?:struct|class|enum|actor|protocol|typealias|func)\s+(\w+)", re.M)


def part_of(path):
    parts = os.path.relpath(path, os.path.join(ROOT, LIB)).split(os.sep)[:-1]
    return "/".join(parts[:2] if parts and parts[0] in ("Formats", "Operations") else parts[:1])


def allowed(part, other):
    if other in BASE or other == part:
        return True
    if part.startswith("Operations/"):
        return not other.startswith("Operations/") or other in BETWEEN_OPERATIONS.get(part, set())
    return other in ALLOWED.get(part, set())


def doors(files):
    """Uses of the store's private ways in, outside `Store/` (rule 4)."""
    problems = []
    for path in sorted(f for f in files if f.startswith("Sources/") and f.endswith(".swift") and not f.startswith(STORE)):
        code = re.sub(r"//.*", "", open(path).read())
        if COMMIT_BLOB.search(code):
            problems.append(f"{path} calls commitBlob: bytes become a blob only through a BlobWriter or a HashingFileWriter and adoptBlob")
        if RENAME_INTO_BLOBS.search(code):
            problems.append(f"{path} renames into blobs/: bytes become a blob only through a BlobWriter or a HashingFileWriter and adoptBlob")
        if BLOB_PATH.search(code) and path not in BLOB_PATH_DEBT:
            problems.append(f"{path} builds a blob's path: read blobs through store.openBlob")
    for path in sorted(BLOB_PATH_DEBT):
        if path in files and not BLOB_PATH.search(re.sub(r"//.*", "", open(path).read())):
            problems.append(f"{path} no longer takes blobPath: remove it from BLOB_PATH_DEBT in {os.path.basename(__file__)}")
    return problems


def main():
    os.chdir(ROOT)
    problems = []
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "Sources", "Tests"],
                           capture_output=True, text=True, check=True).stdout.split()
    files = [f for f in files if os.path.exists(f)]
    directories = set()
    for f in files:
        d = os.path.dirname(f)
        while d:
            directories.add(d)
            d = os.path.dirname(d)
    doc = open(DOC).read()

    for token in sorted(set(re.findall(r"`([^`\n]+)`", doc))):
        if re.fullmatch(r"(Sources|Tests)/[\w/+.-]*", token):
            if token.rstrip("/") not in directories and token not in files:
                problems.append(f"{DOC} names {token}, which does not exist")
        elif re.fullmatch(r"(Operations|Formats)/[\w/]*(\*)?|[A-Z]\w*/[A-Z][\w+]*", token):
            name = token.rstrip("*").rstrip("/")
            candidates = [f"{LIB}/{name}", f"{LIB}/{name}.swift", f"Sources/ModelGetServe/{name}.swift",
                          f"Sources/modelget/{name}", f"Sources/modelget/{name}.swift"]
            if not any(c in directories or c in files for c in candidates):
                problems.append(f"{DOC} names {token}, which does not exist")

    layout = doc[doc.index("## Layout of the library"):doc.index("## Parts of the library")]
    table = doc[doc.index("## Parts of the library"):doc.index("### `ModelGetServe`")]
    for d in sorted(x for x in directories if x.startswith(LIB + "/")):
        rel = d[len(LIB) + 1:]
        if rel.split("/")[-1] + "/" not in layout:
            problems.append(f"{rel}/ is missing from the layout in {DOC}")
        if rel not in ("Formats", "Operations") and f"| `{rel}` |" not in table:
            problems.append(f"{rel} has no row in the table of parts in {DOC}")

    sources = {f: open(f).read() for f in files if f.startswith(LIB + "/") and f.endswith(".swift")}
    owner = {}
    for path, text in sources.items():
        for match in DECLARATION.finditer(text):
            owner.setdefault(match.group(1), part_of(path))
    for path, text in sorted(sources.items()):
        part = part_of(path)
        if part not in ALLOWED and not part.startswith("Operations/"):
            problems.append(f"{part} (of {path}) is a part the dependency rules do not know")
            continue
        code = re.sub(r"//.*", "", text)
        for word in sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", code))):
            other = owner.get(word)
            if other and not allowed(part, other):
                problems.append(f"{path} uses {word} of {other}: {part} → {other} is not in {DOC}'s dependencies")

    problems += doors(files)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("layout ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
