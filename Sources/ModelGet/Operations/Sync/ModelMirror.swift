/// The seam through which `ModelSyncer` pushes a model it pulled to the
/// sync file's mirror registry. Whatever pushes models from the store
/// (the push engine) implements it; without one, a file naming a mirror is
/// refused before anything is fetched.
public protocol ModelMirror: Sendable {
    /// Pushes the stored model `source` to `destination`.
    func push(_ source: Reference, to destination: Reference, insecure: Bool, progress: TransferProgress) async throws
}
