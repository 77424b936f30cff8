import Foundation
import HTTPTypes
import ModelGet
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Sends blob bytes straight from the file with the kernel's `sendfile`,
/// which Hummingbird's response writer (byte buffers only) cannot do;
/// except that to a client on this machine (its address is loopback or
/// the connection's own), bodies of 4 MiB and more go as a
/// `CopiedFileBody` (1 MiB `pread` chunks, two at a time): measured in
/// bench/README.md, copying is faster when the receiver shares the
/// server's CPUs and slower across a network (a veth pair), where
/// `sendfile` saves the server a copy per byte.
///
/// The responder marks a blob response with the internal header
/// `x-modelget-sendfile: <key> <offset> <length> <digest>` and an empty body. This
/// handler sits between Hummingbird and the HTTP/1 codec: it strips the
/// header, lets the head pass, and writes a `FileRegion` for the range
/// straight into the HTTP/1 encoder (below the typed codec, which knows
/// only byte buffers), before Hummingbird's end-of-message follows. The
/// blob is opened here through the store's reader door (`openBlob`, links
/// not followed), its handle closed once the region is written, and the
/// completion registered under `key` runs then. A close
/// asked for while a region is still going out (Hummingbird closes an
/// idle connection at shutdown as soon as the handler has returned) waits
/// for it, at most `closeGrace`, so in-flight downloads finish. Writes
/// that follow a copied body (its end of message) wait until it is sent.
/// Not installed with TLS (the TLS handler cannot encrypt a file region);
/// the responder then streams the file in chunks instead.
final class FileRegionSender: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let header = HTTPField.Name("x-modelget-sendfile")!

    private let completions: SendCompletions
    private let store: ModelStore
    /// Regions written but not yet sent, and a close waiting for them.
    private var sending = 0
    private var deferredClose: (mode: CloseMode, promise: EventLoopPromise<Void>?)?
    /// A big body being copied, the writes and flush held back behind it,
    /// and the pump's re-entry guard.
    private var copying: CopiedFileBody?
    private var heldBack: [(NIOAny, EventLoopPromise<Void>?)] = []
    private var heldFlush = false
    private var pumping = false
    private var pumpAgain = false
    /// The client is on this machine: big bodies are copied.
    private var sameHost = false
    /// The longest a close waits for a region still being sent.
    static let closeGrace = TimeAmount.minutes(10)
    /// Bytes per `FileRegion` a body is written as (the granularity of the
    /// bytes counted for a body cut short).
    static let regionPiece: Int64 = 1 << 20

    init(completions: SendCompletions, store: ModelStore) {
        self.completions = completions
        self.store = store
    }

    /// The header value for `length` bytes of the stored blob `digest` from
    /// `offset`; the responder puts the completion's key in front once it
    /// registers one.
    static func marker(digest: Digest, offset: Int64, length: Int64) -> String {
        "\(offset) \(length) \(digest)"
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if copying != nil {
            // The end of the message (and anything after) waits for the copied body.
            heldBack.append((data, promise))
            return
        }
        guard case var .head(response) = unwrapOutboundIn(data), let marker = response.headerFields[Self.header] else {
            context.write(data, promise: promise)
            return
        }
        response.headerFields[Self.header] = nil
        context.write(wrapOutboundOut(.head(response)), promise: promise)
        let parts = marker.split(separator: " ", maxSplits: 3)
        let key = parts.first.flatMap { UInt64($0) } ?? 0
        do {
            guard let codec = try? context.pipeline.syncOperations.context(handlerType: HTTP1ToHTTPServerCodec.self) else {
                throw ChannelError.inappropriateOperationForState
            }
            guard parts.count == 4, let offset = Int64(parts[1]), let length = Int64(parts[2]) else {
                throw ChannelError.inappropriateOperationForState
            }
            let blob = try store.openBlob(try Digest(String(parts[3])), followingLinks: false)
            guard offset + length <= blob.size else {
                blob.close()
                throw ChannelError.inappropriateOperationForState
            }
            if sameHost, length >= CopiedFileBody.minimumLength {
                copying = CopiedFileBody(key: key, blob: blob, offset: offset, length: length)
                sending += 1
                pump(context: context, codec: codec)
                return
            }
            // Written as regions of `regionPiece` bytes, so a body cut short
            // still counts the pieces that went out. The regions borrow the
            // handle's descriptor; the handle closes it.
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: blob.fd)
            let completions = completions
            sending += 1
            let counted = NIOLoopBoundBox(Int64(0), eventLoop: context.eventLoop)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            var start = offset
            repeat {
                let end = min(offset + length, start + Self.regionPiece)
                let pieceLength = end - start
                let region = FileRegion(fileHandle: handle, readerIndex: Int(start), endIndex: Int(end))
                let written = context.eventLoop.makePromise(of: Void.self)
                let last = end == offset + length
                written.futureResult.whenComplete { result in
                    if (try? result.get()) != nil { counted.value += pieceLength }
                    guard last else { return }
                    _ = try? handle.takeDescriptorOwnership()
                    blob.close()
                    completions.finish(key, bytes: counted.value)
                    let (sender, context) = loopBound.value
                    sender.sent(context: context)
                }
                codec.write(NIOAny(HTTPServerResponsePart.body(.fileRegion(region))), promise: written)
                start = end
            } while start < offset + length
        } catch {
            // The head promised bytes that cannot come: end the connection.
            completions.finish(key, bytes: 0)
            context.close(promise: nil)
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        sameHost = Self.isSameHost(local: context.channel.localAddress?.ipAddress, remote: context.channel.remoteAddress?.ipAddress)
    }

    /// The peer is this machine: a loopback address, or the address the
    /// connection arrived on (a client using the host's LAN address).
    static func isSameHost(local: String?, remote: String?) -> Bool {
        guard let remote else { return false }
        if remote == "::1" || remote.hasPrefix("127.") || remote.hasPrefix("::ffff:127.") { return true }
        return local == remote
    }

    func flush(context: ChannelHandlerContext) {
        if copying != nil {
            heldFlush = true
        }
        context.flush()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let body = copying {
            copying = nil
            body.close()
            completions.finish(body.key, bytes: body.sent)
        }
    }

    /// Writes chunks of the copied body while fewer than the limit are on
    /// their way; each one sent calls it again. Not re-entered: a chunk
    /// completing inside the flush below only asks for another round.
    private func pump(context: ChannelHandlerContext, codec: ChannelHandlerContext) {
        guard !pumping else {
            pumpAgain = true
            return
        }
        pumping = true
        defer { pumping = false }
        repeat {
            pumpAgain = false
            while let body = copying, !body.allRead, body.inFlight < CopiedFileBody.inFlightLimit {
                let chunk: ByteBuffer
                do {
                    chunk = try body.nextChunk(allocator: context.channel.allocator)
                } catch {
                    finishCopy(context: context, sent: false)
                    return
                }
                body.inFlight += 1
                let size = Int64(chunk.readableBytes)
                let written = context.eventLoop.makePromise(of: Void.self)
                let loopBound = NIOLoopBound((self, context, codec, body), eventLoop: context.eventLoop)
                written.futureResult.whenComplete { result in
                    let (sender, context, codec, body) = loopBound.value
                    guard sender.copying === body else { return }
                    body.inFlight -= 1
                    if (try? result.get()) != nil { body.sent += size }
                    if (try? result.get()) == nil {
                        sender.finishCopy(context: context, sent: false)
                    } else if body.allRead, body.inFlight == 0 {
                        sender.finishCopy(context: context, sent: true)
                    } else {
                        sender.pump(context: context, codec: codec)
                    }
                }
                codec.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(chunk))), promise: written)
            }
        } while pumpAgain
    }

    /// Ends the copied body: its completion runs, the writes held back
    /// behind it go out (a failed body closes the connection instead).
    private func finishCopy(context: ChannelHandlerContext, sent: Bool) {
        guard let body = copying else { return }
        copying = nil
        body.close()
        completions.finish(body.key, bytes: body.sent)
        let held = heldBack
        let flush = heldFlush
        heldBack = []
        heldFlush = false
        if sent {
            for (data, promise) in held {
                write(context: context, data: data, promise: promise)
            }
            if flush {
                self.flush(context: context)
            }
        } else {
            for (_, promise) in held {
                promise?.fail(ChannelError.ioOnClosedChannel)
            }
            context.close(promise: nil)
        }
        self.sent(context: context)
    }

    /// One body has left: a close that waited for the last one happens now.
    private func sent(context: ChannelHandlerContext) {
        sending -= 1
        if sending == 0, let close = deferredClose {
            deferredClose = nil
            context.close(mode: close.mode, promise: close.promise)
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
}
