// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// web's client of one service, generated at build time from that service's own OpenAPI document
/// (`Clients/<name>/openapi.yaml` links to it).
func generatedClient(_ name: String) -> Target {
    .target(
        name: name,
        dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
        path: "Clients/\(name)",
        swiftSettings: swiftSettings,
        plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
    )
}

let package = Package(
    name: "MentorClaims",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "claims-intake", targets: ["ClaimsIntake"]),
        .executable(name: "payments", targets: ["Payments"]),
        .executable(name: "audit-sampling", targets: ["AuditSampling"]),
        .executable(name: "notifications", targets: ["Notifications"]),
        .executable(name: "web", targets: ["Web"]),
        .executable(name: "bus-probe", targets: ["BusProbe"]),
        .executable(name: "bus-bench", targets: ["BusBench"]),
        .executable(name: "intake-bench", targets: ["IntakeBench"]),
        .executable(name: "payments-bench", targets: ["PaymentsBench"]),
        .executable(name: "audit-bench", targets: ["AuditBench"]),
        .executable(name: "notifications-bench", targets: ["NotificationsBench"]),
        .executable(name: "end-to-end-bench", targets: ["EndToEndBench"]),
        .executable(name: "web-bench", targets: ["WebBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // Already in the graph through Hummingbird; named for NIOEmbedded and HTTPTypes in
        // in-process HTTP tests.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // TLS for the SMTP client's STARTTLS (already in the graph through Hummingbird's
        // dependencies).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The web front door's page templates (the Hummingbird ecosystem's Mustache engine).
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // web's clients of the four services, generated from their OpenAPI documents at build
        // time, and their transport over Foundation's URLSession.
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession.git", from: "1.4.0"),
    ],
    targets: [
        // The only code that touches libzmq.
        .systemLibrary(
            name: "CZeroMQ",
            path: "Shared/CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(
            name: "MessagingZMQ",
            dependencies: [
                "CZeroMQ",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/MessagingZMQ",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Messages",
            dependencies: ["Messaging"],
            path: "Shared/Messages",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Messaging",
            dependencies: [
                "Storage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Messaging",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Storage",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            path: "Shared/Storage",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceSupport",
            dependencies: [
                "Messaging",
                "MessagingZMQ",
                "Storage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Shared/ServiceSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Messaging",
                "Storage",
                "ServiceSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Shared/Testing",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ClaimsIntake",
            dependencies: ["ServiceSupport", "Messages", .product(name: "HTTPTypes", package: "swift-http-types")],
            path: "Services/ClaimsIntake",
            resources: [.copy("HTTP/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Payments",
            dependencies: ["ServiceSupport", "Messages"],
            path: "Services/Payments",
            resources: [.copy("HTTP/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AuditSampling",
            dependencies: ["ServiceSupport", "Messages"],
            path: "Services/AuditSampling",
            resources: [.copy("HTTP/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Notifications",
            dependencies: [
                "ServiceSupport", "Messages",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Notifications",
            resources: [.copy("HTTP/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Web",
            dependencies: [
                "ServiceSupport", "Messages", "Messaging", "Storage", "ClaimsIntakeAPI", "PaymentsAPI", "AuditSamplingAPI", "NotificationsAPI",
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Services/Web",
            resources: [.copy("Templates"), .copy("Assets"), .copy("HTTP/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // A test-only producer/consumer used by the bus tests on real processes.
        .executableTarget(
            name: "BusProbe",
            dependencies: [
                "Messaging",
                "MessagingZMQ",
                "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/BusProbe",
            swiftSettings: swiftSettings
        ),
        // The bus benchmark run by `make bench`.
        .executableTarget(
            name: "BusBench",
            dependencies: [
                "CZeroMQ",
                "Messaging",
                "MessagingZMQ",
                "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/BusBench",
            swiftSettings: swiftSettings
        ),
        // What the service benchmarks share: starting a release service, waiting, reading memory.
        .target(
            name: "BenchSupport",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tools/BenchSupport",
            swiftSettings: swiftSettings
        ),
        // The claims-intake benchmark run by `make bench`.
        .executableTarget(
            name: "IntakeBench",
            dependencies: [
                "ServiceSupport",
                "BenchSupport",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/IntakeBench",
            swiftSettings: swiftSettings
        ),
        // The payments benchmark run by `make bench`.
        .executableTarget(
            name: "PaymentsBench",
            dependencies: [
                "ServiceSupport",
                "BenchSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/PaymentsBench",
            swiftSettings: swiftSettings
        ),
        // The end-to-end benchmark run by `make bench`.
        .executableTarget(
            name: "EndToEndBench",
            dependencies: [
                "ServiceSupport", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/EndToEndBench",
            swiftSettings: swiftSettings
        ),
        // The notifications benchmark run by `make bench`.
        .executableTarget(
            name: "NotificationsBench",
            dependencies: [
                "BenchSupport", "Messages", "Messaging", "MessagingZMQ", "Storage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tools/NotificationsBench",
            swiftSettings: swiftSettings
        ),
        // The web benchmark run by `make bench`.
        .executableTarget(
            name: "WebBench",
            dependencies: [
                "ServiceSupport", "BenchSupport", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/WebBench",
            swiftSettings: swiftSettings
        ),
        // The audit-sampling benchmark run by `make bench`.
        .executableTarget(
            name: "AuditBench",
            dependencies: [
                "ServiceSupport",
                "BenchSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/AuditBench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: ["Messages", "Messaging", "MessagingZMQ", "Storage", "TestSupport"],
            path: "Tests/MessagingTests",
            // One JSON file per message type, read by GoldenMessageTests from the source tree.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceSupportTests",
            dependencies: [
                "ServiceSupport", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tests/ServiceSupportTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClaimsIntakeTests",
            dependencies: ["ClaimsIntake", "TestSupport"],
            path: "Tests/ClaimsIntakeTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PaymentsTests",
            dependencies: ["Payments", "TestSupport", "Messages", "ServiceSupport"],
            path: "Tests/PaymentsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditSamplingTests",
            dependencies: ["AuditSampling", "TestSupport"],
            path: "Tests/AuditSamplingTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotificationsTests",
            dependencies: ["Notifications", "TestSupport", "Messages"],
            path: "Tests/NotificationsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "TestSupport", "Messages", "Messaging", "Storage", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            path: "Tests/WebTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TestSupport", "ServiceSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: swiftSettings
        ),
    ]
)

package.targets += ["ClaimsIntakeAPI", "PaymentsAPI", "AuditSamplingAPI", "NotificationsAPI"].map(generatedClient)
