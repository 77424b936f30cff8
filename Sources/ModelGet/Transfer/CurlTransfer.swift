import CCurl
import Foundation

/// One request on one libcurl easy handle: its options, callbacks and the
/// response as it arrives. Lives on the engine's thread from `start` until
/// it finishes; curl reaches it through an unretained pointer while the
/// engine's table of active transfers keeps it alive.
final class CurlTransfer: @unchecked Sendable {
    let easy: OpaquePointer
    let request: HTTPRequest
    let sink: ResponseBodySink?
    let uploadObserver: UploadProgressObserver?
    private let completion: (Result<HTTPResponse, Error>) -> Void

    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var status = 0
    private var headers = HTTPHeaders()
    private var body = Data()
    private var sinkAccepted: Bool?
    /// The error a callback hit; reported instead of curl's own code.
    private(set) var callbackError: Error?
    /// True once a response's status line arrived (the connection, and its
    /// TLS session, are established).
    private(set) var answered = false

    private var uploadData: Data?
    private var uploadReader: (any RandomAccessReader)?
    private var uploadOffset: Int64 = 0
    private var uploadSent: Int64 = 0

    /// Bytes moved so far, as curl last reported them.
    private var movedCount: Int64 = 0
    /// The count the engine's last sweep saw, and since when it has not moved.
    private var sweptCount: Int64 = -1
    private var idleSince = ContinuousClock.now
    /// Set from any thread to stop the transfer (at its next progress callback or the engine's next sweep).
    let cancelled = ManagedAtomicFlag()

    init(request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?,
         completion: @escaping (Result<HTTPResponse, Error>) -> Void) throws {
        guard let easy = curl_easy_init() else {
            throw ModelGetError.network(url: request.url.redacted, reason: "curl_easy_init failed")
        }
        self.easy = easy
        self.request = request
        self.sink = sink
        self.uploadObserver = uploadObserver
        self.completion = completion
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_easy_cleanup(easy)
    }

