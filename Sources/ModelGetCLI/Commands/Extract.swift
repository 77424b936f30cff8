import ArgumentParser
import Foundation
import ModelGet

/// `modelget extract REF DIR`: unpack a container image into a root filesystem.
struct Extract: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unpack an OCI or Docker image's layers into a root filesystem directory.",
        discussion: Examples.text(["modelget extract docker.io/library/debian:12 rootfs/", "modelget extract docker.io/library/debian:12 rootfs/ --platform linux/arm64"], before: """
            Layers (tar, tar+gzip, tar+zstd) are applied in order with their whiteouts; each is checked against \
            the manifest's digest and the config's diff_id. Layers the models directory holds are read from \
            there, the others streamed from the registry. DIR appears complete or not at all: the tree is built \
            in a hidden directory beside it and renamed at the end. Entries with absolute names, "..", or a path \
            through a symbolic link that leads outside DIR are refused; symbolic links inside DIR are followed \
            as the container sees them (an absolute target starts at DIR). Ownership, extended attributes and \
            device nodes are kept only when run as root. As umoci unpack does, an entry replaces whatever a \
            lower layer left at its path unless both are directories, and directory modes and times are set \
            after the last layer (without root, read-only directories stay writable until then).
            """))

    @Argument(help: "The image, e.g. 127.0.0.1:5000/library/debian:12.")
    var reference: String

    @Argument(help: "The directory to create (or an empty one to fill).")
    var directory: String

    @OptionGroup var platform: PlatformOption

    @Flag(name: .long, help: "Replace DIR even if it holds files.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Entries one layer may hold before it is refused as a tar bomb.", valueName: "n"))
    var maxEntries = ImageExtractor.defaultMaximumEntries

    @OptionGroup var maxBytes: MaxBytesOption

    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var mirrors: MirrorOptions
    @OptionGroup var report: JSONOption
    @OptionGroup var verbosity: OutputFlags
    @OptionGroup var retryWindow: RetryWindowOption

    @Option(name: .long, help: "Cut and resume a layer download that moves nothing for this many seconds.")
    var stallTimeout: Double = HTTPRequest.defaultStallTimeout
    @OptionGroup var rate: RateLimitOption

    func validate() throws {
        guard maxEntries >= 1 else { throw ValidationError("--max-entries must be at least 1") }
        guard stallTimeout > 0, stallTimeout.isFinite else { throw ValidationError("--stall-timeout must be positive") }
        do {
            _ = try Reference(parsing: reference)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func work() async throws {
        verbosity.apply()
        try await extract()
    }

    private func extract() async throws {
        let ref = try Reference(parsing: reference)
        let transfer = TransferOptions(stallTimeout: stallTimeout, limitRate: rate.bytesPerSecond, retry: retryWindow.policy)
        let router = try mirrors.router(credentials: CredentialStore(), stallTimeout: transfer.stallTimeout, retry: transfer.retry, json: report.json)
        let extractor = ImageExtractor(store: models.store, router: router, insecure: access.insecure,
                                       platform: platform.value,
                                       force: force, maximumEntries: maxEntries, maximumBytes: maxBytes.bytes, transfer: transfer)
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "extracting \(ref.displayName)", json: report.json)
        let started = Date()
        let result = try await display.showing {
            try await extractor.extract(ref, into: directory, progress: progress)
        }
        let seconds = Date().timeIntervalSince(started)
        if report.json {
            JSONLines.emit([
                "event": "done", "directory": result.directory, "layers": result.layers,
                "layers_from_store": result.layersFromStore, "bytes_transferred": result.bytesTransferred,
                "uncompressed_bytes": result.uncompressedBytes, "skipped_devices": result.skippedDevices,
                "seconds": (seconds * 1000).rounded() / 1000,
            ])
        } else {
            var detail = "\(result.layers) layers (\(result.layersFromStore) from the store), "
                + "\(ProgressFormat.binaryBytes(result.uncompressedBytes)) unpacked, "
                + "\(ProgressFormat.binaryBytes(result.bytesTransferred)) downloaded in \(ProgressFormat.duration(seconds))"
            if result.skippedDevices > 0 { detail += "; \(result.skippedDevices) device nodes left out (not root)" }
            print(Summary.text("extracted \(ref.displayName) into \(result.directory)", detail))
        }
    }
}
