import Foundation
@testable import ModelGet
import Synchronization
import XCTest

/// The retry decorator of the transport seam, against a transport that
/// plays a script: what it retries, what it leaves to the loop that owns
/// the bytes, and how fast a host that never answered fails.
final class RetryingHTTPClientTests: XCTestCase {
    /// Answers each request with the next step of its script.
    private final class ScriptedTransport: HTTPClient, Sendable {
        enum Step: Sendable {
            case status(Int, retryAfter: String? = nil)
            case body(String)
            case refused
            /// Some body bytes, then the connection breaks.
            case cutAfter(String)
        }

        private let script: Mutex<[Step]>
        private let sent = Mutex<[HTTPRequest.Method]>([])

        init(_ script: [Step]) { self.script = Mutex(script) }

        var requests: Int { sent.withLock { $0.count } }

        func send(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
            sent.withLock { $0.append(request.method) }
            let step = script.withLock { $0.isEmpty ? .body("done") : $0.removeFirst() }
            if let body = request.body, case let .data(data) = body { uploadObserver?.didSend(data.count) }
            switch step {
            case .refused:
                throw ModelGetError.network(url: request.url.absoluteString, reason: "could not connect")
            case let .status(status, retryAfter):
                var headers = HTTPHeaders()
                if let retryAfter { headers.set("Retry-After", retryAfter) }
                _ = try sink?.begin(status: status, headers: headers)
                return HTTPResponse(status: status, headers: headers, body: Data(), url: request.url)
            case let .body(text):
                if let sink, try sink.begin(status: 200, headers: HTTPHeaders()) {
                    try Array(text.utf8).withUnsafeBytes { try sink.write($0) }
                    return HTTPResponse(status: 200, headers: HTTPHeaders(), body: Data(), url: request.url)
                }
                return HTTPResponse(status: 200, headers: HTTPHeaders(), body: Data(text.utf8), url: request.url)
            case let .cutAfter(text):
                if let sink, try sink.begin(status: 200, headers: HTTPHeaders()) {
                    try Array(text.utf8).withUnsafeBytes { try sink.write($0) }
                }
                throw ModelGetError.network(url: request.url.absoluteString, reason: "connection broken while receiving")
            }
        }
    }

    private final class Collecting: ResponseBodySink {
        var text = ""
        func begin(status: Int, headers: HTTPHeaders) throws -> Bool { status == 200 }
        func write(_ bytes: UnsafeRawBufferPointer) throws { text += String(decoding: bytes, as: UTF8.self) }
    }

    private let url = URL(string: "http://r.test:5000/v2/team/tiny/manifests/v1")!
    private let quick = RetryPolicy(window: 5, baseDelay: 0.01, maximumDelay: 0.02, quickRetries: 2, quickDelay: 0.01)

    /// A client whose host has already answered once.
    private func warmedUp(_ transport: ScriptedTransport, policy: RetryPolicy? = nil) async throws -> RetryingHTTPClient {
        let client = RetryingHTTPClient(transport, policy: policy ?? quick)
        _ = try await client.send(HTTPRequest(url: url))
        return client
    }

