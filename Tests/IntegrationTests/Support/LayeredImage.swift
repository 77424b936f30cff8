import Foundation
import TestSupport

/// A test image built from real tars, shared by the extract and import tests.
enum LayeredImage {
    /// Three layers: a gzip base with symlinks and hard links; a zstd layer
    /// that deletes, replaces, opaque-whites-out and writes through a
    /// symlink; a plain tar that whites out a whole directory.
    /// `middle` compresses the second layer (umoci 0.4.7 reads no zstd, so
    /// it gets the gzip twin: the same tars, the same diff_ids).
    static func make(middle: LayerCompression = .zstd, in directory: URL) throws -> GeneratedModel {
        let base = directory.appendingPathComponent("base.tar")
        try TarBuilder.write([
            .directory("etc"), .file("etc/config", contents: "setting=1\n", mode: 0o600),
            .symlink("etc/alt", target: "/etc/config"),
            .directory("usr"), .directory("usr/bin"), .file("usr/bin/tool", contents: "#!/bin/sh\necho tool\n", mode: 0o755),
            .hardlink("usr/bin/tool-again", target: "usr/bin/tool"),
            .directory("usr/lib"), .symlink("lib", target: "usr/lib"),
            .directory("usr/share"), .directory("usr/share/doc"), .file("usr/share/doc/readme", contents: "docs\n"),
            .directory("data", mode: 0o750), .file("data/remove-me", contents: "gone soon\n"),
            .file("data/replace-me", contents: "old\n"), .file("data/keep", contents: "kept\n", mode: 0o444),
            .directory("opaque"), .file("opaque/a", contents: "a\n"), .directory("opaque/sub"), .file("opaque/sub/b", contents: "b\n"),
            .fifo("run-fifo"),
        ], to: base)
        let change = directory.appendingPathComponent("change.tar")
        try TarBuilder.write([
            .file("data/.wh.remove-me", contents: ""),
            .file("data/replace-me", contents: "new and longer\n", mode: 0o640),
            .hardlink("data/replaced-link", target: "data/replace-me"),
            .directory("opaque"), .file("opaque/.wh..wh..opq", contents: ""), .file("opaque/c", contents: "c\n"),
            .file("lib/libfoo.so", contents: "ELF-ish\n", mode: 0o755),
            .symlink("usr/bin/alias", target: "tool"),
        ], to: change)
        let last = directory.appendingPathComponent("last.tar")
        try TarBuilder.write([.file("usr/.wh.share", contents: ""), .file("etc/third", contents: "3\n")], to: last)
        return try ImageSeeder.image([
            .compressing(base, with: .gzip), .compressing(change, with: middle), .compressing(last, with: .none),
        ], in: directory.appendingPathComponent("blobs-\(middle)"))
    }
}
