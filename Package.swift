// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "modelget",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ModelGet", targets: ["ModelGet"]),
        .executable(name: "modelget", targets: ["modelget"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "COpenSSL",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(
            name: "CArchive",
            linkerSettings: [.linkedLibrary("archive")]
        ),
        .target(
            name: "ModelGet",
            dependencies: [
                "CCurl", "COpenSSL", "CArchive",
                // registries.conf (containers-registries.conf(5)) is TOML.
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "ModelGetServe",
            dependencies: [
                "ModelGet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The commands, in a library so tests can run a command line in-process.
        .target(
            name: "ModelGetCLI",
            dependencies: [
                "ModelGet",
                "ModelGetServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "modelget",
            dependencies: ["ModelGetCLI"]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["COpenSSL"],
            path: "Tests/TestSupport"
        ),
        .executableTarget(
            name: "modelget-testkit",
            dependencies: ["TestSupport"],
            path: "Tests/TestKit"
        ),
        // Fuzz targets: a seeded mutation driver by default; libFuzzer's
        // entry point with `make fuzz` (-sanitize=fuzzer -DLIBFUZZER).
        .executableTarget(
            name: "modelget-fuzz",
            dependencies: ["ModelGet"],
            path: "Fuzz",
            exclude: ["corpus", "README.md"]
        ),
        .testTarget(
            name: "ModelGetTests",
            dependencies: ["ModelGet", "TestSupport"]
        ),
        // Command lines run in-process through CommandLineRunner (Swift Testing).
        .testTarget(
            name: "ModelGetCLITests",
            dependencies: ["ModelGetCLI", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ModelGet", "TestSupport"]
        ),
        .testTarget(
            name: "ServeTests",
            dependencies: ["ModelGet", "ModelGetServe", "TestSupport"]
        ),
    ]
)
