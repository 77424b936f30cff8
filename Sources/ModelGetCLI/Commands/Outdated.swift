import ArgumentParser
import Foundation
import ModelGet

/// `modelget outdated [REF…]`: which stored tags name another manifest
/// in their registry now, by digest alone (no blob is read).
struct Outdated: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored models whose tag names another manifest in its registry now.",
        discussion: Examples.text(["modelget outdated", "modelget outdated llama3.2:1b --json", "modelget pull --outdated"],
            before: "Compares manifest digests only (a HEAD request per model, through the mirrors a pull would use); no blob "
                + "is read. Exit status 1 when a model could not be checked. `modelget pull --outdated` re-pulls the outdated ones.")
    )

    @Argument(help: "Stored models to check (default: every stored model).")
    var references: [String] = []

    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var report: JSONOption
    @OptionGroup var signing: KeyOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var mirrors: MirrorOptions

    func validate() throws {
        do {
            for reference in references { _ = try Reference(parsing: reference) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let results = try await Self.check(references, models: models, insecure: access.insecure, signing: signing,
                                           mirrors: mirrors, json: report.json)
        if report.json {
            for result in results {
                var line: [String: Any] = ["name": result.reference.displayName, "reference": result.reference.description,
                                           "stored": result.stored.description]
                switch result.status {
                case .upToDate: line["status"] = "up-to-date"
                case let .outdated(remote): line["status"] = "outdated"; line["remote"] = remote.description
                case .pinned: line["status"] = "pinned"
                case let .failed(reason): line["status"] = "failed"; line["error"] = DisplayText.line(reason)
                }
                JSONLines.emit(line)
            }
        } else {
            let rows = results.map { result -> [String] in
                let stored = String(result.stored.hex.prefix(12))
                switch result.status {
                case .upToDate: return [result.reference.displayName, stored, stored, "up to date"]
                case let .outdated(remote): return [result.reference.displayName, stored, String(remote.hex.prefix(12)), "outdated"]
                case .pinned: return [result.reference.displayName, stored, "-", "pinned by digest"]
                case let .failed(reason): return [result.reference.displayName, stored, "?", "cannot check: " + DisplayText.line(reason, limit: 200)]
                }
            }
            print(Table.render(header: ["NAME", "STORED", "REGISTRY", "STATUS"], rows: rows), terminator: "")
            let outdated = results.filter { if case .outdated = $0.status { return true } else { return false } }.count
            print("\(outdated) of \(results.count) outdated" + (outdated > 0 ? "; modelget pull --outdated re-pulls them" : ""))
        }
        if results.contains(where: { if case .failed = $0.status { return true } else { return false } }) { throw ExitCode.failure }
    }

    /// The checks of `references` (every stored model when empty).
    static func check(_ references: [String], models: ModelsOption, insecure: Bool, signing: KeyOption, mirrors: MirrorOptions,
                      json: Bool) async throws -> [OutdatedChecker.Result] {
        let router = try mirrors.router(credentials: signing.credentials, stallTimeout: HTTPRequest.defaultStallTimeout, json: json)
        let names = try references.map(Reference.init(parsing:))
        return try await OutdatedChecker(store: models.store, router: router, insecure: insecure).check(names.isEmpty ? nil : names)
    }
}
