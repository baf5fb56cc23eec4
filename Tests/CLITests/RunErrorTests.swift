import Foundation
import Testing

/// `wasm-tier run`'s errors, through the real binary: each is one line on standard error, a
/// non-zero exit code, nothing on standard output, and no crash.
@Suite struct RunErrorTests {
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var label: String
        /// `$NAME` stands for a file made by `files(in:)` (`$MISSING` for one that does not exist).
        var arguments: [String]
        var status: Int32?
        /// Text the message must contain.
        var mentions: String
        var testDescription: String { label }
    }

    static let cases: [ErrorCase] = [
        ErrorCase(label: "missing file", arguments: ["run", "$MISSING"], status: 2, mentions: "no such file"),
        ErrorCase(label: "a binary non-Wasm file", arguments: ["run", "$GARBAGE"], status: 1, mentions: "not a WebAssembly module"),
        ErrorCase(label: "a text non-Wasm file", arguments: ["run", "$TEXT"], status: 1, mentions: "TEXT.wasm"),
        ErrorCase(label: "an invalid module", arguments: ["run", "$INVALID"], status: 1, mentions: "type mismatch"),
        ErrorCase(label: "a truncated module", arguments: ["run", "$TRUNCATED"], status: 1, mentions: "offset"),
        ErrorCase(label: "an unsatisfiable import", arguments: ["run", "$IMPORT"], status: 1, mentions: "missing_fn"),
        ErrorCase(label: "an unknown WASI function", arguments: ["run", "$WASIIMPORT"], status: 1, mentions: "no_such_wasi_call"),
        ErrorCase(label: "a WASI import of the wrong type", arguments: ["run", "$WASITYPE"], status: 1, mentions: "fd_write"),
        ErrorCase(label: "no _start", arguments: ["run", "$NOSTART"], status: 1, mentions: "_start"),
        ErrorCase(
            label: "--env without =", arguments: ["run", "--env", "NOEQUALS", "$HELLO"], status: 2, mentions: "NOEQUALS"),
        ErrorCase(
            label: "--env with an empty name", arguments: ["run", "--env", "=value", "$HELLO"], status: 2, mentions: "=value"),
        ErrorCase(label: "--dir that is not a directory", arguments: ["run", "--dir", "$MISSING", "$HELLO"], status: 2, mentions: "not a directory"),
        ErrorCase(label: "--tier auto", arguments: ["run", "--tier", "auto", "$HELLO"], status: 2, mentions: "not available"),
        ErrorCase(
            label: "--invoke with an unreadable argument", arguments: ["run", "--invoke", "fac", "$FAC", "abc"], status: 2,
            mentions: "'abc'"),
        ErrorCase(
            label: "--invoke with an out-of-range argument", arguments: ["run", "--invoke", "fac", "$FAC", "99999999999999999999"],
            status: 2, mentions: "99999999999999999999"),
        ErrorCase(label: "--invoke with too few arguments", arguments: ["run", "--invoke", "fac", "$FAC"], status: 2, mentions: "fac"),
        ErrorCase(label: "--invoke of a missing export", arguments: ["run", "--invoke", "nope", "$FAC", "1"], status: 1, mentions: "nope"),
    ]

    /// The inputs, written into `dir`.
    static func files(in dir: URL) throws -> [String: String] {
        var paths: [String: String] = [:]
        func put(_ key: String, _ name: String, _ data: Data) throws {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            paths[key] = url.path
        }
        paths["$MISSING"] = dir.appendingPathComponent("does-not-exist.wasm").path
        paths["$HELLO"] = Locations.programs.appendingPathComponent("hello.wasm").path
        paths["$FAC"] = Locations.package.appendingPathComponent("Examples/fac-standalone.wat").path
        try put("$GARBAGE", "GARBAGE.wasm", Data([0xFF, 0xFE, 0x00, 0x01, 0x80, 0x81, 0xC0]))
        try put("$TEXT", "TEXT.wasm", Data("hello, I am not a module\n".utf8))
        // (func (result i32) (i64.const 1)): well-formed, invalid.
        try put("$INVALID", "INVALID.wasm", Data([
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F,
            0x03, 0x02, 0x01, 0x00,
            0x0A, 0x06, 0x01, 0x04, 0x00, 0x42, 0x01, 0x0B,
        ]))
        try put("$TRUNCATED", "TRUNCATED.wasm", Data([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60]))
        try put("$IMPORT", "IMPORT.wat", Data("""
            (module (import "env" "missing_fn" (func)) (memory (export "memory") 1)
              (func (export "_start") (call 0)))
            """.utf8))
        try put("$WASIIMPORT", "WASIIMPORT.wat", Data("""
            (module (import "wasi_snapshot_preview1" "no_such_wasi_call" (func (param i32) (result i32)))
              (memory (export "memory") 1) (func (export "_start")))
            """.utf8))
        try put("$WASITYPE", "WASITYPE.wat", Data("""
            (module (import "wasi_snapshot_preview1" "fd_write" (func (param i64)))
              (memory (export "memory") 1) (func (export "_start")))
            """.utf8))
        try put("$NOSTART", "NOSTART.wat", Data(#"(module (memory (export "memory") 1) (func (export "main")))"#.utf8))
        try put("$TRAP", "TRAP.wat", Data("""
            (module (memory (export "memory") 1)
              (func $inner unreachable)
              (func (export "_start") (call $inner)))
            """.utf8))
        return paths
    }

    func run(_ arguments: [String]) throws -> Outcome {
        let wasmTier = try #require(Locations.wasmTier, Comment(rawValue: Locations.missingWasmTier))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wasm-tier-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try RunErrorTests.files(in: dir)
        return try execute(
            wasmTier, arguments.map { paths[$0] ?? $0 }, environment: ProcessInfo.processInfo.environment, timeout: 120)
    }

    @Test(arguments: cases)
    func oneLineError(_ c: ErrorCase) throws {
        let outcome = try run(c.arguments)
        #expect(!outcome.signalled && !outcome.timedOut, "crashed or hung: \(outcome.summary)")
        #expect(outcome.status != 0 && outcome.status != 134, "\(outcome.summary)")
        if let status = c.status { #expect(outcome.status == status, "\(outcome.summary)") }
        #expect(outcome.stdout.isEmpty, "\(outcome.summary)")
        let text = outcome.stderrText
        #expect(text.lowercased().hasPrefix("error: "), "\(outcome.summary)")
        #expect(text.contains(c.mentions), "the message should mention \(c.mentions): \(outcome.summary)")
        #expect(!text.contains("Fatal error") && !text.contains("Stack dump"), "\(outcome.summary)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let oneLine = lines.count == 2 && lines[1].isEmpty
        #expect(oneLine, "not one line: \(outcome.summary)")
    }

    /// A file that is not binary is read as the text format; its parse error gives a plain line
    /// and column (not a Swift debug description such as `Location(line: 1, column: 0)`).
    @Test func textParseErrorReadsPlainly() throws {
        let outcome = try run(["run", "$TEXT"])
        #expect(!outcome.stderrText.contains("Location("), "\(outcome.summary)")
        #expect(outcome.stderrText.contains("line 1"), "\(outcome.summary)")
    }

    /// A trap is not a usage error: `trap: <message>`, a backtrace, exit 134.
    @Test func trapInStart() throws {
        let outcome = try run(["run", "$TRAP"])
        #expect(outcome.status == 134 && !outcome.signalled, "\(outcome.summary)")
        #expect(outcome.stderrText.hasPrefix("trap: "), "\(outcome.summary)")
        #expect(outcome.stderrText.split(separator: "\n").count >= 2, "no backtrace: \(outcome.summary)")
    }
}
