import Engine
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

/// The committed slice of the differential test without SIMD (`Tools/Fuzz/simd-diff.py --no-simd
/// --seeds 80 --out Tests/OptDifferential`): random modules from `wasm-tools smith` with the
/// results Wasmtime gave, replayed on the interpreter and on the optimizing tier, which must
/// take every function and agree with Wasmtime (and so with each other) on every call.
@Suite struct OptimizingTierDifferentialTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OptDifferential").path

    @Test(arguments: ["interp", "opt"])
    func tierAgreesWithWasmtime(_ tier: String) throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.folder)
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(scripts.count == 48)
        var runner = SpecRunner()
        let compiler = tier == "opt" ? OptimizingCompiler() : nil
        runner.nativeCompiler = compiler
        var calls = 0
        for script in scripts {
            let result = runner.run(file: Self.folder + "/" + script)
            for o in result.outcomes where o.status != .passed {
                Issue.record("\(tier): \(script):\(o.line): \(o.kind): \(o.status) \(o.detail)")
            }
            for m in result.messageMismatches {
                Issue.record("\(tier): \(script):\(m.line): trap \"\(m.actual)\", Wasmtime: \"\(m.expected)\"")
            }
            calls += result.outcomes.filter { $0.kind == "assert_return" || $0.kind == "assert_trap" }.count
        }
        #expect(calls >= 300)
        if let compiler {
            #expect(compiler.fallbacks.isEmpty, "\(compiler.fallbacks.prefix(3))")
            #expect(compiler.compiled > 500)
        }
    }
}
