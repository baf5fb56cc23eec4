import ArgumentParser
import Foundation
import IR
import IRGen
import Interpreter
import Optimizer
import Validator
import X86_64Backend

/// `wasm-tier compile`: the optimizing tier's work on one function or all, for people who work
/// on the compiler.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the optimizing tier (or the interpreter) makes of a module's functions.",
        discussion: """
            Prints, per function, the stages asked for with --emit (comma-separated):
              interp     the interpreter's translated code
              ir         the IR right after IRGen
              passes     the IR after each pass of the pipeline that changed it
              optimized  the IR after the whole pipeline
              air        the Air after register allocation
              asm        the machine code, disassembled by llvm-mc when it is installed
            Functions the tier does not take say why.

            Examples:
              wasm-tier compile --emit optimized,asm Examples/fac.wat
              wasm-tier compile --function 3 --emit passes prog.wasm
            """)

    enum Stage: String, CaseIterable { case interp, ir, passes, optimized, air, asm }

    @Option(help: "Stages to print: interp, ir, passes, optimized, air, asm.")
    var emit: String = "optimized,asm"

    @Option(help: "Only this function (index in the function index space).")
    var function: Int?

    @Option(help: "The code's bounds checks: guard-pages (what `run --tier opt` uses where it can) or explicit.")
    var boundsChecks: BoundsChecks = .guardPages

    @Argument(help: "The module (.wasm or .wat).")
    var file: String

    func run() throws {
        var stages: Set<Stage> = []
        for word in emit.split(separator: ",") {
            guard let s = Stage(rawValue: word.trimmingCharacters(in: .whitespaces)) else {
                printError("--emit takes interp, ir, passes, optimized, air or asm, got '\(word)'")
                throw ExitCode(2)
            }
            stages.insert(s)
        }
        let module = try loadValidModule(file)
        let imported = module.module.importedFunctionCount
        if let function, function < imported || function >= imported + module.functions.count {
            printError("function \(function) is not defined in the module (defined functions: \(imported)..<\(imported + module.functions.count))")
            throw ExitCode(2)
        }
        for i in module.functions.indices where function == nil || function == imported + i {
            print(";; function \(imported + i)")
            if stages.contains(.interp) {
                do {
                    print(";; interpreter code\n\(try Interpreter.listing(module, definedIndex: i))")
                } catch {
                    print(";; no interpreter code: \(error)\n")
                }
            }
            if stages.isSubset(of: [.interp]) { continue }
            let proc: Procedure
            do {
                proc = try generateIR(module: module, definedIndex: i, boundsChecks: boundsChecks)
            } catch {
                print(";; stays in the interpreter: \(error)\n")
                continue
            }
            if stages.contains(.ir) { print(";; after IRGen\n\(proc)") }
            optimize(proc) { name in
                if stages.contains(.passes) { print(";; after \(name)\n\(proc)") }
            }
            if stages.contains(.optimized) { print(";; optimized\n\(proc)") }
            #if arch(x86_64)
            do {
                let (code, bytes) = try X86_64Backend.compile(proc, convention: .wasm)
                if stages.contains(.air) { print(";; Air after register allocation\n\(code.printed(X86Registers.self))") }
                if stages.contains(.asm) { print(";; \(bytes.count) bytes of machine code\n\(disassemble(bytes))") }
            } catch {
                print(";; no machine code: \(error)\n")
            }
            #endif
        }
    }

    /// llvm-mc's disassembly, or the bytes in hex when it is not installed.
    func disassemble(_ bytes: [UInt8]) -> String {
        if let lines = try? llvmDisassembly(bytes, offsets: true) { return lines.map { "    " + $0 }.joined(separator: "\n") }
        return bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}
