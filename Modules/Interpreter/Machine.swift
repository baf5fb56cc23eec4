import Foundation
import Runtime
import Validator
import WasmCore

/// One activation of the interpreter: the value stack, the call stack and the execution loop.
struct Machine {
    struct Return {
        let function: CompiledFunction
        let instance: Instance
        let functionIndex: Int
        let pc: Int
        let base: UnsafeMutablePointer<UInt64>
    }

    let store: Store
    let stack: UnsafeMutablePointer<UInt64>
    let stackEnd: UnsafeMutablePointer<UInt64>
    var calls: [Return] = []

    init(store: Store, stack: UnsafeMutablePointer<UInt64>, stackEnd: UnsafeMutablePointer<UInt64>) {
        self.store = store
        self.stack = stack
        self.stackEnd = stackEnd
    }

    // MARK: Arithmetic helpers with the spec's semantics

    @inline(__always) static func f32(_ x: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: x)) }
    @inline(__always) static func f64(_ x: UInt64) -> Double { Double(bitPattern: x) }
    @inline(__always) static func b32(_ x: Float) -> UInt64 { UInt64(x.bitPattern) }
    @inline(__always) static func b64(_ x: Double) -> UInt64 { x.bitPattern }
    @inline(__always) static func i32(_ x: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: x) }
    @inline(__always) static func s32(_ x: UInt64) -> Int32 { Int32(truncatingIfNeeded: x) }
    @inline(__always) static func bool(_ b: Bool) -> UInt64 { b ? 1 : 0 }

    static func fmin<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == b { return a.sign == .minus ? a : b }
        return a < b ? a : b
    }

    static func fmax<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == b { return a.sign == .minus ? b : a }
        return a > b ? a : b
    }

    /// Float to integer with the spec's traps: NaN is an invalid conversion, out of range overflows.
    static func trunc<F: BinaryFloatingPoint>(_ x: F, lower: F, upper: F) throws -> F {
        if x.isNaN { throw Trap(.invalidConversionToInteger) }
        let t = x.rounded(.towardZero)
        guard t > lower && t < upper else { throw Trap(.integerOverflow) }
        return t
    }

    static func satS32<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN { return 0 }
        if x <= -2147483648.0 { return UInt64(UInt32(bitPattern: Int32.min)) }
        if x >= 2147483648.0 { return UInt64(UInt32(bitPattern: Int32.max)) }
        return UInt64(UInt32(bitPattern: Int32(x.rounded(.towardZero))))
    }

    static func satU32<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN || x <= -1.0 { return 0 }
        if x >= 4294967296.0 { return UInt64(UInt32.max) }
        return UInt64(UInt32(x.rounded(.towardZero)))
    }

    static func satS64<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN { return 0 }
        if x <= -9223372036854775808.0 { return UInt64(bitPattern: Int64.min) }
        if x >= 9223372036854775808.0 { return UInt64(bitPattern: Int64.max) }
        return UInt64(bitPattern: Int64(x.rounded(.towardZero)))
    }

    static func satU64<F: BinaryFloatingPoint>(_ x: F) -> UInt64 {
        if x.isNaN || x <= -1.0 { return 0 }
        if x >= 18446744073709551616.0 { return UInt64.max }
        return UInt64(x.rounded(.towardZero))
    }

    // MARK: Execution

    mutating func run(_ entry: FunctionInstance, base: UnsafeMutablePointer<UInt64>) throws {
        var function = try Interpreter.compiled(entry)
        var instance = entry.instance!
        var functionIndex = entry.index
        guard base + function.frameSize <= stackEnd else { throw Trap(.callStackExhausted) }
        var sp = base
        for i in function.parameterCount..<function.localCount { sp[i] = 0 }
        var code = function.code
        var pc = 0
        var memory = instance.memories.first
        var memBase = memory?.base
        var memSize = UInt64(memory?.byteCount ?? 0)

        func backtrace(_ trap: Trap) -> Trap {
            var t = trap
            let here = BacktraceFrame(functionIndex: UInt32(functionIndex), name: instance.functionName(functionIndex),
                                      offset: function.offsets.indices.contains(pc - 1) ? function.offsets[pc - 1] : 0)
            t.backtrace = [here] + calls.reversed().map { r in
                BacktraceFrame(functionIndex: UInt32(r.functionIndex), name: r.instance.functionName(r.functionIndex),
                               offset: r.function.offsets.indices.contains(r.pc - 1) ? r.function.offsets[r.pc - 1] : 0)
            }
            return t
        }

        do {
            while true {
                let i = code[pc]
                pc &+= 1
                if i.op >= 1000 {
                    // The internal ops are dense from 1000: the case index is op - 1000.
                    switch unsafeBitCast(UInt8(truncatingIfNeeded: i.op &- 1000), to: InternalOp.self) {
                    case .copy: sp[Int(i.a)] = sp[Int(i.b)]
                    case .const64: sp[Int(i.a)] = i.imm
                    case .jump: pc = Int(i.imm)
                    case .branchIf: if Machine.i32(sp[Int(i.b)]) != 0 { pc = Int(i.imm) }
                    case .branchUnless: if Machine.i32(sp[Int(i.b)]) == 0 { pc = Int(i.imm) }
                    case .branchTable:
                        let index = Int(min(Machine.i32(sp[Int(i.b)]), i.c))
                        pc = function.branchTargets[Int(i.imm) + index]
                    case .select:
                        sp[Int(i.a)] = Machine.i32(sp[Int(i.imm)]) != 0 ? sp[Int(i.b)] : sp[Int(i.c)]
                    case .globalGet: sp[Int(i.a)] = instance.globals[Int(i.imm)].bits
                    case .globalSet: instance.globals[Int(i.imm)].bits = sp[Int(i.b)]
                    case .trap: throw Trap(TrapCodeIndex(rawValue: Int(i.imm))!.code)
                    case .return:
                        guard let r = calls.popLast() else { return }
                        function = r.function
                        instance = r.instance
                        functionIndex = r.functionIndex
                        code = function.code
                        pc = r.pc
                        sp = r.base
                        memory = instance.memories.first
                        memBase = memory?.base
                        memSize = UInt64(memory?.byteCount ?? 0)
                    case .call, .callIndirect:
                        let callee: FunctionInstance
                        if i.op == InternalOp.call.rawValue {
                            callee = store.function(instance.functionAddresses[Int(i.imm)])
                        } else {
                            let table = instance.tables[Int(i.c)]
                            let index = Int(Machine.i32(sp[Int(i.b)]))
                            guard index < table.elements.count else { throw Trap(.undefinedElement) }
                            let raw = table.elements[index]
                            guard raw != 0 else { throw Trap(.uninitializedElement) }
                            callee = store.function(FunctionAddress(rawValue: Int(raw - 1)))
                            guard callee.type == instance.module.module.types[Int(i.imm)] else {
                                throw Trap(.indirectCallTypeMismatch)
                            }
                        }
                        let newBase = sp + Int(i.a)
                        if let host = callee.hostFunction {
                            var args = [Value]()
                            args.reserveCapacity(host.type.parameters.count)
                            for (k, t) in host.type.parameters.enumerated() { args.append(Interpreter.value(newBase[k], t)) }
                            let results = try host.body(Caller(instance: instance, store: store), args)
                            for (k, v) in results.enumerated() { newBase[k] = Interpreter.bits(v) }
                        } else {
                            let target = try Interpreter.compiled(callee)
                            guard calls.count < store.maxCallDepth, newBase + target.frameSize <= stackEnd else {
                                throw Trap(.callStackExhausted)
                            }
                            calls.append(Return(function: function, instance: instance, functionIndex: functionIndex, pc: pc, base: sp))
                            function = target
                            instance = callee.instance!
                            functionIndex = callee.index
                            code = function.code
                            pc = 0
                            sp = newBase
                            for k in function.parameterCount..<function.localCount { sp[k] = 0 }
                        }
                        memory = instance.memories.first
                        memBase = memory?.base
                        memSize = UInt64(memory?.byteCount ?? 0)
                    case .memorySize: sp[Int(i.a)] = UInt64(memory!.pageCount)
                    case .memoryGrow:
                        let r = memory!.grow(by: Int(Machine.i32(sp[Int(i.b)])))
                        sp[Int(i.a)] = UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: r)))
                        memSize = UInt64(memory!.byteCount)
                    case .memoryInit:
                        let d = Int(Machine.i32(sp[Int(i.a)])), s = Int(Machine.i32(sp[Int(i.a) + 1])), n = Int(Machine.i32(sp[Int(i.a) + 2]))
                        let seg = instance.dataSegments[Int(i.imm)]
                        guard s + n <= seg.count, d + n <= Int(memSize) else { throw Trap(.outOfBoundsMemoryAccess) }
                        instance.module.module.bytes.withUnsafeBytes { raw in
                            (memBase! + d).copyMemory(from: raw.baseAddress! + seg.lowerBound + s, byteCount: n)
                        }
                    case .dataDrop: instance.dataSegments[Int(i.imm)] = 0..<0
                    case .memoryCopy:
                        let d = Int(Machine.i32(sp[Int(i.a)])), s = Int(Machine.i32(sp[Int(i.a) + 1])), n = Int(Machine.i32(sp[Int(i.a) + 2]))
                        guard s + n <= Int(memSize), d + n <= Int(memSize) else { throw Trap(.outOfBoundsMemoryAccess) }
                        if n > 0 { memmove(memBase! + d, memBase! + s, n) }
                    case .memoryFill:
                        let d = Int(Machine.i32(sp[Int(i.a)])), v = Int32(truncatingIfNeeded: sp[Int(i.a) + 1]), n = Int(Machine.i32(sp[Int(i.a) + 2]))
                        guard d + n <= Int(memSize) else { throw Trap(.outOfBoundsMemoryAccess) }
                        if n > 0 { memset(memBase! + d, v & 0xFF, n) }
                    case .tableInit:
                        let d = Int(Machine.i32(sp[Int(i.a)])), s = Int(Machine.i32(sp[Int(i.a) + 1])), n = Int(Machine.i32(sp[Int(i.a) + 2]))
                        let seg = instance.elementSegments[Int(i.imm)]
                        let table = instance.tables[Int(i.c)]
                        guard s + n <= seg.count, d + n <= table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                        if n > 0 { table.elements.replaceSubrange(d..<(d + n), with: seg[s..<(s + n)]) }
                    case .elemDrop: instance.elementSegments[Int(i.imm)] = []
                    case .tableCopy:
                        let d = Int(Machine.i32(sp[Int(i.a)])), s = Int(Machine.i32(sp[Int(i.a) + 1])), n = Int(Machine.i32(sp[Int(i.a) + 2]))
                        let dst = instance.tables[Int(i.c)], src = instance.tables[Int(i.imm)]
                        guard s + n <= src.elements.count, d + n <= dst.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                        if n > 0 {
                            let items = Array(src.elements[s..<(s + n)])
                            dst.elements.replaceSubrange(d..<(d + n), with: items)
                        }
                    case .tableFill:
                        let d = Int(Machine.i32(sp[Int(i.a)])), v = sp[Int(i.a) + 1], n = Int(Machine.i32(sp[Int(i.a) + 2]))
                        let table = instance.tables[Int(i.imm)]
                        guard d + n <= table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                        for k in d..<(d + n) { table.elements[k] = v }
                    case .tableGet:
                        let table = instance.tables[Int(i.imm)]
                        let index = Int(Machine.i32(sp[Int(i.b)]))
                        guard index < table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                        sp[Int(i.a)] = table.elements[index]
                    case .tableSet:
                        let table = instance.tables[Int(i.imm)]
                        let index = Int(Machine.i32(sp[Int(i.a)]))
                        guard index < table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                        table.elements[index] = sp[Int(i.a) + 1]
                    case .tableGrow:
                        let table = instance.tables[Int(i.imm)]
                        let r = table.grow(by: Int(Machine.i32(sp[Int(i.a) + 1])), value: sp[Int(i.a)])
                        sp[Int(i.a)] = UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: r)))
                    case .tableSize: sp[Int(i.a)] = UInt64(instance.tables[Int(i.imm)].elements.count)
                    case .refIsNull: sp[Int(i.a)] = Machine.bool(sp[Int(i.b)] == 0)
                    case .refFunc: sp[Int(i.a)] = UInt64(instance.functionAddresses[Int(i.imm)].rawValue) + 1
                    }
                    continue
                }
                try Machine.execute(i, sp, memBase, memSize)
            }
        } catch let trap as Trap {
            throw backtrace(trap)
        }
    }
}
