import Foundation
@testable import ModelGet
import XCTest

/// Bearer tokens are kept per realm, service and scope set, and given up a
/// little before they expire.
final class TokenCacheTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_700_000_000)

    func testATokenIsKeptUntilShortlyBeforeItExpires() {
        let cache = TokenCache()
        let key = TokenCache.key(realm: "https://auth.test/token", service: "registry.test", scopes: ["repository:a:pull"])
        cache.store("t1", for: key, expiresIn: 300, now: now)
        XCTAssertEqual(cache.token(for: key, now: now), "t1")
        XCTAssertEqual(cache.token(for: key, now: now.addingTimeInterval(269)), "t1")
        // 30 s early for a 300 s token: not handed out for a request that could outlive it.
        XCTAssertNil(cache.token(for: key, now: now.addingTimeInterval(271)))
        XCTAssertNil(cache.token(for: key, now: now), "an expired entry is dropped, not revived")
    }

    func testAShortLivedTokenIsRenewedAQuarterEarly() {
        let cache = TokenCache()
        cache.store("t", for: "k", expiresIn: 8, now: now)
        XCTAssertEqual(cache.token(for: "k", now: now.addingTimeInterval(5.9)), "t")
        XCTAssertNil(cache.token(for: "k", now: now.addingTimeInterval(6.1)))
        cache.store("t", for: "k", expiresIn: 0, now: now)
        XCTAssertEqual(cache.token(for: "k", now: now.addingTimeInterval(0.9)), "t", "kept at least a second")
    }

    func testTheKeyIsTheScopeSetNotItsOrder() {
        let cache = TokenCache()
        cache.store("both", for: TokenCache.key(realm: "r", service: "s", scopes: ["repository:b:pull", "repository:a:pull,push"]),
                    expiresIn: 300, now: now)
        XCTAssertEqual(cache.token(for: TokenCache.key(realm: "r", service: "s", scopes: ["repository:a:pull,push", "repository:b:pull"]),
                                   now: now), "both")
        for other in [TokenCache.key(realm: "r", service: "s", scopes: ["repository:a:pull,push"]),
                      TokenCache.key(realm: "r", service: "other", scopes: ["repository:a:pull,push", "repository:b:pull"]),
                      TokenCache.key(realm: "r2", service: "s", scopes: ["repository:a:pull,push", "repository:b:pull"]),
                      TokenCache.key(realm: "r", service: nil, scopes: ["repository:a:pull,push", "repository:b:pull"])] {
            XCTAssertNil(cache.token(for: other, now: now), other)
        }
    }

    func testARemovedTokenIsGone() {
        let cache = TokenCache()
        cache.store("t", for: "k", expiresIn: 300, now: now)
        cache.store("u", for: "j", expiresIn: 300, now: now)
        cache.remove("k")
        XCTAssertNil(cache.token(for: "k", now: now))
        XCTAssertEqual(cache.token(for: "j", now: now), "u")
    }
}
