import Foundation
@testable import ModelGet
import XCTest

/// Which CAs and client certificate a host gets: the first `certs.d`
/// directory that has the host wins (containers/image's order), its
/// `*.crt` are added to the system's CAs with `--cacert`'s, a client
/// certificate needs its key and the other way round.
final class TLSTrustTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tls-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    private func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func testTheFirstCertsDirectoryWithTheHostGivesItsCAsAddedToTheSystemsAndItsClientPair() throws {
        try write("system.pem", "SYSTEM\n")
        try write("extra.pem", "EXTRA\n")
        try write("home/registry:5000/ca.crt", "HOME-CA\n")
        try write("home/registry:5000/client.cert", "CERT\n")
        try write("home/registry:5000/client.key", "KEY\n")
        try write("etc/registry:5000/other.crt", "ETC-CA\n")
        let trust = TLSTrust(extraCAFiles: [root.path + "/extra.pem"], certsDirectories: [root.path + "/home", root.path + "/etc"])
        let host = try trust.forHost("registry:5000", systemCAFile: root.path + "/system.pem")
        XCTAssertEqual(String(decoding: host.caBundle ?? Data(), as: UTF8.self), "SYSTEM\n\nEXTRA\n\nHOME-CA\n\n")
        XCTAssertEqual(host.clientCertificate, root.path + "/home/registry:5000/client.cert")
        XCTAssertEqual(host.clientKey, root.path + "/home/registry:5000/client.key")
        XCTAssertEqual(host.certsDirectory, root.path + "/home/registry:5000")

        // Another host: only the added CA; the port is part of the name.
        let other = try trust.forHost("registry", systemCAFile: root.path + "/system.pem")
        XCTAssertEqual(String(decoding: other.caBundle ?? Data(), as: UTF8.self), "SYSTEM\n\nEXTRA\n\n")
        XCTAssertNil(other.clientCertificate)
    }

    func testWithNothingAddedLibcurlsDefaultsOrTheEnvironmentsFilesStand() throws {
        let plain = try TLSTrust(certsDirectories: [root.path]).forHost("registry", systemCAFile: "/nonexistent")
        XCTAssertEqual(plain, HostTrust())
        let environment = TLSTrust(environment: ["SSL_CERT_FILE": "/x/ca.pem", "SSL_CERT_DIR": "/x/certs", "HOME": root.path])
        let host = try environment.forHost("registry", systemCAFile: nil)
        XCTAssertEqual(host.caFile, "/x/ca.pem")
        XCTAssertEqual(host.caDirectory, "/x/certs")
        XCTAssertNil(host.caBundle)
        XCTAssertEqual(environment.certsDirectories.first, root.path + "/.config/containers/certs.d")
    }

    func testAClientCertificateWithoutItsKeyOrAKeyWithoutItsCertificateIsAnError() throws {
        try write("a/registry/client.cert", "CERT\n")
        XCTAssertThrowsError(try TLSTrust(certsDirectories: [root.path + "/a"]).forHost("registry", systemCAFile: nil)) {
            XCTAssertTrue("\($0)".contains("client.key"), "\($0)")
        }
        try write("b/registry/client.key", "KEY\n")
        XCTAssertThrowsError(try TLSTrust(certsDirectories: [root.path + "/b"]).forHost("registry", systemCAFile: nil)) {
            XCTAssertTrue("\($0)".contains("client.cert"), "\($0)")
        }
    }

    func testAHostNameThatIsNotADirectoryNameFindsNothing() throws {
        try write("c/ca.crt", "CA\n")
        let trust = TLSTrust(certsDirectories: [root.path + "/c"])
        XCTAssertNil(trust.certsDirectory(for: ""))
        XCTAssertNil(trust.certsDirectory(for: ".."))
        XCTAssertNil(trust.certsDirectory(for: "a/../.."))
    }
}
