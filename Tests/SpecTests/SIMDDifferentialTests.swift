import Foundation
import SpecHarness
import Testing

/// The committed slice of the SIMD differential test (`Tools/Fuzz/simd-diff.py`): random SIMD
/// modules from `wasm-tools smith`, with the results Wasmtime gave for each call, replayed on the
/// interpreter. Any failed command or trap message other than Wasmtime's is a difference.
@Suite struct SIMDDifferentialTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SIMDDifferential").path

    @Test func interpreterAgreesWithWasmtime() throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.folder)
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(scripts.count == 35)
        var calls = 0
        for script in scripts {
            let result = SpecRunner().run(file: Self.folder + "/" + script)
            for o in result.outcomes where o.status != .passed {
                Issue.record("\(script):\(o.line): \(o.kind): \(o.status) \(o.detail)")
            }
            for m in result.messageMismatches {
                Issue.record("\(script):\(m.line): trap \"\(m.actual)\", Wasmtime: \"\(m.expected)\"")
            }
            calls += result.outcomes.filter { $0.kind == "assert_return" || $0.kind == "assert_trap" }.count
        }
        #expect(calls >= 900)
    }
}
