import ArgumentParser
import Decoder
import Engine
import Foundation
import IRGen
import SpecHarness
import TextFormat
import Validator
import WasmCore

/// The `wasm-tier` command line. Each subcommand is a thin layer over the library modules.
public struct WasmTier: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wasm-tier",
        abstract: "A tiered WebAssembly engine.",
        discussion: """
            Modules may be given in the binary format (.wasm) or the text format (.wat).

            Examples:
              wasm-tier run program.wasm arg1 arg2
              wasm-tier run --invoke fac Examples/fac.wat 10
              wasm-tier validate program.wasm
              wasm-tier inspect --json program.wasm
              wasm-tier print program.wasm
              wasm-tier wast ../shared/spectest/wasm2/json
            """,
        version: "0.1.0",
        subcommands: [Run.self, Validate.self, Inspect.self, Print.self, Wast.self, Compile.self]
    )

    public init() {}
}

/// Prints `error: ...` on standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

/// Reads a module file (binary or text) or exits with a one-line error.
func loadModuleBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            printError(isDir.boolValue ? "\(path) is a directory" : "cannot read \(path)")
        } else {
            printError("no such file: \(path)")
        }
        throw ExitCode(2)
    }
    do {
        return try TextFormat.moduleBytes(fromFileContents: [UInt8](data))
    } catch {
        printError("\(path): \(error.description)")
        throw ExitCode(1)
    }
}

/// Decodes and validates, or prints `error: <reason> at offset <N>` and exits 1.
func loadValidModule(_ path: String) throws -> ValidatedModule {
    let bytes = try loadModuleBytes(path)
    do {
        return try ModuleValidator().validate(bytes: bytes)
    } catch let e as DecodeError {
        printError("\(e.message) at offset \(e.offset)")
    } catch let e as Validator.ValidationError {
        printError("\(e.message) at offset \(e.offset)")
    }
    throw ExitCode(1)
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that a module is well-formed and valid.",
        discussion: """
            Exits with 0 for a valid module. Otherwise prints `error: <reason> at offset <N>` (a byte \
            offset in the binary) and exits with 1.

            Example:
              wasm-tier validate program.wasm
            """)

    @Argument(help: "The module (.wasm or .wat).")
    var file: String

    func run() throws {
        _ = try loadValidModule(file)
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a module's imports, exports and custom sections.",
        discussion: """
            The information of the JS API's WebAssembly.Module.imports(), .exports() and \
            .customSections(), with the type of each import and export.

            Examples:
              wasm-tier inspect program.wasm
              wasm-tier inspect --json program.wasm
            """)

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Argument(help: "The module (.wasm or .wat).")
    var file: String

    func run() throws {
        let validated = try loadValidModule(file)
        let summary = ModuleSummary(CompiledModule(validated: validated))
        if json {
            print(summary.json())
        } else {
            print(summary.text(), terminator: "")
        }
    }
}

struct Print: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the code of a module's functions in the text format.",
        discussion: """
            One instruction per line, indented by block depth, with each function's type and \
            locals. The names come from the instruction table, function names from the name section.

            Examples:
              wasm-tier print program.wasm
              wasm-tier print --offsets program.wasm
            """)

    @Flag(help: "Prefix each instruction with its byte offset in the module.")
    var offsets = false

    @Argument(help: "The module (.wasm or .wat).")
    var file: String

    func run() throws {
        let validated = try loadValidModule(file)
        let m = validated.module
        for (i, body) in m.functionBodies.enumerated() {
            let index = UInt32(m.importedFunctionCount + i)
            let name = m.names?.functionNames[index].map { " $\($0)" } ?? ""
            let type = m.functionType(ofFunction: index)?.description ?? "?"
            print("(func \(index)\(name) \(type)")
            if !body.locals.isEmpty {
                print("  (local" + body.locals.map { " \($0.count)x\($0.type)" }.joined() + ")")
            }
            do {
                let lines = try InstructionPrinter.print(m, range: body.code, showOffsets: offsets)
                // The body's final `end` closes the function.
                for line in lines.dropLast() { print(line) }
                print(")")
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

struct Wast: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run spec test scripts.",
        discussion: """
            Runs wast2json scripts (.json, with the .wasm files beside them) and .wast files, or \
            folders of them. Prints counts per file and, last, `N passed, N failed, N skipped`. \
            Exits with 1 if any command failed.

            Examples:
              wasm-tier wast ../shared/spectest/wasm2/json
              wasm-tier wast --verbose tests/i32.wast
            """)

    @Flag(name: .shortAndLong, help: "List every failure and message mismatch.")
    var verbose = false

    @Option(help: "The tier that runs the code: interp, or opt (every function the optimizing tier takes is compiled to machine code on first call; the rest stay interpreted).")
    var tier: Run.Tier = .interp

    @Option(help: "How --tier opt code keeps memory accesses in bounds: guard-pages or explicit (as for `run`).")
    var boundsChecks: BoundsChecks = .guardPages

    @Argument(help: "Scripts (.json or .wast) or folders of them.")
    var paths: [String]

    func run() throws {
        let files: [String]
        do {
            files = try SpecRunner.scriptFiles(in: paths)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        var runner = SpecRunner()
        let compiler = tier == .opt ? OptimizingCompiler(boundsChecks: boundsChecks) : nil
        runner.nativeCompiler = compiler
        var passed = 0, failed = 0, skipped = 0, mismatches = 0
        var skipReasons: [String: Int] = [:]
        for file in files {
            let r = runner.run(file: file)
            passed += r.passed
            failed += r.failed
            skipped += r.skipped
            mismatches += r.messageMismatches.count
            print("\(file): \(r.passed) passed, \(r.failed) failed, \(r.skipped) skipped")
            for o in r.outcomes where o.status == .failed {
                print("  line \(o.line): \(o.kind): \(o.detail)")
            }
            for o in r.outcomes where o.status == .skipped {
                skipReasons["\(o.kind): \(o.detail)", default: 0] += 1
            }
            if verbose {
                for m in r.messageMismatches {
                    print("  line \(m.line): message \"\(m.actual)\", script expects \"\(m.expected)\"")
                }
            }
        }
        if !skipReasons.isEmpty {
            print("skipped:")
            for (reason, n) in skipReasons.sorted(by: { $0.key < $1.key }) { print("  \(n) \(reason)") }
        }
        print("rejections with another message than the script's: \(mismatches)")
        if let compiler {
            print("optimizing tier: \(compiler.compiled) functions compiled, \(compiler.fallbacks.count) left to the interpreter")
            if verbose {
                var reasons: [String: Int] = [:]
                for f in compiler.fallbacks {
                    let reason = f.split(separator: ":", maxSplits: 1).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? f
                    reasons[reason, default: 0] += 1
                }
                for (reason, n) in reasons.sorted(by: { ($0.value, $0.key) > ($1.value, $1.key) }) { print("  \(n) \(reason)") }
            }
        }
        print("\(passed) passed, \(failed) failed, \(skipped) skipped")
        if failed > 0 { throw ExitCode(1) }
    }
}
