import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Sends blob bytes with the kernel's `sendfile`, which Hummingbird's
/// response writer (byte buffers only) cannot do.
///
/// The responder marks a blob response with the internal header
/// `x-modelget-sendfile: <offset> <length> <path>` and an empty body. This
/// handler sits between Hummingbird and the HTTP/1 codec: it strips the
/// header, lets the head pass, and writes a `FileRegion` for the range
/// straight into the HTTP/1 encoder (below the typed codec, which knows
/// only byte buffers), before Hummingbird's end-of-message follows. The
/// file is opened here with `O_NOFOLLOW` and closed once the region is
/// written. Not installed with TLS (the TLS handler cannot encrypt a file
/// region); the responder then streams the file in chunks instead.
final class FileRegionSender: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let header = HTTPField.Name("x-modelget-sendfile")!

    /// The header value for `length` bytes of `path` from `offset`.
    static func marker(path: String, offset: Int64, length: Int64) -> String {
        "\(offset) \(length) \(path)"
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case var .head(response) = unwrapOutboundIn(data), let marker = response.headerFields[Self.header] else {
            context.write(data, promise: promise)
            return
        }
        response.headerFields[Self.header] = nil
        context.write(wrapOutboundOut(.head(response)), promise: promise)
        do {
            let (region, handle) = try Self.region(marker)
            guard let codec = try? context.pipeline.syncOperations.context(handlerType: HTTP1ToHTTPServerCodec.self) else {
                try? handle.close()
                context.close(promise: nil)
                return
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { _ in try? handle.close() }
            codec.write(NIOAny(HTTPServerResponsePart.body(.fileRegion(region))), promise: written)
        } catch {
            // The head promised bytes that cannot come: end the connection.
            context.close(promise: nil)
        }
    }

    private static func region(_ marker: String) throws -> (FileRegion, NIOFileHandle) {
        let parts = marker.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, let offset = Int(parts[0]), let length = Int(parts[1]) else {
            throw ChannelError.inappropriateOperationForState
        }
        let fd = open(String(parts[2]), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "open") }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: fd)
        return (FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length), handle)
    }
}
