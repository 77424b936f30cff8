/// Counts bytes sent by an upload as they go.
public protocol UploadProgressObserver: AnyObject {
    func didSend(_ byteCount: Int)
}
