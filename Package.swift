// swift-tools-version: 6.1
import PackageDescription

// Engine modules live in Modules/<Name>, their tests in Tests/<Name>Tests. The dependency
// direction is the one of Docs/ARCHITECTURE.md: WasmCore <- Decoder <- Validator <- ...
// The execution path reads and writes class properties (tables, globals, memory sizes) on
// every instruction that touches them; Swift's dynamic exclusivity checks cost more than the
// work there (measured: a fifth of all instructions on a call-heavy program). The interpreter's
// accesses never overlap, so the checks are off for these two targets.
let executionSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
// The optimizing tier's passes read and write the procedure's value and block arrays through a
// class (passes share one instance): the checks were a tenth of compile time. Off in release
// builds only, so that the tests (debug) still catch an overlapping access.
let compilerSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "wasm-tier",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "wasm-tier", targets: ["WasmTierMain"]),
        .library(name: "WasmTierCore", targets: ["WasmCore", "Decoder", "Validator"]),
        .library(name: "WasmTierRuntime", targets: ["Runtime", "Interpreter", "WASIBridge", "TextFormat"]),
        .library(name: "WasmTier", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only the text-format library (WAT) of WasmKit: .wat/.wast input for the CLI and tests.
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2"),
    ],
    targets: [
        .target(name: "WasmCore", path: "Modules/WasmCore"),
        .target(name: "Decoder", dependencies: ["WasmCore"], path: "Modules/Decoder"),
        .target(name: "Validator", dependencies: ["WasmCore", "Decoder"], path: "Modules/Validator"),
        .target(
            name: "Runtime", dependencies: ["WasmCore", "Decoder", "Validator", "MachineCode"], path: "Modules/Runtime",
            swiftSettings: executionSettings),
        .target(
            name: "Interpreter", dependencies: ["WasmCore", "Decoder", "Validator", "Runtime", "MachineCode", "InterpreterLoop"], path: "Modules/Interpreter",
            swiftSettings: executionSettings),
        .target(
            name: "WASIBridge",
            dependencies: ["WasmCore", "Runtime", .product(name: "WASI", package: "WasmKit")],
            path: "Modules/WASIBridge"),
        .target(
            name: "Engine", dependencies: ["WasmCore", "Decoder", "Validator", "Runtime", "Interpreter", "MachineCode", "CSupport", "Air", "IR", "IRGen", "Optimizer", "X86_64Backend"],
            path: "Modules/Engine"),
        .target(
            name: "TextFormat",
            dependencies: [
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
            ],
            path: "Modules/TextFormat"),
        .target(
            name: "SpecHarness",
            dependencies: ["WasmCore", "Decoder", "Validator", "TextFormat", "Runtime", "Interpreter"],
            path: "Modules/SpecHarness"),
        .target(
            name: "WasmTierCLI",
            dependencies: [
                "WasmCore", "Decoder", "Validator", "TextFormat", "SpecHarness", "Runtime", "Interpreter", "WASIBridge", "Engine",
                "IR", "IRGen", "Optimizer", "X86_64Backend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Modules/WasmTierCLI"),
        .executableTarget(name: "WasmTierMain", dependencies: ["WasmTierCLI"], path: "Modules/WasmTierMain"),
        // The optimizing tier. IR knows nothing of Wasm; Optimizer only of IR.
        .target(name: "IR", path: "Modules/IR", swiftSettings: compilerSettings),
        .target(name: "Optimizer", dependencies: ["IR"], path: "Modules/Optimizer", swiftSettings: compilerSettings),
        // Air knows nothing of IR; the backend lowers IR to Air and emits Air.
        .target(name: "Air", path: "Modules/Air", swiftSettings: compilerSettings),
        // C the engine cannot write in Swift: thread stack bounds, the guard-page signal handler.
        .target(name: "CSupport", path: "Modules/CSupport"),
        .target(name: "InterpreterLoop", path: "Modules/InterpreterLoop"),
        .target(name: "MachineCode", dependencies: ["CSupport"], path: "Modules/MachineCode"),
        .target(name: "IRGen", dependencies: ["WasmCore", "Decoder", "Validator", "IR", "MachineCode"], path: "Modules/IRGen",
                swiftSettings: compilerSettings),
        .target(name: "X86_64Backend", dependencies: ["IR", "Air", "MachineCode"], path: "Modules/X86_64Backend",
                swiftSettings: compilerSettings),
        .target(name: "Fuzzing", dependencies: ["Decoder", "Validator"], path: "Modules/Fuzzing"),
        .executableTarget(name: "wasm-tier-fuzz", dependencies: ["Decoder", "Fuzzing"], path: "Tools/Fuzz", exclude: ["simd-diff.py"]),
        .executableTarget(name: "wasm-tier-bench", dependencies: ["Decoder", "Validator", "Interpreter", "Engine", "MachineCode"], path: "Benchmarks/Runner"),

        .testTarget(name: "FileTests", dependencies: ["IR", "Optimizer", "Air", "X86_64Backend"], exclude: ["Cases"]),
        .testTarget(name: "X86_64BackendTests", dependencies: ["IR", "Optimizer", "Air", "X86_64Backend", "MachineCode"]),
        .testTarget(name: "CLITests", dependencies: ["WasmTierMain"], path: "Tests/CLITests"),
        .testTarget(name: "DecoderTests", dependencies: ["WasmCore", "Decoder"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TextFormat"]),
        .testTarget(name: "ValidatorTests", dependencies: ["WasmCore", "Decoder", "Validator", "TextFormat"]),
        .testTarget(name: "RuntimeTests", dependencies: ["WasmCore", "Decoder", "Validator", "Runtime", "Interpreter", "TextFormat"]),
        .testTarget(
            name: "SpecTests",
            dependencies: [
                "WasmCore", "Decoder", "Validator", "TextFormat", "SpecHarness", "Fuzzing", "WasmTierCLI", "Engine", "IRGen", "MachineCode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ]
)
