extension PushOptions {
    /// The one rule for where blobs are mounted from: `mountFrom` when
    /// given, else the source repository when it is another repository of
    /// the same registry (`sourceRegistry == destinationRegistry`); nil
    /// when no mount is possible.
    func mountSource(sourceRegistry: String, sourceRepository: String,
                     destinationRegistry: String, destinationRepository: String) -> String? {
        if let mountFrom { return mountFrom }
        let sameRegistry = sourceRegistry == destinationRegistry && sourceRepository != destinationRepository
        return sameRegistry ? sourceRepository : nil
    }
}