    /// Sets every option; called on the engine thread before the handle is
    /// added. `share` holds the TLS sessions and DNS answers every handle reuses.
    func configure(share: OpaquePointer) throws {
        // The one place headers reach libcurl, which sends them as given:
        // a CR or LF here would end the line early and let whoever wrote
        // the value add headers or a second request (with our credentials).
        if let field = request.headers.firstMalformedField {
            throw ModelGetError.malformedRequest(url: request.url.redacted, what: "the \(DisplayText.line(field, limit: 80)) header")
        }
        let url = request.url.absoluteString
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw ModelGetError.malformedRequest(url: request.url.redacted, what: "the URL")
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        mg_easy_setopt_pointer(easy, CURLOPT_SHARE, UnsafeMutableRawPointer(share))
        mg_easy_setopt_string(easy, CURLOPT_URL, url)
        mg_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        mg_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        mg_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, 256 * 1024)
        try configureRoute()
        mg_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        if sink?.delivery.ownsConnection(to: request.url) == true {
            // A ranged part of a big blob, or a small blob from a host where
            // one connection is the bottleneck: an HTTP/1.1 connection carries
            // it alone, so bodies add up instead of sharing one HTTP/2 stream window.
            mg_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        } else {
            mg_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1)
            mg_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        }
        if request.skipTLSVerification {
            mg_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0)
            mg_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0)
        }
        mg_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        mg_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        mg_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        mg_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        mg_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        mg_easy_setopt_pointer(easy, CURLOPT_XFERINFODATA, me)
        mg_easy_setopt_xferinfo_callback(easy, curlProgressCallback)

        var fields = request.headers
        switch request.method {
        case .get:
            break
        case .head:
            mg_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        case .put, .patch:
            mg_easy_setopt_long(easy, CURLOPT_UPLOAD, 1)
            mg_easy_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body?.length ?? 0))
            if request.method == .patch { mg_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, "PATCH") }
            fields.set("Expect", "")
        case .post:
            mg_easy_setopt_long(easy, CURLOPT_POST, 1)
            mg_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body?.length ?? 0))
            fields.set("Expect", "")
        case .delete:
            mg_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, "DELETE")
        }
        if let body = request.body {
            try openBody(body)
            mg_easy_setopt_pointer(easy, CURLOPT_READDATA, me)
            mg_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, curlReadCallback)
        }
        if let range = request.range {
            mg_easy_setopt_string(easy, CURLOPT_RANGE, "\(range.lower)-\(range.upper.map(String.init) ?? "")")
        }
        for (name, value) in fields {
            // "Name;" sends an empty header; "Name:" would remove it.
            let line = value.isEmpty ? "\(name):" : "\(name): \(value)"
            headerList = curl_slist_append(headerList, line)
        }
        if fields[ "Content-Type"] == nil && request.body != nil {
            headerList = curl_slist_append(headerList, "Content-Type:")
        }
        mg_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
    }

    private func openBody(_ body: HTTPRequest.Body) throws {
        switch body {
        case let .data(data):
            uploadData = data
        case let .reader(reader, offset, _):
            uploadReader = reader
            uploadOffset = offset
        }
    }

    // MARK: callbacks (engine thread)

    func receiveHeader(_ line: UnsafeRawBufferPointer) {
        let text = Self.trimmed(line[...])
        if text.starts(with: Self.statusLinePrefix) {
            // A new response in a chain (100 Continue, a redirect): start over.
            let parts = text.split(separator: UInt8(ascii: " "), maxSplits: 2)
            status = parts.count > 1 ? Int(String(decoding: parts[1], as: UTF8.self)) ?? 0 : 0
            headers = HTTPHeaders()
            answered = true
            return
        }
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = Self.trimmed(text[..<colon])
        let value = Self.trimmed(text[(colon + 1)...])
        headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    private static let statusLinePrefix = Array("HTTP/".utf8)

    /// `bytes` without leading and trailing spaces, tabs, CR and LF (curl
    /// hands each header line with its "\r\n"), as bytes: this runs for
    /// every header of every response.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.startIndex..<bytes.startIndex]
        }
        return bytes[first...last]
    }

    /// Returns the count curl expects: all of it, 0 to abort the transfer,
    /// or `CURL_WRITEFUNC_PAUSE` to have it again once the rate limit allows.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        let accepted = acceptBody(bytes)
        return accepted == .pause ? Int(CURL_WRITEFUNC_PAUSE) : accepted == .accept ? bytes.count : 0
    }

    /// True while paused by the rate limit; the engine resumes it.
    private(set) var isPaused = false

    /// The rate limit the body this transfer receives or sends is under.
    private var rateLimiter: RateLimiter? { sink?.delivery.rateLimiter ?? uploadObserver?.rateLimiter }

    /// Resumes a transfer the rate limit paused, once the limit has credit.
    /// Returns the error to end it with when the bytes curl held back were
    /// refused as they were handed over (another connection took the rest
    /// of a part): libcurl reports that only to this call and would leave
    /// the transfer in its table with nothing to wake it, every byte of the
    /// part in, until the stall timeout (the 20-30 s tail of a limited pull).
    func resumeIfAllowed() -> Error? {
        guard isPaused, rateLimiter?.hasCredit ?? true else { return nil }
        isPaused = false
        let code = curl_easy_pause(easy, CURLPAUSE_CONT)
        if let callbackError { return callbackError }
        return code == CURLE_OK ? nil : ModelGetError.network(url: request.url.redacted, reason: CurlEngine.describe(code, url: request.url))
    }

    private enum BodyVerdict { case accept, pause, abort }

    private func acceptBody(_ bytes: UnsafeRawBufferPointer) -> BodyVerdict {
        if sinkAccepted == nil {
            do {
                sinkAccepted = try sink?.begin(status: status, headers: headers) ?? false
            } catch {
                callbackError = error
                return .abort
            }
        }
        if sinkAccepted == true, let sink {
            if let limiter = sink.delivery.rateLimiter, !limiter.take(bytes.count) {
                isPaused = true
                return .pause
            }
            do {
                try sink.write(bytes)
            } catch {
                callbackError = error
                return .abort
            }
            return .accept
        }
        guard body.count + bytes.count <= request.maximumBodySize else {
            callbackError = ModelGetError.responseTooLarge(
                what: request.bodyDescription, url: request.url.redacted, limit: request.maximumBodySize)
            return .abort
        }
        body.append(bytes.bindMemory(to: UInt8.self))
        return .accept
    }

    /// Fills `buffer` with request body bytes; returns the count,
    /// `CURL_READFUNC_PAUSE` to be asked again once the rate limit allows,
    /// or nil on error.
    func readBody(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let remaining = (request.body?.length ?? 0) - uploadSent
        let want = Int(min(Int64(buffer.count), max(remaining, 0)))
        guard want > 0 else { return 0 }
        if let limiter = uploadObserver?.rateLimiter, !limiter.take(want) {
            isPaused = true
            return Int(CURL_READFUNC_PAUSE)
        }
        if let data = uploadData {
            let start = data.startIndex + Int(uploadSent)
            data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: start..<(start + want))
        } else if let reader = uploadReader {
            do {
                try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: uploadOffset + uploadSent)
            } catch {
                callbackError = error
                return nil
            }
        }
        let count = want
        uploadSent += Int64(count)
        uploadObserver?.didSend(count)
        return count
    }

    /// Returns false to abort: when cancelled. Runs after every read, so
    /// it only notes the count; `sweep` judges stalls.
    func progress(downloaded: Int64, uploaded: Int64) -> Bool {
        if cancelled.isSet {
            callbackError = callbackError ?? ModelGetError.cancelled
            return false
        }
        movedCount = downloaded + uploaded
        return true
    }

    /// Called by the engine a few times a second, whether or not curl has
    /// anything for this transfer: the error to end it with when it was
    /// cancelled or no byte moved for the stall timeout, else nil.
    func sweep(now: ContinuousClock.Instant) -> Error? {
        if cancelled.isSet { return ModelGetError.cancelled }
        if movedCount != sweptCount || isPaused {
            sweptCount = movedCount
            idleSince = now
            return nil
        }
        guard now - idleSince > .seconds(request.stallTimeout) else { return nil }
        return ModelGetError.network(url: request.url.redacted, reason: "stalled: no data for \(Int(request.stallTimeout)) s")
    }

    /// Reports the outcome; called once on the engine thread after removal.
    func finish(_ code: CURLcode) {
        if let callbackError {
            completion(.failure(callbackError))
        } else if code != CURLE_OK {
            completion(.failure(routeError(code) ?? ModelGetError.network(url: request.url.redacted, reason: failureReason(code))))
        } else {
            if sinkAccepted == nil, let sink {
                // An empty body: the sink still sees the response.
                do {
                    sinkAccepted = try sink.begin(status: status, headers: headers)
                } catch {
                    completion(.failure(error))
                    return
                }
            }
            if let refusal = setupRefusal(status: status, body: body) {
                completion(.failure(refusal))
                return
            }
            completion(.success(HTTPResponse(status: status, headers: headers, body: body, url: request.url)))
        }
    }

    /// Reports a failure before the handle was ever added.
    func fail(_ error: Error) {
        completion(.failure(error))
    }
}

private func transfer(_ pointer: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(pointer!).takeUnretainedValue()
}

private let curlHeaderCallback: mg_data_callback = { data, size, count, context in
    transfer(context).receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

private let curlWriteCallback: mg_data_callback = { data, size, count, context in
    transfer(context).receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
}

private let curlReadCallback: mg_data_callback = { data, size, count, context in
    let buffer = UnsafeMutableRawBufferPointer(start: data, count: size * count)
    return transfer(context).readBody(into: buffer) ?? Int(CURL_READFUNC_ABORT)
}

private let curlProgressCallback: mg_xferinfo_callback = { context, _, downloaded, _, uploaded in
    transfer(context).progress(downloaded: Int64(downloaded), uploaded: Int64(uploaded)) ? 0 : 1
}
