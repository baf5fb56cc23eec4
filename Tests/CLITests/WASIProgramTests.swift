import Foundation
import Testing

/// The C programs of `Tests/WASIPrograms` (built by `Tools/build-wasi-tests`; the `.wasm` files are
/// committed, the native builds are made here with `cc` when missing), each run natively and under
/// `wasm-tier run` with the same arguments, environment, standard input and a fresh preopened
/// directory at the same path: standard output, standard error, exit code and the files left in
/// the directory must be the same, byte for byte.
@Suite struct WASIProgramTests {
    /// What a test directory holds before a program runs. The preopened directory is `box`
    /// inside a fresh temporary root; `outside.txt` sits in the root, outside the sandbox.
    enum Fixture: Sendable {
        case empty
        case copySource
        case copyOverLongerFile
        case listing
        case escape

        func populate(root: URL) throws {
            let box = root.appendingPathComponent("box")
            let fm = FileManager.default
            func write(_ name: String, _ data: Data) throws { try data.write(to: box.appendingPathComponent(name)) }
            try fm.createDirectory(at: box, withIntermediateDirectories: true)
            switch self {
            case .empty:
                break
            case .copySource:
                try write("source.bin", pseudoRandomBytes(70_001, seed: 1))
            case .copyOverLongerFile:
                try write("source.bin", pseudoRandomBytes(1_234, seed: 2))
                try write("dest.bin", Data(repeating: 0x55, count: 9_999))
            case .listing:
                try write("b.txt", Data("bee\n".utf8))
                try write("a.txt", Data("a\n".utf8))
                try write("empty", Data())
                try write("große Datei.bin", pseudoRandomBytes(65_537, seed: 3))
                try fm.createDirectory(at: box.appendingPathComponent("sub/deeper"), withIntermediateDirectories: true)
                try write("sub/inner.txt", Data("not listed\n".utf8))
                try fm.createSymbolicLink(atPath: box.appendingPathComponent("link").path, withDestinationPath: "a.txt")
            case .escape:
                try Data("outside the sandbox\n".utf8).write(to: root.appendingPathComponent("outside.txt"))
                try write("inside.txt", Data("inside\n".utf8))
                try fm.createDirectory(at: box.appendingPathComponent("sub"), withIntermediateDirectories: true)
                try fm.createSymbolicLink(
                    atPath: box.appendingPathComponent("link").path,
                    withDestinationPath: root.appendingPathComponent("outside.txt").path)
                try fm.createSymbolicLink(atPath: box.appendingPathComponent("rlink").path, withDestinationPath: "../outside.txt")
                try fm.createSymbolicLink(atPath: box.appendingPathComponent("inlink").path, withDestinationPath: "inside.txt")
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var program: String
        /// `$DIR` stands for the preopened directory.
        var arguments: [String] = []
        var environment: [String: String] = [:]
        var stdin = Data()
        var fixture = Fixture.empty
        var expectedStatus: Int32 = 0
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "hello", program: "hello"),
        Case(
            label: "echo: arguments and WT_ variables",
            program: "echo",
            arguments: ["a b", "", "ünïcödé ✓", "--env", "X=1", "-x", "--", "last", "--help"],
            environment: ["WT_B": "2", "WT_A": "x y", "WT_EMPTY": "", "WT_EQ": "a=b=c", "OTHER": "not printed"]),
        Case(label: "echo: nothing", program: "echo"),
        Case(label: "echo: options of run first, for the program", program: "echo", arguments: ["--dir", "/tmp", "--", "-h"]),
        Case(label: "cat: 300 KB of binary", program: "cat", stdin: pseudoRandomBytes(300_000, seed: 4)),
        Case(label: "cat: empty input", program: "cat"),
        Case(label: "copy", program: "copy", arguments: ["$DIR/source.bin", "$DIR/dest.bin"], fixture: .copySource),
        Case(
            label: "copy over a longer file (truncates)", program: "copy",
            arguments: ["$DIR/source.bin", "$DIR/dest.bin"], fixture: .copyOverLongerFile),
        Case(
            label: "copy: missing source", program: "copy", arguments: ["$DIR/nothing.bin", "$DIR/dest.bin"],
            expectedStatus: 1),
        Case(label: "copy: usage", program: "copy", expectedStatus: 2),
        Case(label: "listdir", program: "listdir", arguments: ["$DIR"], fixture: .listing),
        Case(label: "listdir: a subdirectory", program: "listdir", arguments: ["$DIR/sub"], fixture: .listing),
        Case(label: "exitcode 0", program: "exitcode", arguments: ["0"]),
        Case(label: "exitcode 1", program: "exitcode", arguments: ["1"], expectedStatus: 1),
        Case(label: "exitcode 7", program: "exitcode", arguments: ["7"], expectedStatus: 7),
        Case(label: "exitcode 42", program: "exitcode", arguments: ["42"], expectedStatus: 42),
        Case(label: "exitcode 255", program: "exitcode", arguments: ["255"], expectedStatus: 255),
        Case(label: "clock_random", program: "clock_random"),
        Case(label: "compute (3 million rounds)", program: "compute", arguments: ["3000000"]),
    ]

