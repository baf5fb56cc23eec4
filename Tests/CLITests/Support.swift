import Foundation

/// Where things are: the package (from this file's path), the WASI test programs, the
/// `wasm-tier` binary and native builds of the programs.
enum Locations {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let programs = package.appendingPathComponent("Tests/WASIPrograms")

    /// The `wasm-tier` binary: `$WASM_TIER_BIN`; else the one beside the running test binary
    /// (SwiftPM builds it because this target depends on `WasmTierMain`); else
    /// `.build-tests/debug`, `.build/debug`, `.build/release`.
    static let wasmTier: String? = {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["WASM_TIER_BIN"] { candidates.append(env) }
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent("wasm-tier").path)
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("wasm-tier").path)
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("wasm-tier").path)
        for dir in [".build-tests/debug", ".build/debug", ".build/release"] {
            candidates.append(package.appendingPathComponent(dir).appendingPathComponent("wasm-tier").path)
        }
        return candidates.first { fm.isExecutableFile(atPath: $0) }
    }()

    static let missingWasmTier =
        "no wasm-tier binary found (set WASM_TIER_BIN, or build it: swift build --product wasm-tier)"
}

/// What a process did.
struct Outcome: Sendable {
    var stdout: Data
    var stderr: Data
    /// The exit status, or the signal number when `signalled`.
    var status: Int32
    var signalled: Bool
    var timedOut: Bool

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    var summary: String {
        let how = timedOut ? "timed out" : signalled ? "killed by signal \(status)" : "exit \(status)"
        return "\(how)\n--- stdout\n\(stdoutText.prefix(4000))\n--- stderr\n\(stderrText.prefix(4000))"
    }
}

struct ProcessError: Error, CustomStringConvertible {
    var description: String
}

private final class Collected: @unchecked Sendable {
    var data = Data()
}

private let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

/// Runs `executable` with exactly `environment`, feeding `stdin`, collecting both output streams
/// (read concurrently, so large outputs cannot deadlock), killing it after `timeout` seconds.
func execute(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: Data = Data(),
    directory: URL? = nil, timeout: TimeInterval = 600
) throws -> Outcome {
    _ = ignoreSIGPIPE
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    if let directory { process.currentDirectoryURL = directory }
    let input = Pipe(), output = Pipe(), error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()

    let group = DispatchGroup()
    let out = Collected(), err = Collected()
    DispatchQueue.global().async(group: group) { out.data = output.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { err.data = error.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) {
        // A program that does not read its input closes the pipe: EPIPE, ignored.
        if !stdin.isEmpty { try? input.fileHandleForWriting.write(contentsOf: stdin) }
        try? input.fileHandleForWriting.close()
    }
    let timedOut = Collected()
    let killer = DispatchWorkItem {
        if process.isRunning {
            timedOut.data = Data([1])
            process.terminate()
        }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    process.waitUntilExit()
    killer.cancel()
    group.wait()
    return Outcome(
        stdout: out.data, stderr: err.data, status: process.terminationStatus,
        signalled: process.terminationReason == .uncaughtSignal, timedOut: !timedOut.data.isEmpty)
}

/// Native builds of C programs: `prebuilt/<name>` when it is at least as new as the source
/// (`Tools/build-wasi-tests` writes `.build-wasi-native/`), else compiled once per test process
/// with `$CC` or `cc` into a temporary directory.
final class NativeBuilds: @unchecked Sendable {
    static let shared = NativeBuilds()

    private let lock = NSLock()
    private var built: [String: Result<String, ProcessError>] = [:]
    private lazy var directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wasm-tier-native-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        NativeBuilds.temporaryDirectory = dir.path
        atexit { if let dir = NativeBuilds.temporaryDirectory { try? FileManager.default.removeItem(atPath: dir) } }
        return dir
    }()
    nonisolated(unsafe) private static var temporaryDirectory: String?

    func binary(source: URL, prebuilt: URL?, libraries: [String] = []) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let key = source.path
        if let result = built[key] { return try result.get() }
        let result = Result { try build(source: source, prebuilt: prebuilt, libraries: libraries) }
            .mapError { $0 as? ProcessError ?? ProcessError(description: "\($0)") }
        built[key] = result
        return try result.get()
    }

    private func build(source: URL, prebuilt: URL?, libraries: [String]) throws -> String {
        let fm = FileManager.default
        let name = source.deletingPathExtension().lastPathComponent
        if let prebuilt, fm.isExecutableFile(atPath: prebuilt.path),
           let builtDate = (try? fm.attributesOfItem(atPath: prebuilt.path))?[.modificationDate] as? Date,
           let sourceDate = (try? fm.attributesOfItem(atPath: source.path))?[.modificationDate] as? Date,
           builtDate >= sourceDate {
            return prebuilt.path
        }
        let environment = ProcessInfo.processInfo.environment
        let compiler = environment["CC"] ?? "cc"
        let output = directory.appendingPathComponent(name).path
        let outcome = try execute(
            "/usr/bin/env", [compiler, "-O2", "-w", source.path, "-o", output] + libraries, environment: environment)
        guard outcome.status == 0, !outcome.signalled, fm.isExecutableFile(atPath: output) else {
            throw ProcessError(description: "cannot build \(source.path) natively with \(compiler): \(outcome.summary)")
        }
        return output
    }
}

/// A directory tree as data, to compare what two runs left behind.
enum TreeEntry: Equatable, CustomStringConvertible {
    case file(Data)
    case directory
    case symlink(String)

    var description: String {
        switch self {
        case .file(let d): "file (\(d.count) bytes)"
        case .directory: "directory"
        case .symlink(let t): "symlink -> \(t)"
        }
    }
}

func snapshot(_ root: URL) throws -> [String: TreeEntry] {
    let fm = FileManager.default
    var result: [String: TreeEntry] = [:]
    func walk(_ relative: String) throws {
        let dir = relative.isEmpty ? root.path : root.path + "/" + relative
        for name in try fm.contentsOfDirectory(atPath: dir).sorted() {
            let rel = relative.isEmpty ? name : relative + "/" + name
            let path = root.path + "/" + rel
            let type = try fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType
            switch type {
            case .typeSymbolicLink?:
                result[rel] = .symlink(try fm.destinationOfSymbolicLink(atPath: path))
            case .typeDirectory?:
                result[rel] = .directory
                try walk(rel)
            default:
                result[rel] = .file(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
    }
    try walk("")
    return result
}

/// Deterministic bytes (all 256 values, zeros included) for inputs.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> Data {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        bytes[i] = UInt8(truncatingIfNeeded: state >> 33)
    }
    return Data(bytes)
}
