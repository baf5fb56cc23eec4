import MachineCode
import Foundation
import InterpreterLoop
import Runtime
import Validator
import WasmCore

/// One activation of the interpreter: the value stack, the call stack and the execution loop.
struct Machine {
    /// The running activation's state outside the two loops' locals, in a heap cell reused
    /// across calls like the value stack: the C loop's `wt_interp_regs` and what the Swift half
    /// needs besides.
    struct Cold {
        var memSizeCell: UnsafeMutablePointer<Int>?
        /// What the C dispatch loop runs with (and updates): the running function, memory 0's
        /// base and byte size, the instance's global cells and function slots, the call stack.
        var regs: wt_interp_regs

        init(function: CompiledFunction, instance: Unmanaged<Instance>, frames: UnsafeMutablePointer<wt_frame>,
             framesLimit: UnsafeMutablePointer<wt_frame>, stackEnd: UnsafeMutablePointer<UInt64>) {
            let x = instance.takeUnretainedValue()
            memSizeCell = x.memories.first?.sizeCell
            regs = wt_interp_regs(ip: nil, sp: nil, memory_base: x.memories.first?.base.assumingMemoryBound(to: UInt8.self),
                                  memory_size: UInt64(x.memories.first?.sizeCell.pointee ?? 0),
                                  globals: UnsafePointer(OpaquePointer(x.globalCells)), function: UnsafePointer(function.descriptor),
                                  instance: UnsafeRawPointer(instance.toOpaque()),
                                  function_slots: UnsafePointer(OpaquePointer(x.functionSlots)),
                                  tables: UnsafePointer(OpaquePointer(x.slotViews)), type_ids: UnsafePointer(x.nativeTypeIDs),
                                  frames: frames, frames_top: frames, frames_limit: framesLimit, stack_end: stackEnd)
        }

        /// The current instance (unretained) and its function slots.
        var instance: Unmanaged<Instance> { Unmanaged.fromOpaque(regs.instance.unsafelyUnwrapped) }
        var functionSlots: UnsafePointer<FunctionSlot> { UnsafePointer(OpaquePointer(regs.function_slots.unsafelyUnwrapped)) }
        /// The running function and its index in its module.
        var function: CompiledFunction { CompiledFunction.owner(of: regs.function.unsafelyUnwrapped) }
        var functionIndex: Int { Int(regs.function.unsafelyUnwrapped.pointee.function_index) }
        var code: UnsafePointer<UInt32> { regs.function.unsafelyUnwrapped.pointee.code.unsafelyUnwrapped }
        var memBase: UnsafeMutableRawPointer? {
            get { UnsafeMutableRawPointer(regs.memory_base) }
            set { regs.memory_base = newValue?.assumingMemoryBound(to: UInt8.self) }
        }
        var memSize: UInt64 {
            get { regs.memory_size }
            set { regs.memory_size = newValue }
        }
        /// Calls in progress (suspended callers) in this activation.
        var depth: Int { regs.frames_top.unsafelyUnwrapped - regs.frames.unsafelyUnwrapped }
    }

    let store: Store
    let stack: UnsafeMutablePointer<UInt64>
    let stackEnd: UnsafeMutablePointer<UInt64>
    /// The call stack (suspended callers); `regs.frames` is its current buffer.
    let frames: FrameStack

    /// The activation's `Cold` cell (uninitialized memory; `run` fills it).
    let cold: UnsafeMutablePointer<Cold>

    init(store: Store, stack: UnsafeMutablePointer<UInt64>, stackEnd: UnsafeMutablePointer<UInt64>, cold: UnsafeMutablePointer<Cold>,
         frames: FrameStack) {
        self.store = store
        self.stack = stack
        self.stackEnd = stackEnd
        self.cold = cold
        self.frames = frames
    }

    // MARK: Helpers (the scalar operations themselves are in the C loop)