    func testFiveHundredsAndRefusalsAreRetriedOnceTheHostHasAnswered() async throws {
        let transport = ScriptedTransport([.body("hello"), .status(503, retryAfter: "0"), .refused, .status(502), .body("manifest")])
        let client = try await warmedUp(transport)
        let response = try await client.send(HTTPRequest(url: url))
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "manifest")
        XCTAssertEqual(transport.requests, 5)
    }

    func testAHostThatNeverAnsweredFailsFastInOneLine() async throws {
        let transport = ScriptedTransport(Array(repeating: .refused, count: 50))
        let client = RetryingHTTPClient(transport, policy: RetryPolicy(window: 120, quickRetries: 2, quickDelay: 0.01))
        let started = ContinuousClock.now
        do {
            _ = try await client.send(HTTPRequest(url: url))
            XCTFail("a refusing host answered")
        } catch {
            XCTAssertEqual("\(error)", "http://r.test:5000/v2/team/tiny/manifests/v1: could not connect; "
                + "nothing has answered at r.test:5000 (check the name, and that the registry is running)")
        }
        XCTAssertEqual(transport.requests, 3, "the first try and two quick retries")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }

    func testTheWindowEndsRetriesWithTheHostAndSince() async throws {
        let transport = ScriptedTransport([.body("")] + Array(repeating: .refused, count: 1000))
        let client = try await warmedUp(transport, policy: RetryPolicy(window: 0.3, baseDelay: 0.01, maximumDelay: 0.02))
        do {
            _ = try await client.send(HTTPRequest(url: url))
            XCTFail("a refusing host answered")
        } catch let ModelGetError.unreachable(outage) {
            XCTAssertEqual(outage.host, "r.test:5000")
            XCTAssertEqual(outage.reason, "could not connect")
            XCTAssertEqual(outage.window, 0.3)
        }
    }

    func testABodyASinkBeganToTakeIsLeftToItsOwner() async throws {
        let transport = ScriptedTransport([.body(""), .cutAfter("half")])
        let client = try await warmedUp(transport)
        let sink = Collecting()
        do {
            _ = try await client.send(HTTPRequest(url: url), sink: sink, uploadObserver: nil)
            XCTFail("a cut body succeeded")
        } catch ModelGetError.network {}
        XCTAssertEqual(sink.text, "half", "the bytes that arrived are not sent again into the same sink")
        XCTAssertEqual(transport.requests, 2)
    }

    func testAPatchIsNeverSentTwice() async throws {
        let transport = ScriptedTransport([.body(""), .status(500), .body("")])
        let client = try await warmedUp(transport)
        let patch = HTTPRequest(method: .patch, url: url, body: .data(Data("chunk".utf8)))
        let response = try await client.send(patch)
        XCTAssertEqual(response.status, 500, "the uploader resumes from the registry's Range instead")
        XCTAssertEqual(transport.requests, 2)
    }

    func testUnderAnOwningLoopAnswersGoBackToIt() async throws {
        let transport = ScriptedTransport([.body(""), .status(503, retryAfter: "1"), .body("")])
        let client = try await warmedUp(transport)
        let window = RetryWindow(quick)
        let response = try await RetryWindow.$current.withValue(window) { try await client.send(HTTPRequest(url: url)) }
        XCTAssertEqual(response.status, 503, "the loop that owns the bytes hears the overload and honours Retry-After")
    }

    /// An upload's loop gets a 503's `Retry-After` through its window: its
    /// next wait is the server's, once.
    func testTheRetryAfterOfAnAnswerHandedBackIsTheOwningLoopsNextWait() async throws {
        let patient = RetryPolicy(window: 60, baseDelay: 0.01, maximumDelay: 5, quickRetries: 2, quickDelay: 0.01)
        let transport = ScriptedTransport([.body(""), .status(503, retryAfter: "3")])
        let client = try await warmedUp(transport, policy: patient)
        let window = RetryWindow(patient)
        let response = try await RetryWindow.$current.withValue(window) { try await client.send(HTTPRequest(url: url)) }
        let overload = ModelGetError.http(status: response.status, url: url.absoluteString, code: nil, message: nil)
        XCTAssertEqual(try window.failed(overload, host: "r.test:5000"), 3, "the server's wait")
        XCTAssertLessThan(try window.failed(overload, host: "r.test:5000"), 1, "heard once: the next failure backs off as usual")
    }

    func testAProbeIsAskedOnce() async throws {
        let transport = ScriptedTransport([.refused, .refused])
        let client = RetryingHTTPClient(transport, policy: quick)
        var probe = HTTPRequest(url: url)
        probe.mayRetry = false
        do {
            _ = try await client.send(probe)
            XCTFail("a refusing host answered")
        } catch ModelGetError.unreachable {}
        XCTAssertEqual(transport.requests, 1, "asked once, and it never answered")
    }
}
