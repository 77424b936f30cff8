import Foundation
import ModelGet

/// `show`'s lines and `--json` object for a tensor model.
enum TensorSummaryText {
    static func lines(_ summary: TensorModelSummary) -> String {
        var fields: [(String, String)] = []
        if let architecture = summary.architecture { fields.append(("architecture", architecture)) }
        if !summary.capabilities.isEmpty { fields.append(("capabilities", summary.capabilities.joined(separator: ", "))) }
        if let requires = summary.requires { fields.append(("requires", "ollama \(requires)")) }
        fields.append(("tensors", "\(summary.tensors) in \(summary.tensorLayers) layers"))
        fields.append(("parameters", "\(summary.parameters) (\(compact(summary.parameters)))"))
        fields.append(("dtypes", summary.dtypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        let quantization = summary.quantization.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) weights" }
        fields.append(("quantization", quantization.isEmpty ? "none" : quantization.joined(separator: ", ")))
        var text = "\n  Tensor model\n" + fields.map { "    \($0.0.padding(toLength: 14, withPad: " ", startingAt: 0))\(DisplayText.line($0.1, limit: 400))" }.joined(separator: "\n")
        let rows = summary.components.map { [$0.name.isEmpty ? "(none)" : DisplayText.line($0.name, limit: 80), String($0.tensorLayers), String($0.tensors),
                                             String($0.parameters), ProgressFormat.bytes($0.bytes)] }
        text += "\n\n" + Table.render(header: ["component", "layers", "tensors", "parameters", "size"], rows: rows)
            .split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        return text
    }

    static func json(_ summary: TensorModelSummary) -> [String: Any] {
        var object: [String: Any] = [
            "tensor_layers": summary.tensorLayers, "tensors": summary.tensors, "parameters": summary.parameters,
            "dtypes": summary.dtypes, "quantization": summary.quantization, "capabilities": summary.capabilities,
            "components": summary.components.map {
                ["name": $0.name, "tensor_layers": $0.tensorLayers, "tensors": $0.tensors, "parameters": $0.parameters, "size": $0.bytes]
            },
        ]
        if let architecture = summary.architecture { object["architecture"] = architecture }
        if let requires = summary.requires { object["requires"] = requires }
        return object
    }

    /// 4.1B, 950M, 12K.
    static func compact(_ count: Int64) -> String {
        for (size, unit) in [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")] where Double(count) >= size {
            return String(format: "%.1f%@", Double(count) / size, unit)
        }
        return String(count)
    }
}
