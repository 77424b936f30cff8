#!/usr/bin/env python3
"""Checks that docs/ARCHITECTURE.md still matches Sources/ModelGet/.

1. Every path the document, or a document split off it (DOCS_BESIDE:
   data flow, on disk, command line), names in backquotes (`Sources/…`,
   `Tests/…`, `Formats/X`, `Operations/X`, `Part/File`) exists.
2. Every folder of the library is in the layout block and has a row in
   the table of parts.
3. Every use of one part by another is an edge the document allows
   (ALLOWED below mirrors its list of dependencies). A use is a name
   declared at the top level of one part's files (type or function)
   appearing in another part's code, comments left out. The edges
   themselves have no cycle: no part uses a part that uses it.
4. The store's doors (see DOORS below): outside `Store/`, no code
   renames into `blobs/` or calls `commitBlob` (bytes become a blob only
   through a `BlobWriter`, or a `HashingFileWriter` and `adoptBlob`, which
   hashed them as they were written), and no code builds a blob's path (`blobPath`) but the files of
   BLOB_PATH_DEBT (readers open blobs with `openBlob`). Outside `Store/` and
   `Primitives/`, no code opens, writes or syncs a file with a raw call
   (`open(`, `pwrite(`, `fsync(`…: `Primitives/FileIO` does) but the files
   of RAW_FILE_CALLS_ALLOWED, each with its reason.
5. One transport policy: only the files of RETRY_LOOPS (the retry
   decorator and the loops that own bytes) open a `RetryWindow` or sleep a
   backoff; in the library and serve, nothing else sleeps but the WAITS,
   which send no request. Every entry of these lists must still be needed.
6. The public API is the one the document writes down: every type the
   library declares `public` at the top level is named in its section
   "The public API", and the targets that are no product (serve, the
   commands, the executable) declare nothing `public`.

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
# The documents split off the map; rule 1 holds the paths they name too.
DOCS_BESIDE = ("docs/DATA-FLOW.md", "docs/ON-DISK.md", "docs/CLI.md")

BASE = {"Primitives", "Output", "Errors", "Reference"}
FORMATS = {"Formats/Manifest", "Formats/JSON", "Formats/GGUF", "Formats/Tensor", "Formats/Archive", "Formats/Image"}
STAGES = {"HTTP", "Registry", "Transfer", "Fetch", "Store"}
# part -> parts it may use, besides BASE (and itself); a part of BASE may
# use only what it lists here, so the base parts have no cycle either.
ALLOWED = {
    "Primitives": {"Errors"}, "Output": set(), "Errors": {"Output"}, "Reference": {"Errors"},
    "Formats/JSON": set(), "Formats/GGUF": set(), "Formats/Manifest": {"Formats/JSON"},
    "Store": {"Formats/Manifest"},
    "Formats/Archive": {"Formats/Manifest", "Store"},
    "Formats/Tensor": {"Formats/Manifest"},
    "Formats/Image": {"Formats/Archive"},
    "HTTP": set(),
    "Transfer": {"HTTP"},
    "Registry": {"HTTP", "Formats/Manifest", "Transfer"},
    "Fetch": {"Store", "Registry", "Transfer", "HTTP", "Formats/Manifest"},
}
BETWEEN_OPERATIONS = {"Operations/Copy": {"Operations/Push", "Operations/Graph"}, "Operations/Push": {"Operations/Graph"},
                      "Operations/Export": {"Operations/Graph"}, "Operations/Import": {"Operations/Graph"},
                      "Operations/Sync": {"Operations/Push", "Operations/Graph"}, "Operations/Blob": {"Operations/Pull"},
                      "Operations/Pull": {"Operations/Graph"}}

# The store's doors: files outside `Store/` that still take `blobPath`, each
# with its reason (none today: readers open blobs with `openBlob`).
BLOB_PATH_DEBT = {}
STORE = LIB + "/Store/"
PRIMITIVES = LIB + "/Primitives/"
# Raw file calls belong to `Store/` and `Primitives/` (`FileIO`); a file
# elsewhere that still makes one is listed here with its reason.
RAW_FILE_CALLS_ALLOWED = {
    "Sources/ModelGetServe/StoredManifest.swift":
        "serve's own target cannot use the library's internal FileIO; a manifest opened without following links, "
        "EMFILE answered 503",
}
RAW_FILE_CALL = re.compile(r"(?<![\w.])(?<!func )(?:(?:Glibc|Foundation)\.)?(open|openat|creat|pwrite|pwritev|fsync|fdatasync|syncfs)\(")

# One transport policy (rule 5): the loops that retry requests. A file makes
# a retry loop when it opens a `RetryWindow` or sleeps a backoff the window
# or the policy computed; only these may.
RETRY_LOOPS = {
    "Sources/ModelGet/HTTP/RetryingHTTPClient.swift": "the decorator: every whole request",
    "Sources/ModelGet/HTTP/RetryWindow.swift": "the account a loop keeps",
    "Sources/ModelGet/Fetch/PartFetcher.swift": "a part of a download, resumed from its bytes",
    "Sources/ModelGet/Operations/Push/BlobUploader.swift": "an upload, resumed from what the registry kept",
    "Sources/ModelGet/Registry/RegistryClient+Stream.swift": "ResumableStream: a sequential stream, resumed from its bytes",
}
RETRY_LOOP = re.compile(r"\bRetryWindow\(|\bdelay\(afterAttempt:|\.failed\([^\n]*retryAfter:")
# Sleeping is how a hand-made retry loop waits; in the library and serve,
# only the retry loops above and these waits, which send no request, sleep.
WAITS = {
    "Sources/ModelGet/Store/StoreLock.swift": "waits for another process's store lock",
    "Sources/ModelGet/Store/PartialFileLock.swift": "waits for a free file descriptor and a partial file's lock",
    "Sources/ModelGet/Fetch/PartScheduler.swift": "a worker waiting for a part to claim; the adaptive count's tick",
    "Sources/ModelGet/Fetch/BlobDownloader.swift": "the part state's checkpoint tick",
}
SLEEP = re.compile(r"\b(?:Task\.sleep|Thread\.sleep|usleep|nanosleep|sleep)\(")
SLEEPS_CHECKED = (LIB + "/", "Sources/ModelGetServe/")
BLOB_PATH = re.compile(r"(?<!ImageLayout\.)(?<!func )\bblobPath\(")
RENAME_INTO_BLOBS = re.compile(r"\brename\([^\n]*(blobPath|blobsDirectory)")
COMMIT_BLOB = re.compile(r"\bcommitBlob\(")

DECLARATION = re.compile(r"^(?:public |internal |package )?(?:final )?(?:struct|class|enum|actor|protocol|typealias|func)\s+(\w+)", re.M)


def part_of(path):
    parts = os.path.relpath(path, os.path.join(ROOT, LIB)).split(os.sep)[:-1]
    return "/".join(parts[:2] if parts and parts[0] in ("Formats", "Operations") else parts[:1])


def allowed(part, other):
    if other == part:
        return True
    if part in BASE:
        return other in ALLOWED[part]
    if other in BASE:
        return True
    if part.startswith("Operations/"):
        return not other.startswith("Operations/") or other in BETWEEN_OPERATIONS.get(part, set())
    return other in ALLOWED.get(part, set())


def cycles():
    """Parts of ALLOWED that use themselves through others (a back edge)."""
    problems = []
    for start in sorted(ALLOWED):
        seen, frontier = set(), set(ALLOWED[start])
        while frontier:
            part = frontier.pop()
            if part == start:
                problems.append(f"{start} uses itself through the edges of ALLOWED: {DOC} admits no back edge")
                break
            if part not in seen:
                seen.add(part)
                frontier |= ALLOWED.get(part, set())
    return problems


def doors(files):
    """Uses of the store's private ways in, outside `Store/`, and retry loops (rules 4 and 5)."""
    problems = []
    for path in sorted(f for f in files if f.startswith("Sources/") and f.endswith(".swift") and not f.startswith(STORE)):
        code = re.sub(r"//.*", "", open(path).read())
        if COMMIT_BLOB.search(code):
            problems.append(f"{path} calls commitBlob: bytes become a blob only through a BlobWriter or a HashingFileWriter and adoptBlob")
        if RENAME_INTO_BLOBS.search(code):
            problems.append(f"{path} renames into blobs/: bytes become a blob only through a BlobWriter or a HashingFileWriter and adoptBlob")
        if BLOB_PATH.search(code) and path not in BLOB_PATH_DEBT:
            problems.append(f"{path} builds a blob's path: read blobs through store.openBlob")
        if RAW_FILE_CALL.search(code) and not path.startswith(PRIMITIVES) and path not in RAW_FILE_CALLS_ALLOWED:
            problems.append(f"{path} calls {RAW_FILE_CALL.search(code).group(1)}( itself: files are opened, written and synced "
                            "through Primitives/FileIO (or the store's doors)")
        if RETRY_LOOP.search(code) and path not in RETRY_LOOPS:
            problems.append(f"{path} retries requests itself: whole requests are retried by HTTP/RetryingHTTPClient, "
                            "bytes by the loops that own them (RETRY_LOOPS)")
        if SLEEP.search(code) and path.startswith(SLEEPS_CHECKED) and path not in RETRY_LOOPS and path not in WAITS:
            problems.append(f"{path} sleeps: a request is retried by HTTP/RetryingHTTPClient, not a loop of its own "
                            "(a wait that sends no request goes on WAITS, with its reason)")
    script = os.path.basename(__file__)
    for listed, pattern, name in ((BLOB_PATH_DEBT, BLOB_PATH, "BLOB_PATH_DEBT"), (RAW_FILE_CALLS_ALLOWED, RAW_FILE_CALL, "RAW_FILE_CALLS_ALLOWED"),
                                  (RETRY_LOOPS, RETRY_LOOP, "RETRY_LOOPS"), (WAITS, SLEEP, "WAITS")):
        for path in sorted(listed):
            if path in files and not pattern.search(re.sub(r"//.*", "", open(path).read())):
                problems.append(f"{path} no longer needs its entry: remove it from {name} in {script}")
    return problems


