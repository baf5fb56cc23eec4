import IR
import IRGen
import MachineCode
import Optimizer
import Runtime
import Validator
import X86_64Backend

/// The optimizing tier behind `--tier opt`: Wasm to IR (IRGen), the optimization pipeline,
/// then x86-64 code (lowering, register allocation, emission) with its entry trampoline.
/// A function the tier cannot take yet (see `generateIR`) returns nil and keeps running in
/// the interpreter; `fallbacks` says which and why.
package final class OptimizingCompiler: NativeCompiler {
    /// Functions compiled to machine code.
    package private(set) var compiled = 0
    /// Functions left to the interpreter, with the reason.
    package private(set) var fallbacks: [String] = []
    /// Bytes of Wasm code compiled and of machine code produced.
    package private(set) var wasmBytes = 0
    package private(set) var machineBytes = 0

    package init() {}

    package func compile(_ module: ValidatedModule, definedIndex: Int) -> NativeFunction? {
        #if arch(x86_64)
        do {
            let proc = try generateIR(module: module, definedIndex: definedIndex)
            optimize(proc)
            let (_, bytes) = try X86_64Backend.compile(proc, convention: .wasm)
            let trampoline = entryTrampoline(parameters: proc.parameterTypes, results: proc.resultTypes, convention: .wasm)
            let native = try NativeFunction(function: bytes, trampoline: trampoline)
            compiled += 1
            wasmBytes += module.module.functionBodies[definedIndex].code.count
            machineBytes += bytes.count
            return native
        } catch {
            fallbacks.append("function \(module.module.importedFunctionCount + definedIndex): \(error)")
            return nil
        }
        #else
        fallbacks.append("function \(module.module.importedFunctionCount + definedIndex): no backend for this architecture")
        return nil
        #endif
    }
}