    /// The same case natively and under `wasm-tier run`, in the same directory.
    func runBoth(_ c: Case, tier: String = "interp") throws -> (native: Outcome, wasm: Outcome, nativeTree: [String: TreeEntry], wasmTree: [String: TreeEntry]) {
        let wasmTier = try #require(Locations.wasmTier, Comment(rawValue: Locations.missingWasmTier))
        let source = Locations.programs.appendingPathComponent("\(c.program).c")
        let native = try NativeBuilds.shared.binary(
            source: source,
            prebuilt: Locations.package.appendingPathComponent(".build-wasi-native/\(c.program)"))
        let module = Locations.programs.appendingPathComponent("\(c.program).wasm").path

        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("wasm-tier-wasi-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        let box = root.appendingPathComponent("box")
        let arguments = c.arguments.map { $0.replacingOccurrences(of: "$DIR", with: box.path) }

        try c.fixture.populate(root: root)
        let nativeOutcome = try execute(native, arguments, environment: c.environment, stdin: c.stdin, directory: root)
        let nativeTree = try snapshot(root)

        try fm.removeItem(at: root)
        try c.fixture.populate(root: root)
        let options = ["run", "--tier", tier, "--dir", box.path] + c.environment.keys.sorted().flatMap { ["--env", "\($0)=\(c.environment[$0]!)"] }
        let wasmOutcome = try execute(
            wasmTier, options + [module] + arguments, environment: ProcessInfo.processInfo.environment, stdin: c.stdin,
            directory: root)
        let wasmTree = try snapshot(root)
        return (nativeOutcome, wasmOutcome, nativeTree, wasmTree)
    }

    static func compare(_ native: Outcome, _ wasm: Outcome, nativeTree: [String: TreeEntry], wasmTree: [String: TreeEntry]) {
        #expect(!wasm.signalled && !wasm.timedOut, "wasm-tier: \(wasm.summary)")
        #expect(wasm.status == native.status, "exit codes differ: native \(native.status), wasm-tier \(wasm.status)")
        #expect(wasm.stdout == native.stdout, "stdout differs:\n--- native\n\(native.stdoutText.prefix(3000))\n--- wasm-tier\n\(wasm.stdoutText.prefix(3000))")
        #expect(wasm.stderr == native.stderr, "stderr differs:\n--- native\n\(native.stderrText.prefix(3000))\n--- wasm-tier\n\(wasm.stderrText.prefix(3000))")
        for path in Set(nativeTree.keys).union(wasmTree.keys).sorted() where nativeTree[path] != wasmTree[path] {
            Issue.record("\(path): natively \(nativeTree[path].map { "\($0)" } ?? "absent"), under wasm-tier \(wasmTree[path].map { "\($0)" } ?? "absent")")
        }
    }

    @Test(arguments: cases, ["interp", "opt"])
    func matchesNative(_ c: Case, tier: String) throws {
        let (native, wasm, nativeTree, wasmTree) = try runBoth(c, tier: tier)
        #expect(!native.signalled && native.status == c.expectedStatus, "native: \(native.summary)")
        #expect(wasm.status == c.expectedStatus, "wasm-tier: \(wasm.summary)")
        WASIProgramTests.compare(native, wasm, nativeTree: nativeTree, wasmTree: wasmTree)
        if c.program == "clock_random" {
            #expect(!wasm.stdoutText.contains("NO"), "a clock or random fact does not hold:\n\(wasm.stdoutText)")
        }
        if c.program == "copy", c.expectedStatus == 0 {
            #expect(wasmTree["box/dest.bin"] == wasmTree["box/source.bin"], "the copy is not the source")
        }
    }

    /// Under wasm-tier every way out of the preopened directory is refused, and the two allowed
    /// opens succeed. Natively (no sandbox) all of them open, which shows the fixture is right.
    @Test func escapeIsDenied() throws {
        let c = Case(label: "escape", program: "escape", arguments: ["$DIR"], fixture: .escape)
        let (native, wasm, nativeTree, wasmTree) = try runBoth(c)
        let expected = """
            open DIR/../outside.txt              denied
            open /etc/passwd                     denied
            open DIR/link (absolute symlink)     denied
            open DIR/rlink (relative symlink)    denied
            open DIR/sub/../../outside.txt       denied
            opendir DIR/..                       denied
            open DIR/link for writing            denied
            open DIR/inside.txt (allowed)        OPENED
            open DIR/inlink (allowed)            OPENED

            """
        #expect(wasm.status == 0 && !wasm.signalled, "wasm-tier: \(wasm.summary)")
        #expect(wasm.stdoutText == expected)
        #expect(wasm.stderr.isEmpty, "wasm-tier: \(wasm.summary)")
        #expect(native.status == 0)
        #expect(!native.stdoutText.contains("denied"), "natively every attempt should open:\n\(native.stdoutText)")
        #expect(wasmTree == nativeTree, "the files differ after the runs")
        #expect(wasmTree["outside.txt"] == .file(Data("outside the sandbox\n".utf8)))
    }

    /// The full-size compute run (about a second natively, much longer interpreted); opt in with
    /// WASM_TIER_LONG_TESTS=1.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["WASM_TIER_LONG_TESTS"] != nil, "WASM_TIER_LONG_TESTS is not set"))
    func computeFullSize() throws {
        let c = Case(label: "compute (default size)", program: "compute")
        let (native, wasm, nativeTree, wasmTree) = try runBoth(c)
        WASIProgramTests.compare(native, wasm, nativeTree: nativeTree, wasmTree: wasmTree)
    }

    /// Some of the benchmark programs (`Benchmarks/programs`) at small sizes (each well under a
    /// second with a debug build; `minilang` has no size argument, so it is left out): natively
    /// (`Benchmarks/work/native/<name>`, else built here with `cc`) and under wasm-tier, the same
    /// output and exit code.
    @Test(arguments: [["nbody", "500"], ["sort", "5000"], ["lz", "8"], ["strings", "8"], ["bintrees", "6"], ["vm", "1000"]])
    func benchmarkProgramMatchesNative(_ nameAndArguments: [String]) throws {
        let wasmTier = try #require(Locations.wasmTier, Comment(rawValue: Locations.missingWasmTier))
        let name = nameAndArguments[0], arguments = Array(nameAndArguments.dropFirst())
        let programs = Locations.package.appendingPathComponent("Benchmarks/programs")
        let native = try NativeBuilds.shared.binary(
            source: programs.appendingPathComponent("\(name).c"),
            prebuilt: Locations.package.appendingPathComponent("Benchmarks/work/native/\(name)"), libraries: ["-lm"])
        let nativeOutcome = try execute(native, arguments)
        let wasm = try execute(
            wasmTier, ["run", programs.appendingPathComponent("wasm/\(name).wasm").path] + arguments,
            environment: ProcessInfo.processInfo.environment)
        #expect(nativeOutcome.status == 0, "native: \(nativeOutcome.summary)")
        WASIProgramTests.compare(nativeOutcome, wasm, nativeTree: [:], wasmTree: [:])
    }
}
