import Foundation

/// One member of a layer tar the tests build.
public enum TarEntry: Sendable {
    case file(String, contents: String, mode: Int = 0o644)
    case directory(String, mode: Int = 0o755)
    case symlink(String, target: String)
    case hardlink(String, target: String)
    case fifo(String)
    /// `count` empty files named `<prefix>0`, `<prefix>1`, …
    case emptyFiles(prefix: String, count: Int)
    /// A file owned by `uid`:`gid` carrying one extended attribute (a pax `SCHILY.xattr.` record).
    case ownedFile(String, uid: Int, gid: Int, xattr: String, value: String)
    case characterDevice(String, major: Int, minor: Int)
    /// A file of `count` zero bytes (written without holding them in memory).
    case zeros(String, count: Int)

    var spec: [String: Any] {
        switch self {
        case let .file(name, contents, mode): return ["type": "file", "name": name, "data": contents, "mode": mode]
        case let .directory(name, mode): return ["type": "dir", "name": name, "mode": mode]
        case let .symlink(name, target): return ["type": "symlink", "name": name, "target": target]
        case let .hardlink(name, target): return ["type": "hardlink", "name": name, "target": target]
        case let .fifo(name): return ["type": "fifo", "name": name]
        case let .emptyFiles(prefix, count): return ["type": "many", "name": prefix, "count": count]
        case let .ownedFile(name, uid, gid, xattr, value):
            return ["type": "owned", "name": name, "uid": uid, "gid": gid, "xattr": xattr, "value": value]
        case let .characterDevice(name, major, minor): return ["type": "chr", "name": name, "major": major, "minor": minor]
        case let .zeros(name, count): return ["type": "zeros", "name": name, "count": count]
        }
    }
}

/// Writes layer tars with Python's `tarfile` (a real tar writer, not
/// modelget's), names kept exactly as given, every mtime `TarBuilder.mtime`.
public enum TarBuilder {
    /// The modification time of every member.
    public static let mtime = 1_700_000_000

    private static let script = """
        import io, json, sys, tarfile
        class Zeros(io.RawIOBase):
            def readable(self): return True
            def readinto(self, buffer):
                buffer[:] = bytes(len(buffer))
                return len(buffer)
        spec = json.load(open(sys.argv[1]))
        pax = any(e["type"] == "owned" for e in spec)
        with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT if pax else tarfile.GNU_FORMAT) as tar:
            def add(name, kind, mode=0o644, data=None, target="", uid=0, gid=0, headers=None, device=(0, 0), zeros=0):
                info = tarfile.TarInfo(name)
                info.mtime = \(mtime)
                info.mode = mode
                info.type = kind
                info.linkname = target
                info.uid, info.gid = uid, gid
                info.devmajor, info.devminor = device
                if headers: info.pax_headers = headers
                info.size = len(data) if data is not None else zeros
                tar.addfile(info, io.BytesIO(data) if data is not None else io.BufferedReader(Zeros()) if zeros else None)
            for e in spec:
                t = e["type"]
                if t == "file": add(e["name"], tarfile.REGTYPE, e["mode"], e["data"].encode())
                elif t == "dir": add(e["name"], tarfile.DIRTYPE, e["mode"])
                elif t == "symlink": add(e["name"], tarfile.SYMTYPE, 0o777, target=e["target"])
                elif t == "hardlink": add(e["name"], tarfile.LNKTYPE, 0o644, target=e["target"])
                elif t == "fifo": add(e["name"], tarfile.FIFOTYPE, 0o644)
                elif t == "owned": add(e["name"], tarfile.REGTYPE, 0o644, b"owned\\n", uid=e["uid"], gid=e["gid"],
                                       headers={"SCHILY.xattr." + e["xattr"]: e["value"]})
                elif t == "chr": add(e["name"], tarfile.CHRTYPE, 0o600, device=(e["major"], e["minor"]))
                elif t == "zeros": add(e["name"], tarfile.REGTYPE, 0o644, zeros=e["count"])
                elif t == "many":
                    for i in range(e["count"]): add(e["name"] + str(i), tarfile.REGTYPE, 0o644, b"")
        """

    /// Writes `entries`, in order, as a tar at `url`.
    public static func write(_ entries: [TarEntry], to url: URL) throws {
        let specFile = url.appendingPathExtension("json")
        try JSONSerialization.data(withJSONObject: entries.map(\.spec)).write(to: specFile)
        defer { try? FileManager.default.removeItem(at: specFile) }
        try Command.run("python3", ["-c", script, specFile.path, url.path])
    }
}
