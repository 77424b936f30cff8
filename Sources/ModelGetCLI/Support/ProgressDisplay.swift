import Foundation
import ModelGet
import Synchronization

/// Shows a `TransferProgress` while an operation runs. On a terminal: the
/// frame `ProgressView` draws (a line per big blob, the small ones
/// together, the phase), redrawn in place 10 times a second and left on
/// screen at the end. Off a terminal: one line on stderr every 10 s or
/// each 10 % (at most one a second), so a log shows life. With `--json`:
/// one `progress` object per line each second, from the moment the
/// manifest is known. With `-q`: nothing (the command prints its final line).
final class ProgressDisplay: Sendable {
    enum Mode { case terminal, log, json, silent }

    let progress: TransferProgress
    let label: String
    let mode: Mode
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let state = Mutex(State())

    private struct State {
        var meters = Meters()
        var started = Date()
        var lastLog = Date()
        var lastDecile = 0
        var stopped = false
    }

    /// The speeds a display measures, one `SpeedMeter` each.
    private struct Meters {
        var overall = SpeedMeter()
        var small = SpeedMeter()
        var blobs: [String: SpeedMeter] = [:]

        mutating func record(_ snapshot: ProgressSnapshot, at time: TimeInterval) -> ProgressView.Speeds {
            // Bytes that arrived, not bytes kept from before: the speed is
            // what the connections carry now.
            overall.record(bytes: snapshot.transferredBytes, at: time)
            small.record(bytes: snapshot.smallBlobs.completedBytes, at: time)
            var speeds = ProgressView.Speeds(overall: overall.bytesPerSecond, small: small.bytesPerSecond)
            for blob in snapshot.blobs where blob.state == .transferring {
                blobs[blob.digest, default: SpeedMeter()].record(bytes: blob.completed, at: time)
                speeds.blobs[blob.digest] = blobs[blob.digest]?.bytesPerSecond
            }
            return speeds
        }
    }

    /// With `json` and `jsonEvents` false, nothing is shown (for commands
    /// whose `--json` output is one final object).
    init(progress: TransferProgress, label: String, json: Bool, jsonEvents: Bool = true) {
        self.progress = progress
        self.label = DisplayText.line(label, limit: 200)
        if json {
            mode = jsonEvents ? .json : .silent
        } else if Verbosity.current == .quiet {
            mode = .silent
        } else {
            mode = Terminal.canRedraw ? .terminal : .log
        }
    }

    /// Shows progress while `body` runs, and leaves its last state however `body` ends.
    func showing<T>(_ body: () async throws -> T) async rethrows -> T {
        start()
        defer { stop() }
        return try await body()
    }

    private func start() {
        guard mode != .silent else { return }
        let interval: UInt64 = mode == .terminal ? 100_000_000 : 1_000_000_000
        task.withLock {
            $0 = Task { [self] in
                while !Task.isCancelled {
                    tick()
                    try? await Task.sleep(nanoseconds: interval)
                }
            }
        }
    }

    /// Stops the redraws; on a terminal draws the last state once more and leaves it.
    private func stop() {
        task.withLock { $0?.cancel() }
        guard mode == .terminal else { return }
        tick(final: true)
        Console.shared.endFrame()
    }

    private func tick(final: Bool = false) {
        let snapshot = progress.snapshot()
        state.withLock { state in
            guard !state.stopped else { return }
            if final { state.stopped = true }
            let speeds = state.meters.record(snapshot, at: Date().timeIntervalSince(state.started))
            switch mode {
            case .terminal:
                Console.shared.draw(ProgressView.lines(label: label, snapshot: snapshot, speeds: speeds, width: Terminal.width))
            case .log:
                guard snapshot.phase != .resolving else { return }
                // Every 10 s, and at each tenth more done, but not more than once a second.
                let decile = snapshot.totalBytes > 0 ? Int(snapshot.completedBytes * 10 / snapshot.totalBytes) : 0
                let quiet = Date().timeIntervalSince(state.lastLog)
                guard quiet >= 10 || (decile > state.lastDecile && quiet >= 1) else { return }
                state.lastLog = Date()
                state.lastDecile = decile
                Console.shared.message(ProgressView.logLine(label: label, snapshot: snapshot, speed: speeds.overall))
            case .json:
                // Nothing to count before the manifest is known.
                guard snapshot.phase != .resolving else { return }
                JSONLines.emit(Self.event(snapshot, speed: speeds.overall))
            case .silent:
                break
            }
        }
    }

    /// The `--json` progress object.
    private static func event(_ snapshot: ProgressSnapshot, speed: Double?) -> [String: Any] {
        var event: [String: Any] = [
            "event": "progress", "phase": snapshot.phase.rawValue,
            "completed_bytes": snapshot.completedBytes, "total_bytes": snapshot.totalBytes,
            "completed_blobs": snapshot.completedBlobs, "total_blobs": snapshot.totalBlobs,
            "connections": snapshot.connections,
        ]
        if snapshot.keptBytes > 0 { event["resumed_bytes"] = snapshot.keptBytes }
        if let status = snapshot.status { event["status"] = status }
        if let speed {
            event["bytes_per_second"] = Int64(speed)
            if speed > 0, snapshot.completedBytes < snapshot.totalBytes {
                event["eta_seconds"] = Int((Double(snapshot.totalBytes - snapshot.completedBytes) / speed).rounded())
            }
        }
        return event
    }
}
