import Foundation
import ModelGet

/// Shows a `TransferProgress` while an operation runs: a redrawn line on
/// a terminal (10 Hz), one JSON object per line with `--json` (1 Hz), and
/// nothing otherwise (the command prints a summary at the end).
final class ProgressDisplay: @unchecked Sendable {
    enum Mode { case terminal, json, quiet }

    let progress: TransferProgress
    let label: String
    let mode: Mode
    private var task: Task<Void, Never>?
    private var meter = SpeedMeter()
    private let startTime = Date()

    /// With `json` and `jsonEvents` false, nothing is shown (for commands
    /// whose `--json` output is one final object).
    init(progress: TransferProgress, label: String, json: Bool, jsonEvents: Bool = true) {
        self.progress = progress
        self.label = label
        self.mode = json ? (jsonEvents ? .json : .quiet) : (Terminal.canRedraw ? .terminal : .quiet)
    }

    /// Shows progress while `body` runs, and clears it however `body` ends.
    func showing<T>(_ body: () async throws -> T) async rethrows -> T {
        start()
        defer { stop() }
        return try await body()
    }

    private func start() {
        guard mode != .quiet else { return }
        let interval: UInt64 = mode == .terminal ? 100_000_000 : 1_000_000_000
        task = Task { [self] in
            while !Task.isCancelled {
                tick()
                try? await Task.sleep(nanoseconds: interval)
            }
        }
    }

    /// Stops drawing and clears the live line.
    private func stop() {
        task?.cancel()
        task = nil
        if mode == .terminal { Terminal.write("\r\u{1B}[K") }
    }

    private func tick() {
        let now = Date().timeIntervalSince(startTime)
        // Bytes that arrived, not bytes kept from before or thrown away:
        // the speed is what the connections carry now.
        meter.record(bytes: progress.transferredBytes, at: now)
        let speed = meter.bytesPerSecond
        let eta = meter.eta(remaining: progress.totalBytes - progress.completedBytes)
        switch mode {
        case .terminal:
            let line = ProgressFormat.line(
                label: label, completed: progress.completedBytes, total: progress.totalBytes,
                blobsDone: progress.completedBlobs, blobs: progress.totalBlobs,
                bytesPerSecond: speed, eta: eta, width: Terminal.width)
            Terminal.write("\r" + line + "\u{1B}[K")
        case .json:
            var event: [String: Any] = [
                "event": "progress", "completed_bytes": progress.completedBytes, "total_bytes": progress.totalBytes,
                "completed_blobs": progress.completedBlobs, "total_blobs": progress.totalBlobs,
                "connections": progress.requestsInFlight,
            ]
            if let speed { event["bytes_per_second"] = Int64(speed) }
            if let eta { event["eta_seconds"] = Int(eta.rounded()) }
            JSONLines.emit(event)
        case .quiet:
            break
        }
    }
}
