import ArgumentParser
import Foundation
import ModelGet

/// `modelget tags REF`: every tag of a repository in its registry.
struct Tags: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tags of a repository in its registry (every page).",
        discussion: Examples.text([
            "modelget tags 127.0.0.1:5000/team/tiny --insecure",
            "modelget tags ghcr.io/org/model --json",
        ], before: "A tag or digest in REF is ignored. registry.ollama.ai lists no tags (its API answers 404)."))

    @Argument(help: ArgumentHelp("The repository, e.g. ghcr.io/org/model.", valueName: "reference")) var reference: String
    @OptionGroup var access: InsecureOption
    @OptionGroup var report: JSONOption
    @OptionGroup var signing: KeyOption
    @OptionGroup var verbosity: OutputFlags

    func validate() throws {
        do { _ = try Reference(parsing: reference) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        verbosity.apply()
        let ref = try Reference(parsing: reference)
        let client = try await RegistryClient.connect(to: ref, insecure: access.insecure, credentials: signing.credentials)
        guard let tags = try await client.listAllTags(repository: ref.repository) else {
            throw ModelGetError.http(status: 404, url: "\(ref.host)/v2/\(ref.repository)/tags/list", code: "NAME_UNKNOWN",
                                     message: "the registry has no repository \(ref.repository)")
        }
        for tag in tags.sorted() {
            if report.json {
                JSONLines.emit(["tag": tag, "reference": "\(ref.host)/\(ref.repository):\(tag)"])
            } else {
                print(DisplayText.line(tag))
            }
        }
    }
}
