import ArgumentParser
import Foundation
import Testing
@testable import WasmTierCLI
import Engine

/// The CLI's commands, run in-process.
@Suite struct CLITests {
    func exitCode(_ args: [String]) -> Int32 {
        do {
            var command = try WasmTier.parseAsRoot(args)
            try command.run()
            return 0
        } catch let e as ExitCode {
            return e.rawValue
        } catch {
            return WasmTier.exitCode(for: error).rawValue
        }
    }

    func temporaryFile(_ contents: String, ext: String) throws -> String {
        let path = NSTemporaryDirectory() + "wasm-tier-test-\(UUID().uuidString).\(ext)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validateExitCodes() throws {
        let good = try temporaryFile("(module (func (export \"f\") (result i32) (i32.const 1)))", ext: "wat")
        let bad = try temporaryFile("(module (func (result i32) (i64.const 1)))", ext: "wat")
        #expect(exitCode(["validate", good]) == 0)
        #expect(exitCode(["validate", bad]) == 1)
        #expect(exitCode(["validate", "/nonexistent/file.wasm"]) == 2)
        #expect(exitCode(["validate"]) != 0)
    }

    @Test func garbageIsAnErrorNotACrash() throws {
        let path = NSTemporaryDirectory() + "wasm-tier-test-\(UUID().uuidString).wasm"
        FileManager.default.createFile(atPath: path, contents: Data([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0xFF]))
        #expect(exitCode(["validate", path]) == 1)
        let binary = NSTemporaryDirectory() + "wasm-tier-test-\(UUID().uuidString).wasm"
        FileManager.default.createFile(atPath: binary, contents: Data([0xFF, 0xFE, 0x00, 0x01]))
        #expect(exitCode(["inspect", binary]) == 1)
    }

    @Test func inspectDescribesImportsExportsAndCustomSections() throws {
        let wat = """
            (module
              (import "env" "log" (func (param i32)))
              (import "env" "mem" (memory 1 2))
              (global $g (mut i64) (i64.const 0))
              (func (export "run") (param f32) (result f64) (f64.const 0))
              (export "g" (global $g)))
            """
        let bytes = try TextFormatTestSupport.encode(wat)
        let s = ModuleSummary(try Engine().compile(bytes))
        #expect(s.imports == [
            .init(module: "env", name: "log", kind: "function", type: "(i32) -> ()"),
            .init(module: "env", name: "mem", kind: "memory", type: "1 2"),
        ])
        #expect(s.exports == [
            .init(module: nil, name: "run", kind: "function", type: "(f32) -> (f64)"),
            .init(module: nil, name: "g", kind: "global", type: "(mut i64)"),
        ])
        #expect(s.customSections.map(\.name) == ["name"])
        #expect(s.json().contains("\"customSections\""))
    }
}
