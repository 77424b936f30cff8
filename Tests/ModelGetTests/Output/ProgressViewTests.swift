import XCTest
@testable import ModelGet

/// The progress frame is a pure function of a snapshot, speeds and a
/// width: these compare its strings at the widths tmux runs at.
final class ProgressViewTests: XCTestCase {
    private let big = "sha256:" + String(repeating: "1a2b", count: 16)
    private let other = "sha256:" + String(repeating: "9f8e", count: 16)
    private let mib: Int64 = 1 << 20

    /// A pull of two big blobs (one half way, one queued) and 38 small ones.
    private func midPull() -> ProgressSnapshot {
        var snapshot = ProgressSnapshot()
        snapshot.phase = .transferring
        snapshot.totalBlobs = 40
        snapshot.completedBlobs = 12
        snapshot.blobs = [BlobProgress(digest: big, size: 2048 * mib, completed: 1024 * mib, state: .transferring),
                          BlobProgress(digest: other, size: 512 * mib, state: .queued)]
        snapshot.totalBytes = 2048 * mib + 512 * mib + 10 * mib
        snapshot.completedBytes = 1024 * mib + 4 * mib
        snapshot.transferredBytes = snapshot.completedBytes
        return snapshot
    }

    private let speeds = ProgressView.Speeds(overall: 85.3 * 1_048_576, small: 2 * 1_048_576, blobs: [:])

    func testAWideTerminalShowsEveryBlobLineWithBarsAndTheSmallBlobsTogether() {
        var speeds = speeds
        speeds.blobs[big] = 80 * 1_048_576
        let lines = ProgressView.lines(label: "pulling team/tiny:v1", snapshot: midPull(), speeds: speeds, width: 120)
        XCTAssertEqual(lines, [
            "pulling team/tiny:v1  40%  1.00/2.51 GiB  12/40 blobs  85.3 MiB/s  ETA 18s",
            "  1a2b1a2b1a2b  [=============>              ]  50%  1.00/2.00 GiB  80.0 MiB/s  ETA 13s",
            "  9f8e9f8e9f8e  [                            ]  0%  0 B/512 MiB  queued",
            "  small blobs   [==========>                 ]  12/38  4.00/10.0 MiB  2.00 MiB/s  ETA 3s",
        ])
    }

    func testNarrowTerminalsDropTheBarThenTheNameAndNeverCutANumber() {
        var snapshot = midPull()
        snapshot.blobs[1].state = .transferring
        var speeds = speeds
        speeds.blobs = [big: 80 * 1_048_576, other: 5.5 * 1_048_576]
        let label = "pulling hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"
        for width in [120, 80, 40] {
            let lines = ProgressView.lines(label: label, snapshot: snapshot, speeds: speeds, width: width)
            XCTAssertEqual(lines.count, 4)
            for line in lines {
                XCTAssertLessThanOrEqual(line.count, width, line)
                XCTAssertTrue(line.contains("%") || line.contains("/38"), "the percentage or count stays at \(width): \(line)")
                XCTAssertTrue(line.contains("/s") && line.contains("ETA "), "speed and ETA stay at \(width): \(line)")
                XCTAssertFalse(line.hasSuffix("."), line)
            }
            // Whatever is left of a line, its numbers are whole.
            XCTAssertTrue(lines[0].hasSuffix("85.3 MiB/s  ETA 18s") || lines[0].hasSuffix("85.3 MiB/s ETA 18s"), lines[0])
        }
        XCTAssertEqual(ProgressView.lines(label: label, snapshot: snapshot, speeds: speeds, width: 80), [
            "pulling hf.co/bartowski/L…  40%  1.00/2.51 GiB  12/40 blobs  85.3 MiB/s  ETA 18s",
            "  1a2b1a2b1a2b  [=========>           ]  50%  1.00/2.00 GiB  80.0 MiB/s  ETA 13s",
            "  9f8e9f8e9f8e  [                      ]  0%  0 B/512 MiB  5.50 MiB/s  ETA 1m33s",
            "  small blobs   [=======>            ]  12/38  4.00/10.0 MiB  2.00 MiB/s  ETA 3s",
        ])
        XCTAssertEqual(ProgressView.lines(label: label, snapshot: snapshot, speeds: speeds, width: 40), [
            "40%  12/40 blobs  85.3 MiB/s  ETA 18s",
            "  50%  80.0 MiB/s  ETA 13s",
            "  0%  0 B/512 MiB  5.50 MiB/s  ETA 1m33s",
            "  12/38  2.00 MiB/s  ETA 3s",
        ])
    }

