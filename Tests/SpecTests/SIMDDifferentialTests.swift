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
        let (scripts, calls) = try replay(folder: Self.folder, with: SpecRunner())
        #expect(scripts == 35)
        #expect(calls >= 900)
    }
}

/// Replays every script of a differential slice; any command that does not pass, and any trap
/// message other than Wasmtime's, is an issue. Returns the scripts and the calls replayed.
func replay(folder: String, with runner: SpecRunner, label: String = "") throws -> (scripts: Int, calls: Int) {
    let scripts = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
    var calls = 0
    for script in scripts {
        let result = runner.run(file: folder + "/" + script)
        for o in result.outcomes where o.status != .passed {
            Issue.record("\(label)\(script):\(o.line): \(o.kind): \(o.status) \(o.detail)")
        }
        for m in result.messageMismatches {
            Issue.record("\(label)\(script):\(m.line): trap \"\(m.actual)\", Wasmtime: \"\(m.expected)\"")
        }
        calls += result.outcomes.filter { $0.kind == "assert_return" || $0.kind == "assert_trap" }.count
    }
    return (scripts.count, calls)
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
        var runner = SpecRunner()
        let compiler = tier == "opt" ? OptimizingCompiler() : nil
        runner.nativeCompiler = compiler
        let (scripts, calls) = try replay(folder: Self.folder, with: runner, label: "\(tier): ")
        #expect(scripts == 48)
        #expect(calls >= 300)
        if let compiler {
            #expect(compiler.fallbacks.isEmpty, "\(compiler.fallbacks.prefix(3))")
            #expect(compiler.compiled > 500)
        }
    }
}
