import ArgumentParser
import Foundation
import ModelGet

/// `modelget show REF`: layers, sizes and what the model's config says.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a model's layers, format, quantisation, template and license.")

    @Argument(help: "The model.") var reference: String
    @Flag(name: .long, help: "Ask the registry instead of the store (the weights are not downloaded).") var remote = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do { _ = try Reference(parsing: reference) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let ref = try Reference(parsing: reference)
        let info: ModelInfo
        if remote {
            info = try await RegistryClient.connect(to: ref, insecure: global.insecure).info(ref)
        } else {
            info = try await global.store.info(ref)
        }
        if global.json {
            var object: [String: Any] = [
                "name": info.name, "digest": info.manifestDigest.description, "size": info.totalSize,
                "layers": ([info.config] + info.layers).map { ["media_type": $0.mediaType, "digest": $0.digest.description, "size": $0.size] },
                "licenses": info.licenses,
            ]
            for (key, value) in [("format", info.format), ("family", info.family), ("quantization", info.quantization),
                                 ("parameters", info.parameterSize), ("template", info.template), ("system", info.system),
                                 ("params", info.parameters)] {
                if let value { object[key] = value }
            }
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
        print("\n  Layers")
        for layer in [info.config] + info.layers {
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
