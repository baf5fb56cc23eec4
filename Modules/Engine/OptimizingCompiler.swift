import CSupport
import Foundation
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

    /// Exit stubs by signature, kept alive as long as code may call them.
    private var exitStubs: [FunctionType: ExecutableMemory] = [:]

    /// How compiled code bounds memory accesses, when the platform and the memory allow guard
    /// pages (else explicit checks): `WASM_TIER_BOUNDS_CHECKS=explicit` or the CLI's
    /// `--bounds-checks` choose explicit checks everywhere.
    package var boundsChecks: BoundsChecks

    package init(boundsChecks: BoundsChecks? = nil) {
        self.boundsChecks = boundsChecks
            ?? ProcessInfo.processInfo.environment["WASM_TIER_BOUNDS_CHECKS"].flatMap(BoundsChecks.init(rawValue:))
            ?? .guardPages
    }

    /// The landing of guard-page faults, made and the handler installed once per process; nil
    /// where there is no handler (then every memory gets explicit checks).
    static let faultLanding: ExecutableMemory? = {
        #if arch(x86_64) && os(Linux)
        guard let landing = try? ExecutableMemory(memoryFaultLanding()),
              wasm_tier_install_memory_fault_handler(UInt(bitPattern: landing.address(0)), UInt(ContextLayout.memoryBase),
                                                     UInt(MemoryInstance.reservation)) == 1
        else { return nil }
        return landing
        #else
        return nil
        #endif
    }()

    /// The bounds checks this instance's code gets: guard pages when asked for, the handler is
    /// in place and the memory has its whole reservation.
    func boundsChecks(for instance: Instance) -> BoundsChecks {
        guard boundsChecks == .guardPages, let memory = instance.memories.first, memory.hasGuardRegion,
              Self.faultLanding != nil else { return .explicit }
        return .guardPages
    }

    /// `WASM_TIER_COMPILE_LOG=1` prints each function's size and compile times.
    static let log = ProcessInfo.processInfo.environment["WASM_TIER_COMPILE_LOG"] == "1"

    /// `WASM_TIER_PERF_MAP=1` appends each compiled function to `/tmp/perf-<pid>.map`, the file
    /// Linux `perf` reads to name code that has no symbols (`perf report` then shows
    /// `wasm[7] main` instead of a bare address).
    nonisolated(unsafe) static let perfMap: UnsafeMutablePointer<FILE>? = {
        guard ProcessInfo.processInfo.environment["WASM_TIER_PERF_MAP"] == "1" else { return nil }
        return fopen("/tmp/perf-\(getpid()).map", "a")
    }()

    /// Points every function's native code cell that is still empty at the exit stub of its
    /// signature, so that native code can call any function of the instance.
    func prepare(_ instance: Instance) {
        guard !instance.nativeTableReady else { return }
        instance.nativeTableReady = true
        instance.context.storeBytes(of: UnsafeRawPointer(runtimeFunctionTable), toByteOffset: Int(ContextLayout.runtimeFunctions),
                                    as: UnsafeRawPointer.self)
        for address in instance.functionAddresses { fillCodeCell(instance.store.function(address)) }
    }

    /// Points a function's empty native code cell at the exit stub of its signature. Signatures
    /// the tier cannot call (v128) get none: IRGen never calls them.
    func fillCodeCell(_ f: FunctionInstance) {
        guard f.nativeCodeCell.pointee == nil else { return }
        #if arch(x86_64)
        if exitStubs[f.type] == nil {
            let helper = unsafeBitCast(nativeExit, to: UnsafeRawPointer.self)
            guard f.type.results.count <= ContextLayout.resultCapacity,
                  let parameters = try? f.type.parameters.map(IRGen.irType), let results = try? f.type.results.map(IRGen.irType),
                  let bytes = try? exitStub(parameters: parameters, results: results, helper: helper),
                  let memory = try? ExecutableMemory(bytes) else { return }
            exitStubs[f.type] = memory
        }
        f.nativeCodeCell.pointee = exitStubs[f.type]!.address(0)
        #endif
    }

    /// The function's entry for tables' native views (made once, kept by the function), or
    /// the unmatchable entry for host functions and functions this tier cannot call.
    func nativeEntry(_ f: FunctionInstance) -> UnsafeRawPointer {
        if let entry = f.nativeEntry { return UnsafeRawPointer(entry) }
        guard let owner = f.instanceRef else { return FunctionTableEntryLayout.unmatchable }
        fillCodeCell(f)
        guard f.nativeCodeCell.pointee != nil else { return FunctionTableEntryLayout.unmatchable }
        let entry = UnsafeMutableRawPointer.allocate(byteCount: Int(FunctionTableEntryLayout.size), alignment: 16)
        entry.storeBytes(of: f.nativeCodeCell, toByteOffset: Int(FunctionTableEntryLayout.codeCell), as: UnsafeMutablePointer<UnsafeRawPointer?>.self)
        entry.storeBytes(of: owner.context, toByteOffset: Int(FunctionTableEntryLayout.context), as: UnsafeMutableRawPointer.self)
        entry.storeBytes(of: Unmanaged.passUnretained(f).toOpaque(), toByteOffset: Int(FunctionTableEntryLayout.function), as: UnsafeMutableRawPointer.self)
        entry.storeBytes(of: UInt64(f.typeID), toByteOffset: Int(FunctionTableEntryLayout.typeID), as: UInt64.self)
        f.nativeEntry = entry
        return UnsafeRawPointer(entry)
    }

    package func compile(_ instance: Instance, definedIndex: Int) -> NativeFunction? {
        let module = instance.module
        prepare(instance)
        #if arch(x86_64)
        do {
            let clock = ContinuousClock()
            let t0 = clock.now
            let proc = try generateIR(module: module, definedIndex: definedIndex, boundsChecks: boundsChecks(for: instance))
            let t1 = clock.now
            optimize(proc)
            let t2 = clock.now
            let (_, bytes) = try X86_64Backend.compile(proc, convention: .wasm)
            let t3 = clock.now
            if Self.log {
                print("compile function \(module.module.importedFunctionCount + definedIndex): \(module.module.functionBodies[definedIndex].code.count) bytes of Wasm, \(proc.values.count) IR values; irgen \(t1 - t0), optimize \(t2 - t1), backend \(t3 - t2) -> \(bytes.count) bytes")
            }
            let resultCount = module.module.types[Int(module.functions[definedIndex].typeIndex)].results.count
            let trampoline = entryTrampoline(parameters: proc.parameterTypes, results: proc.resultTypes, convention: .wasm,
                                             resultArea: resultCount > 1 ? resultCount : 0)
            let native = try NativeFunction(function: bytes, trampoline: trampoline)
            if let map = Self.perfMap {
                let index = module.module.importedFunctionCount + definedIndex
                let name = instance.functionName(index).map { " " + $0.filter { !$0.isNewline } } ?? ""
                fputs(String(UInt(bitPattern: native.address), radix: 16) + " " + String(bytes.count, radix: 16)
                      + " wasm[\(index)]\(name)\n", map)
                fflush(map)
            }
            compiled += 1
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

/// What exit stubs call: runs the table entry's function (a host function, or a Wasm function
/// in the interpreter, which may go native again) with the argument slots. Returns 0, or 1
/// with the error kept in the store while native frames unwind. Swift errors never cross
/// native frames.
let nativeExit: @convention(c) (UnsafeRawPointer, UnsafeMutablePointer<UInt64>) -> Int32 = { entry, slots in
    let function = Unmanaged<FunctionInstance>.fromOpaque(
        entry.load(fromByteOffset: Int(FunctionTableEntryLayout.function), as: UnsafeRawPointer.self)).takeUnretainedValue()
    let context = entry.load(fromByteOffset: Int(FunctionTableEntryLayout.context), as: UnsafeRawPointer.self)
    let instance = Unmanaged<Instance>.fromOpaque(
        context.load(fromByteOffset: Int(ContextLayout.instance), as: UnsafeRawPointer.self)).takeUnretainedValue()
    let store = instance.store
    guard let interpreter = store.executor as? Interpreter else {
        store.pendingNativeError = Trap(.hostError, detail: "native code needs the interpreter as the store's executor")
        return 1
    }
    do {
        try interpreter.callFromNative(function, caller: instance, slots: slots, in: store)
        return 0
    } catch {
        store.pendingNativeError = error
        return 1
    }
}
