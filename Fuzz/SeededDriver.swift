#if !LIBFUZZER && DEBUG
import Foundation
import ModelGet

/// The fuzzer without libFuzzer: `modelget-fuzz TARGET|all [SECONDS]
/// [SEED]` replays the target's corpus (`Fuzz/corpus/<target>/`), then
/// mutates corpus entries with a seeded generator (byte flips, inserted
/// tokens, cut and repeated spans, splices, deep nesting) until the time
/// is up. The seed is printed, so a finding can be run again.
@main
enum SeededDriver {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        let wanted = arguments.first ?? "all"
        let seconds = arguments.dropFirst().first.flatMap(Double.init) ?? 10
        let seed = arguments.dropFirst(2).first.flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let targets = wanted == "all" ? FuzzTarget.all : FuzzTarget.named(wanted).map { [$0] } ?? []
        guard !targets.isEmpty else {
            print("usage: modelget-fuzz \(FuzzTarget.all.map(\.name).joined(separator: "|"))|all [SECONDS] [SEED]")
            exit(2)
        }
        var failed = false
        for target in targets {
            let corpus = loadCorpus(target.name)
            var mutator = Mutator(seed: seed, corpus: corpus)
            let deadline = Date().addingTimeInterval(seconds)
            var runs = 0
            var findings = 0
            for input in corpus + [Data()] { findings += check(target, input) }
            while Date() < deadline, findings < 5 {
                for _ in 0..<200 {
                    findings += check(target, mutator.next())
                    runs += 1
                }
            }
            print("\(target.name): \(corpus.count) corpus entries, \(runs) mutations, seed \(seed), \(findings) findings")
            failed = failed || findings > 0
        }
        exit(failed ? 1 : 0)
    }

    /// Runs one input; saves, prints and counts a finding.
    private static func check(_ target: FuzzTarget, _ input: Data) -> Int {
        do {
            try target.run(input)
            return 0
        } catch {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("modelget-fuzz-findings")
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("\(target.name)-\(SHA256Hasher.hex(of: input).prefix(16))")
            try? input.write(to: file)
            print("\(target.name): FINDING: \(String(describing: error).prefix(300)) (input saved as \(file.path))")
            return 1
        }
    }

    private static func loadCorpus(_ name: String) -> [Data] {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let directory = source.appendingPathComponent("corpus/" + name)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.sorted().compactMap { try? Data(contentsOf: directory.appendingPathComponent($0)) }
    }
}

/// Seeded mutations of corpus entries.
struct Mutator {
    private var state: UInt64
    private let corpus: [Data]
    private static let tokens: [String] = [
        "\"", "\\", "\\u0000", "\\ud800", "{", "}", "[", "]", ":", ",", "-", "/", "//", "@", "?", "#", "%", "%00", "=", " ",
        "\u{1B}[2J", "\n", "\r\n", "\t", "0", "-1", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "1e400", "null", "true", "sha256:", "http://", "https://", "bytes ", "bytes=", "*", "\u{202E}", "é", "\u{FFFF}",
    ]

    init(seed: UInt64, corpus: [Data]) {
        state = seed
        self.corpus = corpus.isEmpty ? [Data()] : corpus
    }

    /// SplitMix64.
    private mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(random() % UInt64(bound)) }

    mutating func next() -> Data {
        var bytes = [UInt8](corpus[below(corpus.count)])
        for _ in 0...below(4) {
            let at = below(bytes.count + 1)
            switch below(8) {
            case 0 where !bytes.isEmpty:
                bytes[below(bytes.count)] ^= UInt8(1 << below(8))
            case 1:
                bytes.insert(UInt8(truncatingIfNeeded: random()), at: at)
            case 2, 3:
                bytes.insert(contentsOf: Array(Self.tokens[below(Self.tokens.count)].utf8), at: at)
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + below(16))
                if at < end { bytes.removeSubrange(at..<end) }
            case 5 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + below(32))
                if at < end { bytes.insert(contentsOf: Array(bytes[at..<end]), at: at) }
            case 6:
                let other = [UInt8](corpus[below(corpus.count)])
                let from = below(other.count + 1)
                bytes.insert(contentsOf: other[from...], at: at)
            default:
                let open = [UInt8](Self.tokens[below(6) + 4].utf8)
                bytes.insert(contentsOf: Array(repeating: open, count: 1 + below(5000)).flatMap { $0 }, at: at)
            }
        }
        return Data(bytes)
    }
}
#elseif !LIBFUZZER
import Foundation

/// A release build of every product (the bench, `make demo`) has no fuzz
/// targets: they reach the library's internals, which only a debug build
/// exposes (`@testable`).
@main
enum SeededDriver {
    static func main() {
        FileHandle.standardError.write(Data("modelget-fuzz: build it in debug (make fuzz, or swift run modelget-fuzz)\n".utf8))
        exit(2)
    }
}
#endif