CLI_SOURCES = ("Sources/ModelGetCLI/", "Sources/modelget/")
CLI_OUTPUT_DOOR = "Sources/ModelGetCLI/Support/ProcessOutput.swift"
DIRECT_OUTPUT = re.compile(r"FileHandle\.standard(Output|Error)|\bSwift\.print\(|\bf?puts\(|\bwrite\((STDOUT|STDERR)_FILENO")


def cli_output(files):
    """The CLI writes stdout and stderr only through its OutputSink, so a
    command run in-process by a test shows all it prints (`ProcessOutput`
    is the sink of the process)."""
    return [f"{path} writes to stdout or stderr directly: print, JSONLines and Terminal go through the command's OutputSink"
            for path in sorted(f for f in files if f.startswith(CLI_SOURCES) and f.endswith(".swift") and f != CLI_OUTPUT_DOOR)
            if DIRECT_OUTPUT.search(re.sub(r"//.*", "", open(path).read()))]


PUBLIC_TYPE = re.compile(r"^(?:@\w+\s+)*public (?:final )?(?:struct|class|enum|protocol|actor|typealias)\s+(\w+)", re.M)
NOT_PRODUCTS = ("Sources/ModelGetServe/", "Sources/ModelGetCLI/", "Sources/modelget/")


def public_api(files, doc):
    """Rule 6: the public API cannot grow by accident."""
    section = doc[doc.index("## The public API"):doc.index("## Layout of the library")]
    named = set(re.findall(r"\b\w+\b", " ".join(re.findall(r"`([^`\n]+)`", section))))
    problems = []
    for path in sorted(f for f in files if f.endswith(".swift")):
        text = re.sub(r"//.*", "", open(path).read())
        if path.startswith(LIB + "/"):
            problems += [f"{path} declares public {name}, which {DOC}'s section \"The public API\" does not name: "
                         f"make it package, or name it there" for name in PUBLIC_TYPE.findall(text) if name not in named]
        elif path.startswith(NOT_PRODUCTS) and re.search(r"(?<![\w.])public\s", text):
            problems.append(f"{path} declares something public: its target is no product, so package is the widest it needs")
    return problems


