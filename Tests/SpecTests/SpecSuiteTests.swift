import Engine
import IRGen
import Foundation
import SpecHarness
import Testing

/// Where the official spec suite is: `WASM_TIER_SPECTEST`, or `../shared/spectest` beside the
/// package. It is not part of the project; without it these tests are skipped, loudly.
enum SpecSuite {
    static let root: String? = {
        if let env = ProcessInfo.processInfo.environment["WASM_TIER_SPECTEST"] { return env }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidate = package.deletingLastPathComponent().appendingPathComponent("shared/spectest").path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }()

    static var available: Bool {
        if let root, FileManager.default.fileExists(atPath: root + "/WASM2-FILES.txt") { return true }
        FileHandle.standardError.write(Data("""
            warning: SPEC SUITE NOT FOUND: set WASM_TIER_SPECTEST or put it at ../shared/spectest. \
            The spec-suite tests are SKIPPED.\n
            """.utf8))
        return false
    }

    /// The Wasm 2.0 scripts, from WASM2-FILES.txt, as wast2json JSON files.
    static func wasm2Scripts() -> [String] {
        guard let root, let list = try? String(contentsOfFile: root + "/WASM2-FILES.txt", encoding: .utf8) else { return [] }
        return list.split(separator: "\n").map { name in
            let base = name.replacingOccurrences(of: ".wast", with: "")
            return "\(root)/wasm2/json/\(base)/\(base).json"
        }
    }
}

@Suite struct SpecSuiteTests {
    /// Every command of the Wasm 2.0 suite passes on the interpreter, SIMD included, except the
    /// text-format modules (a WAT parser's test), skipped with that reason.
    @Test(.enabled(if: SpecSuite.available, "the spec suite is not available"))
    func wasm2CommandsPassOnTheInterpreter() throws {
        let scripts = SpecSuite.wasm2Scripts()
        #expect(scripts.count == 148)
        // 54,006 commands: 1,091 text assert_malformed, the rest pass (25,988 of them in simd_*).
        let (passed, skippedText) = Self.runWasm2(SpecRunner())
        #expect(passed == 52915)
        #expect(skippedText == 1091)
    }

    /// Runs every Wasm 2.0 script, recording failures and skips other than text modules as
    /// issues; returns the passes and the text-module skips.
    static func runWasm2(_ runner: SpecRunner) -> (passed: Int, skippedText: Int) {
        var passed = 0, skippedText = 0
        for script in SpecSuite.wasm2Scripts() {
            let result = runner.run(file: script)
            for o in result.outcomes {
                switch o.status {
                case .failed: Issue.record("\(script):\(o.line): \(o.kind): \(o.detail)")
                case .passed: passed += 1
                case .skipped:
                    if o.detail == SpecRunner.textModule { skippedText += 1 } else { Issue.record("\(script):\(o.line): unexpected skip: \(o.detail)") }
                }
            }
        }
        return (passed, skippedText)
    }

    /// The same with `--tier opt`: every function the optimizing tier takes runs as x86-64
    /// code, and only SIMD functions (which the tier does not take) stay interpreted. Both
    /// ways of bounding memory accesses: explicit checks, and guard pages, where the traps of
    /// `memory_trap`, `address` and the rest come from the fault handler.
    @Test(.enabled(if: SpecSuite.available, "the spec suite is not available"), arguments: BoundsChecks.allCases)
    func wasm2CommandsPassOnTheOptimizingTier(_ boundsChecks: BoundsChecks) throws {
        #if arch(x86_64)
        var runner = SpecRunner()
        let compiler = OptimizingCompiler(boundsChecks: boundsChecks)
        runner.nativeCompiler = compiler
        let (passed, skippedText) = Self.runWasm2(runner)
        #expect(passed == 52915)
        #expect(skippedText == 1091)
        #expect(compiler.compiled > 3000)
        let notSIMD = compiler.fallbacks.filter { !$0.contains("v128") }
        #expect(notSIMD.isEmpty, "functions left to the interpreter for another reason than SIMD: \(notSIMD.prefix(5))")
        #endif
    }

    /// `.wast` scripts execute like their JSON form: same commands passed, including
    /// assert_return, assert_trap, register and v128 lane patterns.
    @Test(.enabled(if: SpecSuite.available, "the spec suite is not available"),
          arguments: ["i32", "linking", "simd_i16x8_sat_arith", "names"])
    func wastScriptsRunLikeTheirJSONForm(_ name: String) throws {
        let root = SpecSuite.root!
        let wast = SpecRunner().run(file: "\(root)/wasm2/wast/\(name).wast")
        let json = SpecRunner().run(file: "\(root)/wasm2/json/\(name)/\(name).json")
        #expect(wast.failed == 0)
        #expect(wast.passed == json.passed)
        #expect(wast.outcomes.contains { $0.kind == "assert_return" && $0.status == .passed })
    }
}
