import Decoder
import InterpreterLoop
import Runtime
import Validator
import WasmCore

/// The interpreter tier: translates each function on its first call (`Translator`) and runs the
/// internal code in one loop over raw frame slots. Calls between Wasm functions push a record on
/// an explicit call stack instead of recursing on the host stack, so deep Wasm recursion ends in
/// "call stack exhausted", never in a host stack overflow.
public final class Interpreter: Executor {
    /// Slots (8 bytes each) of the value stack of one activation from the host.
    public var stackSlots = 1 << 20 {
        didSet {
            spareStack?.deallocate()
            spareStack = nil
            spareCold?.deallocate()
            spareCold = nil
        }
    }
    var spareStack: UnsafeMutablePointer<UInt64>?
    /// The cell for the activation's seldom-used state (`Machine.Cold`), kept like the stack.
    var spareCold: UnsafeMutablePointer<Machine.Cold>?
    /// The call stack of the outermost activation, kept like the stack.
    var spareFrames: FrameStack?

    public init() {
        _ = Interpreter.layoutsMatch
    }

    /// The C dispatch loop reads function slots through a C mirror of the Swift type
    /// (`wt_function_slot`); a mismatch stops the process here rather than
    /// corrupting memory later. Checked once.
    static let layoutsMatch: Bool = {
        precondition(MemoryLayout<FunctionSlot>.stride == MemoryLayout<wt_function_slot>.stride
                     && MemoryLayout<FunctionSlot>.offset(of: \FunctionSlot.code) == MemoryLayout<wt_function_slot>.offset(of: \wt_function_slot.code)
                     && MemoryLayout<FunctionSlot>.offset(of: \FunctionSlot.instance) == MemoryLayout<wt_function_slot>.offset(of: \wt_function_slot.instance)
                     && MemoryLayout<FunctionSlot>.offset(of: \FunctionSlot.function) == MemoryLayout<wt_function_slot>.offset(of: \wt_function_slot.function)
                     && MemoryLayout<FunctionSlot>.offset(of: \FunctionSlot.typeID) == MemoryLayout<wt_function_slot>.offset(of: \wt_function_slot.type_id)
                     && MemoryLayout<FunctionSlot>.offset(of: \FunctionSlot.index) == MemoryLayout<wt_function_slot>.offset(of: \wt_function_slot.index)
                     && MemoryLayout<FunctionSlot>.offset(of: \FunctionSlot.isHost) == MemoryLayout<wt_function_slot>.offset(of: \wt_function_slot.is_host),
                     "FunctionSlot and wt_function_slot differ in layout")
        return true
    }()

    deinit {
        spareStack?.deallocate()
        spareCold?.deallocate()
    }

    public func invoke(_ function: FunctionAddress, arguments: [Value], in store: Store) throws -> [Value] {
        let f = store.function(function)
        guard arguments.count == f.type.parameters.count,
              zip(arguments, f.type.parameters).allSatisfy({ $0.type == $1 }) else {
            throw Trap(.hostError, detail: "arguments \(arguments.map(\.type)) do not match the function's parameters \(f.type.parameters)")
        }
        if let host = f.hostFunction {
            return try host.body(Caller(instance: nil, store: store), arguments)
        }
        let count = max(Value.slots(f.type.parameters), Value.slots(f.type.results))
        return try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(count, 1)) { buffer in
            let slots = buffer.baseAddress!
            Value.store(arguments, to: slots)
            try run(f, slots: slots, in: store)
            return Value.load(f.type.results, from: slots)
        }
    }

    public func invoke(_ function: FunctionAddress, slots: UnsafeMutablePointer<UInt64>, in store: Store) throws {
        try callFromNative(store.function(function), caller: nil, slots: slots, in: store)
    }

    /// Runs any function with raw slots: a host function with `caller` as the calling instance
    /// (nil from Swift), or a Wasm function in this tier (which may itself go native). Native
    /// code's exit stubs come here too.
    package func callFromNative(_ f: FunctionInstance, caller: Instance?, slots: UnsafeMutablePointer<UInt64>, in store: Store) throws {
        if let host = f.hostFunction {
            let results = try host.body(Caller(instance: caller, store: store), Value.load(f.type.parameters, from: slots))
            guard results.map(\.type) == f.type.results else {
                throw Trap(.hostError, detail: "host function returned \(results.map(\.type)), declared \(f.type.results)")
            }
            Value.store(results, to: slots)
            return
        }
        try run(f, slots: slots, in: store)
    }

    /// Runs a Wasm function on this thread: arguments from `slots`, results back into them.
    func run(_ f: FunctionInstance, slots: UnsafeMutablePointer<UInt64>, in store: Store) throws {
        guard store.reentry < store.maxReentry, store.callDepth < store.maxCallDepth else { throw Trap(.callStackExhausted) }
        store.reentry += 1
        defer { store.reentry -= 1 }
        // One value stack (and activation cell) is kept for the outermost activation and reused
        // call after call (a fresh 8 MiB allocation cost more than a small call); nested
        // activations (host functions calling back into Wasm) get their own.
        let stack: UnsafeMutablePointer<UInt64>, cold: UnsafeMutablePointer<Machine.Cold>
        if let spare = spareStack, let spareCold {
            stack = spare
            cold = spareCold
            spareStack = nil
            self.spareCold = nil
        } else {
            stack = .allocate(capacity: stackSlots)
            cold = .allocate(capacity: 1)
        }
        defer {
            // Kept for the next call unless a nested activation already left its own.
            if spareStack == nil {
                spareStack = stack
                spareCold = cold
            } else {
                stack.deallocate()
                cold.deallocate()
            }
        }
        // The call stack starts small and grows (Machine.growFrames) up to the depth limit.
        let frames: FrameStack
        if let spare = spareFrames {
            frames = spare
            spareFrames = nil
        } else {
            frames = FrameStack()
        }
        defer { if spareFrames == nil { spareFrames = frames } }
        let parameterSlots = Value.slots(f.type.parameters)
        stack.update(from: slots, count: parameterSlots)
        var machine = Machine(store: store, stack: stack, stackEnd: stack + stackSlots, cold: cold, frames: frames)
        try machine.run(f, base: stack)
        slots.update(from: stack, count: Value.slots(f.type.results))
    }

    /// The compiled code of a Wasm function, translating it on first use.
    static func compiled(_ f: FunctionInstance) throws -> CompiledFunction {
        if let c = f.code { return unsafeDowncast(c, to: CompiledFunction.self) }
        let instance = f.instance!
        let policy = instance.store.tierUp
        let c = try Translator.translate(instance.module, definedIndex: f.index - instance.module.module.importedFunctionCount,
                                         counting: policy.map { ($0.entryWeight, $0.backEdgeWeight) })
        if let policy { c.tierUpBudget = policy.threshold }
        if let compiler = instance.store.nativeCompiler,
           let native = compiler.compile(instance, definedIndex: f.index - instance.module.module.importedFunctionCount) {
            c.native = native
            // Native callers now enter the machine code directly (one store, seen by all).
            f.nativeCodeCell.pointee = native.address
        }
        f.code = c
        return c
    }
}

