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
/// `x-modelget-sendfile: <key> <offset> <length> <path>` and an empty body. This
/// handler sits between Hummingbird and the HTTP/1 codec: it strips the
/// header, lets the head pass, and writes a `FileRegion` for the range
/// straight into the HTTP/1 encoder (below the typed codec, which knows
/// only byte buffers), before Hummingbird's end-of-message follows. The
/// file is opened here with `O_NOFOLLOW` and closed once the region is
/// written, and the completion registered under `key` runs then. A close
/// asked for while a region is still going out (Hummingbird closes an
/// idle connection at shutdown as soon as the handler has returned) waits
/// for it, at most `closeGrace`, so in-flight downloads finish. Not installed with TLS (the TLS handler cannot encrypt a file
/// region); the responder then streams the file in chunks instead.
final class FileRegionSender: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let header = HTTPField.Name("x-modelget-sendfile")!

    private let completions: SendCompletions
    /// Regions written but not yet sent, and a close waiting for them.
    private var sending = 0
    private var deferredClose: (mode: CloseMode, promise: EventLoopPromise<Void>?)?
    /// The longest a close waits for a region still being sent.
    static let closeGrace = TimeAmount.minutes(10)

    init(completions: SendCompletions) {
        self.completions = completions
    }

    /// The header value for `length` bytes of `path` from `offset`; the
    /// responder puts the completion's key in front once it registers one.
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
        let parts = marker.split(separator: " ", maxSplits: 3)
        let key = parts.first.flatMap { UInt64($0) } ?? 0
        do {
            let (region, handle) = try Self.region(parts)
            guard let codec = try? context.pipeline.syncOperations.context(handlerType: HTTP1ToHTTPServerCodec.self) else {
                try? handle.close()
                throw ChannelError.inappropriateOperationForState
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            let completions = completions
            sending += 1
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            written.futureResult.whenComplete { result in
                try? handle.close()
                completions.finish(key, sent: (try? result.get()) != nil)
                let (sender, context) = loopBound.value
                sender.sending -= 1
                if sender.sending == 0, let close = sender.deferredClose {
                    sender.deferredClose = nil
                    context.close(mode: close.mode, promise: close.promise)
                }
            }
            codec.write(NIOAny(HTTPServerResponsePart.body(.fileRegion(region))), promise: written)
        } catch {
            // The head promised bytes that cannot come: end the connection.
            completions.finish(key, sent: false)
            context.close(promise: nil)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard sending > 0, deferredClose == nil else {
            context.close(mode: mode, promise: promise)
            return
        }
        deferredClose = (mode, promise)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.closeGrace) {
            let (sender, context) = loopBound.value
            guard let close = sender.deferredClose else { return }
            sender.deferredClose = nil
            context.close(mode: close.mode, promise: close.promise)
        }
    }

    private static func region(_ parts: [Substring]) throws -> (FileRegion, NIOFileHandle) {
        guard parts.count == 4, let offset = Int(parts[1]), let length = Int(parts[2]) else {
            throw ChannelError.inappropriateOperationForState
        }
        let fd = open(String(parts[3]), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "open") }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: fd)
        return (FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length), handle)
    }
}
