import Air
import IR
import MachineCode

/// What IR the lowering cannot take yet; the caller keeps the function in the interpreter.
package struct LoweringError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}

/// How the procedure's arguments arrive.
package enum CallingConvention: Sendable {
    /// System V: integer arguments in rdi, rsi, rdx, rcx, r8, r9; floats in xmm0-7.
    case systemV
    /// The Wasm convention of Docs/OPTIMIZING-TIER.md: argument 0 is the instance context,
    /// which arrives in r14; the rest as System V.
    case wasm
}

/// Instruction selection for x86-64: turns an IR procedure into Air over virtual temporaries.
///
/// - Every IR value gets a temporary of its bank; a phi also gets a shadow temporary that its
///   upsilons write, copied into the phi's own at the phi (B3's scheme, which keeps parallel
///   phi updates correct); register allocation coalesces what it can.
/// - Two-operand x86 forms: `t = a op b` is `Move a, t; Op b, t`, with `b` as an immediate
///   when it is a constant that fits in 32 bits.
/// - Compare-and-branch fusion: a comparison used once, by the branch or check that ends
///   its block's straight line, becomes the branch's condition (`Branch32 LessThan a, b`);
///   one used only by an integer select becomes the conditional move's (`MoveConditionally32`).
/// - Loads and stores fold their constant offset into the address, and an i64 `add` that
///   only ever serves as an address becomes the address's base and index (`[base + index +
///   offset]`) instead of an instruction of its own.
/// - Load folding: a full-width load used once, by an integer or float arithmetic operation
///   later in its block with nothing between them that writes, may trap or calls, becomes that
///   operation's memory operand (`AddDouble 8(%base,%index), %t`).
/// - Division puts the dividend in rax, shifts put the amount in rcx (precolored), as x86
///   requires; `mod` of -1 is 0 without dividing (x86 would fault on the smallest integer).
/// - `check` branches to a trap block (one per check, at the end of the code); `trap` is one.
/// - Sequences that need control flow (float min/max, unsigned and saturating conversions,
///   switch, float select) split the IR block into several Air blocks.
package func lowerToAir(_ proc: Procedure, convention: CallingConvention = .systemV) throws(LoweringError) -> Code {
    var lowerer = Lowerer(proc: proc, convention: convention)
    try lowerer.run()
    return lowerer.code
}

private struct Lowerer {
    let proc: Procedure
    let convention: CallingConvention
    var code: Code
    var tmps: [Tmp?]
    var shadows: [ValueID: Tmp] = [:]
    let uses: [Int]
    /// Per value: an i32 whose register is known to have a zero upper half (see `zext32`).
    let zeroExtended: [Bool]
    /// First Air block of each IR block.
    var entryBlock: [Int] = []
    /// The Air blocks of each IR block in layout order; trap blocks go last.
    var layout: [[Int]] = []
    var trapBlocks: [Int] = []
    var current = 0
    var currentIR = 0
    /// Comparisons whose lowering is deferred to their single user (a branch or check).
    var fused: Set<ValueID> = []
    /// i64 adds used only as load and store addresses: folded into each access as base + index.
    var addressAdds: Set<ValueID> = []
    /// In the IR block being lowered, the values its upsilons have copied to a phi's shadow.
    /// The block's branch reads the shadow instead (the same bits), so that the value itself
    /// dies at the copy and the allocator can give both one register: `i' = i + 1; branch
    /// i' < n` then needs no second register and no extra move.
    var upsilonCopies: [ValueID: Tmp] = [:]
    var atTerminal = false
    /// Loads folded into their single user as its memory operand; no instruction of their own.
    var foldedLoads: Set<ValueID> = []
    /// Under the Wasm convention, a copy of r14 as the procedure received it, put back after
    /// each context call (traps and calls read r14).
    var ownContext: Tmp?

    init(proc: Procedure, convention: CallingConvention) {
        self.proc = proc
        self.convention = convention
        code = Code(name: proc.name)
        tmps = Array(repeating: nil, count: proc.values.count)
        uses = proc.useCounts()
        zeroExtended = Lowerer.zeroExtendedValues(proc)
    }

    // MARK: Helpers

    func bank(_ type: IRType) -> Bank { type.isFloat ? .fp : .gp }

    mutating func tmp(_ v: ValueID) -> Tmp {
        if atTerminal, let copy = upsilonCopies[v] { return copy }
        if let t = tmps[v.int] { return t }
        let t = code.newTmp(bank(proc[v].type))
        tmps[v.int] = t
        return t
    }

    mutating func shadow(_ phi: ValueID) -> Tmp {
        if let t = shadows[phi] { return t }
        let t = code.newTmp(bank(proc[phi].type))
        shadows[phi] = t
        return t
    }

    mutating func append(_ opcode: Air.Opcode, _ args: [Arg], origin: UInt32 = .max) {
        code.blocks[current].insts.append(Inst(opcode, args, origin: origin))
    }

    /// A new Air block belonging to the IR block being lowered.
    mutating func split() -> Int {
        let b = code.addBlock()
        layout[currentIR].append(b)
        return b
    }

    mutating func terminate(_ opcode: Air.Opcode, _ args: [Arg], successors: [Int]) {
        append(opcode, args)
        code.blocks[current].successors = successors
    }

    func constant(_ v: ValueID) -> Int64? { proc[v].integerConstant }

    /// The value as a 32-bit immediate, when it is an integer constant that fits.
    func immediate(_ v: ValueID) -> Int32? {
        guard let c = constant(v), c >= Int64(Int32.min), c <= Int64(Int32.max) else { return nil }
        return Int32(c)
    }

    /// An immediate argument when possible, else the value's temporary.
    mutating func operand(_ v: ValueID) -> Arg {
        if let i = immediate(v) { return .imm(i) }
        return .tmp(tmp(v))
    }

    static func move(_ type: IRType) -> Air.Opcode {
        switch type {
        case .i32: .move32
        case .i64: .move64
        case .f32: .moveFloat
        default: .moveDouble
        }
    }

    static func reg(_ r: GPR) -> Tmp { .reg(r.reg) }
    static func reg(_ r: FPR) -> Tmp { .reg(r.reg) }

    mutating func trapBlock(code trapCode: UInt64, origin: UInt32) -> Int {
        let b = code.addBlock()
        let saved = current
        current = b
        append(.trap, [.imm(Int32(truncatingIfNeeded: trapCode))], origin: origin)
        current = saved
        trapBlocks.append(b)
        return b
    }

    // MARK: Driver

