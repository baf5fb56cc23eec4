import Foundation
import IR
import Optimizer
import Testing

@testable import X86_64Backend

// Whole functions through llvm-objdump: every procedure of the `test run` file tests (which
// cover the IR's operations, conversions, control flow and traps), optimized and compiled as
// the tier does, must decode from its first byte to its last as instructions LLVM knows, with
// no byte left over. Procedures with a `switch` are left out: their jump tables are data
// after the code.

let runCases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("FileTests/Cases/run")

@Test func compiledFunctionsDecodeCompletely() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: runCases.path).filter { $0.hasSuffix(".ir") }.sorted()
    #expect(files.count >= 5)
    var functions = 0
    for file in files {
        let text = try String(contentsOf: runCases.appendingPathComponent(file), encoding: .utf8)
        let body = text.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("test ") || $0.hasPrefix("set ") }
        for parsed in try IRParser.parse(body.joined(separator: "\n")) {
            let proc = parsed.procedure
            guard !proc.values.contains(where: { $0.block != nil && $0.opcode == .switch }) else { continue }
            optimize(proc)
            let bytes = try compile(proc).bytes
            guard let decoded = try objdump(bytes) else { return }
            functions += 1
            let where_ = "\(file) @\(proc.name)"
            #expect(decoded.first?.offset == 0, "\(where_)")
            #expect(decoded.last.map { $0.offset + $0.length } == bytes.count, "\(where_): decoding does not end at the last byte")
            for (a, b) in zip(decoded, decoded.dropFirst()) where a.offset + a.length != b.offset {
                Issue.record("\(where_): gap or overlap at \(String(a.offset, radix: 16))")
            }
            let unknown = decoded.filter { $0.text.isEmpty || $0.text.contains("unknown") || $0.text.contains("(bad)") }
            #expect(unknown.isEmpty, "\(where_): \(unknown.map { "\(String($0.offset, radix: 16)): \($0.text)" })")
        }
    }
    if ProcessInfo.processInfo.environment["WASM_TIER_REQUIRE_LLVM"] == "1" { #expect(functions > 50) }
}
