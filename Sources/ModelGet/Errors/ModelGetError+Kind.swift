/// The class of a failure, for programs that read `--json`: a stable
/// word that says what a user can do about it, whatever the message says.
public enum ErrorKind: String, Sendable, CaseIterable {
    /// The command line is wrong (a flag, a name, a file the user wrote).
    case usage
    /// No such model, tag, layer, platform or blob.
    case notFound = "not_found"
    /// Credentials are missing, wrong, or not allowed this.
    case unauthorized
    /// The registry could not be reached, or failed, or kept cutting the transfer.
    case network
    /// Bytes did not hash to their digest or had the wrong size.
    case integrity
    /// The disk is full.
    case noSpace = "no_space"
    /// Ctrl-C or SIGTERM.
    case interrupted
    /// What a server or a file holds is malformed, too large, or unsafe to use.
    case invalidData = "invalid_data"
    /// The registry refused the request for another reason (an HTTP 4xx).
    case refused
    /// A file or directory could not be read or written.
    case fileSystem = "file_system"
    /// Anything else (a failure from outside modelget's own checks).
    case other
}

extension ModelGetError {
    /// The class of this failure (`--json` errors carry it as `kind`).
    public var kind: ErrorKind {
        switch self {
        case .invalidReference, .invalidDigest, .usage, .insecureRegistry, .nestedRepository, .tensorModelNeedsFolder,
             .destinationNotEmpty, .invalidSyncFile, .mirrorUnavailable, .invalidConfiguration:
            return .usage
        case .manifestUnknown, .modelNotFound, .noSuchLayer, .noMatchingPlatform:
            return .notFound
        case .authenticationFailed, .keyNotRegistered, .unusableKey:
            return .unauthorized
        case let .http(status, _, _, _):
            switch status {
            case 401, 403: return .unauthorized
            case 404: return .notFound
            case 408, 429, 500...599: return .network
            default: return .refused
            }
        case .registryBlocked:
            return .refused
        case .network, .fetchBudgetExceeded, .listenFailed, .connectionSetup, .unreachable:
            return .network
        case .digestMismatch, .sizeMismatch:
            return .integrity
        case .diskFull, .notEnoughSpace:
            return .noSpace
        case .cancelled, .interrupted:
            return .interrupted
        case .invalidManifest, .manifestTooLarge, .invalidSafetensors, .invalidTensorModel, .unsafeArchiveEntry,
             .invalidArchive, .responseTooLarge, .malformedRequest, .malformedServerHeader, .insecureCredentialExchange,
             .expansionLimitExceeded:
            return .invalidData
        case .fileSystem, .storeUnreadable:
            return .fileSystem
        }
    }
}