    mutating func run() throws(LoweringError) {
        let irBlocks = proc.liveBlocks
        var airIndex = Array(repeating: -1, count: proc.blocks.count)
        for b in irBlocks {
            airIndex[b.int] = code.addBlock()
            layout.append([airIndex[b.int]])
        }
        entryBlock = airIndex
        // Comparisons used once, by the terminal or check right after them in their block, or
        // as the condition of an integer select (compared there, into a cmov: no setcc).
        for b in irBlocks {
            for v in proc[b].values {
                let value = proc[v]
                let c = value.children.first
                if value.opcode == .branch || value.opcode == .check {
                    if let c, proc[c].block == b, uses[c.int] == 1, Lowerer.isComparison(proc[c].opcode) { fused.insert(c) }
                } else if value.opcode == .select, !value.type.isFloat, let c, proc[c].block == b, uses[c.int] == 1,
                          Lowerer.isComparison(proc[c].opcode), proc[proc[c].children[0]].type.isInteger {
                    fused.insert(c)
                }
            }
        }
        findAddressAdds(irBlocks)
        findFoldableLoads(irBlocks)
        for (k, b) in irBlocks.enumerated() {
            currentIR = k
            current = airIndex[b.int]
            if b == proc.entry { try lowerArguments() }
            upsilonCopies = [:]
            for v in proc[b].values { try lower(v, in: b) }
        }
        // Layout: each IR block's Air blocks in order, trap blocks at the end.
        let order = layout.flatMap { $0 } + trapBlocks
        code.reorder(order)
    }

    mutating func lowerArguments() throws(LoweringError) {
        let gpArgs = X86Registers.integerArguments
        var gp = 0, fp = 0
        var argValues: [Int: ValueID] = [:]
        for b in proc.liveBlocks {
            for v in proc[b].values where proc[v].opcode == .arg { argValues[Int(proc[v].immediate)] = v }
        }
        var overflow = 0
        for (i, type) in proc.parameterTypes.enumerated() {
            let source: Arg
            if i == 0 && convention == .wasm {
                // Without context calls (to other instances' functions, or indirect) r14 keeps
                // our context throughout: the context value is r14 itself, with no copy, and
                // takes no register from the allocator.
                let contextCalls = proc.values.contains {
                    $0.block != nil && $0.opcode == .call && $0.immediate == CallConvention.context.rawValue
                }
                if !contextCalls, let v = argValues[0] {
                    tmps[v.int] = Lowerer.reg(X86Registers.context)
                    continue
                }
                let t = argValues[0].map { tmp($0) } ?? code.newTmp(.gp)
                append(.move64, [.tmp(Lowerer.reg(X86Registers.context)), .tmp(t)])
                ownContext = t
                continue
            } else if type.isFloat && fp < X86Registers.floatArgumentCount {
                source = .tmp(Lowerer.reg(FPR(UInt8(fp))))
                fp += 1
            } else if !type.isFloat && gp < gpArgs.count {
                source = .tmp(Lowerer.reg(gpArgs[gp]))
                gp += 1
            } else {
                // Past the registers, the Wasm convention passes arguments in the callee's
                // context (its result area), read here before anything can be called.
                guard convention == .wasm, overflow < ContextLayout.resultCapacity else {
                    throw LoweringError(message: "more arguments than registers")
                }
                source = .addr(Address(base: Lowerer.reg(X86Registers.context), offset: ContextLayout.results + Int32(8 * overflow)))
                overflow += 1
            }
            if let v = argValues[i] { append(Lowerer.move(type), [source, .tmp(tmp(v))]) }
        }
    }

    /// The i64 adds of two non-constant values whose every use is the address of a load or a
    /// store (not the value a store writes).
    mutating func findAddressAdds(_ irBlocks: [BlockID]) {
        var addressUses = Array(repeating: 0, count: proc.values.count)
        for b in irBlocks {
            for v in proc[b].values {
                let value = proc[v]
                switch value.opcode {
                case .load, .load8s, .load8u, .load16s, .load16u, .load32s, .load32u, .loadInvariant:
                    addressUses[value.children[0].int] += 1
                case .store, .store8, .store16, .store32:
                    addressUses[value.children[1].int] += 1
                default:
                    break
                }
            }
        }
        for b in irBlocks {
            for v in proc[b].values where proc[v].opcode == .add && proc[v].type == .i64 {
                let uses = self.uses[v.int]
                guard uses > 0, uses == addressUses[v.int] else { continue }
                let c = proc[v].children
                if constant(c[0]) == nil && constant(c[1]) == nil { addressAdds.insert(v) }
            }
        }
    }

    /// The loads `foldedLoads` takes: a plain load of the operation's own type, used only by it
    /// (as its second operand, or either operand of a commutative one), in the same block, with
    /// no value between them that writes, exits (a check, whose trap would then come first) or
    /// calls. Loads may be between: a faulting load is the same trap whichever comes first.
    mutating func findFoldableLoads(_ irBlocks: [BlockID]) {
        for b in irBlocks {
            var loadPosition: [ValueID: Int] = [:]
            var lastBarrier = -1
            for (k, v) in proc[b].values.enumerated() {
                let value = proc[v]
                // An add that became an address has no instruction to fold into.
                if Lowerer.foldsLoads(value.opcode, value.type), value.children.count == 2, !addressAdds.contains(v) {
                    var candidates = [value.children[1]]
                    if value.info.commutative { candidates.append(value.children[0]) }
                    if value.opcode == .mul, !value.type.isFloat, immediate(value.children[1]) != nil { candidates = [] }
                    for c in candidates where value.children[0] != value.children[1] {
                        if let at = loadPosition[c], at > lastBarrier, uses[c.int] == 1, proc[c].type == value.type {
                            foldedLoads.insert(c)
                            break
                        }
                    }
                }
                if value.opcode == .load { loadPosition[v] = k }
                let info = value.info
                if info.writes || info.exits || info.terminal { lastBarrier = k }
            }
        }
    }

    /// Whether an i32 value with this opcode is always lowered to an instruction that writes
    /// its 32-bit register (ALU operations, shifts, loads, comparisons' setcc + movzbl, bit
    /// counts, divisions, `movl $imm`), so its upper half is zero. (A 32-bit shift by a count
    /// that masks to 0 still writes the register, as LLVM also assumes.) Anything added here
    /// must end in such a write. Decided elsewhere (`zeroExtendedValues`): phis, selects and
    /// Wasm call results; never trusted: arguments, System V call results, and `trunc` (a movl
    /// that vanishes when source and destination share a register).
    static func zeroesUpperHalf(_ op: IR.Opcode) -> Bool {
        switch op {
        case .add, .sub, .mul, .and, .or, .xor, .shl, .sshr, .zshr, .rotl, .rotr,
             .div, .udiv, .mod, .umod, .clz, .ctz, .popcnt,
             .load, .load8s, .load8u, .load16s, .load16u,
             .eq, .ne, .lt, .gt, .le, .ge, .below, .above, .belowEq, .aboveEq, .const: true
        default: false
        }
    }

