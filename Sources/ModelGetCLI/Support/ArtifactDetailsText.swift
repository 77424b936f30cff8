import Foundation
import ModelGet

/// `show`'s lines and JSON fields for `ModelInfo.artifact`: the GGUF
/// header, a Docker / ModelPack config's architecture and size, and what a
/// container image runs with. Every string from the artifact is escaped
/// for the terminal.
enum ArtifactDetailsText {
    static func lines(_ info: ModelInfo) -> [String] {
        guard let details = info.artifact else { return [] }
        var rows: [(String, String)] = []
        if let value = details.architecture { rows.append(("architecture", value)) }
        if let value = details.declaredSize { rows.append(("declared size", value)) }
        if let gguf = details.gguf {
            rows.append(("gguf", "version \(gguf.version), \(gguf.tensorCount) tensors"))
            if let value = gguf.architecture { rows.append(("gguf arch", value)) }
            rows.append(("gguf params", "\(gguf.parameterCount)"))
            if let value = gguf.quantization { rows.append(("gguf quant", value)) }
            if let value = gguf.contextLength { rows.append(("context", "\(value)")) }
        }
        if let image = details.image {
            let layers = info.layers.reduce(Int64(0)) { $0 + $1.size }
            rows.append(("platform", [image.os, image.architecture, image.variant].compactMap { $0 }.joined(separator: "/")))
            rows.append(("layers", "\(info.layers.count), \(ProgressFormat.bytes(layers)) compressed"))
            let run = image.config
            if let value = run?.entrypoint { rows.append(("entrypoint", quoted(value))) }
            if let value = run?.command { rows.append(("command", quoted(value))) }
            if let value = run?.workingDirectory, !value.isEmpty { rows.append(("workdir", value)) }
            if let value = run?.user, !value.isEmpty { rows.append(("user", value)) }
            if let ports = run?.exposedPorts, !ports.isEmpty { rows.append(("ports", ports.keys.sorted().joined(separator: ", "))) }
            for value in run?.environment ?? [] { rows.append(("env", value)) }
            for (key, value) in (run?.labels ?? [:]).sorted(by: { $0.key < $1.key }) { rows.append(("label", key + "=" + value)) }
        }
        return rows.map { "    \($0.0.padding(toLength: 14, withPad: " ", startingAt: 0))\(DisplayText.line($0.1, limit: 400))" }
    }

    static func json(_ info: ModelInfo) -> [String: Any] {
        guard let details = info.artifact else { return [:] }
        var object: [String: Any] = [:]
        if let value = details.architecture { object["architecture"] = value }
        if let value = details.declaredSize { object["declared_size"] = value }
        if let gguf = details.gguf {
            var header: [String: Any] = ["version": gguf.version, "tensors": gguf.tensorCount, "parameters": gguf.parameterCount]
            if let value = gguf.architecture { header["architecture"] = value }
            if let value = gguf.quantization { header["quantization"] = value }
            if let value = gguf.contextLength { header["context_length"] = value }
            object["gguf"] = header
        }
        if let image = details.image {
            var run: [String: Any] = ["os": image.os ?? "", "architecture": image.architecture ?? ""]
            if let value = image.variant { run["variant"] = value }
            if let value = image.config?.entrypoint { run["entrypoint"] = value }
            if let value = image.config?.command { run["cmd"] = value }
            if let value = image.config?.environment { run["env"] = value }
            if let value = image.config?.workingDirectory { run["workdir"] = value }
            if let value = image.config?.user { run["user"] = value }
            if let value = image.config?.exposedPorts { run["ports"] = value.keys.sorted() }
            if let value = image.config?.labels { run["labels"] = value }
            object["image"] = run
        }
        return object
    }

    private static func quoted(_ words: [String]) -> String {
        "[" + words.map { "\"" + $0 + "\"" }.joined(separator: ", ") + "]"
    }
}
