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
            name: "ModelGet",
            dependencies: ["CCurl", "COpenSSL"]
        ),
        .executableTarget(
            name: "modelget",
            dependencies: [
                "ModelGet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
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
            dependencies: ["ModelGet"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ModelGet", "TestSupport"]
        ),
    ]
)
