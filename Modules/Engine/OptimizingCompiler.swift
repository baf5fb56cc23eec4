import Air
import CSupport
import Decoder
import Foundation
import IR
import IRGen
import MachineCode
import Optimizer
import Runtime
import Validator
import WasmCore
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

    /// Whether an instance's first compile request also starts a worker thread that compiles
    /// its other functions ahead of their first call (Docs/OPTIMIZING-TIER.md, "Compiling
    /// ahead on a second thread").
    package let ahead: Bool
    /// The workers, by instance, with the instance's lifetime token (`Instance.lifetimeToken`,
    /// held weakly: a worker outliving its instance stops).
    private var workers: [ObjectIdentifier: (token: Weak<AnyObject>, worker: AheadOfTimeWorker)] = [:]

    package init(boundsChecks: BoundsChecks? = nil, ahead: Bool = false) {
        self.boundsChecks = boundsChecks
            ?? ProcessInfo.processInfo.environment["WASM_TIER_BOUNDS_CHECKS"].flatMap(BoundsChecks.init(rawValue:))
            ?? .guardPages
        self.ahead = ahead
    }

    deinit {
        for (_, entry) in workers { entry.worker.cancel() }
    }

    /// The instance's worker, started on first use.
    private func worker(for instance: Instance) -> AheadOfTimeWorker {
        let key = ObjectIdentifier(instance)
        if let token = instance.lifetimeToken, let entry = workers[key], entry.token.value === token { return entry.worker }
        // Workers of instances that are gone have stopped; drop them with their results.
        workers = workers.filter { $0.value.token.value != nil }
        let token = instance.lifetimeToken ?? LifetimeToken()
        instance.lifetimeToken = token
        let worker = AheadOfTimeWorker(module: instance.module, boundsChecks: boundsChecks(for: instance), lifetime: token)
        workers[key] = (Weak(token), worker)
        worker.start()
        return worker
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
        let index = module.module.importedFunctionCount + definedIndex
        prepare(instance)
        let outcome: Result<Compiled, CompileFailure>
        let clock = ContinuousClock(), start = clock.now
        var source = "compiled now"
        if ahead, let taken = worker(for: instance).take(definedIndex) {
            outcome = taken
            source = "ahead"
        } else {
            outcome = Self.build(module, definedIndex: definedIndex, boundsChecks: boundsChecks(for: instance))
        }
        // How long the thread running the program compiled or waited (the compile log).
        if Self.log { print("function \(index): \(source), main thread \(clock.now - start)") }
        switch outcome {
        case .success(let c):
            if Self.log {
                print("compile function \(index): \(module.module.functionBodies[definedIndex].code.count) bytes of Wasm, \(c.irValues) IR values; irgen \(c.times[0]), optimize \(c.times[1]), backend \(c.times[2]) -> \(c.codeBytes) bytes")
            }
            if let map = Self.perfMap {
                let name = instance.functionName(index).map { " " + $0.filter { !$0.isNewline } } ?? ""
                fputs(String(UInt(bitPattern: c.native.address), radix: 16) + " " + String(c.codeBytes, radix: 16)
                      + " wasm[\(index)]\(name)\n", map)
                fflush(map)
            }
            compiled += 1
            return c.native
        case .failure(let failure):
            fallbacks.append("function \(index): \(failure.message)")
            return nil
        }
    }

    /// A compiled function, with what the compile log reports.
    package struct Compiled: @unchecked Sendable {
        package var native: NativeFunction
        package var irValues: Int
        package var codeBytes: Int
        /// IRGen, the pipeline, the backend.
        package var times: [Duration]
    }

    package struct CompileFailure: Error, Sendable {
        package var message: String
    }

    /// The whole tier for one function: pure, so the ahead-of-time worker runs it too.
    /// The register allocator: graph coloring, or `WASM_TIER_REGALLOC=linear-scan`.
    static let allocator = ProcessInfo.processInfo.environment["WASM_TIER_REGALLOC"].flatMap(RegisterAllocator.init(rawValue:)) ?? .graphColoring

    package static func build(_ module: ValidatedModule, definedIndex: Int, boundsChecks: BoundsChecks) -> Result<Compiled, CompileFailure> {
        #if arch(x86_64)
        do {
            let clock = ContinuousClock()
            let t0 = clock.now
            let proc = try generateIR(module: module, definedIndex: definedIndex, boundsChecks: boundsChecks)
            let t1 = clock.now
            optimize(proc)
            let t2 = clock.now
            let (_, bytes) = try X86_64Backend.compile(proc, convention: .wasm, allocator: allocator)
            let t3 = clock.now
            let resultCount = module.module.types[Int(module.functions[definedIndex].typeIndex)].results.count
            let trampoline = entryTrampoline(parameters: proc.parameterTypes, results: proc.resultTypes, convention: .wasm,
                                             resultArea: resultCount > 1 ? resultCount : 0)
            let native = try NativeFunction(function: bytes, trampoline: trampoline)
            return .success(Compiled(native: native, irValues: proc.values.count, codeBytes: bytes.count, times: [t1 - t0, t2 - t1, t3 - t2]))
        } catch {
            return .failure(CompileFailure(message: "\(error)"))
        }
        #else
        return .failure(CompileFailure(message: "no backend for this architecture"))
        #endif
    }
}

/// What an instance holds for as long as it lives (`Instance.lifetimeToken`).
final class LifetimeToken {}

/// A weak reference, for tables keyed by object identity.
struct Weak<T: AnyObject> {
    weak var value: T?
    init(_ value: T) { self.value = value }
}

