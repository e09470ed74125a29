// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "signoff",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "signoff", targets: ["signoff"]),
        .executable(name: "signoff-bench", targets: ["signoff-bench"]),
        .library(name: "SignoffCore", targets: ["SignoffCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // Pure domain: model, validation, policy, lifecycle. No storage, no terminal.
        .target(
            name: "SignoffCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // PostgreSQL's C client (libpq-dev): the shared store's driver.
        .systemLibrary(name: "CLibpq", path: "Sources/CLibpq", providers: [.apt(["libpq-dev"])]),
        // The only code that talks to a database: SQLite, or PostgreSQL through libpq.
        .target(
            name: "SignoffStore",
            dependencies: [
                "SignoffCore", "CLibpq",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Reconciliation's readers: identity platforms' exports into observations (no store, no terminal).
        .target(
            name: "SignoffReconcile",
            dependencies: [
                "SignoffCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Pure terminal UI: model, update, view into a cell grid. Never imports ncurses.
        .target(name: "SignoffTUI", dependencies: ["SignoffCore"]),
        // Signing decisions: the ssh-agent client and ssh-keygen; the only code that talks to them.
        .target(name: "SignoffSigning", dependencies: ["SignoffCore"]),
        // The glue both executables share: the console's backend over the store, the demo store.
        .target(name: "SignoffApp", dependencies: ["SignoffCore", "SignoffStore", "SignoffTUI", "SignoffReconcile", "SignoffSigning", "SignoffJira"]),
        // Jira intake: reading issues, the mapping file, the REST client, write-back comments.
        // No store and no command layer: SignoffApp runs imports and write-back through them.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "SignoffJira", dependencies: ["SignoffCore", "CCurl", .product(name: "Yams", package: "Yams")]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        // The only code that imports ncurses.
        .target(name: "CursesTerminal", dependencies: ["CNcursesw", "SignoffTUI"]),
        .executableTarget(
            name: "signoff",
            dependencies: [
                "SignoffCore", "SignoffStore", "SignoffTUI", "SignoffApp", "CursesTerminal", "SignoffJira", "SignoffReconcile", "SignoffSigning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "signoff-bench",
            dependencies: ["SignoffCore", "SignoffStore", "SignoffTUI", "SignoffApp", "LoopbackHTTP", "SignoffReconcile", "SignoffJira",
                           "SignoffSigning", "CLibpq",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "SignoffCoreTests", dependencies: ["SignoffCore"]),
        .testTarget(name: "SignoffReconcileTests", dependencies: ["SignoffCore", "SignoffReconcile"]),
        .testTarget(name: "SignoffStoreTests", dependencies: ["SignoffCore", "SignoffStore", .product(name: "GRDB", package: "GRDB.swift"),
                                                           .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "SignoffTUITests", dependencies: ["SignoffCore", "SignoffTUI"]),
        .testTarget(name: "SignoffAppTests", dependencies: ["SignoffCore", "SignoffStore", "SignoffTUI", "SignoffApp", "LoopbackHTTP", "SignoffJira"]),
        .testTarget(name: "SignoffJiraTests", dependencies: ["SignoffCore", "SignoffJira", "SignoffSigning", "LoopbackHTTP"]),
        .testTarget(name: "EndToEndTests", dependencies: ["SignoffCore", "SignoffStore", "SignoffTUI", "SignoffApp", "SignoffSigning", "LoopbackHTTP"]),
        // Peers that tests (and the benchmark) start on loopback: an HTTP server that records
        // requests and can answer an error, hang or drop; an SMTP sink. POSIX sockets only.
        .target(name: "LoopbackHTTP", path: "Tests/Support/LoopbackHTTP"),
        .testTarget(name: "SignoffSigningTests", dependencies: ["SignoffCore", "SignoffSigning", .product(name: "Crypto", package: "swift-crypto")]),
    ]
)
