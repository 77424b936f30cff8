import XCTest
@testable import ModelGet

final class AuthChallengeTests: XCTestCase {
    func testBearerWithQuotedValues() {
        let challenges = AuthChallenge.parse(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#)
        XCTAssertEqual(challenges, [AuthChallenge(scheme: "bearer", parameters: [
            "realm": "https://auth.docker.io/token", "service": "registry.docker.io",
            "scope": "repository:library/ubuntu:pull",
        ])])
    }

    func testCommasAndEscapesInsideQuotes() {
        let challenges = AuthChallenge.parse(
            #"Bearer realm="https://a.example/token?x=1,2",scope="repository:a/b:pull,push repository:c/d:pull",error="say \"hi\"""#)
        XCTAssertEqual(challenges.count, 1)
        XCTAssertEqual(challenges[0].parameters["realm"], "https://a.example/token?x=1,2")
        XCTAssertEqual(challenges[0].parameters["scope"], "repository:a/b:pull,push repository:c/d:pull")
        XCTAssertEqual(challenges[0].parameters["error"], #"say "hi""#)
    }

    func testSeveralChallengesInOneHeader() {
        let challenges = AuthChallenge.parse(#"Basic realm="basic-realm", Bearer realm="https://t.example/token", service=reg"#)
        XCTAssertEqual(challenges.map(\.scheme), ["basic", "bearer"])
        XCTAssertEqual(challenges[0].parameters, ["realm": "basic-realm"])
        XCTAssertEqual(challenges[1].parameters, ["realm": "https://t.example/token", "service": "reg"])
    }

    func testSeveralHeaderValuesAndCaseInsensitiveNames() {
        let challenges = AuthChallenge.parse([#"BASIC Realm="r1""#, #"bearer REALM="https://x/t",Service="s""#])
        XCTAssertEqual(challenges.map(\.scheme), ["basic", "bearer"])
        XCTAssertEqual(challenges[1].parameters, ["realm": "https://x/t", "service": "s"])
    }

    func testSpacesAroundEqualsAndEmptyInput() {
        XCTAssertEqual(AuthChallenge.parse(#"Bearer realm = "x" , service = y"#).first?.parameters, ["realm": "x", "service": "y"])
        XCTAssertEqual(AuthChallenge.parse(""), [])
        XCTAssertEqual(AuthChallenge.parse("Negotiate").map(\.scheme), ["negotiate"])
    }
}
