import ArgumentParser
import Foundation
import ModelGet

/// `modelget show REF`: layers, sizes and what the model's config says.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's layers, format, quantisation, template and license.",
        discussion: Examples.text(["modelget show llama3", "modelget show 127.0.0.1:5000/team/tiny:v1 --remote --insecure --json"]))

    @Argument(help: "The model.") var reference: String
    @Flag(name: .long, help: "Ask the registry instead of the store (the weights are not downloaded).") var remote = false
    @OptionGroup var platform: PlatformOption
    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var mirrors: MirrorOptions
    @OptionGroup var report: JSONOption

    func validate() throws {
        do { _ = try Reference(parsing: reference) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let ref = try Reference(parsing: reference)
        let info: ModelInfo
        if remote {
            let router = try mirrors.router(credentials: CredentialStore(), stallTimeout: HTTPRequest.defaultStallTimeout, json: report.json)
            info = try await router.sources(for: ref, insecure: access.insecure).info(platform: platform.value)
        } else {
            info = try await models.store.info(ref)
        }
        if report.json {
            var object: [String: Any] = [
                "name": info.name, "digest": info.manifestDigest.description, "size": info.totalSize,
                "layers": ([info.config] + info.layers).map { ["media_type": $0.mediaType, "digest": $0.digest.description, "size": $0.size] },
                "licenses": info.licenses,
            ]
            if let tensors = info.tensorModel { object["tensor_model"] = TensorSummaryText.json(tensors) }
            for (key, value) in [("format", info.format), ("family", info.family), ("quantization", info.quantization),
                                 ("parameters", info.parameterSize), ("template", info.template), ("system", info.system),
                                 ("params", info.parameters)] {
                if let value { object[key] = value }
            }
            object.merge(ArtifactDetailsText.json(info)) { current, _ in current }
            JSONLines.emit(object)
            return
        }
        // Every string below came from a registry or a blob: escaped.
        let line = { (text: String) in DisplayText.line(text, limit: 200) }
        print("  Model \(line(info.name))  \(info.manifestDigest)")
        for (label, value) in [("format", info.format), ("family", info.family), ("parameters", info.parameterSize),
                               ("quantization", info.quantization)] {
            if let value { print("    \(label.padding(toLength: 14, withPad: " ", startingAt: 0))\(line(value))") }
        }
        print("    \("size".padding(toLength: 14, withPad: " ", startingAt: 0))\(ProgressFormat.bytes(info.totalSize))")
        if let tensors = info.tensorModel { print(TensorSummaryText.lines(tensors)) }
        ArtifactDetailsText.lines(info).forEach { print($0) }
        print("\n  Layers")
        let tensorLayers = info.layers.filter { $0.mediaType == MediaType.ollamaTensor }
        if !tensorLayers.isEmpty {
            print("    \(tensorLayers.count) tensor layers, \(ProgressFormat.bytes(tensorLayers.reduce(0) { $0 + $1.size })) (listed with --json)")
        }
        for layer in [info.config] + info.layers where layer.mediaType != MediaType.ollamaTensor {
            print("    \(line(layer.mediaType).padding(toLength: 48, withPad: " ", startingAt: 0))\(ProgressFormat.bytes(layer.size).padding(toLength: 11, withPad: " ", startingAt: 0))\(layer.digest)")
        }
        for (title, text) in [("Parameters", info.parameters), ("System", info.system), ("Template", info.template)] {
            if let text { print("\n  \(title)\n" + indent(text)) }
        }
        for license in info.licenses { print("\n  License\n" + indent(String(license.prefix(2000)))) }
    }

    /// Indents multi-line text from a blob, its control characters escaped.
    private func indent(_ text: String) -> String {
        DisplayText.block(text).split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }
}