/// Compiles one instance's functions on a second thread, in call order from the entry points,
/// then largest first, ahead of their first call (Docs/OPTIMIZING-TIER.md, "Compiling ahead on
/// a second thread"). The main thread takes
/// results with `take`; every field is guarded by `condition`.
final class AheadOfTimeWorker: @unchecked Sendable {
    private enum State {
        /// Nobody has started it.
        case pending
        /// The worker is compiling it.
        case working
        /// Its result, not handed over yet.
        case done(Result<OptimizingCompiler.Compiled, OptimizingCompiler.CompileFailure>)
        /// The main thread has it (the result, or the job of compiling it).
        case main
    }

    private let module: ValidatedModule
    private let boundsChecks: BoundsChecks
    /// The instance's lifetime token: nil once the instance is gone.
    private weak var lifetime: AnyObject?
    private let condition = NSCondition()
    private var states: [State]
    private var cancelled = false
    /// The compile order (`order(_:)`) and the position of the next function to consider in it,
    /// shared by the worker and by the main thread when it helps.
    private var queue: [Int] = []
    private var cursor = 0

    init(module: ValidatedModule, boundsChecks: BoundsChecks, lifetime: AnyObject) {
        self.module = module
        self.boundsChecks = boundsChecks
        self.lifetime = lifetime
        states = Array(repeating: .pending, count: module.functions.count)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "wasm-tier compiler"
        thread.start()
    }

    /// The order to compile in: first the functions the entry points reach through direct
    /// calls, depth first in the order the calls appear (about the order the program first
    /// calls them, so the worker stays ahead of the thread running it instead of compiling
    /// `printf` while the program waits for `malloc`); then the rest, largest first.
    static func order(_ module: ValidatedModule) -> [Int] {
        let m = module.module
        let imported = m.importedFunctionCount
        let count = module.functions.count
        // Direct callees of each defined function (defined-function indices), in call order.
        var callees = Array(repeating: [Int](), count: count)
        m.bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let body = m.functionBodies[i]
                var reader = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
                var collector = CallCollector()
                // Validated code decodes; a failure would only shorten the list.
                while !reader.isAtEnd { if (try? reader.decodeInstruction(&collector)) == nil { break } }
                callees[i] = collector.calls.compactMap { $0 >= imported ? $0 - imported : nil }
            }
        }
        var roots: [Int] = []
        if let start = m.start { roots.append(Int(start)) }
        for export in m.exports where export.kind == .function { roots.append(Int(export.index)) }
        var seen = Array(repeating: false, count: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        for root in roots where root >= imported && !seen[root - imported] {
            // Depth first, preorder, callees in call order (an explicit stack, reversed).
            var stack = [root - imported]
            while let f = stack.popLast() {
                guard !seen[f] else { continue }
                seen[f] = true
                order.append(f)
                for c in callees[f].reversed() where !seen[c] { stack.append(c) }
            }
        }
        let rest = (0..<count).filter { !seen[$0] }.sorted {
            (m.functionBodies[$0].code.count, $1) > (m.functionBodies[$1].code.count, $0)
        }
        return order + rest
    }

    /// Collects the function indices of a body's `call` instructions.
    struct CallCollector: PartialInstructionVisitor {
        var calls: [Int] = []
        mutating func visitCall(functionIndex: UInt32) throws { calls.append(Int(functionIndex)) }
        mutating func visitOther(_ opcode: WasmCore.Opcode) throws {}
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.unlock()
    }

    /// The next pending function of the queue, claimed (`working`); nil at the end. Called with
    /// the lock held.
    private func claimNext(maximumSize: Int = .max) -> Int? {
        while cursor < queue.count {
            let i = queue[cursor]
            guard case .pending = states[i] else {
                cursor += 1
                continue
            }
            guard module.module.functionBodies[i].code.count <= maximumSize else { return nil }
            cursor += 1
            states[i] = .working
            return i
        }
        return nil
    }

    /// Compiles a claimed function without the lock, then publishes it (lock held on entry and
    /// on return).
    private func compileClaimed(_ i: Int) {
        condition.unlock()
        let result = OptimizingCompiler.build(module, definedIndex: i, boundsChecks: boundsChecks)
        condition.lock()
        states[i] = .done(result)
        condition.broadcast()
    }

    private func run() {
        // The order is worked out here, not on the program's thread (it decodes every body);
        // until it is published the program's thread compiles what it needs itself.
        let order = Self.order(module)
        condition.lock()
        defer { condition.unlock() }
        queue = order
        while true {
            // The instance gone (checked without keeping it alive) or the compiler released:
            // stop, and let go of the code nobody took.
            if cancelled || lifetime == nil {
                for k in states.indices {
                    if case .done = states[k] { states[k] = .main }
                }
                return
            }
            guard let i = claimNext() else { return }
            compileClaimed(i)
        }
    }

    /// The function's result when the worker has it or is making it (waiting for it then);
    /// nil when nobody has started it, which the worker now never will: the caller compiles.
    /// While the worker compiles the function asked for, the caller compiles the next one of
    /// the queue no larger than it, if any, instead of waiting idle: the program's thread and
    /// the worker then share the work along the queue.
    func take(_ i: Int) -> Result<OptimizingCompiler.Compiled, OptimizingCompiler.CompileFailure>? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch states[i] {
            case .pending, .main:
                states[i] = .main
                return nil
            case .working:
                if !cancelled, let j = claimNext(maximumSize: module.module.functionBodies[i].code.count) {
                    compileClaimed(j)
                } else {
                    condition.wait()
                }
            case .done(let result):
                // Handed over once: the interpreter installs it.
                states[i] = .main
                return result
            }
        }
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