    /// The i32 values whose upper half is zero: those `zeroesUpperHalf` says, and phis and
    /// selects all of whose inputs are such values (a loop counter `i = phi(0, i + 1)`). Phis
    /// and upsilons are movl copies, which keep a zero upper half even when the allocator
    /// drops them; a select is a cmov between two such registers. Optimistic for phis and
    /// selects, then refuted to a fixpoint.
    static func zeroExtendedValues(_ proc: Procedure) -> [Bool] {
        // Wasm callees return an i32 zero-extended (`lowerReturn`; exit stubs load it with a
        // movl); System V callees (the runtime's functions) promise nothing.
        var known = proc.values.map {
            $0.block != nil && $0.type == .i32 && ($0.opcode == .phi || $0.opcode == .select || zeroesUpperHalf($0.opcode)
                || ($0.opcode == .call && $0.immediate != CallConvention.systemV.rawValue))
        }
        let selects = proc.values.indices.filter { proc.values[$0].block != nil && proc.values[$0].opcode == .select && known[$0] }
        var upsilons: [ValueID] = []
        for (i, value) in proc.values.enumerated() where value.block != nil && value.opcode == .upsilon {
            let phi = Int(value.immediate)
            if phi < known.count, proc.values[phi].type == .i32 { upsilons.append(ValueID(i)) }
        }
        var changed = true
        while changed {
            changed = false
            for u in upsilons {
                let phi = Int(proc[u].immediate)
                if known[phi] && !known[proc[u].children[0].int] {
                    known[phi] = false
                    changed = true
                }
            }
            for v in selects where known[v] {
                let c = proc.values[v].children
                if !known[c[1].int] || !known[c[2].int] {
                    known[v] = false
                    changed = true
                }
            }
        }
        return known
    }

    /// IR operations whose Air forms take a memory source operand (`Addr, Tmp`): integer
    /// arithmetic and bitwise operations, float add, sub, mul and div (the float bitwise
    /// forms take registers only).
    static func foldsLoads(_ op: IR.Opcode, _ type: IRType) -> Bool {
        switch op {
        case .add, .sub, .mul: type != .void
        case .and, .or, .xor: type.isInteger
        case .fdiv: true
        default: false
        }
    }

    /// A folded load's address as an operand.
    mutating func foldedOperand(_ load: ValueID) -> Arg {
        .addr(memory(proc[load].children[0], offset: proc[load].immediate))
    }

    static func isComparison(_ op: IR.Opcode) -> Bool {
        switch op {
        case .eq, .ne, .lt, .gt, .le, .ge, .below, .above, .belowEq, .aboveEq: true
        default: false
        }
    }

    static func relational(_ op: IR.Opcode) -> RelationalCondition {
        switch op {
        case .eq: .equal
        case .ne: .notEqual
        case .lt: .lessThan
        case .gt: .greaterThan
        case .le: .lessThanOrEqual
        case .ge: .greaterThanOrEqual
        case .below: .below
        case .above: .above
        case .belowEq: .belowOrEqual
        default: .aboveOrEqual
        }
    }

    static func double(_ op: IR.Opcode) -> DoubleCondition {
        switch op {
        case .eq: .equalAndOrdered
        case .ne: .notEqualOrUnordered
        case .lt: .lessThanAndOrdered
        case .gt: .greaterThanAndOrdered
        case .le: .lessThanOrEqualAndOrdered
        default: .greaterThanOrEqualAndOrdered
        }
    }

    /// Ends the current Air block with a branch on `condition` (nonzero) to `taken`/`notTaken`.
    mutating func branch(on condition: ValueID, _ taken: Int, _ notTaken: Int) {
        let c = proc[condition]
        if fused.contains(condition) {
            let (a, b) = (c.children[0], c.children[1])
            switch proc[a].type {
            case .f32: terminate(.branchFloat, [.doubleCond(Lowerer.double(c.opcode)), .tmp(tmp(a)), .tmp(tmp(b))], successors: [taken, notTaken])
            case .f64: terminate(.branchDouble, [.doubleCond(Lowerer.double(c.opcode)), .tmp(tmp(a)), .tmp(tmp(b))], successors: [taken, notTaken])
            case .i64: terminate(.branch64, [.relCond(Lowerer.relational(c.opcode)), .tmp(tmp(a)), operand(b)], successors: [taken, notTaken])
            default: terminate(.branch32, [.relCond(Lowerer.relational(c.opcode)), .tmp(tmp(a)), operand(b)], successors: [taken, notTaken])
            }
        } else {
            let t = Arg.tmp(tmp(condition))
            terminate(.branchTest32, [.resCond(.nonZero), t, t], successors: [taken, notTaken])
        }
    }

    // MARK: Values

