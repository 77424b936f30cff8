import Foundation

/// One member of an archive being imported.
struct ArchiveMember {
    enum Kind: Equatable {
        case file
        case directory
        /// A symbolic link; its target, relative to the member's directory.
        case symlink(String)
        /// A tar hard link; the archive path of the member it repeats.
        case hardlink(String)
        case other
    }

    /// The name as stored in the archive.
    var name: String
    var kind: Kind
    var size: Int64
}
