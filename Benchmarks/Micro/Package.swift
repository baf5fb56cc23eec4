// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The engine's package, two folders up. A path dependency's identity is its folder's name
// (`main` in the lead's checkout), and the module alias below only applies when the product is
// referenced by that identity, so it is computed rather than spelled out.
let engineIdentity = URL(fileURLWithPath: Context.packageDirectory)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// Micro-benchmarks of wasm-tier's internals with package-benchmark (ordo-one/benchmark).
// A package of its own so that the engine's package does not depend on the benchmark
// harness. Run from this folder: `swift package benchmark` (see README.md).
let package = Package(
    name: "WasmTierMicroBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        // MallocInterposer only: the malloc counters without jemalloc, and without the Linux
        // Swift 6.3 ARC runtime interposer (a default trait whose package is not needed here).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "WasmTierBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WasmTierCore", package: engineIdentity),
                // The engine's `Runtime` module is renamed here: package-benchmark checks
                // `canImport(Runtime)` for Swift's own backtracing module `Runtime`, and would
                // otherwise find and import ours.
                .product(name: "WasmTierRuntime", package: engineIdentity, moduleAliases: ["Runtime": "WasmRuntime"]),
            ],
            path: "Benchmarks/WasmTierBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
