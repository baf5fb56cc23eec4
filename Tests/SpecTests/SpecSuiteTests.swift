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
        let runner = SpecRunner()
        var passed = 0, skippedText = 0
        for script in scripts {
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
        // 54,006 commands: 1,091 text assert_malformed, the rest pass (25,988 of them in simd_*).
        #expect(passed == 52915)
        #expect(skippedText == 1091)
    }

    @Test(.enabled(if: SpecSuite.available, "the spec suite is not available"))
    func wastScriptsRunThroughTheTextFormat() throws {
        // One .wast file end to end through the text-format library.
        let result = SpecRunner().run(file: SpecSuite.root! + "/wasm2/wast/br_table.wast")
        #expect(result.failed == 0)
        #expect(result.passed > 0)
    }
}
