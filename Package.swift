// swift-tools-version: 6.1
// pro380-mqtt: a Modbus / M-Bus / IEC 62056-21 to MQTT bridge for Inepro PRO380 energy meters.
import PackageDescription

let upcomingFeatures: [SwiftSetting] = [
    // SE-0335: existential types are spelled `any P`.
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
    .enableUpcomingFeature("ExistentialAny"),
    // SE-0409: imports are internal unless marked `package import` or `public import`.
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    .enableUpcomingFeature("InternalImportsByDefault"),
    // SE-0444: a file sees only the members of modules it imports itself.
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    .enableUpcomingFeature("MemberImportVisibility"),
]

// The protocol clients are plain classes owned by their bus's `BusLine` actor: with SE-0461 their async methods
// run on the caller's executor (the bus actor), so a transaction does not hop to another executor per call.
// https://github.com/swiftlang/swift-evolution/blob/main/proposals/0461-async-function-isolation.md
let clientFeatures = upcomingFeatures + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

let package = Package(
    name: "pro380-mqtt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pro380-mqtt", targets: ["pro380-mqtt"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev", "libssl-dev"])]
        ),
        .target(
            name: "MQTT",
            dependencies: ["CMosquitto", .product(name: "Logging", package: "swift-log")],
            swiftSettings: upcomingFeatures
        ),
        // The byte buffer the pure codecs share: no I/O, no dependencies.
        .target(name: "CodecSupport", swiftSettings: upcomingFeatures),
        .target(
            name: "SerialIO",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: upcomingFeatures
        ),
        // Child processes started with a clean signal state (`ChildSpawn`): the benchmarks' and the tests'
        // mosquitto and bridges. No dependencies.
        .target(name: "ProcessSpawn", swiftSettings: upcomingFeatures),
        .target(
            name: "Modbus",
            dependencies: ["CodecSupport", "SerialIO", .product(name: "Logging", package: "swift-log")],
            swiftSettings: clientFeatures
        ),
        .target(name: "MBus", dependencies: ["SerialIO"], swiftSettings: clientFeatures),
        .target(name: "IEC62056", dependencies: ["CodecSupport", "SerialIO"], swiftSettings: clientFeatures),
        .target(name: "PRO380", swiftSettings: upcomingFeatures),
        // What the bridge and the simulator know about the PRO380 per protocol, beside the register table: the
        // M-Bus record and OBIS mappings, the Modbus and M-Bus write encodings.
        .target(
            name: "PRO380Protocols",
            dependencies: ["PRO380", "Modbus", "MBus", "IEC62056"],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "Outbox",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API (GRDB's module of it), for binding the store's multi-row statements directly.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "Simulator",
            dependencies: [
                "CodecSupport", "PRO380", "PRO380Protocols", "Modbus", "MBus", "IEC62056", "SerialIO",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "Bridge",
            dependencies: [
                "PRO380", "PRO380Protocols", "MQTT", "Modbus", "MBus", "IEC62056", "SerialIO", "Outbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "Benchmarking",
            dependencies: ["PRO380", "Modbus", "MBus", "SerialIO", "Simulator"],
            swiftSettings: upcomingFeatures
        ),
        .executableTarget(
            name: "pro380-mqtt",
            dependencies: [
                "Bridge", "Simulator", "Benchmarking", "PRO380", "MQTT", "Modbus", "MBus", "IEC62056", "SerialIO",
                "Outbox", "ProcessSpawn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "CodecSupport", "SerialIO", "ProcessSpawn", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "ModbusTests",
            dependencies: ["CodecSupport", "Modbus", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(name: "MBusTests", dependencies: ["MBus", "TestSupport"], swiftSettings: upcomingFeatures),
        .testTarget(
            name: "IEC62056Tests",
            dependencies: ["IEC62056", "CodecSupport", "TestSupport"],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "PRO380Tests",
            dependencies: ["PRO380", "Benchmarking", "CodecSupport", "TestSupport"],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(name: "SerialIOTests", dependencies: ["SerialIO", "TestSupport"], swiftSettings: upcomingFeatures),
        .testTarget(name: "ProcessSpawnTests", dependencies: ["ProcessSpawn"], swiftSettings: upcomingFeatures),
        .testTarget(
            name: "BridgeTests",
            dependencies: [
                "Bridge", "PRO380", "MQTT", "Modbus", "SerialIO", "Outbox", "Benchmarking", "CodecSupport",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "BenchmarkingTests",
            dependencies: ["Benchmarking", "PRO380", "Modbus", "SerialIO", "Simulator"],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "TestSupport"], swiftSettings: upcomingFeatures),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox", "TestSupport"], swiftSettings: upcomingFeatures),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Bridge", "Simulator", "PRO380", "PRO380Protocols", "MQTT", "Modbus", "MBus", "IEC62056", "SerialIO",
                "Outbox", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcomingFeatures
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzzing: one libFuzzer executable (Fuzz/Sources), declared only when the manifest is evaluated with PRO380_FUZZ
// set, as `scripts/fuzz.sh` does with `-sanitize=fuzzer` and its own build folder. Its entry point hands over to
// libFuzzer's driver (`LLVMFuzzerRunDriver`), which only `-sanitize=fuzzer` links in, so a plain `swift build` could
// not link it; this way `swift build` and `swift test` never see it.
if Context.environment["PRO380_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "pro380-fuzz",
            dependencies: ["Modbus", "MBus", "IEC62056", "Bridge", "PRO380"],
            path: "Fuzz/Sources",
            swiftSettings: upcomingFeatures + [.unsafeFlags(["-parse-as-library"])]
        )
    )
}
