import MachineCode
import Foundation
import Runtime
import Validator
import WasmCore

/// One activation of the interpreter: the value stack, the call stack and the execution loop.
struct Machine {
    /// A suspended caller. The references are unowned: the store keeps instances and their
    /// compiled code alive for as long as any of their code can run, and not counting
    /// references keeps calls free of reference-count traffic.
    struct Return {
        unowned(unsafe) let function: CompiledFunction
        let instance: Unmanaged<Instance>
        let functionIndex: Int
        let pc: Int
        let base: UnsafeMutablePointer<UInt64>
    }

    /// The parts of the running activation's state that most instructions do not touch. They
    /// live in a heap cell rather than in locals of `run`, so the dispatch loop keeps its hot
    /// values (frame, code, pc, memory base and size) in registers instead of spilling them.
    struct Cold {
        unowned(unsafe) var function: CompiledFunction
        var instance: Unmanaged<Instance>
        var functionIndex: Int
        var globalCells: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
        var functionSlots: UnsafeMutablePointer<FunctionSlot>
        var memSizeCell: UnsafeMutablePointer<Int>?
        /// The current function's code, and memory 0's base and byte size.
        var code: UnsafeMutablePointer<Instr>
        var memBase: UnsafeMutableRawPointer?
        var memSize: UInt64
    }

    let store: Store
    let stack: UnsafeMutablePointer<UInt64>
    let stackEnd: UnsafeMutablePointer<UInt64>
    var calls: [Return] = []

    /// The activation's `Cold` cell (uninitialized memory; `run` fills it).
    let cold: UnsafeMutablePointer<Cold>

    init(store: Store, stack: UnsafeMutablePointer<UInt64>, stackEnd: UnsafeMutablePointer<UInt64>, cold: UnsafeMutablePointer<Cold>) {
        self.store = store
        self.stack = stack
        self.stackEnd = stackEnd
        self.cold = cold
    }

    // MARK: Arithmetic helpers with the spec's semantics