    mutating func lower(_ v: ValueID, in b: BlockID) throws(LoweringError) {
        let value = proc[v]
        let type = value.type
        let c = value.children
        let origin = value.origin.offset
        switch value.opcode {
        case .nop, .arg:
            break
        case .identity:
            append(Lowerer.move(type), [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .const:
            lowerConstant(v)
        case .phi:
            append(Lowerer.move(type), [.tmp(shadow(v)), .tmp(tmp(v))])
        case .upsilon:
            let phi = ValueID(Int(value.immediate))
            append(Lowerer.move(proc[phi].type), [.tmp(tmp(c[0])), .tmp(shadow(phi))])
            upsilonCopies[c[0]] = shadow(phi)
        case .select:
            lowerSelect(v)
        case .add, .sub, .mul, .and, .or, .xor:
            if type.isFloat {
                floatBinary(v)
            } else if !addressAdds.contains(v) {
                integerBinary(v)
            }
        case .fdiv:
            floatBinary(v)
        case .neg:
            if type.isFloat {
                signMask(v, xor: true)
            } else {
                append(Lowerer.move(type), [.tmp(tmp(c[0])), .tmp(tmp(v))])
                append(type == .i32 ? .neg32 : .neg64, [.tmp(tmp(v))])
            }
        case .shl, .sshr, .zshr, .rotl, .rotr:
            lowerShift(v)
        case .div, .udiv, .mod, .umod:
            lowerDivision(v)
        case .clz, .ctz, .popcnt:
            let op: Air.Opcode = switch (value.opcode, type) {
            case (.clz, .i32): .countLeadingZeros32
            case (.clz, _): .countLeadingZeros64
            case (.ctz, .i32): .countTrailingZeros32
            case (.ctz, _): .countTrailingZeros64
            case (_, .i32): .countPopulation32
            default: .countPopulation64
            }
            append(op, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .eq, .ne, .lt, .gt, .le, .ge, .below, .above, .belowEq, .aboveEq:
            if !fused.contains(v) { lowerComparison(v) }
        case .sqrt:
            append(type == .f32 ? .sqrtFloat : .sqrtDouble, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .abs:
            signMask(v, xor: false)
        case .copysign:
            lowerCopysign(v)
        case .ceil, .floor, .ftrunc, .nearest:
            let mode: Int32 = switch value.opcode {
            case .nearest: 8
            case .floor: 9
            case .ceil: 10
            default: 11
            }
            append(type == .f32 ? .roundFloat : .roundDouble, [.imm(mode), .tmp(tmp(c[0])), .tmp(tmp(v))])
        case .fmin, .fmax:
            lowerMinMax(v)
        case .sext8:
            append(type == .i32 ? .signExtend8To32 : .signExtend8To64, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .sext16:
            append(type == .i32 ? .signExtend16To32 : .signExtend16To64, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .sext32:
            append(.signExtend32To64, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .zext32:
            // Never dropped as a self-move: the upper half of an i32 in a register may be
            // stale (a `trunc` is a movl the allocator may remove). Unless the i32 comes
            // straight from an instruction that writes a 32-bit register, which zeroes the
            // upper half: then a plain copy, which the allocator can coalesce away (array
            // indexing, `base + zext(i + k)`, had a `movl %r, %r` before every access).
            if zeroExtended[c[0].int] {
                append(.move64, [.tmp(tmp(c[0])), .tmp(tmp(v))])
            } else {
                append(.zeroExtend32To64, [.tmp(tmp(c[0])), .tmp(tmp(v))])
            }
        case .trunc:
            append(.move32, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .s2f:
            let from = proc[c[0]].type
            let op: Air.Opcode = switch (from, type) {
            case (.i32, .f32): .convertInt32ToFloat
            case (.i64, .f32): .convertInt64ToFloat
            case (.i32, _): .convertInt32ToDouble
            default: .convertInt64ToDouble
            }
            append(op, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .u2f:
            lowerUnsignedToFloat(v)
        case .f2s, .f2u, .f2sSat, .f2uSat:
            lowerFloatToInteger(v)
        case .fpromote:
            append(.convertFloatToDouble, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .fdemote:
            append(.convertDoubleToFloat, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .bitcast:
            let op: Air.Opcode = switch (proc[c[0]].type, type) {
            case (.i32, _): .move32ToFloat
            case (.i64, _): .move64ToDouble
            case (.f32, _): .moveFloatTo32
            default: .moveDoubleTo64
            }
            append(op, [.tmp(tmp(c[0])), .tmp(tmp(v))])
        case .load, .load8s, .load8u, .load16s, .load16u, .load32s, .load32u, .loadInvariant:
            if !foldedLoads.contains(v) { lowerLoad(v) }
        case .store, .store8, .store16, .store32:
            lowerStore(v)
        case .check:
            let next = split()
            let trap = trapBlock(code: value.immediate, origin: origin)
            branch(on: c[0], trap, next)
            current = next
        case .trap:
            append(.trap, [.imm(Int32(truncatingIfNeeded: value.immediate))], origin: origin)
        case .jump:
            terminate(.jump, [], successors: [entryBlock[proc[b].successors[0].int]])
        case .branch:
            let s = proc[b].successors
            atTerminal = true
            branch(on: c[0], entryBlock[s[0].int], entryBlock[s[1].int])
            atTerminal = false
        case .switch:
            atTerminal = true
            lowerSwitch(v, in: b)
            atTerminal = false
        case .return:
            lowerReturn(v)
        case .call:
            try lowerCall(v)
        }
    }

    mutating func lowerConstant(_ v: ValueID) {
        let value = proc[v]
        let t = Arg.tmp(tmp(v))
        switch value.type {
        case .i32:
            append(.move32, [.imm(Int32(truncatingIfNeeded: value.immediate)), t])
        case .i64:
            let c = Int64(bitPattern: value.immediate)
            if let i = Int32(exactly: c) {
                append(.move64, [.imm(i), t])
            } else {
                append(.move64, [.bigImm(c), t])
            }
        case .f32:
            let bits = code.newTmp(.gp)
            append(.move32, [.imm(Int32(truncatingIfNeeded: value.immediate)), .tmp(bits)])
            append(.move32ToFloat, [.tmp(bits), t])
        default:
            let bits = code.newTmp(.gp)
            let c = Int64(bitPattern: value.immediate)
            append(.move64, [Int32(exactly: c).map { .imm($0) } ?? .bigImm(c), .tmp(bits)])
            append(.move64ToDouble, [.tmp(bits), t])
        }
    }

    mutating func integerBinary(_ v: ValueID) {
        let value = proc[v]
        let wide = value.type == .i64
        let (a, b) = (value.children[0], value.children[1])
        let op: Air.Opcode = switch value.opcode {
        case .add: wide ? .add64 : .add32
        case .sub: wide ? .sub64 : .sub32
        case .mul: wide ? .mul64 : .mul32
        case .and: wide ? .and64 : .and32
        case .or: wide ? .or64 : .or32
        default: wide ? .xor64 : .xor32
        }
        let t = tmp(v)
        // `x + c` where x has other uses: one lea, where a copy and an add would be two (when
        // x dies here the allocator coalesces the copy away, and the add alone is as good).
        if value.opcode == .add, wide, let k = immediate(b), uses[a.int] > 1 {
            append(.lea64, [.addr(Address(base: tmp(a), offset: k)), .tmp(t)])
            return
        }
        if value.opcode == .mul, let k = immediate(b) {
            append(wide ? .mulImm64 : .mulImm32, [.imm(k), .tmp(tmp(a)), .tmp(t)])
            return
        }
        // A folded load is the source operand: swapped there when it is the first child
        // (only commutative operations fold their first child).
        let (left, source) = foldedLoads.contains(a) ? (b, a) : (a, b)
        let right = foldedLoads.contains(source) ? foldedOperand(source) : operand(source)
        append(Lowerer.move(value.type), [.tmp(tmp(left)), .tmp(t)])
        append(op, [right, .tmp(t)])
    }

    mutating func floatBinary(_ v: ValueID) {
        let value = proc[v]
        let single = value.type == .f32
        let op: Air.Opcode = switch value.opcode {
        case .add: single ? .addFloat : .addDouble
        case .sub: single ? .subFloat : .subDouble
        case .mul: single ? .mulFloat : .mulDouble
        case .fdiv: single ? .divFloat : .divDouble
        case .and: single ? .andFloat : .andDouble
        case .or: single ? .orFloat : .orDouble
        default: single ? .xorFloat : .xorDouble
        }
        let t = tmp(v)
        let (a, b) = (value.children[0], value.children[1])
        let (left, source) = foldedLoads.contains(a) ? (b, a) : (a, b)
        let right: Arg = foldedLoads.contains(source) ? foldedOperand(source) : .tmp(tmp(source))
        append(Lowerer.move(value.type), [.tmp(tmp(left)), .tmp(t)])
        append(op, [right, .tmp(t)])
    }

    /// The sign bit of the type, or every other bit, in a float register.
    mutating func signBits(_ type: IRType, invert: Bool) -> Tmp {
        let bits = code.newTmp(.gp), mask = code.newTmp(.fp)
        if type == .f32 {
            append(.move32, [.imm(invert ? 0x7FFF_FFFF : Int32(bitPattern: 0x8000_0000)), .tmp(bits)])
            append(.move32ToFloat, [.tmp(bits), .tmp(mask)])
        } else {
            append(.move64, [.bigImm(invert ? 0x7FFF_FFFF_FFFF_FFFF : Int64.min), .tmp(bits)])
            append(.move64ToDouble, [.tmp(bits), .tmp(mask)])
        }
        return mask
    }

    /// neg (xor with the sign bit) and abs (and with the other bits).
    mutating func signMask(_ v: ValueID, xor: Bool) {
        let type = proc[v].type
        let mask = signBits(type, invert: !xor)
        let t = tmp(v)
        append(Lowerer.move(type), [.tmp(tmp(proc[v].children[0])), .tmp(t)])
        let op: Air.Opcode = xor ? (type == .f32 ? .xorFloat : .xorDouble) : (type == .f32 ? .andFloat : .andDouble)
        append(op, [.tmp(mask), .tmp(t)])
    }

    mutating func lowerCopysign(_ v: ValueID) {
        let type = proc[v].type
        let single = type == .f32
        let magnitude = signBits(type, invert: true), sign = signBits(type, invert: false)
        let t = tmp(v), s = code.newTmp(.fp)
        append(Lowerer.move(type), [.tmp(tmp(proc[v].children[0])), .tmp(t)])
        append(single ? .andFloat : .andDouble, [.tmp(magnitude), .tmp(t)])
        append(Lowerer.move(type), [.tmp(tmp(proc[v].children[1])), .tmp(s)])
        append(single ? .andFloat : .andDouble, [.tmp(sign), .tmp(s)])
        append(single ? .orFloat : .orDouble, [.tmp(s), .tmp(t)])
    }

    mutating func lowerComparison(_ v: ValueID) {
        let value = proc[v]
        let (a, b) = (value.children[0], value.children[1])
        let t = Arg.tmp(tmp(v))
        switch proc[a].type {
        case .f32: append(.compareFloat, [.doubleCond(Lowerer.double(value.opcode)), .tmp(tmp(a)), .tmp(tmp(b)), t])
        case .f64: append(.compareDouble, [.doubleCond(Lowerer.double(value.opcode)), .tmp(tmp(a)), .tmp(tmp(b)), t])
        case .i64: append(.compare64, [.relCond(Lowerer.relational(value.opcode)), .tmp(tmp(a)), operand(b), t])
        default: append(.compare32, [.relCond(Lowerer.relational(value.opcode)), .tmp(tmp(a)), operand(b), t])
        }
    }

    mutating func lowerSelect(_ v: ValueID) {
        let value = proc[v]
        let (condition, a, b) = (value.children[0], value.children[1], value.children[2])
        if fused.contains(condition) {
            let compare = proc[condition]
            let (x, y) = (compare.children[0], compare.children[1])
            let t = tmp(v)
            append(Lowerer.move(value.type), [.tmp(tmp(b)), .tmp(t)])
            append(proc[x].type == .i64 ? .moveConditionally64 : .moveConditionally32,
                   [.relCond(Lowerer.relational(compare.opcode)), .tmp(tmp(x)), operand(y), .tmp(tmp(a)), .tmp(t)])
            return
        }
        let c = Arg.tmp(tmp(condition))
        if value.type.isFloat {
            // Through general registers: cmov has no float form.
            let single = value.type == .f32
            let ga = code.newTmp(.gp), gb = code.newTmp(.gp)
            append(single ? .moveFloatTo32 : .moveDoubleTo64, [.tmp(tmp(a)), .tmp(ga)])
            append(single ? .moveFloatTo32 : .moveDoubleTo64, [.tmp(tmp(b)), .tmp(gb)])
            append(.moveConditionallyTest32, [.resCond(.nonZero), c, c, .tmp(ga), .tmp(gb)])
            append(single ? .move32ToFloat : .move64ToDouble, [.tmp(gb), .tmp(tmp(v))])
        } else {
            let t = tmp(v)
            append(Lowerer.move(value.type), [.tmp(tmp(b)), .tmp(t)])
            append(.moveConditionallyTest32, [.resCond(.nonZero), c, c, .tmp(tmp(a)), .tmp(t)])
        }
    }

    mutating func lowerShift(_ v: ValueID) {
        let value = proc[v]
        let wide = value.type == .i64
        let op: Air.Opcode = switch value.opcode {
        case .shl: wide ? .lshift64 : .lshift32
        case .sshr: wide ? .rshift64 : .rshift32
        case .zshr: wide ? .urshift64 : .urshift32
        case .rotl: wide ? .rotateLeft64 : .rotateLeft32
        default: wide ? .rotateRight64 : .rotateRight32
        }
        let t = tmp(v)
        let amount: Arg
        if let k = immediate(value.children[1]) {
            amount = .imm(k & (wide ? 63 : 31))
        } else {
            amount = .tmp(Lowerer.reg(.rcx))
        }
        append(Lowerer.move(value.type), [.tmp(tmp(value.children[0])), .tmp(t)])
        if case .tmp = amount { append(.move64, [.tmp(tmp(value.children[1])), amount]) }
        append(op, [amount, .tmp(t)])
    }

    mutating func lowerDivision(_ v: ValueID) {
        let value = proc[v]
        let wide = value.type == .i64
        let isSigned = value.opcode == .div || value.opcode == .mod
        let wantsRemainder = value.opcode == .mod || value.opcode == .umod
        let rax = Arg.tmp(Lowerer.reg(.rax)), rdx = Arg.tmp(Lowerer.reg(.rdx))
        let t = Arg.tmp(tmp(v))
        // The divisor in a temporary of its own, so that it is not rax or rdx.
        let divisor = code.newTmp(.gp)
        append(Lowerer.move(value.type), [.tmp(tmp(value.children[1])), .tmp(divisor)])
        var join: Int?
        if value.opcode == .mod {
            // x % -1 is 0; idiv would fault on the smallest integer.
            let zero = split(), divide = split(), after = split()
            terminate(wide ? .branch64 : .branch32, [.relCond(.equal), .tmp(divisor), .imm(-1)], successors: [zero, divide])
            current = zero
            append(Lowerer.move(value.type), [.imm(0), t])
            terminate(.jump, [], successors: [after])
            current = divide
            join = after
        }
        append(Lowerer.move(value.type), [.tmp(tmp(value.children[0])), rax])
        if isSigned {
            append(wide ? .x86ConvertToQuadWord64 : .x86ConvertToDoubleWord32, [rax, rdx])
            append(wide ? .x86Div64 : .x86Div32, [rax, rdx, .tmp(divisor)])
        } else {
            append(.move32, [.imm(0), rdx])
            append(wide ? .x86UDiv64 : .x86UDiv32, [rax, rdx, .tmp(divisor)])
        }
        append(Lowerer.move(value.type), [wantsRemainder ? rdx : rax, t])
        if let join {
            terminate(.jump, [], successors: [join])
            current = join
        }
    }

    /// Wasm's min and max: NaN if either is NaN; -0 below +0; else minss/maxss.
    mutating func lowerMinMax(_ v: ValueID) {
        let value = proc[v]
        let single = value.type == .f32
        let isMin = value.opcode == .fmin
        let (a, b) = (tmp(value.children[0]), tmp(value.children[1]))
        let t = tmp(v)
        let unordered = split(), equal = split(), ordinary = split(), notEqual = split(), after = split()
        append(Lowerer.move(value.type), [.tmp(a), .tmp(t)])
        terminate(single ? .branchFloat : .branchDouble, [.doubleCond(.equalOrUnordered), .tmp(a), .tmp(b)], successors: [unordered, notEqual])
        // Equal or unordered: NaN (an add of the two propagates it) or ±0 (or/and of the bits).
        current = unordered
        terminate(single ? .branchFloat : .branchDouble, [.doubleCond(.equalAndOrdered), .tmp(a), .tmp(b)], successors: [equal, ordinary])
        current = equal
        append(isMin ? (single ? .orFloat : .orDouble) : (single ? .andFloat : .andDouble), [.tmp(b), .tmp(t)])
        terminate(.jump, [], successors: [after])
        current = ordinary
        append(single ? .addFloat : .addDouble, [.tmp(b), .tmp(t)])
        terminate(.jump, [], successors: [after])
        current = notEqual
        append(isMin ? (single ? .x86MinFloat : .x86MinDouble) : (single ? .x86MaxFloat : .x86MaxDouble), [.tmp(b), .tmp(t)])
        terminate(.jump, [], successors: [after])
        current = after
    }

    mutating func lowerUnsignedToFloat(_ v: ValueID) {
        let value = proc[v]
        let single = value.type == .f32
        let source = value.children[0]
        let t = tmp(v)
        if proc[source].type == .i32 {
            let wide = code.newTmp(.gp)
            append(.zeroExtend32To64, [.tmp(tmp(source)), .tmp(wide)])
            append(single ? .convertInt64ToFloat : .convertInt64ToDouble, [.tmp(wide), .tmp(t)])
            return
        }
        // u64: below 2^63 the signed conversion is exact; above, halve (keeping the low bit
        // for rounding), convert and double.
        let small = split(), large = split(), after = split()
        let x = tmp(source)
        terminate(.branchTest64, [.resCond(.signed), .tmp(x), .tmp(x)], successors: [large, small])
        current = small
        append(single ? .convertInt64ToFloat : .convertInt64ToDouble, [.tmp(x), .tmp(t)])
        terminate(.jump, [], successors: [after])
        current = large
        let half = code.newTmp(.gp), low = code.newTmp(.gp)
        append(.move64, [.tmp(x), .tmp(half)])
        append(.urshift64, [.imm(1), .tmp(half)])
        append(.move64, [.tmp(x), .tmp(low)])
        append(.and64, [.imm(1), .tmp(low)])
        append(.or64, [.tmp(low), .tmp(half)])
        append(single ? .convertInt64ToFloat : .convertInt64ToDouble, [.tmp(half), .tmp(t)])
        append(single ? .addFloat : .addDouble, [.tmp(t), .tmp(t)])
        terminate(.jump, [], successors: [after])
        current = after
    }

    /// Float to integer. The trapping forms are guarded by the IR (`control`): they only see
    /// values that fit. The saturating forms clamp here.
    mutating func lowerFloatToInteger(_ v: ValueID) {
        let value = proc[v]
        let source = value.children[0]
        let single = proc[source].type == .f32
        let wide = value.type == .i64
        let x = tmp(source), t = tmp(v)
        let isSigned = value.opcode == .f2s || value.opcode == .f2sSat
        let saturating = value.opcode == .f2sSat || value.opcode == .f2uSat
        func truncate(_ into: Tmp, wide64: Bool) -> (Air.Opcode, [Arg]) {
            let op: Air.Opcode = switch (single, wide64) {
            case (true, false): .truncateFloatToInt32
            case (true, true): .truncateFloatToInt64
            case (false, false): .truncateDoubleToInt32
            case (false, true): .truncateDoubleToInt64
            }
            return (op, [.tmp(x), .tmp(into)])
        }
        func constant(_ d: Double) -> Tmp {
            let bits = code.newTmp(.gp), f = code.newTmp(.fp)
            if single {
                append(.move32, [.imm(Int32(bitPattern: Float(d).bitPattern)), .tmp(bits)])
                append(.move32ToFloat, [.tmp(bits), .tmp(f)])
            } else {
                append(.move64, [.bigImm(Int64(bitPattern: d.bitPattern)), .tmp(bits)])
                append(.move64ToDouble, [.tmp(bits), .tmp(f)])
            }
            return f
        }
        let branchOp: Air.Opcode = single ? .branchFloat : .branchDouble
        if !saturating {
            if isSigned || !wide {
                // Signed, or u32 through a 64-bit signed conversion (exact below 2^32).
                let (op, args) = truncate(t, wide64: wide || !isSigned)
                append(op, args)
                return
            }
        }
        // Ranges: [low, high) converts; NaN gives 0 (saturating only); below low gives the
        // minimum, at or above high the maximum.
        let low: Double = isSigned ? (wide ? -9223372036854775808.0 : -2147483648.0) : 0
        let high: Double = isSigned ? (wide ? 9223372036854775808.0 : 2147483648.0) : (wide ? 18446744073709551616.0 : 4294967296.0)
        let minimum: Int64 = isSigned ? (wide ? Int64.min : Int64(Int32.min)) : 0
        let maximum: Int64 = isSigned ? (wide ? Int64.max : Int64(Int32.max)) : (wide ? -1 : Int64(UInt32.max))
        let after = split()
        let move: Air.Opcode = wide ? .move64 : .move32
        func set(_ bits: Int64) -> Arg {
            wide && Int32(exactly: bits) == nil ? .bigImm(bits) : .imm(Int32(truncatingIfNeeded: bits))
        }
        if saturating {
            let notNaN = split(), isNaN = split()
            terminate(branchOp, [.doubleCond(.notEqualOrUnordered), .tmp(x), .tmp(x)], successors: [isNaN, notNaN])
            current = isNaN
            append(move, [.imm(0), .tmp(t)])
            terminate(.jump, [], successors: [after])
            current = notNaN
            let lowTmp = constant(low)
            let belowLow = split(), aboveLow = split()
            let cond: DoubleCondition = isSigned ? .lessThanAndOrdered : .lessThanOrEqualAndOrdered
            terminate(branchOp, [.doubleCond(cond), .tmp(x), .tmp(lowTmp)], successors: [belowLow, aboveLow])
            current = belowLow
            append(move, [set(minimum), .tmp(t)])
            terminate(.jump, [], successors: [after])
            current = aboveLow
            let highTmp = constant(high)
            let atHigh = split(), inRange = split()
            terminate(branchOp, [.doubleCond(.greaterThanOrEqualAndOrdered), .tmp(x), .tmp(highTmp)], successors: [atHigh, inRange])
            current = atHigh
            append(move, [set(maximum), .tmp(t)])
            terminate(.jump, [], successors: [after])
            current = inRange
        }
        if isSigned || !wide {
            let (op, args) = truncate(t, wide64: wide || !isSigned)
            append(op, args)
        } else {
            // u64 in [0, 2^64): below 2^63 signed truncation; else subtract 2^63 first and
            // set the top bit after.
            let two63 = constant(9223372036854775808.0)
            let small = split(), large = split()
            terminate(branchOp, [.doubleCond(.lessThanAndOrdered), .tmp(x), .tmp(two63)], successors: [small, large])
            current = small
            let (op, args) = truncate(t, wide64: true)
            append(op, args)
            terminate(.jump, [], successors: [after])
            current = large
            let reduced = code.newTmp(.fp), topBit = code.newTmp(.gp)
            append(single ? .moveFloat : .moveDouble, [.tmp(x), .tmp(reduced)])
            append(single ? .subFloat : .subDouble, [.tmp(two63), .tmp(reduced)])
            append(single ? .truncateFloatToInt64 : .truncateDoubleToInt64, [.tmp(reduced), .tmp(t)])
            append(.move64, [.bigImm(Int64.min), .tmp(topBit)])
            append(.or64, [.tmp(topBit), .tmp(t)])
        }
        terminate(.jump, [], successors: [after])
        current = after
    }

    /// The address of a load or store: the child plus the offset (added first if it does
    /// not fit in 32 bits). A child in `addressAdds` gives its two operands as base and index.
    mutating func memory(_ base: ValueID, offset: UInt64) -> Address {
        var b: Tmp, index: Tmp?
        if addressAdds.contains(base) {
            b = tmp(proc[base].children[0])
            index = tmp(proc[base].children[1])
        } else {
            b = tmp(base)
        }
        if let o = Int32(exactly: offset) { return Address(base: b, index: index, offset: o) }
        let sum = code.newTmp(.gp)
        append(.move64, [.bigImm(Int64(bitPattern: offset)), .tmp(sum)])
        append(.add64, [.tmp(b), .tmp(sum)])
        return Address(base: sum, index: index)
    }

    mutating func lowerLoad(_ v: ValueID) {
        let value = proc[v]
        let addr = Arg.addr(memory(value.children[0], offset: value.immediate))
        let t = Arg.tmp(tmp(v))
        let wide = value.type == .i64
        let op: Air.Opcode = switch value.opcode {
        case .load, .loadInvariant: Lowerer.move(value.type)
        case .load8s: wide ? .signExtend8To64 : .signExtend8To32
        case .load8u: .zeroExtend8To32
        case .load16s: wide ? .signExtend16To64 : .signExtend16To32
        case .load16u: .zeroExtend16To32
        case .load32s: .signExtend32To64
        default: .move32
        }
        append(op, [addr, t], origin: value.origin.offset)
    }

    mutating func lowerStore(_ v: ValueID) {
        let value = proc[v]
        let stored = value.children[0]
        let addr = Arg.addr(memory(value.children[1], offset: value.immediate))
        let source: Arg = if proc[stored].type.isInteger, let i = immediate(stored) { .imm(i) } else { .tmp(tmp(stored)) }
        let op: Air.Opcode = switch value.opcode {
        case .store: Lowerer.move(proc[stored].type)
        case .store8: .store8
        case .store16: .store16
        default: .move32
        }
        append(op, [source, addr], origin: value.origin.offset)
    }

    /// A switch of more than four cases whose values are non-negative 32-bit immediates, as
    /// `br_table`'s are: a jump table when the values fill at least half of 0 ... max (and max
    /// is below 65,536), after one unsigned compare with the table's size; otherwise a binary
    /// search (unsigned compares against the middle case, down to runs of at most four
    /// equality tests). Other switches: one equality test per case. Then the default.
    mutating func lowerSwitch(_ v: ValueID, in b: BlockID) {
        let block = proc[b]
        let x = tmp(proc[v].children[0])
        let wide = proc[proc[v].children[0]].type == .i64
        let fallback = entryBlock[block.successors.last!.int]
        if block.switchCases.count > 4, block.switchCases.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }),
           Set(block.switchCases).count == block.switchCases.count {
            let cases = block.switchCases.enumerated()
                .map { (value: Int32($0.element), target: entryBlock[block.successors[$0.offset].int]) }
                .sorted { $0.value < $1.value }
            let size = Int(cases.last!.value) + 1
            if size <= 65_536 && size <= 2 * cases.count {
                let table = split()
                terminate(wide ? .branch64 : .branch32, [.relCond(.aboveOrEqual), .tmp(x), .imm(Int32(size))],
                          successors: [fallback, table])
                current = table
                var targets = Array(repeating: fallback, count: size)
                for c in cases { targets[Int(c.value)] = c.target }
                terminate(.jumpTable, [.tmp(x), .tmp(code.newTmp(.gp)), .tmp(code.newTmp(.gp))], successors: targets)
                return
            }
            searchCases(cases[...], x, wide: wide, fallback: fallback)
            return
        }
        equalityTests(block.switchCases.enumerated().map { ($0.element, entryBlock[block.successors[$0.offset].int]) },
                      x, wide: wide, fallback: fallback)
    }

    /// Ends the current Air block with one equality test per case, in order, then a jump to
    /// `fallback`. A value that is no 32-bit immediate is materialized (64-bit switches only).
    mutating func equalityTests(_ cases: [(value: Int64, target: Int)], _ x: Tmp, wide: Bool, fallback: Int) {
        for c in cases {
            let next = split()
            if let i = Int32(exactly: c.value) {
                terminate(wide ? .branch64 : .branch32, [.relCond(.equal), .tmp(x), .imm(i)], successors: [c.target, next])
            } else {
                let constant = code.newTmp(.gp)
                append(.move64, [.bigImm(c.value), .tmp(constant)])
                terminate(.branch64, [.relCond(.equal), .tmp(x), .tmp(constant)], successors: [c.target, next])
            }
            current = next
        }
        terminate(.jump, [], successors: [fallback])
    }

    /// Ends the current Air block with a search of `cases` (sorted, distinct) for `x`.
    mutating func searchCases(_ cases: ArraySlice<(value: Int32, target: Int)>, _ x: Tmp, wide: Bool, fallback: Int) {
        if cases.count <= 4 {
            equalityTests(cases.map { (Int64($0.value), $0.target) }, x, wide: wide, fallback: fallback)
            return
        }
        let middle = cases.startIndex + cases.count / 2
        let low = split(), high = split()
        terminate(wide ? .branch64 : .branch32, [.relCond(.below), .tmp(x), .imm(cases[middle].value)], successors: [low, high])
        current = low
        searchCases(cases[..<middle], x, wide: wide, fallback: fallback)
        current = high
        searchCases(cases[middle...], x, wide: wide, fallback: fallback)
    }

    /// Registers a call may change: System V's caller-saved ones and, for a context call, r14,
    /// which the callee receives its own context in (the caller restores its own afterwards).
    /// A System V callee preserves r14; so does a callee of our own instance (`.ownContext`).
    static let clobbered: [Tmp] = [GPR.rax, .rcx, .rdx, .rsi, .rdi, .r8, .r9, .r10, .r11].map { reg($0) }
        + (0..<16).map { reg(FPR(UInt8($0))) }
    static let clobberedByContextCall: [Tmp] = clobbered + [reg(X86Registers.context)]

    /// Arguments into their registers (the context and entry first for a context call), the
    /// call, then the result out of rax or xmm0 and, for a context call, our context back in r14.
    mutating func lowerCall(_ v: ValueID) throws(LoweringError) {
        let value = proc[v]
        let convention = CallConvention(rawValue: value.immediate) ?? .systemV
        let isSelf = convention == .selfCall
        // Child 0: the callee's address; calling ourselves, our context (in r14 already), and
        // no callee operand. Arguments past the registers go to the callee's context: child 1,
        // or child 0 when calling ourselves.
        var callee: Tmp?
        if !isSelf {
            let t = code.newTmp(.gp)
            append(.move64, [.tmp(tmp(value.children[0])), .tmp(t)])
            callee = t
        }
        var uses: [Tmp] = isSelf ? [Lowerer.reg(X86Registers.context)] : []
        var arguments = Array(value.children.dropFirst())
        if convention.passesContext {
            let context = Lowerer.reg(X86Registers.context), entry = Lowerer.reg(.rax)
            // Under `.ownContext` child 1 is our own context, which r14 holds already.
            if convention == .context { append(.move64, [.tmp(tmp(arguments[0])), .tmp(context)]) }
            append(.move64, [.tmp(tmp(arguments[1])), .tmp(entry)])
            uses += [context, entry]
            arguments.removeFirst(2)
        }
        let gpArgs = X86Registers.integerArguments
        var gp = 0, fp = 0, overflow = 0
        for a in arguments {
            let type = proc[a].type
            let target: Tmp
            if type.isFloat && fp < X86Registers.floatArgumentCount {
                target = Lowerer.reg(FPR(UInt8(fp)))
                fp += 1
            } else if !type.isFloat && gp < gpArgs.count {
                target = Lowerer.reg(gpArgs[gp])
                gp += 1
            } else {
                // The callee's context carries the rest (see lowerArguments).
                guard convention != .systemV, overflow < ContextLayout.resultCapacity else {
                    throw LoweringError(message: "a call with more arguments than registers")
                }
                let slot = Address(base: tmp(value.children[isSelf ? 0 : 1]), offset: ContextLayout.results + Int32(8 * overflow))
                append(Lowerer.move(type), [.tmp(tmp(a)), .addr(slot)])
                overflow += 1
                continue
            }
            append(Lowerer.move(type), [.tmp(tmp(a)), .tmp(target)])
            uses.append(target)
        }
        let clobbers = (convention == .context ? Lowerer.clobberedByContextCall : Lowerer.clobbered).map { Arg.tmp($0) }
        code.blocks[current].insts.append(
            Inst(callee == nil ? .callSelf : .call, (callee.map { [Arg.tmp($0)] } ?? []) + uses.map { .tmp($0) } + clobbers,
                 origin: value.origin.offset, callUses: uses.count))
        switch value.type {
        case .void: break
        case .f32, .f64: append(Lowerer.move(value.type), [.tmp(Lowerer.reg(FPR(0))), .tmp(tmp(v))])
        default: append(Lowerer.move(value.type), [.tmp(Lowerer.reg(.rax)), .tmp(tmp(v))])
        }
        if convention == .context, let ownContext {
            append(.move64, [.tmp(ownContext), .tmp(Lowerer.reg(X86Registers.context))])
        }
    }

    mutating func lowerReturn(_ v: ValueID) {
        guard let result = proc[v].children.first else {
            terminate(.retVoid, [], successors: [])
            return
        }
        let type = proc[result].type
        switch type {
        case .i32, .i64:
            let rax = Arg.tmp(Lowerer.reg(.rax))
            // An i32 leaves with a zero upper half, so that callers may count on it
            // (`zeroExtendedValues`): a movl that is never dropped unless it is known already.
            let move: Air.Opcode = type == .i32 && !zeroExtended[result.int] ? .zeroExtend32To64 : Lowerer.move(type)
            append(move, [.tmp(tmp(result)), rax])
            terminate(type == .i32 ? .ret32 : .ret64, [rax], successors: [])
        default:
            let xmm0 = Arg.tmp(Lowerer.reg(FPR(0)))
            append(Lowerer.move(type), [.tmp(tmp(result)), xmm0])
            terminate(type == .f32 ? .retFloat : .retDouble, [xmm0], successors: [])
        }
    }
}