extension Interpreter {
    /// What translating a module's functions costs: the bytes of Wasm function bodies, the bytes
    /// of internal code produced (instructions, constants, branch tables), and the time taken.
    /// For benchmarks and the size budget of the translated form.
    public struct TranslationReport: Sendable {
        public var functions: Int
        public var wasmBytes: Int
        public var internalBytes: Int
        public var seconds: Double
    }

    public static func translateAll(_ module: ValidatedModule) throws -> TranslationReport {
        let clock = ContinuousClock()
        var report = TranslationReport(functions: 0, wasmBytes: 0, internalBytes: 0, seconds: 0)
        let start = clock.now
        for i in module.functions.indices {
            let c = try Translator.translate(module, definedIndex: i)
            report.functions += 1
            report.wasmBytes += module.module.functionBodies[i].code.count
            report.internalBytes += c.count * 4 + c.constantCount * 8 + c.branchTargetCount * 4
        }
        let d = clock.now - start
        report.seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return report
    }
}

extension Interpreter {
    /// The interpreter's translated code of a defined function, one instruction per line: its
    /// word position, operation, the slots and immediate its layout uses, and its Wasm offset.
    /// For people working on the translator (`wasm-tier compile --emit interp`).
    public static func listing(_ module: ValidatedModule, definedIndex i: Int) throws -> String {
        let c = try Translator.translate(module, definedIndex: i)
        var out = ";; frame \(c.frameSize) slots: parameters 0..<\(c.parameterSlots), zeroed ..<\(c.zeroSlotEnd), locals ..<\(c.localSlots), "
            + "constants ..<\(c.localSlots + c.constantCount)\n"
        for k in 0..<c.constantCount {
            out += ";;   s\(c.localSlots + k) = 0x\(String(c.constants[k], radix: 16))\n"
        }
        var at = 0
        var index = 0
        while at < c.count {
            let (instr, length) = Instr.decode(c.code + at)
            let layout = OpLayout.all[Int(instr.op)]
            var line = "\(String(at).leftPadded(6)): \(Op(rawValue: instr.op).map { "\($0)" } ?? "op\(instr.op)") a=s\(instr.a)"
            if layout.b != 0 { line += " b=s\(instr.b)" }
            if layout.c != 0 { line += layout.cIsConstant ? " c=#\(Int32(bitPattern: instr.c))" : " c=s\(instr.c)" }
            if layout.k != 0 { line += " k=#\(Int32(bitPattern: instr.k))" }
            if layout.imm != 0 { line += layout.isTarget ? " -> \(instr.imm)" : " imm=\(Int64(bitPattern: instr.imm))" }
            if c.offsets.indices.contains(index) { line += "    ;; @\(c.offsets[index])" }
            out += line + "\n"
            at += length
            index += 1
        }
        if c.branchTargetCount > 0 {
            out += ";; br_table targets: \((0..<c.branchTargetCount).map { String(c.branchTargets[$0]) }.joined(separator: " "))\n"
        }
        return out
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