    @inline(__always) static func f32(_ x: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: x)) }
    @inline(__always) static func f64(_ x: UInt64) -> Double { Double(bitPattern: x) }
    @inline(__always) static func b32(_ x: Float) -> UInt64 { UInt64(x.bitPattern) }
    @inline(__always) static func b64(_ x: Double) -> UInt64 { x.bitPattern }
    @inline(__always) static func i32(_ x: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: x) }
    @inline(__always) static func s32(_ x: UInt64) -> Int32 { Int32(truncatingIfNeeded: x) }
    @inline(__always) static func bool(_ b: Bool) -> UInt64 { b ? 1 : 0 }

    @inline(__always) static func fmin<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == b { return a.sign == .minus ? a : b }
        return a < b ? a : b
    }

    @inline(__always) static func fmax<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == b { return a.sign == .minus ? b : a }
        return a > b ? a : b
    }

    /// Float to integer with the spec's traps: NaN is an invalid conversion, out of range overflows.
    @inline(__always) static func trunc<F: BinaryFloatingPoint>(_ x: F, lower: F, upper: F) throws -> F {
        if x.isNaN { throw Trap(.invalidConversionToInteger) }
        let t = x.rounded(.towardZero)
        guard t > lower && t < upper else { throw Trap(.integerOverflow) }
        return t
    }

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

    @inline(__always) static func satS64<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN { return 0 }
        if x <= -9223372036854775808.0 { return UInt64(bitPattern: Int64.min) }
        if x >= 9223372036854775808.0 { return UInt64(bitPattern: Int64.max) }
        return UInt64(bitPattern: Int64(x.rounded(.towardZero)))
    }

    @inline(__always) static func satU64<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN || x <= -1.0 { return 0 }
        if x >= 18446744073709551616.0 { return UInt64.max }
        return UInt64(x.rounded(.towardZero))
    }

    /// The operations kept out of the main loop (adding cases to its switch changes how LLVM
    /// allocates its registers, by as much as 40% on some programs): SIMD, and the tier-up
    /// counters, which only code translated under a tier-up policy contains.
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

    /// After a call or return: makes `instance` current if it is not (its function slots, global
    /// cells and memory 0 cached in `cold`), and reloads the memory size, which any call may
    /// have changed.
    @inline(__always)
    static func enter(_ instance: Unmanaged<Instance>, _ cold: UnsafeMutablePointer<Cold>) {
        if instance.toOpaque() != cold.pointee.instance.toOpaque() {
            cold.pointee.instance = instance
            instance._withUnsafeGuaranteedRef { x in
                cold.pointee.globalCells = x.globalCells
                cold.pointee.functionSlots = x.functionSlots
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
        cold.initialize(to: Cold(function: entryCode, instance: Unmanaged.passUnretained(entryInstance), functionIndex: entry.index,
                                 globalCells: entryInstance.globalCells, functionSlots: entryInstance.functionSlots,
                                 memSizeCell: entryInstance.memories.first?.sizeCell, code: entryCode.code,
                                 memBase: entryInstance.memories.first?.base,
                                 memSize: UInt64(entryInstance.memories.first?.sizeCell.pointee ?? 0)))
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
        // The next instruction.
        var ip = entryCode.code

        func backtrace(_ trap: Trap) -> Trap {
            var t = trap
            let functionIndex = cold.pointee.functionIndex
            let pc = ip - cold.pointee.code
            let here = BacktraceFrame(functionIndex: UInt32(functionIndex), name: instance.functionName(functionIndex),
                                      offset: function.offsets.indices.contains(pc - 1) ? function.offsets[pc - 1] : 0)
            t.backtrace = [here] + calls.reversed().map { r in
                BacktraceFrame(functionIndex: UInt32(r.functionIndex), name: r.instance.takeUnretainedValue().functionName(r.functionIndex),
                               offset: r.function.offsets.indices.contains(r.pc - 1) ? r.function.offsets[r.pc - 1] : 0)
            }
            return t
        }

        do {
            while true {
                let i = ip.pointee
                ip += 1
        let a = Int(i.a)
        @inline(__always) func x() -> UInt64 { sp[Int(i.b)] }
        @inline(__always) func y() -> UInt64 { sp[Int(i.c)] }
        @inline(__always) func address(_ size: UInt64) throws -> Int {
            let ea = UInt64(UInt32(truncatingIfNeeded: sp[Int(i.b)])) &+ i.imm
            guard ea &+ size <= cold.pointee.memSize else { throw Trap(.outOfBoundsMemoryAccess) }
            return Int(ea)
        }
        @inline(__always) func loadValue<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let at = try address(UInt64(MemoryLayout<T>.size))
            return T(littleEndian: cold.pointee.memBase.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: T.self))
        }
        @inline(__always) func storeValue<T: FixedWidthInteger>(_ v: T) throws {
            let at = try address(UInt64(MemoryLayout<T>.size))
            cold.pointee.memBase.unsafelyUnwrapped.storeBytes(of: v.littleEndian, toByteOffset: at, as: T.self)
        }
        let sign32: UInt32 = 0x8000_0000
        let sign64: UInt64 = 0x8000_0000_0000_0000

                // One dispatch for every operation: Op raw values are its case indices.
                switch unsafeBitCast(i.op, to: Op.self) {
                case .copy: sp[Int(i.a)] = sp[Int(i.b)]
                case .copy128:
                    // Both words are read before either is written: source and destination may overlap.
                    let lo = sp[Int(i.b)], hi = sp[Int(i.b) + 1]
                    sp[Int(i.a)] = lo
                    sp[Int(i.a) + 1] = hi
                case .const64: sp[Int(i.a)] = i.imm
                case .jump: ip = cold.pointee.code + Int(i.imm)
                case .branchIf: if Machine.i32(sp[Int(i.b)]) != 0 { ip = cold.pointee.code + Int(i.imm) }
                case .branchUnless: if Machine.i32(sp[Int(i.b)]) == 0 { ip = cold.pointee.code + Int(i.imm) }
                case .branchTable:
                    let index = Int(min(Machine.i32(sp[Int(i.b)]), i.c))
                    ip = cold.pointee.code + function.branchTargets[Int(i.imm) + index]
                case .select:
                    sp[Int(i.a)] = Machine.i32(sp[Int(i.imm)]) != 0 ? sp[Int(i.b)] : sp[Int(i.c)]
                case .globalGet: sp[Int(i.a)] = cold.pointee.globalCells[Int(i.imm)].pointee
                case .globalSet: cold.pointee.globalCells[Int(i.imm)].pointee = sp[Int(i.b)]
                case .select128:
                    let from = Machine.i32(sp[Int(i.imm)]) != 0 ? Int(i.b) : Int(i.c)
                    let lo = sp[from], hi = sp[from + 1]
                    sp[Int(i.a)] = lo
                    sp[Int(i.a) + 1] = hi
                case .globalGet128:
                    let cell = cold.pointee.globalCells[Int(i.imm)]
                    sp[Int(i.a)] = cell[0]
                    sp[Int(i.a) + 1] = cell[1]
                case .globalSet128:
                    let cell = cold.pointee.globalCells[Int(i.imm)]
                    cell[0] = sp[Int(i.b)]
                    cell[1] = sp[Int(i.b) + 1]
                case .trap: throw Trap(TrapCodeIndex(rawValue: Int(i.imm))!.code)
                case .return:
                    guard let r = calls.popLast() else { return }
                    cold.pointee.function = r.function
                    cold.pointee.functionIndex = r.functionIndex
                    cold.pointee.code = r.function.code
                    ip = r.function.code + r.pc
                    sp = r.base
                    Machine.enter(r.instance, cold)
                case .call, .callIndirect:
                    let slot: FunctionSlot
                    if i.op == Op.call.rawValue {
                        slot = cold.pointee.functionSlots[Int(i.imm)]
                    } else {
                        slot = FunctionSlot(try instance.indirectCallee(table: Int(i.c), index: Machine.i32(sp[Int(i.b)]),
                                                                        typeIndex: Int(i.imm)))
                    }
                    let newBase = sp + Int(i.a)
                    if slot.isHost {
                        let host = slot.function.takeUnretainedValue().hostFunction!
                        let args = Value.load(host.type.parameters, from: newBase)
                        // A host function that calls back into Wasm continues this call depth.
                        store.callDepth += calls.count + 1
                        defer { store.callDepth -= calls.count + 1 }
                        let results = try host.body(Caller(instance: instance, store: store), args)
                        guard results.count == host.type.results.count,
                              zip(results, host.type.results).allSatisfy({ $0.type == $1 }) else {
                            throw Trap(.hostError, detail: "host function returned \(results.map(\.type)), declared \(host.type.results)")
                        }
                        Value.store(results, to: newBase)
                        cold.pointee.memSize = UInt64(cold.pointee.memSizeCell?.pointee ?? 0)
                    } else {
                        if slot.code.pointee == nil { _ = try Interpreter.compiled(slot.function.takeUnretainedValue()) }
                        unowned(unsafe) let target = Unmanaged<CompiledFunction>.fromOpaque(slot.code.pointee!).takeUnretainedValue()
                        guard calls.count &+ store.callDepth < store.maxCallDepth, newBase + target.frameSize <= stackEnd else {
                            throw Trap(.callStackExhausted)
                        }
                        if let native = target.native {
                            // Machine code takes its arguments from these slots and leaves its
                            // result in the first.
                            let callee = slot.instance.unsafelyUnwrapped.takeUnretainedValue()
                            // Like a host call: what native code calls back into continues this depth.
                            store.callDepth += calls.count + 1
                            defer { store.callDepth -= calls.count + 1 }
                            if native.call(context: callee.context, slots: newBase) != 0 { throw store.takeNativeFailure() }
                            // Native code may have grown the memory.
                            cold.pointee.memSize = UInt64(cold.pointee.memSizeCell?.pointee ?? 0)
                            continue
                        }
                        calls.append(Return(function: cold.pointee.function, instance: cold.pointee.instance,
                                            functionIndex: cold.pointee.functionIndex, pc: ip - cold.pointee.code, base: sp))
                        cold.pointee.function = target
                        cold.pointee.functionIndex = slot.index
                        cold.pointee.code = target.code
                        ip = target.code
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
                // Loads and stores
                case .i32Load, .f32Load: sp[a] = UInt64(try loadValue(UInt32.self))
                case .i64Load, .f64Load: sp[a] = try loadValue(UInt64.self)
                case .i32Load8S: sp[a] = UInt64(UInt32(bitPattern: Int32(try loadValue(Int8.self))))
                case .i32Load8U: sp[a] = UInt64(try loadValue(UInt8.self))
                case .i32Load16S: sp[a] = UInt64(UInt32(bitPattern: Int32(try loadValue(Int16.self))))
                case .i32Load16U: sp[a] = UInt64(try loadValue(UInt16.self))
                case .i64Load8S: sp[a] = UInt64(bitPattern: Int64(try loadValue(Int8.self)))
                case .i64Load8U: sp[a] = UInt64(try loadValue(UInt8.self))
                case .i64Load16S: sp[a] = UInt64(bitPattern: Int64(try loadValue(Int16.self)))
                case .i64Load16U: sp[a] = UInt64(try loadValue(UInt16.self))
                case .i64Load32S: sp[a] = UInt64(bitPattern: Int64(try loadValue(Int32.self)))
                case .i64Load32U: sp[a] = UInt64(try loadValue(UInt32.self))
                case .i32Store, .f32Store: try storeValue(Machine.i32(y()))
                case .i64Store, .f64Store: try storeValue(y())
                case .i32Store8, .i64Store8: try storeValue(UInt8(truncatingIfNeeded: y()))
                case .i32Store16, .i64Store16: try storeValue(UInt16(truncatingIfNeeded: y()))
                case .i64Store32: try storeValue(UInt32(truncatingIfNeeded: y()))

                // i32 comparisons
                case .i32Eqz: sp[a] = Machine.bool(Machine.i32(x()) == 0)
                case .i32Eq: sp[a] = Machine.bool(Machine.i32(x()) == Machine.i32(y()))
                case .i32Ne: sp[a] = Machine.bool(Machine.i32(x()) != Machine.i32(y()))
                case .i32LtS: sp[a] = Machine.bool(Machine.s32(x()) < Machine.s32(y()))
                case .i32LtU: sp[a] = Machine.bool(Machine.i32(x()) < Machine.i32(y()))
                case .i32GtS: sp[a] = Machine.bool(Machine.s32(x()) > Machine.s32(y()))
                case .i32GtU: sp[a] = Machine.bool(Machine.i32(x()) > Machine.i32(y()))
                case .i32LeS: sp[a] = Machine.bool(Machine.s32(x()) <= Machine.s32(y()))
                case .i32LeU: sp[a] = Machine.bool(Machine.i32(x()) <= Machine.i32(y()))
                case .i32GeS: sp[a] = Machine.bool(Machine.s32(x()) >= Machine.s32(y()))
                case .i32GeU: sp[a] = Machine.bool(Machine.i32(x()) >= Machine.i32(y()))
                // i64 comparisons
                case .i64Eqz: sp[a] = Machine.bool(x() == 0)
                case .i64Eq: sp[a] = Machine.bool(x() == y())
                case .i64Ne: sp[a] = Machine.bool(x() != y())
                case .i64LtS: sp[a] = Machine.bool(Int64(bitPattern: x()) < Int64(bitPattern: y()))
                case .i64LtU: sp[a] = Machine.bool(x() < y())
                case .i64GtS: sp[a] = Machine.bool(Int64(bitPattern: x()) > Int64(bitPattern: y()))
                case .i64GtU: sp[a] = Machine.bool(x() > y())
                case .i64LeS: sp[a] = Machine.bool(Int64(bitPattern: x()) <= Int64(bitPattern: y()))
                case .i64LeU: sp[a] = Machine.bool(x() <= y())
                case .i64GeS: sp[a] = Machine.bool(Int64(bitPattern: x()) >= Int64(bitPattern: y()))
                case .i64GeU: sp[a] = Machine.bool(x() >= y())
                // float comparisons
                case .f32Eq: sp[a] = Machine.bool(Machine.f32(x()) == Machine.f32(y()))
                case .f32Ne: sp[a] = Machine.bool(Machine.f32(x()) != Machine.f32(y()))
                case .f32Lt: sp[a] = Machine.bool(Machine.f32(x()) < Machine.f32(y()))
                case .f32Gt: sp[a] = Machine.bool(Machine.f32(x()) > Machine.f32(y()))
                case .f32Le: sp[a] = Machine.bool(Machine.f32(x()) <= Machine.f32(y()))
                case .f32Ge: sp[a] = Machine.bool(Machine.f32(x()) >= Machine.f32(y()))
                case .f64Eq: sp[a] = Machine.bool(Machine.f64(x()) == Machine.f64(y()))
                case .f64Ne: sp[a] = Machine.bool(Machine.f64(x()) != Machine.f64(y()))
                case .f64Lt: sp[a] = Machine.bool(Machine.f64(x()) < Machine.f64(y()))
                case .f64Gt: sp[a] = Machine.bool(Machine.f64(x()) > Machine.f64(y()))
                case .f64Le: sp[a] = Machine.bool(Machine.f64(x()) <= Machine.f64(y()))
                case .f64Ge: sp[a] = Machine.bool(Machine.f64(x()) >= Machine.f64(y()))

                // i32 arithmetic
                case .i32Clz: sp[a] = UInt64(Machine.i32(x()).leadingZeroBitCount)
                case .i32Ctz: sp[a] = UInt64(Machine.i32(x()).trailingZeroBitCount)
                case .i32Popcnt: sp[a] = UInt64(Machine.i32(x()).nonzeroBitCount)
                case .i32Add: sp[a] = UInt64(Machine.i32(x()) &+ Machine.i32(y()))
                case .i32Sub: sp[a] = UInt64(Machine.i32(x()) &- Machine.i32(y()))
                case .i32Mul: sp[a] = UInt64(Machine.i32(x()) &* Machine.i32(y()))
                case .i32DivS:
                    let l = Machine.s32(x()), r = Machine.s32(y())
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    if l == Int32.min && r == -1 { throw Trap(.integerOverflow) }
                    sp[a] = UInt64(UInt32(bitPattern: l / r))
                case .i32DivU:
                    let r = Machine.i32(y())
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    sp[a] = UInt64(Machine.i32(x()) / r)
                case .i32RemS:
                    let r = Machine.s32(y())
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    sp[a] = UInt64(UInt32(bitPattern: Machine.s32(x()).remainderReportingOverflow(dividingBy: r).partialValue))
                case .i32RemU:
                    let r = Machine.i32(y())
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    sp[a] = UInt64(Machine.i32(x()) % r)
                case .i32And: sp[a] = UInt64(Machine.i32(x()) & Machine.i32(y()))
                case .i32Or: sp[a] = UInt64(Machine.i32(x()) | Machine.i32(y()))
                case .i32Xor: sp[a] = UInt64(Machine.i32(x()) ^ Machine.i32(y()))
                case .i32Shl: sp[a] = UInt64(Machine.i32(x()) &<< Machine.i32(y()))
                case .i32ShrS: sp[a] = UInt64(UInt32(bitPattern: Machine.s32(x()) &>> Machine.s32(y())))
                case .i32ShrU: sp[a] = UInt64(Machine.i32(x()) &>> Machine.i32(y()))
                case .i32Rotl:
                    let v = Machine.i32(x()), k = Machine.i32(y()) & 31
                    sp[a] = UInt64((v &<< k) | (v &>> ((32 &- k) & 31)))
                case .i32Rotr:
                    let v = Machine.i32(x()), k = Machine.i32(y()) & 31
                    sp[a] = UInt64((v &>> k) | (v &<< ((32 &- k) & 31)))

                // i64 arithmetic
                case .i64Clz: sp[a] = UInt64(x().leadingZeroBitCount)
                case .i64Ctz: sp[a] = UInt64(x().trailingZeroBitCount)
                case .i64Popcnt: sp[a] = UInt64(x().nonzeroBitCount)
                case .i64Add: sp[a] = x() &+ y()
                case .i64Sub: sp[a] = x() &- y()
                case .i64Mul: sp[a] = x() &* y()
                case .i64DivS:
                    let l = Int64(bitPattern: x()), r = Int64(bitPattern: y())
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    if l == Int64.min && r == -1 { throw Trap(.integerOverflow) }
                    sp[a] = UInt64(bitPattern: l / r)
                case .i64DivU:
                    let r = y()
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    sp[a] = x() / r
                case .i64RemS:
                    let r = Int64(bitPattern: y())
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    sp[a] = UInt64(bitPattern: Int64(bitPattern: x()).remainderReportingOverflow(dividingBy: r).partialValue)
                case .i64RemU:
                    let r = y()
                    if r == 0 { throw Trap(.integerDivideByZero) }
                    sp[a] = x() % r
                case .i64And: sp[a] = x() & y()
                case .i64Or: sp[a] = x() | y()
                case .i64Xor: sp[a] = x() ^ y()
                case .i64Shl: sp[a] = x() &<< y()
                case .i64ShrS: sp[a] = UInt64(bitPattern: Int64(bitPattern: x()) &>> Int64(bitPattern: y()))
                case .i64ShrU: sp[a] = x() &>> y()
                case .i64Rotl:
                    let v = x(), k = y() & 63
                    sp[a] = (v &<< k) | (v &>> ((64 &- k) & 63))
                case .i64Rotr:
                    let v = x(), k = y() & 63
                    sp[a] = (v &>> k) | (v &<< ((64 &- k) & 63))

                // f32 arithmetic (abs, neg and copysign are bit operations: NaN payloads are kept)
                case .f32Abs: sp[a] = UInt64(Machine.i32(x()) & ~sign32)
                case .f32Neg: sp[a] = UInt64(Machine.i32(x()) ^ sign32)
                case .f32Ceil: sp[a] = Machine.b32(Machine.f32(x()).rounded(.up))
                case .f32Floor: sp[a] = Machine.b32(Machine.f32(x()).rounded(.down))
                case .f32Trunc: sp[a] = Machine.b32(Machine.f32(x()).rounded(.towardZero))
                case .f32Nearest: sp[a] = Machine.b32(Machine.f32(x()).rounded(.toNearestOrEven))
                case .f32Sqrt: sp[a] = Machine.b32(Machine.f32(x()).squareRoot())
                case .f32Add: sp[a] = Machine.b32(Machine.f32(x()) + Machine.f32(y()))
                case .f32Sub: sp[a] = Machine.b32(Machine.f32(x()) - Machine.f32(y()))
                case .f32Mul: sp[a] = Machine.b32(Machine.f32(x()) * Machine.f32(y()))
                case .f32Div: sp[a] = Machine.b32(Machine.f32(x()) / Machine.f32(y()))
                case .f32Min: sp[a] = Machine.b32(Machine.fmin(Machine.f32(x()), Machine.f32(y())))
                case .f32Max: sp[a] = Machine.b32(Machine.fmax(Machine.f32(x()), Machine.f32(y())))
                case .f32Copysign: sp[a] = UInt64((Machine.i32(x()) & ~sign32) | (Machine.i32(y()) & sign32))
                // f64 arithmetic
                case .f64Abs: sp[a] = x() & ~sign64
                case .f64Neg: sp[a] = x() ^ sign64
                case .f64Ceil: sp[a] = Machine.b64(Machine.f64(x()).rounded(.up))
                case .f64Floor: sp[a] = Machine.b64(Machine.f64(x()).rounded(.down))
                case .f64Trunc: sp[a] = Machine.b64(Machine.f64(x()).rounded(.towardZero))
                case .f64Nearest: sp[a] = Machine.b64(Machine.f64(x()).rounded(.toNearestOrEven))
                case .f64Sqrt: sp[a] = Machine.b64(Machine.f64(x()).squareRoot())
                case .f64Add: sp[a] = Machine.b64(Machine.f64(x()) + Machine.f64(y()))
                case .f64Sub: sp[a] = Machine.b64(Machine.f64(x()) - Machine.f64(y()))
                case .f64Mul: sp[a] = Machine.b64(Machine.f64(x()) * Machine.f64(y()))
                case .f64Div: sp[a] = Machine.b64(Machine.f64(x()) / Machine.f64(y()))
                case .f64Min: sp[a] = Machine.b64(Machine.fmin(Machine.f64(x()), Machine.f64(y())))
                case .f64Max: sp[a] = Machine.b64(Machine.fmax(Machine.f64(x()), Machine.f64(y())))
                case .f64Copysign: sp[a] = (x() & ~sign64) | (y() & sign64)

                // Conversions
                case .i32WrapI64: sp[a] = UInt64(Machine.i32(x()))
                case .i32TruncF32S: sp[a] = UInt64(UInt32(bitPattern: Int32(try Machine.trunc(Machine.f32(x()), lower: -2147483904.0, upper: 2147483648.0))))
                case .i32TruncF32U: sp[a] = UInt64(UInt32(try Machine.trunc(Machine.f32(x()), lower: -1.0, upper: 4294967296.0)))
                case .i32TruncF64S: sp[a] = UInt64(UInt32(bitPattern: Int32(try Machine.trunc(Machine.f64(x()), lower: -2147483649.0, upper: 2147483648.0))))
                case .i32TruncF64U: sp[a] = UInt64(UInt32(try Machine.trunc(Machine.f64(x()), lower: -1.0, upper: 4294967296.0)))
                case .i64ExtendI32S: sp[a] = UInt64(bitPattern: Int64(Machine.s32(x())))
                case .i64ExtendI32U: sp[a] = UInt64(Machine.i32(x()))
                case .i64TruncF32S: sp[a] = UInt64(bitPattern: Int64(try Machine.trunc(Machine.f32(x()), lower: -9223373136366403584.0, upper: 9223372036854775808.0)))
                case .i64TruncF32U: sp[a] = UInt64(try Machine.trunc(Machine.f32(x()), lower: -1.0, upper: 18446744073709551616.0))
                case .i64TruncF64S: sp[a] = UInt64(bitPattern: Int64(try Machine.trunc(Machine.f64(x()), lower: -9223372036854777856.0, upper: 9223372036854775808.0)))
                case .i64TruncF64U: sp[a] = UInt64(try Machine.trunc(Machine.f64(x()), lower: -1.0, upper: 18446744073709551616.0))
                case .f32ConvertI32S: sp[a] = Machine.b32(Float(Machine.s32(x())))
                case .f32ConvertI32U: sp[a] = Machine.b32(Float(Machine.i32(x())))
                case .f32ConvertI64S: sp[a] = Machine.b32(Float(Int64(bitPattern: x())))
                case .f32ConvertI64U: sp[a] = Machine.b32(Float(x()))
                case .f32DemoteF64: sp[a] = Machine.b32(Float(Machine.f64(x())))
                case .f64ConvertI32S: sp[a] = Machine.b64(Double(Machine.s32(x())))
                case .f64ConvertI32U: sp[a] = Machine.b64(Double(Machine.i32(x())))
                case .f64ConvertI64S: sp[a] = Machine.b64(Double(Int64(bitPattern: x())))
                case .f64ConvertI64U: sp[a] = Machine.b64(Double(x()))
                case .f64PromoteF32: sp[a] = Machine.b64(Double(Machine.f32(x())))
                case .i32ReinterpretF32, .f32ReinterpretI32: sp[a] = UInt64(Machine.i32(x()))
                case .i64ReinterpretF64, .f64ReinterpretI64: sp[a] = x()
                case .i32Extend8S: sp[a] = UInt64(UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: x()))))
                case .i32Extend16S: sp[a] = UInt64(UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: x()))))
                case .i64Extend8S: sp[a] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: x())))
                case .i64Extend16S: sp[a] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: x())))
                case .i64Extend32S: sp[a] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x())))
                case .i32TruncSatF32S: sp[a] = Machine.satS32(Machine.f32(x()))
                case .i32TruncSatF32U: sp[a] = Machine.satU32(Machine.f32(x()))
                case .i32TruncSatF64S: sp[a] = Machine.satS32(Machine.f64(x()))
                case .i32TruncSatF64U: sp[a] = Machine.satU32(Machine.f64(x()))
                case .i64TruncSatF32S: sp[a] = Machine.satS64(Machine.f32(x()))
                case .i64TruncSatF32U: sp[a] = Machine.satU64(Machine.f32(x()))
                case .i64TruncSatF64S: sp[a] = Machine.satS64(Machine.f64(x()))
                case .i64TruncSatF64U: sp[a] = Machine.satU64(Machine.f64(x()))
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
