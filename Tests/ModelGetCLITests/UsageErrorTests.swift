import Foundation
import Testing

/// Bad usage ends before any work: exit 2, one `modelget: …` line naming
/// the problem and one `hint:` line naming the command's `--help`, nothing
/// on stdout but, with `--json`, the one `error` object of kind `usage`.
/// Each command takes only the flags it honours, and the transfer flags
/// are checked alike by every command that takes them. Run in-process:
/// every case stops at parsing, or at the network settings before the
/// first request (`127.0.0.1:1` answers nothing if one were sent).
@Suite struct UsageErrorTests {
    /// A command line and the text its error line must hold. `$S` is the
    /// test's scratch directory, which holds a valid `models.json`.
    struct Case: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let naming: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    private static let pull = ["pull", "127.0.0.1:1/team/tiny:v1"], push = ["push", "127.0.0.1:1/team/tiny:v1"]
    private static let copy = ["copy", "127.0.0.1:1/team/tiny:v1", "127.0.0.1:2"], blob = ["blob", "127.0.0.1:1/team/tiny:v1", "-o", "$S/w"]
    private static let sync = ["sync", "$S/models.json"], extract = ["extract", "127.0.0.1:1/library/debian:12", "$S/root"]
    private static let export = ["export", "tiny", "-o", "$S/t.tar"], importing = ["import", "$S/t.tar"]
    /// Every command that moves blobs.
    private static let movers = [pull, push, copy, blob, sync, ["verify"]]

    private static func cases(_ commands: [[String]], _ flags: [String], _ naming: String) -> [Case] {
        commands.map { Case(arguments: $0 + flags, naming: naming) }
    }

    /// A flag the command would ignore: store-only commands talk to no
    /// registry, login and logout print no JSON, sync takes `insecure` per
    /// model from its file, commands that move no blob take no transfer
    /// flags, and a mirror is for reads (push has none).
    static let ignoredFlags: [Case] =
        cases([["list"], ["rm", "tiny"], ["prune"], export, importing, sync], ["--insecure"], "Unknown option '--insecure'")
        + cases([["logout", "127.0.0.1:1"], ["login", "127.0.0.1:1"]], ["--json"], "Unknown option '--json'")
        + [Case(arguments: ["list", "--concurrency", "4"], naming: "Unknown option '--concurrency'"),
           Case(arguments: export + ["--stall-timeout", "5"], naming: "Unknown option '--stall-timeout'"),
           Case(arguments: ["list", "--retry-window", "2m"], naming: "Unknown option '--retry-window'"),
           Case(arguments: push + ["127.0.0.1:2", "--mirror", "a=http://b"], naming: "Unknown option '--mirror'")]

    /// The transfer flags, checked alike wherever they are taken.
    static let transferFlags: [Case] =
        cases(movers, ["--concurrency", "0"], "--concurrency must be from 1 to 1024")
        + cases(movers, ["--stall-timeout", "0"], "--stall-timeout must be positive")
        + cases([pull, blob, sync], ["--parts", "65"], "--parts must be from 1 to 64")
        + cases([pull, blob, sync], ["--max-connections-per-host", "0"], "--max-connections-per-host must be from 1 to 64")
        + cases([pull, blob, sync, push, copy], ["--limit-rate", "fast"], "--limit-rate wants a positive rate")
        + cases(movers + [extract], ["--retry-window", "soon"], "--retry-window wants a duration such as 2m")
        + cases([extract, importing], ["--max-bytes", "lots"], "--max-bytes wants a positive size")

    /// Network and mirror flags, refused before any request (the proxy's
    /// password never shown), arguments missing or contradicting.
    static let otherFlags: [Case] =
        cases([pull, push, ["outdated"]], ["--proxy", "ftp://user:hunter2@proxy:21"], "--proxy: \"ftp://proxy:21\" is not a proxy URL")
        + cases([pull, push, ["outdated"]], ["--cacert", "$S/missing.pem"], "--cacert: cannot read")
        + cases([pull, ["outdated"]], ["--mirror", "no-equals-sign"], "--mirror wants HOST=URL")
        + [Case(arguments: ["pull"], naming: "Missing expected argument '<reference>'"),
           Case(arguments: ["pull", "--outdated", "--as", "x:y"], naming: "--as cannot be used with --outdated"),
           Case(arguments: pull + ["-q", "-v"], naming: "--quiet cannot be combined with --verbose or --debug"),
           Case(arguments: pull + ["--parts", "0"], naming: "--parts must be from 1 to 64"),
           Case(arguments: ["pull", "bad name!"], naming: "invalid reference \"bad name!\""),
           Case(arguments: pull + ["--platform", "linux"], naming: "invalid platform \"linux\": want os/arch[/variant]"),
           Case(arguments: ["blob", "127.0.0.1:1/library/tiny", "-o", "-", "--link"], naming: "--link needs a file, not standard output")]

    /// Each line with `--json` (the line, the hint and the one object all
    /// show in one run; `aMissingArgument…` and the unknown commands show
    /// stdout empty without it).
    @Test(arguments: ignoredFlags + transferFlags + otherFlags)
    func isAUsageErrorInOneLineAndAHint(_ usage: Case) async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        try Data("{\"models\": [\"127.0.0.1:1/team/tiny:v1\"]}".utf8).write(to: cli.scratch.appendingPathComponent("models.json"))
        let arguments = usage.arguments.map { $0.replacingOccurrences(of: "$S", with: cli.scratch.path) }
        let run = await cli.run(arguments.contains("--json") ? arguments : arguments + ["--json"])
        #expect(run.status == 2, "\(run.err)")
        #expect(run.errLines.count == 2, "\(run.err)")
        #expect(run.errLines.first?.hasPrefix("modelget: ") == true && run.errLines.first?.contains(usage.naming) == true, "\(run.err)")
        #expect(run.errLines.last == "hint: modelget \(usage.arguments[0]) --help shows every flag, with examples", "\(run.err)")
        #expect(!run.err.contains("hunter2") && !run.out.contains("hunter2"))
        let objects = run.jsonObjects
        #expect(objects.count == 1, "\(run.out)")
        #expect(objects.first??["event"] as? String == "error" && objects.first??["kind"] as? String == "usage", "\(run.out)")
        #expect(objects.first??["message"] as? String == run.errLines.first.map { String($0.dropFirst("modelget: ".count)) })
    }

    @Test(arguments: [("lsit", "list"), ("pul", "pull"), ("delete", "rm"), ("images", "list")])
    func anUnknownCommandIsAnsweredWithTheOneMeant(_ typed: String, _ meant: String) async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let run = await cli.run([typed, "x"])
        #expect(run.status == 2)
        #expect(run.errLines.first == "modelget: unknown command '\(typed)' — did you mean '\(meant)'?", "\(run.err)")
        #expect(run.errLines.count == 2, "one line and one hint: \(run.err)")
        #expect(run.out.isEmpty)
    }

    @Test func aMissingArgumentSaysWhichAndWhereTheHelpIs() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let run = await cli.run(["pull"])
        #expect(run.status == 2)
        #expect(run.out.isEmpty)
        #expect(run.err == "modelget: Missing expected argument '<reference>'\nhint: modelget pull --help shows every flag, with examples\n")
    }
}
