import Foundation

/// The shape ollama's library now gives mainstream LLMs (`qwen3.5:27b-int4`:
/// 1,193 layers, 1,184 of them one tensor each): the tensor blobs'
/// sizes lognormal around 256 KiB between 4 KiB and 16 MiB, as measured on
/// that model (σ = 1.26 gives its 689 MB for 1,184 tensors), scaled so the
/// whole model has about `totalBytes`; and the nine other layers (template,
/// license, params and six tokenizer and config files) at their real sizes.
public enum TensorLLMShape {
    /// Template, license, params, config.json, tokenizer.json,
    /// tokenizer_config.json, generation_config.json, vocab.json, merges.txt.
    public static let otherLayerSizes: [Int64] = [1_400, 11_300, 120, 1_700, 7_000_000, 5_500, 240, 2_800_000, 1_600_000]

    /// The layer sizes: `otherLayerSizes`, then `tensors` tensor blobs.
    public static func layerSizes(tensors: Int, totalBytes: Int64? = nil, median: Double = 262_144, sigma: Double = 1.26,
                                  min: Double = 4_096, max: Double = 16_777_216, seed: UInt64) -> [Int64] {
        var generator = SplitMix64(seed: seed)
        func unit() -> Double { (Double(generator.next() >> 11) + 0.5) * 0x1p-53 }
        // Box–Muller: one standard normal draw per tensor.
        let raw = (0..<Swift.max(tensors, 0)).map { _ in
            let normal = (-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit())
            return Swift.min(Swift.max(median * exp(sigma * normal), min), max)
        }
        let fixed = otherLayerSizes.reduce(0, +)
        let scale = totalBytes.map { Double(Swift.max($0 - fixed, 0)) / Swift.max(raw.reduce(0, +), 1) } ?? 1
        return otherLayerSizes + raw.map { Int64(($0 * scale).rounded()) }
    }
}