# The folders a document may name a file from (rule 1).
TARGET_FOLDERS = (LIB, "Sources/ModelGetServe", "Sources/ModelGetCLI", "Tests/ModelGetTests", "Tests/ModelGetCLITests",
                  "Tests/IntegrationTests", "Tests/ServeTests", "Tests/TestSupport", "Tests/TestKit", "Tests/OllamaDownloadDouble")


def missing_paths(named_in, text, files, directories):
    """Rule 1: the paths a document names in backquotes that do not exist."""
    problems = []
    for token in sorted(set(re.findall(r"`([^`\n]+)`", text))):
        if re.fullmatch(r"(Sources|Tests)/[\w/+.-]*", token):
            if token.rstrip("/") not in directories and token not in files:
                problems.append(f"{named_in} names {token}, which does not exist")
        elif re.fullmatch(r"[A-Z]\w*/[\w/+]*\.swift", token):
            # A file named from its target's folder (`Store/BlobWriter.swift`,
            # `Reference/ReferenceParsingTests.swift`): it is in one of them.
            if not any(f"{target}/{token}" in files for target in TARGET_FOLDERS):
                problems.append(f"{named_in} names {token}, which does not exist")
        elif re.fullmatch(r"(Operations|Formats)/[\w/]*(\*)?|[A-Z]\w*/[A-Z][\w+]*", token):
            name = token.rstrip("*").rstrip("/")
            candidates = [f"{LIB}/{name}", f"{LIB}/{name}.swift", f"Sources/ModelGetServe/{name}.swift",
                          f"Sources/ModelGetCLI/{name}", f"Sources/ModelGetCLI/{name}.swift"]
            if not any(c in directories or c in files for c in candidates):
                problems.append(f"{named_in} names {token}, which does not exist")
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

    for named_in in (DOC,) + DOCS_BESIDE:
        problems += missing_paths(named_in, open(named_in).read(), files, directories)

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

    problems += cycles() + doors(files) + cli_output(files) + public_api(files, doc)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("layout ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
