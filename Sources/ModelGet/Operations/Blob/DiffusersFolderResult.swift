import Foundation

/// What writing a tensor model's folder produced.
public struct DiffusersFolderResult: Sendable {
    /// The folder written.
    public var directory: String
    /// Files written, relative to the folder, in the order written.
    public var files: [String]
    /// Tensors written (scales and biases included).
    public var tensors: Int
    /// Bytes of tensor data written.
    public var tensorBytes: Int64
    /// The quantisations of the quantised weights, e.g. `int4 (group 32)`.
    public var quantizations: [String]
}