    func testEachPhaseAfterTheLastByteIsSaid() {
        var snapshot = midPull()
        snapshot.completedBytes = snapshot.totalBytes
        snapshot.blobs[0] = BlobProgress(digest: big, size: 2048 * mib, completed: 2048 * mib, state: .verifying)
        snapshot.blobs[1] = BlobProgress(digest: other, size: 512 * mib, completed: 512 * mib, state: .done)
        XCTAssertEqual(ProgressView.activity(snapshot), "verifying sha256:1a2b1a2b1a2b…")
        let lines = ProgressView.lines(label: "pulling tiny:v1", snapshot: snapshot, speeds: speeds, width: 80)
        XCTAssertEqual(lines[1], "  1a2b1a2b1a2b  [============================]  100%  2.00/2.00 GiB  verifying")
        XCTAssertEqual(lines[2], "  9f8e9f8e9f8e  [============================]  100%  512/512 MiB  done")
        XCTAssertEqual(lines.last, "verifying sha256:1a2b1a2b1a2b…")
        for (phase, text) in [(ProgressPhase.syncing, "syncing to disk"), (.writingManifest, "writing manifest"), (.done, "done")] {
            snapshot.phase = phase
            XCTAssertEqual(ProgressView.lines(label: "pulling tiny:v1", snapshot: snapshot, speeds: speeds, width: 80).last, text)
        }
        snapshot.status = "retrying: registry unreachable for 12 s"
        XCTAssertEqual(ProgressView.activity(snapshot), "retrying: registry unreachable for 12 s", "a status set by another part wins")
    }

    func testAWaitForAnotherProcessAndAResumeAreSaid() {
        var snapshot = midPull()
        snapshot.keptBytes = 618 * mib
        XCTAssertEqual(ProgressView.activity(snapshot), "resuming: 618 MiB already here")
        snapshot.waitingFor = [other, big]
        snapshot.blobs[1].state = .waiting
        XCTAssertEqual(ProgressView.activity(snapshot), "waiting for another modelget pulling sha256:9f8e9f8e9f8e… (and 1 more blobs)")
        let lines = ProgressView.lines(label: "pulling tiny:v1", snapshot: snapshot, speeds: speeds, width: 120)
        XCTAssertEqual(lines[2], "  9f8e9f8e9f8e  [                            ]  0%  0 B/512 MiB  waiting for another modelget")
    }

    func testNothingIsCountedBeforeTheManifestIsKnown() {
        let lines = ProgressView.lines(label: "pulling tiny:v1", snapshot: ProgressSnapshot(), speeds: .init(), width: 80)
        XCTAssertEqual(lines, ["pulling tiny:v1  resolving"])
    }

    func testALogLineCarriesTheWholeOperationAndThePhase() {
        var snapshot = midPull()
        XCTAssertEqual(ProgressView.logLine(label: "pulling tiny:v1", snapshot: snapshot, speed: 85.3 * 1_048_576),
                       "pulling tiny:v1  40%  1.00/2.51 GiB  12/40 blobs  85.3 MiB/s  ETA 18s")
        snapshot.phase = .syncing
        XCTAssertEqual(ProgressView.logLine(label: "pulling tiny:v1", snapshot: snapshot, speed: nil),
                       "pulling tiny:v1  40%  1.00/2.51 GiB  12/40 blobs  (syncing to disk)")
    }

    func testManyBigBlobsShowTheRunningOnesAndCountTheRest() {
        var snapshot = ProgressSnapshot()
        snapshot.phase = .transferring
        snapshot.blobs = (0..<12).map { index in
            BlobProgress(digest: "sha256:" + String(repeating: String(format: "%02x", index), count: 32), size: mib,
                         state: index == 10 ? .transferring : .queued)
        }
        snapshot.totalBlobs = 12
        snapshot.totalBytes = 12 * mib
        let lines = ProgressView.lines(label: "pulling big:v1", snapshot: snapshot, speeds: .init(), width: 100)
        XCTAssertEqual(lines.count, 1 + ProgressView.maximumBlobLines)
        XCTAssertTrue(lines[1].hasPrefix("  0a0a0a0a0a0a"), "the running blob first: \(lines[1])")
        XCTAssertEqual(lines.last, "  5 more big blobs")
    }

    func testBinaryUnitsMatchTheRateLimit() {
        XCTAssertEqual(ProgressFormat.binaryBytes(75 << 20), "75.0 MiB")
        XCTAssertEqual(ProgressFormat.binaryBytes(1023), "1023 B")
        XCTAssertEqual(ProgressFormat.binaryBytes(1536), "1.50 KiB")
        XCTAssertEqual(ProgressView.byteCounts(512 << 10, 3 << 30), "512 KiB/3.00 GiB")
        XCTAssertEqual(ProgressFormat.duration(3725), "1h02m")
    }
}
