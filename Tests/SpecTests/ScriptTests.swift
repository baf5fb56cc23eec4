import Engine
import Foundation
import IRGen
import MachineCode
import SpecHarness
import Testing

/// Hand-written `.wast` scripts in `Tests/Scripts`, for behaviour the official suite does not
/// pin down for this engine's machinery (the tables' native views behind `call_indirect`,
/// bounds by guard pages). Each runs on the interpreter and on the optimizing tier with both
/// kinds of bounds checks and with compiling ahead, and must pass every command on each.
@Suite struct ScriptTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts").path

    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".wast") }.sorted()
    }

    @Test func scriptsExist() {
        #expect(Self.scripts.count >= 2)
    }

    @Test(arguments: ["interp", "opt guard-pages", "opt explicit", "opt ahead"])
    func scriptsPass(_ configuration: String) throws {
        var runner = SpecRunner()
        let compiler: OptimizingCompiler? = switch configuration {
        case "opt guard-pages": OptimizingCompiler(boundsChecks: .guardPages)
        case "opt explicit": OptimizingCompiler(boundsChecks: .explicit)
        // Functions compiled on a second thread ahead of their first call, taken when called.
        case "opt ahead": OptimizingCompiler(ahead: true)
        default: nil
        }
        runner.nativeCompiler = compiler
        for script in Self.scripts {
            let result = runner.run(file: "\(Self.folder)/\(script)")
            #expect(result.failed == 0 && result.skipped == 0, "\(script): \(result.failed) failed, \(result.skipped) skipped")
            #expect(result.passed > 10, "\(script)")
            for o in result.outcomes where o.status != .passed {
                Issue.record("\(configuration) \(script):\(o.line): \(o.kind): \(o.detail)")
            }
        }
        if let compiler {
            #expect(compiler.fallbacks.isEmpty, "\(compiler.fallbacks.prefix(3))")
        }
    }

    /// The context's fields are 8-byte slots, the indirect entry 32 bytes, and none overlap
    /// (two fields once shared the indirect entry's bytes, and a resolved call overwrote them).
    @Test func contextFieldsDoNotOverlap() {
        let fields: [(String, Int32, Int32)] = [
            ("memoryBase", ContextLayout.memoryBase, 8), ("memorySize", ContextLayout.memorySize, 8),
            ("executionState", ContextLayout.executionState, 8), ("tables", ContextLayout.tables, 8),
            ("typeIDs", ContextLayout.typeIDs, 8), ("functionTable", ContextLayout.functionTable, 8),
            ("globalCells", ContextLayout.globalCells, 8), ("instance", ContextLayout.instance, 8),
            ("runtimeFunctions", ContextLayout.runtimeFunctions, 8),
            ("indirectEntry", ContextLayout.indirectEntry, FunctionTableEntryLayout.size),
            ("results", ContextLayout.results, Int32(8 * ContextLayout.resultCapacity)),
        ]
        for (k, a) in fields.enumerated() {
            for b in fields[(k + 1)...] {
                #expect(a.1 + a.2 <= b.1 || b.1 + b.2 <= a.1, "\(a.0) overlaps \(b.0)")
            }
        }
        #expect(fields.map { Int($0.1 + $0.2) }.max()! <= ContextLayout.size)
    }
}