    @inline(__always) static func i32(_ x: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: x) }
    @inline(__always) static func bool(_ b: Bool) -> UInt64 { b ? 1 : 0 }

    /// Saturating float-to-i32 conversions, for the SIMD lanes.
    @inline(__always) static func satS32<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN { return 0 }
        if x <= -2147483648.0 { return UInt64(UInt32(bitPattern: Int32.min)) }
        if x >= 2147483648.0 { return UInt64(UInt32(bitPattern: Int32.max)) }
        return UInt64(UInt32(bitPattern: Int32(x.rounded(.towardZero))))
    }

    @inline(__always) static func satU32<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN || x <= -1.0 { return 0 }
        if x >= 4294967296.0 { return UInt64(UInt32.max) }
        return UInt64(UInt32(x.rounded(.towardZero)))
    }

    /// The operations kept out of the Swift half's switch: SIMD, and the tier-up counters, which
    /// only code translated under a tier-up policy contains.
    @inline(never)
    static func outOfLine(_ i: Instr, _ sp: UnsafeMutablePointer<UInt64>, _ cold: UnsafeMutablePointer<Cold>, _ store: Store) throws {
        switch unsafeBitCast(i.op, to: Op.self) {
        case .countEntry, .loopHint:
            let f = cold.pointee.function
            f.tierUpBudget &-= Int(i.imm)
            if f.tierUpBudget < 0 { reportHot(cold, store) }
        default:
            try simd(i, sp, cold.pointee.memBase, cold.pointee.memSize)
        }
    }

    /// A `call_indirect` the C loop left to Swift: when the table's slot view is stale (or was
    /// never built), rebuilds it once such calls add up to a 32nd of the table, so later calls
    /// stay in C without a rebuild per call in a program that alternates writes and calls.
    @inline(never)
    static func noteSlowIndirectCall(_ instance: Instance, table t: Int) {
        let table = instance.tables[t]
        if !table.slotView.isCurrent(count: table.elements.count), table.slotView.noteSlowCall(tableSize: table.elements.count) {
            instance.rebuildSlotView(table: t)
        }
    }

    /// Per operation (`Op` raw value): whether the C loop runs it (asked once).
    nonisolated(unsafe) static let runsInC: UnsafeMutablePointer<Bool> = {
        let count = OpLayout.all.count
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        bytes.initialize(repeating: 0, count: count)
        var query = wt_interp_regs()
        query.sp = UnsafeMutableRawPointer(bytes).assumingMemoryBound(to: UInt64.self)
        _ = wt_interp_run(&query)
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: count)
        for k in 0..<count { table[k] = bytes[k] != 0 }
        bytes.deallocate()
        return table
    }()

    /// The trap the C dispatch loop stopped with.
    static func trap(_ exit: Int32) -> Trap {
        switch UInt32(exit) {
        case WT_EXIT_DIVIDE_BY_ZERO.rawValue: Trap(.integerDivideByZero)
        case WT_EXIT_INTEGER_OVERFLOW.rawValue: Trap(.integerOverflow)
        case WT_EXIT_INVALID_CONVERSION.rawValue: Trap(.invalidConversionToInteger)
        default: Trap(.outOfBoundsMemoryAccess)
        }
    }

    /// After a call or return: makes `instance` current if it is not (its function slots, global
    /// cells and memory 0 cached in `cold`), and reloads the memory size, which any call may
    /// have changed.
    @inline(__always)
    static func enter(_ instance: Unmanaged<Instance>, _ cold: UnsafeMutablePointer<Cold>) {
        if instance.toOpaque() != cold.pointee.instance.toOpaque() {
            cold.pointee.regs.instance = UnsafeRawPointer(instance.toOpaque())
            instance._withUnsafeGuaranteedRef { x in
                cold.pointee.regs.globals = UnsafePointer(OpaquePointer(x.globalCells))
                cold.pointee.regs.function_slots = UnsafePointer(OpaquePointer(x.functionSlots))
                cold.pointee.regs.tables = UnsafePointer(OpaquePointer(x.slotViews))
                cold.pointee.regs.type_ids = UnsafePointer(x.nativeTypeIDs)
                cold.pointee.memBase = x.memories.first?.base
                cold.pointee.memSizeCell = x.memories.first?.sizeCell
            }
        }
        cold.pointee.memSize = UInt64(cold.pointee.memSizeCell?.pointee ?? 0)
    }

    /// Tells the tier-up policy that the running function spent its budget (once: the budget is
    /// then set out of reach).
    @inline(never)
    static func reportHot(_ cold: UnsafeMutablePointer<Cold>, _ store: Store) {
        cold.pointee.function.tierUpBudget = Int.max
        let instance = cold.pointee.instance.takeUnretainedValue()
        store.tierUp?.onHot(store.function(instance.functionAddresses[cold.pointee.functionIndex]))
    }

    // MARK: Execution

    mutating func run(_ entry: FunctionInstance, base: UnsafeMutablePointer<UInt64>) throws {
        let entryCode = try Interpreter.compiled(entry)
        let entryInstance = entry.instance!
        // The current instance is unretained; its tables are cached in `cold` and reloaded
        // only when a call or return changes instance.
        let cold = self.cold
        // Calls may nest as deep as the store's limit allows, counting the activations below.
        let allowedDepth = max(0, store.maxCallDepth - store.callDepth)
        cold.initialize(to: Cold(function: entryCode, instance: Unmanaged.passUnretained(entryInstance), frames: frames.base,
                                 framesLimit: frames.base + min(frames.capacity, allowedDepth), stackEnd: stackEnd))
        let regs = (UnsafeMutableRawPointer(cold) + MemoryLayout<Cold>.offset(of: \Cold.regs)!).assumingMemoryBound(to: wt_interp_regs.self)
        defer { withExtendedLifetime((entryCode, entryInstance)) {} }
        var function: CompiledFunction { cold.pointee.function }
        var instance: Instance { cold.pointee.instance.takeUnretainedValue() }
        guard base + entryCode.frameSize <= stackEnd else { throw Trap(.callStackExhausted) }
        if let native = entryCode.native {
            if native.call(context: entryInstance.context, slots: base) != 0 { throw store.takeNativeFailure() }
            return
        }
        var sp = base
        entryCode.enter(sp)
        // The next instruction, and the one running (what a backtrace names).
        var ip = UnsafePointer(entryCode.code)
        var current = ip

        func backtrace(_ trap: Trap) -> Trap {
            var t = trap
            let functionIndex = cold.pointee.functionIndex
            let here = BacktraceFrame(functionIndex: UInt32(functionIndex), name: instance.functionName(functionIndex),
                                      offset: function.wasmOffset(ofInstructionAt: current - cold.pointee.code))
            var callers: [BacktraceFrame] = []
            var r = cold.pointee.regs.frames_top.unsafelyUnwrapped
            while r != cold.pointee.regs.frames.unsafelyUnwrapped {
                r -= 1
                let f = CompiledFunction.owner(of: r.pointee.function.unsafelyUnwrapped)
                let index = f.functionIndex
                let returnAt = r.pointee.return_ip.unsafelyUnwrapped - UnsafePointer(f.code)
                let caller = Unmanaged<Instance>.fromOpaque(r.pointee.instance.unsafelyUnwrapped).takeUnretainedValue()
                callers.append(BacktraceFrame(functionIndex: UInt32(index), name: caller.functionName(index),
                                              offset: f.wasmOffset(ofInstructionBefore: returnAt)))
            }
            t.backtrace = [here] + callers
            return t
        }

        let runsInC = Machine.runsInC
        do {
            while true {
                // Everything but calls, returns, tables, bulk memory, references and SIMD runs
                // in the C loop; it stops before an instruction it leaves to this one.
                // (A run of operations the C loop leaves here, such as SIMD code, stays here.)
                if runsInC[Int(ip.pointee & 0x3FF)] {
                    regs.pointee.ip = ip
                    regs.pointee.sp = sp
                    let exit = wt_interp_run(regs)
                    ip = regs.pointee.ip.unsafelyUnwrapped
                    sp = regs.pointee.sp.unsafelyUnwrapped
                    current = ip
                    if exit != WT_EXIT_SLOW.rawValue { throw Machine.trap(exit) }
                } else {
                    current = ip
                }
                let (i, length) = Instr.decode(ip)
                ip += length
                switch unsafeBitCast(i.op, to: Op.self) {
                case .trap: throw Trap(TrapCodeIndex(rawValue: Int(i.imm))!.code)
                case .return:
                    guard regs.pointee.frames_top != regs.pointee.frames else { return }
                    regs.pointee.frames_top -= 1
                    let r = regs.pointee.frames_top.unsafelyUnwrapped.pointee
                    regs.pointee.function = r.function
                    ip = r.return_ip.unsafelyUnwrapped
                    sp = r.base.unsafelyUnwrapped
                    Machine.enter(Unmanaged<Instance>.fromOpaque(r.instance.unsafelyUnwrapped), cold)
                case .call, .callIndirect:
                    let slot: FunctionSlot
                    if i.op == Op.call.rawValue {
                        slot = cold.pointee.functionSlots[Int(i.imm)]
                    } else {
                        slot = FunctionSlot(try instance.indirectCallee(table: Int(i.c), index: Machine.i32(sp[Int(i.b)]),
                                                                        typeIndex: Int(i.imm)))
                        Machine.noteSlowIndirectCall(instance, table: Int(i.c))
                    }
                    let newBase = sp + Int(i.a)
                    if slot.isHost {
                        let host = slot.function.takeUnretainedValue().hostFunction!
                        let args = Value.load(host.type.parameters, from: newBase)
                        // A host function that calls back into Wasm continues this call depth.
                        let depth = cold.pointee.depth + 1
                        store.callDepth += depth
                        defer { store.callDepth -= depth }
                        let results = try host.body(Caller(instance: instance, store: store), args)
                        guard results.count == host.type.results.count,
                              zip(results, host.type.results).allSatisfy({ $0.type == $1 }) else {
                            throw Trap(.hostError, detail: "host function returned \(results.map(\.type)), declared \(host.type.results)")
                        }
                        Value.store(results, to: newBase)
                        cold.pointee.memSize = UInt64(cold.pointee.memSizeCell?.pointee ?? 0)
                    } else {
                        if slot.code.pointee == nil { _ = try Interpreter.compiled(slot.function.takeUnretainedValue()) }
                        let descriptor = UnsafePointer<wt_function>(OpaquePointer(slot.code.pointee.unsafelyUnwrapped))
                        unowned(unsafe) let target = CompiledFunction.owner(of: descriptor)
                        guard newBase + target.frameSize <= stackEnd else { throw Trap(.callStackExhausted) }
                        if regs.pointee.frames_top == regs.pointee.frames_limit {
                            guard cold.pointee.depth < allowedDepth else { throw Trap(.callStackExhausted) }
                            frames.grow(regs, limit: allowedDepth)
                        }
                        if let native = target.native {
                            // Machine code takes its arguments from these slots and leaves its
                            // result in the first.
                            let callee = slot.instance.unsafelyUnwrapped.takeUnretainedValue()
                            // Like a host call: what native code calls back into continues this depth.
                            let depth = cold.pointee.depth + 1
                            store.callDepth += depth
                            defer { store.callDepth -= depth }
                            if native.call(context: callee.context, slots: newBase) != 0 { throw store.takeNativeFailure() }
                            // Native code may have grown the memory.
                            cold.pointee.memSize = UInt64(cold.pointee.memSizeCell?.pointee ?? 0)
                            continue
                        }
                        regs.pointee.frames_top.unsafelyUnwrapped.pointee = wt_frame(
                            function: regs.pointee.function, instance: regs.pointee.instance,
                            return_ip: ip, base: sp)
                        regs.pointee.frames_top += 1
                        regs.pointee.function = descriptor
                        ip = UnsafePointer(target.code)
                        sp = newBase
                        target.enter(sp)
                        Machine.enter(slot.instance.unsafelyUnwrapped, cold)
                    }
                case .memorySize: sp[Int(i.a)] = UInt64(instance.memories[0].pageCount)
                case .memoryGrow:
                    sp[Int(i.a)] = UInt64(instance.memoryGrow(delta: Machine.i32(sp[Int(i.b)])))
                    cold.pointee.memSize = UInt64(cold.pointee.memSizeCell.unsafelyUnwrapped.pointee)
                case .memoryInit:
                    try instance.memoryInit(segment: Int(i.imm), destination: Machine.i32(sp[Int(i.a)]),
                                            source: Machine.i32(sp[Int(i.a) + 1]), count: Machine.i32(sp[Int(i.a) + 2]))
                case .dataDrop: instance.dataDrop(segment: Int(i.imm))
                case .memoryCopy:
                    try instance.memoryCopy(destination: Machine.i32(sp[Int(i.a)]), source: Machine.i32(sp[Int(i.a) + 1]),
                                            count: Machine.i32(sp[Int(i.a) + 2]))
                case .memoryFill:
                    try instance.memoryFill(destination: Machine.i32(sp[Int(i.a)]), value: Machine.i32(sp[Int(i.a) + 1]),
                                            count: Machine.i32(sp[Int(i.a) + 2]))
                case .tableInit:
                    try instance.tableInit(table: Int(i.c), segment: Int(i.imm), destination: Machine.i32(sp[Int(i.a)]),
                                           source: Machine.i32(sp[Int(i.a) + 1]), count: Machine.i32(sp[Int(i.a) + 2]))
                case .elemDrop: instance.elemDrop(segment: Int(i.imm))
                case .tableCopy:
                    try instance.tableCopy(destinationTable: Int(i.c), sourceTable: Int(i.imm), destination: Machine.i32(sp[Int(i.a)]),
                                           source: Machine.i32(sp[Int(i.a) + 1]), count: Machine.i32(sp[Int(i.a) + 2]))
                case .tableFill:
                    try instance.tableFill(table: Int(i.imm), destination: Machine.i32(sp[Int(i.a)]), value: sp[Int(i.a) + 1],
                                           count: Machine.i32(sp[Int(i.a) + 2]))
                case .tableGet: sp[Int(i.a)] = try instance.tableGet(table: Int(i.imm), index: Machine.i32(sp[Int(i.b)]))
                case .tableSet: try instance.tableSet(table: Int(i.imm), index: Machine.i32(sp[Int(i.a)]), value: sp[Int(i.a) + 1])
                case .tableGrow:
                    sp[Int(i.a)] = UInt64(instance.tableGrow(table: Int(i.imm), delta: Machine.i32(sp[Int(i.a) + 1]), value: sp[Int(i.a)]))
                case .tableSize: sp[Int(i.a)] = UInt64(instance.tables[Int(i.imm)].elements.count)
                case .refIsNull: sp[Int(i.a)] = Machine.bool(sp[Int(i.b)] == 0)
                case .refFunc: sp[Int(i.a)] = instance.functionReference(Int(i.imm))
                default:
                    // The SIMD instructions (v128), outside the main loop.
                    try Machine.outOfLine(i, sp, cold, store)
                }

            }
        } catch let trap as Trap {
            throw backtrace(trap)
        }
    }
}

/// An activation's call stack: `wt_frame` records in a buffer that starts small and doubles up
/// to the store's call-depth limit (the records point into the value stack, never into the
/// buffer, so it can move). The C loop stops at `frames_limit`; the Swift half grows it.
final class FrameStack {
    private(set) var base: UnsafeMutablePointer<wt_frame>
    private(set) var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Doubles the buffer (at most to `limit` records) and points `regs` at the new one.
    func grow(_ regs: UnsafeMutablePointer<wt_interp_regs>, limit: Int) {
        let depth = regs.pointee.frames_top.unsafelyUnwrapped - base
        let newCapacity = max(depth + 1, min(capacity * 2, limit))
        let new = UnsafeMutablePointer<wt_frame>.allocate(capacity: newCapacity)
        new.initialize(from: base, count: depth)
        base.deallocate()
        base = new
        capacity = newCapacity
        regs.pointee.frames = new
        regs.pointee.frames_top = new + depth
        regs.pointee.frames_limit = new + newCapacity
    }
}
