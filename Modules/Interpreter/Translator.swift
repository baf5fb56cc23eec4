import Decoder
import Runtime
import Validator
import WasmCore

/// Translates one validated function body into internal code (`CompiledFunction`), once, on the
/// function's first call.
///
/// A slot is 8 bytes; a v128 value takes two consecutive slots. Locals live in the first slots
/// (`localSlots[x]` is local `x`'s), the distinct constants that instructions read from a slot right
/// after them (written at entry, so `i32.const` costs nothing at run time; constants that become
/// immediates or `const32`/`const64` need no slot), and operand-stack position `h` in slot
/// `slots[h]`, from `stackBase` up: the operand types below a position are fixed by validation, so
/// its slot is known statically.
/// A branch moves the label's values down to the label's slots and jumps. Block results end in
/// the block's base slots, so fallthrough needs no moves except where a branch did not run.
/// Code after an unconditional branch is skipped. `if` blocks with parameters run their `then`
/// arm on a copy of the parameters, so the `else` arm still finds the originals.
struct Translator: InstructionVisitor {
    struct Frame {
        enum Kind { case function, block, loop, `if` }
        var kind: Kind
        /// Operand height of the label's first value.
        var height: Int
        var parameterTypes: [ValueType]
        var resultTypes: [ValueType]
        var loopStart = 0
        /// Instructions whose target is this block's end.
        var fixups: [Int] = []
        /// `br_table` target entries (indices into `branchTargets`) that are this block's end.
        var tableFixups: [Int] = []
        /// The `branchUnless` of an `if`, patched at `else` or `end`.
        var elseFixup: Int?
        var parameterCount: Int { parameterTypes.count }
        var resultCount: Int { resultTypes.count }
        var labelArity: Int { kind == .loop ? parameterCount : resultCount }
    }

    let module: Module
    let types: [FunctionType]
    let globalTypes: [GlobalType]
    let localTypes: [ValueType]
    /// The first slot of each local; parameters first, so arguments arrive where the caller put them,
    /// then the declared locals that must start at zero, then the others (`Survey`).
    let localSlots: [UInt32]
    let localSlotCount: Int
    let parameterSlotCount: Int
    /// One past the last slot zeroed on entry (parameters end where zeroing starts).
    let zeroSlotEnd: Int
    var code: [Instr] = []
    var offsets: [Int] = []
    var branchTargets: [Int] = []
    var frames: [Frame] = []
    var height = 0
    /// `slots[h]`: the slot of operand height `h` (valid up to `height`); `widths[h]`: its slot count.
    var slots: [UInt32] = []
    var widths: [UInt8] = []
    /// One past the highest slot any operand used.
    var maxSlot = 0
    var unreachable = false
    /// Blocks opened inside unreachable code (skipped with their contents).
    var skippedDepth = 0
    var offset = 0
    var resultTypes: [ValueType] = []
    /// Per operand height: the local (or constant slot) a `local.get` left there without copying
    /// it (the consumer reads that slot directly), `pendingConstant` for a constant not yet given
    /// a slot (its bits in `constantBits[h]`), or -1 when the value is in its own slot.
    var deferred: [Int32] = []
    var constantBits: [UInt64] = []
    static let pendingConstant: Int32 = -2
    var deferredCount = 0
    /// The last instruction that wrote the value now on top (a `local.set` may retarget it).
    var lastProducer = -1
    /// Code position where a label was last bound (no retargeting across it).
    var labelAt = -1

    /// The constants read from slots, in the order they were given one (a v128 takes two); their
    /// slots follow the locals. At most `constantCapacity` (every distinct constant of the body).
    var constants: [UInt64] = []
    var constantSlots: [UInt64: UInt32] = [:]
    var vectorSlots: [V128: UInt32] = [:]
    var constantCapacity = 0
    var stackBase = 0

    /// `needsZero[x]`: whether declared local `x` (index among all locals) can be read before the
    /// function writes it, so it must be zeroed on entry (see `Survey`).
    init(module: ValidatedModule, type: FunctionType, localTypes: [ValueType], needsZero: [Bool]) {
        self.module = module.module
        self.types = module.module.types
        self.globalTypes = module.globalTypes
        self.localTypes = localTypes
        var at: UInt32 = 0
        var localSlots = [UInt32](repeating: 0, count: localTypes.count)
        let p = type.parameters.count
        for k in 0..<p {
            localSlots[k] = at
            at += UInt32(Value.slots(of: localTypes[k]))
        }
        self.parameterSlotCount = Int(at)
        for k in p..<localTypes.count where needsZero[k] {
            localSlots[k] = at
            at += UInt32(Value.slots(of: localTypes[k]))
        }
        self.zeroSlotEnd = Int(at)
        for k in p..<localTypes.count where !needsZero[k] {
            localSlots[k] = at
            at += UInt32(Value.slots(of: localTypes[k]))
        }
        self.localSlots = localSlots
        self.localSlotCount = Int(at)
        self.stackBase = Int(at)
    }

    /// What translation needs to know of a body before it starts: how many slots its distinct
    /// constants could need (the operand stack starts above them), and which declared locals must
    /// be zeroed on entry. A local need not be when the function writes it before any read on
    /// the straight-line code from the entry, before the first branch, `if`, `else`, return or
    /// `unreachable` (up to there, code runs in the order it is written, and a written local stays
    /// written); every local that code does not write is zeroed.
    struct Survey: PartialInstructionVisitor {
        var slotCount = 0
        let parameterCount: Int
        var written: [Bool]
        var readFirst: [Bool]
        var straight = true

        init(parameterCount: Int, localCount: Int) {
            self.parameterCount = parameterCount
            written = [Bool](repeating: false, count: localCount)
            readFirst = [Bool](repeating: false, count: localCount)
        }

        /// Per local: whether it must be zeroed on entry (parameters never are).
        var needsZero: [Bool] {
            written.indices.map { $0 >= parameterCount && (!written[$0] || readFirst[$0]) }
        }

        mutating func visitLocalGet(localIndex: UInt32) {
            if !written[Int(localIndex)] { readFirst[Int(localIndex)] = true }
        }
        mutating func visitLocalSet(localIndex: UInt32) { if straight { written[Int(localIndex)] = true } }
        mutating func visitLocalTee(localIndex: UInt32) { if straight { written[Int(localIndex)] = true } }
        mutating func visitBr(relativeDepth: UInt32) { straight = false }
        mutating func visitBrIf(relativeDepth: UInt32) { straight = false }
        mutating func visitBrTable(table: BrTable) { straight = false }
        mutating func visitIf(blockType: BlockType) { straight = false }
        mutating func visitElse() { straight = false }
        mutating func visitReturn() { straight = false }
        mutating func visitUnreachable() { straight = false }

        var seen: Set<UInt64> = []
        var seenVectors: Set<V128> = []
        mutating func add(_ bits: UInt64) {
            if seen.insert(bits).inserted { slotCount += 1 }
        }
        /// A v128 takes two consecutive slots of its own.
        mutating func add(_ v: V128) {
            if seenVectors.insert(v).inserted { slotCount += 2 }
        }
        mutating func visitOther(_ opcode: Opcode) {}
        mutating func visitV128Const(value: V128) { add(value) }
        mutating func visitShuffle(lanes: V128) { add(lanes) }
        mutating func visitI32Const(value: Int32) { add(UInt64(UInt32(bitPattern: value))) }
        mutating func visitI64Const(value: Int64) { add(UInt64(bitPattern: value)) }
        mutating func visitF32Const(bits: UInt32) { add(UInt64(bits)) }
        mutating func visitF64Const(bits: UInt64) { add(bits) }
        mutating func visitRefNull(type: ValueType) { add(0) }
    }

    /// The tier-up weights of an entry and of a loop iteration, when the function counts them.
    var counting: (entry: Int, backEdge: Int)?

    /// `counting`: emit tier-up counting (`countEntry` first, `loopHint` at each loop header)
    /// with these weights; nil emits none.
    static func translate(_ module: ValidatedModule, definedIndex i: Int, counting: (entry: Int, backEdge: Int)? = nil) throws -> CompiledFunction {
        let m = module.module
        let info = module.functions[i]
        let type = m.types[Int(info.typeIndex)]
        let body = m.functionBodies[i]
        var survey = Survey(parameterCount: type.parameters.count, localCount: info.localTypes.count)
        try m.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
            while !r.isAtEnd { try r.decodeInstruction(&survey) }
        }
        var t = Translator(module: module, type: type, localTypes: info.localTypes, needsZero: survey.needsZero)
        t.resultTypes = type.results
        t.counting = counting
        t.frames.append(Frame(kind: .function, height: 0, parameterTypes: [], resultTypes: type.results))
        t.constantCapacity = survey.slotCount
        t.stackBase = t.localSlotCount + survey.slotCount
        t.slots = [UInt32(t.stackBase)]
        t.maxSlot = t.stackBase
        if let counting { t.emit(.countEntry, imm: UInt64(UInt32(clamping: counting.entry))) }
        try m.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
            while !r.isAtEnd { try r.decodeInstruction(&t) }
        }
        t.fuseShiftsAndLoadOperands()
        t.useAccumulators()
        t.fusePairs { p, q in Translator.addressAddLoad(p, q) ?? Translator.incrementBranch(p, q) }
        let frameSize = max(t.maxSlot, t.stackBase) + 2
        // Slot numbers are 22 bits in the encoded code; such a frame (32 MiB) would not fit the
        // value stack anyway.
        guard frameSize < Instr.slotLimit else {
            throw Trap(.callStackExhausted, detail: "function \(m.importedFunctionCount + i) needs \(frameSize) slots")
        }
        return CompiledFunction(code: t.code, frameSize: frameSize, type: type,
                                functionIndex: m.importedFunctionCount + i, parameterSlots: t.parameterSlotCount, zeroSlotEnd: t.zeroSlotEnd,
                                localSlots: t.localSlotCount, constants: t.constants,
                                branchTargets: t.branchTargets, offsets: t.offsets)
    }

    // MARK: Emission

    func slot(_ h: Int) -> UInt32 { slots[h] }

    @discardableResult
    mutating func emit(_ op: Op, a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, imm: UInt64 = 0) -> Int {
        emit(Instr(op: op.rawValue, a: a, b: b, c: c, imm: imm))
    }

    @discardableResult
    mutating func emit(_ i: Instr) -> Int {
        code.append(i)
        offsets.append(offset)
        return code.count - 1
    }

    /// Pushes an operand taking `w` slots.
    mutating func push(width w: Int = 1) {
        if deferred.count > height { deferred[height] = -1 } else { deferred.append(-1); constantBits.append(0) }
        if widths.count > height { widths[height] = UInt8(w) } else { widths.append(UInt8(w)) }
        let next = slots[height] + UInt32(w)
        if slots.count > height + 1 { slots[height + 1] = next } else { slots.append(next) }
        height += 1
        if Int(next) > maxSlot { maxSlot = Int(next) }
    }

    mutating func push(_ t: ValueType) { push(width: Value.slots(of: t)) }

    mutating func push(_ types: [ValueType]) { for t in types { push(t) } }

    /// Copies one value of `width` slots.
    mutating func copy(to a: UInt32, from b: UInt32, width: UInt8) {
        emit(width == 2 ? .copy128 : .copy, a: a, b: b)
    }

    /// The slot an operand can be read from: its own, the local it is a deferred copy of, or its
    /// constant's slot (given one now if it has none yet).
    mutating func source(_ h: Int) -> UInt32 {
        if deferred[h] == Translator.pendingConstant { deferred[h] = Int32(constantSlot(constantBits[h])) }
        return deferred[h] >= 0 ? UInt32(deferred[h]) : slot(h)
    }

    /// The constant an operand is, if it is one not yet read from a slot.
    func pendingConstant(_ h: Int) -> UInt64? {
        deferred[h] == Translator.pendingConstant ? constantBits[h] : nil
    }

    /// The slot of a scalar constant, given on first use.
    mutating func constantSlot(_ bits: UInt64) -> UInt32 {
        if let s = constantSlots[bits] { return s }
        let s = UInt32(localSlotCount + constants.count)
        precondition(constants.count < constantCapacity)
        constants.append(bits)
        constantSlots[bits] = s
        return s
    }

    /// The first of the two slots of a v128 constant, given on first use.
    mutating func constantSlot(_ v: V128) -> UInt32 {
        if let s = vectorSlots[v] { return s }
        let s = UInt32(localSlotCount + constants.count)
        precondition(constants.count + 1 < constantCapacity)
        constants.append(v.low)
        constants.append(v.high)
        vectorSlots[v] = s
        return s
    }

    /// Writes a scalar constant into slot `a`.
    mutating func emitConstant(to a: UInt32, _ bits: UInt64) {
        if bits <= UInt64(UInt32.max) {
            emit(.const32, a: a, imm: bits)
        } else {
            emit(.const64, a: a, imm: bits)
        }
    }

    /// Pops `n` operands.
    mutating func pop(_ n: Int) {
        for k in (height - n)..<height where deferred[k] != -1 {
            deferred[k] = -1
            deferredCount -= 1
        }
        height -= n
    }

    mutating func materialize(_ h: Int) {
        guard deferred[h] != -1 else { return }
        if let bits = pendingConstant(h) {
            emitConstant(to: slot(h), bits)
        } else {
            copy(to: slot(h), from: UInt32(deferred[h]), width: widths[h])
        }
        deferred[h] = -1
        deferredCount -= 1
    }

    /// Puts every operand in its own slot (before calls, branches and block boundaries).
    mutating func materializeAll() {
        guard deferredCount > 0 else { return }
        for h in 0..<height { materialize(h) }
    }

    /// Before local `x` changes: operands that are deferred copies of it get their own slots.
    mutating func materialize(local x: UInt32, below: Int) {
        guard deferredCount > 0 else { return }
        let s = Int32(localSlots[Int(x)])
        for h in 0..<below where deferred[h] == s { materialize(h) }
    }

    mutating func bindLabel() -> Int {
        labelAt = code.count
        return code.count
    }

    /// Copies `count` values from operand height `from` to `to` (to <= from: ascending is safe,
    /// and a two-slot copy reads both words before writing).
    mutating func move(count: Int, from: Int, to: Int) {
        guard from != to else { return }
        var dst = slot(to)
        for k in 0..<count {
            copy(to: dst, from: slot(from + k), width: widths[from + k])
            dst += UInt32(widths[from + k])
        }
    }

    func signature(_ t: BlockType) -> ([ValueType], [ValueType]) {
        switch t {
        case .empty: ([], [])
        case .value(let v): ([], [v])
        case .typeIndex(let i): (types[Int(i)].parameters, types[Int(i)].results)
        }
    }

    /// Moves the label's values into place and jumps to label `depth` (or returns, for the
    /// function's own label).
    mutating func branch(to depth: UInt32) {
        materializeAll()
        let target = frames.count - 1 - Int(depth)
        let f = frames[target]
        if f.kind == .function {
            emitReturn()
            return
        }
        move(count: f.labelArity, from: height - f.labelArity, to: f.height)
        if f.kind == .loop {
            emit(.jump, imm: UInt64(f.loopStart))
        } else {
            let at = emit(.jump)
            frames[target].fixups.append(at)
        }
    }

    mutating func emitReturn() {
        let n = resultTypes.count
        if n == 1, let bits = pendingConstant(height - 1) {
            // A constant result is written where the caller expects it (the other operands are
            // dropped by the return).
            emitConstant(to: 0, bits)
            emit(.return)
            return
        }
        materializeAll()
        if n == 1, deferred[height - 1] == -1, lastProducer == code.count - 1, lastProducer >= 0,
           code[lastProducer].a == slot(height - 1), labelAt != code.count {
            // The instruction that computed the result writes it where the caller expects it.
            code[lastProducer].a = 0
            lastProducer = -1
            emit(.return)
            return
        }
        // Results go to the frame's first slots, where the caller expects them.
        var dst: UInt32 = 0
        for k in 0..<n {
            let h = height - n + k
            if slot(h) != dst { copy(to: dst, from: slot(h), width: widths[h]) }
            dst += UInt32(widths[h])
        }
        emit(.return)
    }

    mutating func patch(_ at: Int, to target: Int) {
        code[at].imm = UInt64(target)
        if target == code.count { labelAt = target }
    }

    // MARK: Visitor

    mutating func willVisit(offset: Int) { self.offset = offset }

    var skipping: Bool { unreachable }

    /// An instruction whose operands come off the stack, the first two into `b` and `c` (a third,
    /// `v128.bitselect`'s mask, into `imm`), and whose result, if any, goes to the next free slot.
    mutating func operation(_ opcode: Opcode, _ signature: OperandSignature, imm: UInt64 = 0) {
        guard !skipping else { return }
        let n = Int(signature.parameterCount)
        var i = Instr(op: opcode.rawValue, imm: imm)
        if n == 2, let form = immediateForms[unsafeBitCast(opcode.rawValue, to: Op.self)],
           let k = pendingConstant(height - 1), signature.p1 != .i64 || Int64(bitPattern: k) == Int64(Int32(truncatingIfNeeded: k)) {
            // The handler sign-extends the 32-bit constant: exact for i32 operands, and for i64
            // ones in [-2^31, 2^31) (the others keep a slot).
            // The right operand is a constant: it goes in the instruction, not a slot.
            i.op = form.rawValue
            i.b = source(height - 2)
            i.c = UInt32(truncatingIfNeeded: k)
            pop(2)
            i.a = slot(height)
            lastProducer = emit(i)
            if let r = signature.result { push(r) }
            return
        }
        if n >= 1 { i.b = source(height - n) }
        if n >= 2 { i.c = source(height - n + 1) }
        if n >= 3 { i.imm = UInt64(source(height - n + 2)) }
        pop(n)
        i.a = slot(height)
        lastProducer = emit(i)
        if let r = signature.result { push(r) }
    }

    mutating func visitNumeric(_ opcode: Opcode, signature: OperandSignature) { operation(opcode, signature) }

    /// Loads and stores: address `b`, stored value `c`, the offset in `imm`.
    mutating func visitMemory(_ opcode: Opcode, signature: OperandSignature, memarg: MemArg) {
        operation(opcode, signature, imm: memarg.offset)
    }

    /// Lane instructions: the lane index is the immediate.
    mutating func visitLane(_ opcode: Opcode, signature: OperandSignature, lane: UInt8) {
        operation(opcode, signature, imm: UInt64(lane))
    }

    /// Lane loads and stores: address `b`, vector `c`; the immediate holds the offset in its low
    /// 32 bits and the lane above them (memory32 offsets fit in 32 bits).
    mutating func visitMemoryLane(_ opcode: Opcode, signature: OperandSignature, memarg: MemArg, lane: UInt8) {
        operation(opcode, signature, imm: memarg.offset | UInt64(lane) << 32)
    }

    mutating func visitV128Const(value: V128) {
        guard !skipping else { return }
        push(width: 2)
        deferred[height - 1] = Int32(constantSlot(value))
        deferredCount += 1
    }

    /// The 16 lane indices are a constant; its slot is the immediate.
    mutating func visitShuffle(lanes: V128) {
        guard !skipping else { return }
        let b = source(height - 2), c = source(height - 1)
        pop(2)
        lastProducer = emit(.i8x16Shuffle, a: slot(height), b: b, c: c, imm: UInt64(constantSlot(lanes)))
        push(width: 2)
    }

    mutating func visitUnreachable() {
        guard !skipping else { return }
        emit(.trap, imm: UInt64(TrapCodeIndex.unreachable.rawValue))
        unreachable = true
    }

    mutating func visitNop() {}

    mutating func enter(_ kind: Frame.Kind, _ type: BlockType) {
        materializeAll()
        let (p, r) = signature(type)
        frames.append(Frame(kind: kind, height: height - p.count, parameterTypes: p, resultTypes: r, loopStart: code.count))
    }

    mutating func visitBlock(blockType: BlockType) {
        if skipping { skippedDepth += 1; return }
        enter(.block, blockType)
    }

    mutating func visitLoop(blockType: BlockType) {
        if skipping { skippedDepth += 1; return }
        enter(.loop, blockType)
        frames[frames.count - 1].loopStart = bindLabel()
        if let counting { emit(.loopHint, imm: UInt64(UInt32(clamping: counting.backEdge))) }
    }

    /// Compare-and-branch fusion: when the instruction just emitted is an integer comparison
    /// whose result is the branch condition `cond`, in an operand slot nothing else reads,
    /// replaces it with one branch on the comparison (taken when it holds, or when it fails if
    /// `whenFalse`). Otherwise emits the plain conditional branch. Returns the branch's position,
    /// for patching its target.
    mutating func emitConditionalBranch(on cond: UInt32, whenFalse: Bool, target: UInt64 = 0) -> Int {
        if lastProducer == code.count - 1, lastProducer >= 0, labelAt != code.count, code[lastProducer].a == cond,
           Int(cond) >= stackBase, let fused = Translator.fusedBranches[code[lastProducer].op] {
            let comparison = code.removeLast()
            offsets.removeLast()
            lastProducer = -1
            return emit(whenFalse ? fused.whenFalse : fused.whenTrue, b: comparison.b, c: comparison.c, imm: target)
        }
        lastProducer = -1
        return emit(whenFalse ? .branchUnless : .branchIf, b: cond, imm: target)
    }

    /// Accumulator forms (Docs/INTERPRETER.md, "Accumulators"): where an instruction's result
    /// goes to an operand slot that only the next instruction reads, and that one has a form
    /// taking the operand from the accumulator, the pair passes the value in a register of the C
    /// loop. Not across labels (a jump to the second instruction would find no value), and not
    /// when the second reads the slot twice. An operand slot is read once, by the instruction
    /// that pops it (copies that keep a value read it with `copy`, which has no such form).
    mutating func useAccumulators() {
        guard code.count > 1 else { return }
        let isLabel = labels()
        for k in 1..<code.count where !isLabel[k] {
            let p = code[k - 1], q = code[k]
            guard Int(p.a) >= stackBase, let pRole = Translator.accumulatorRoles[p.op], !pRole.writes,
                  let pForms = AccumulatorForms.all[pRole.base], let kind = pForms.output,
                  let qRole = Translator.accumulatorRoles[q.op], !qRole.reads,
                  let qForms = AccumulatorForms.all[qRole.base], qForms.input == kind else { continue }
            let qLayout = OpLayout.all[Int(q.op)]
            let (operand, other, hasOther) = qForms.inputField == 1 ? (q.b, q.c, qLayout.c != 0) : (q.c, q.b, qLayout.b != 0)
            guard operand == p.a, !hasOther || other != p.a,
                  let pNew = pRole.reads ? pForms.accToAcc : pForms.toAcc, let qNew = qForms.acc else { continue }
            code[k - 1].op = pNew.rawValue
            code[k].op = qNew.rawValue
        }
    }

    /// Per instruction index (and the end): whether a branch or `br_table` entry targets it.
    func labels() -> [Bool] {
        var isLabel = [Bool](repeating: false, count: code.count + 1)
        for i in code where OpLayout.all[Int(i.op)].isTarget { isLabel[Int(i.imm)] = true }
        for t in branchTargets { isLabel[t] = true }
        return isLabel
    }

    /// Address-add loads (after `useAccumulators`, in one `fusePairs` pass with
    /// `incrementBranch`): an `i32.add` that passes its sum to the next instruction, a load,
    /// through the accumulator becomes part of that load (`<load>Add`, `<load>AddImm`,
    /// `<load>AddShl`), one dispatch instead of two. The load keeps its own result form (slot or
    /// accumulator) and its Wasm offset, for traps.
    static func addressAddLoad(_ p: Instr, _ q: Instr) -> (Instr, offsetOfSecond: Bool)? {
        guard p.op == Op.i32AddToAcc.rawValue || p.op == Op.i32AddImmToAcc.rawValue || p.op == Op.i32AddShlToAcc.rawValue,
              let role = Translator.accumulatorRoles[q.op], role.reads, let forms = addressAddLoads[role.base] else { return nil }
        let base = p.op == Op.i32AddToAcc.rawValue ? forms.add : p.op == Op.i32AddImmToAcc.rawValue ? forms.addImm : forms.addShl
        let op = role.writes ? AccumulatorForms.all[base]!.toAcc! : base
        return (Instr(op: op.rawValue, a: q.a, b: p.b, c: p.c, imm: q.imm, k: p.k), offsetOfSecond: true)
    }

    /// Before `useAccumulators`: an `i32.shl` by a constant whose result (an operand slot, read
    /// only by the next instruction) is added to another value becomes `i32AddShl`; an f64 load
    /// whose result is the right operand of the next f64 add, sub, mul or div (or either operand of
    /// add and mul) becomes that operation's `...Load` form, which traps where the load would.
    mutating func fuseShiftsAndLoadOperands() {
        let stackBase = UInt32(self.stackBase)
        fusePairs { p, q in
            guard p.a >= stackBase else { return nil }
            if p.op == Op.i32ShlImm.rawValue, q.op == Op.i32Add.rawValue, (q.b == p.a) != (q.c == p.a) {
                let other = q.b == p.a ? q.c : q.b
                return (Instr(op: Op.i32AddShl.rawValue, a: q.a, b: other, c: p.b, k: p.c), offsetOfSecond: true)
            }
            if p.op == Op.f64Load.rawValue, let qOp = Op(rawValue: q.op), let form = loadOperandForms[qOp], (q.b == p.a) != (q.c == p.a),
               q.c == p.a || q.op == Op.f64Add.rawValue || q.op == Op.f64Mul.rawValue {
                let other = q.b == p.a ? q.c : q.b
                return (Instr(op: form.rawValue, a: q.a, b: other, c: p.b, imm: p.imm), offsetOfSecond: false)
            }
            return nil
        }
    }

    /// Increment-and-branch (after `useAccumulators`): `x = y + k` followed by a fused
    /// compare-and-branch on `x` (the loop counter's update and test) becomes one operation that
    /// writes `x` and branches. The increment's result may have gone through the accumulator, in
    /// which case its slot is written anyway (a dead operand slot). Not when the branch's other
    /// operand is `x` itself (the fused operation reads it before writing `x`).
    static func incrementBranch(_ p: Instr, _ q: Instr) -> (Instr, offsetOfSecond: Bool)? {
        let toAcc = p.op == Op.i32AddImmToAcc.rawValue
        guard p.op == Op.i32AddImm.rawValue || toAcc,
              let role = Translator.accumulatorRoles[q.op], role.reads == toAcc, !role.writes,
              let fused = Translator.incrementBranchForms[role.base], toAcc || q.b == p.a else { return nil }
        if !OpLayout.all[Int(fused.rawValue)].cIsConstant && q.c == p.a { return nil }
        return (Instr(op: fused.rawValue, a: p.a, b: p.b, c: q.c, imm: q.imm, k: p.c), offsetOfSecond: false)
    }

    /// Fused compare-and-branch (plain or immediate form) -> its increment-and-branch form.
    static let incrementBranchForms: [Op: Op] = {
        var table: [Op: Op] = [:]
        for (branch, forms) in incrementBranches {
            table[branch] = forms.slot
            if let imm = immediateForms[branch] { table[imm] = forms.constant }
        }
        return table
    }()

    /// Replaces pairs of consecutive instructions by what `fuse` makes of them (and the Wasm offset
    /// of the first or the second), where no branch targets the second. Renumbers branch targets.
    mutating func fusePairs(_ fuse: (Instr, Instr) -> (Instr, offsetOfSecond: Bool)?) {
        guard code.count > 1 else { return }
        let isLabel = labels()
        var fused: [Instr] = []
        var fusedOffsets: [Int] = []
        fused.reserveCapacity(code.count)
        fusedOffsets.reserveCapacity(code.count)
        var newIndex = [Int](repeating: 0, count: code.count + 1)
        var k = 0
        while k < code.count {
            newIndex[k] = fused.count
            if k + 1 < code.count, !isLabel[k + 1], let (instr, second) = fuse(code[k], code[k + 1]) {
                fused.append(instr)
                fusedOffsets.append(offsets[second ? k + 1 : k])
                newIndex[k + 1] = fused.count - 1
                k += 2
                continue
            }
            fused.append(code[k])
            fusedOffsets.append(offsets[k])
            k += 1
        }
        guard fused.count < code.count else { return }
        newIndex[code.count] = fused.count
        for j in fused.indices where OpLayout.all[Int(fused[j].op)].isTarget {
            fused[j].imm = UInt64(newIndex[Int(fused[j].imm)])
        }
        for j in branchTargets.indices { branchTargets[j] = newIndex[branchTargets[j]] }
        code = fused
        offsets = fusedOffsets
    }

    /// Every operation with accumulator forms, and each form: its base, whether it reads the
    /// accumulator, whether it writes it.
    static let accumulatorRoles: [UInt16: (base: Op, reads: Bool, writes: Bool)] = {
        var roles: [UInt16: (base: Op, reads: Bool, writes: Bool)] = [:]
        for (base, forms) in AccumulatorForms.all {
            roles[base.rawValue] = (base, false, false)
            if let f = forms.acc { roles[f.rawValue] = (base, true, false) }
            if let f = forms.toAcc { roles[f.rawValue] = (base, false, true) }
            if let f = forms.accToAcc { roles[f.rawValue] = (base, true, true) }
        }
        return roles
    }()

    /// Integer comparison -> the fused branches taken when it holds and when it fails (the
    /// inverse comparison, exact for integers).
    static let fusedBranches: [UInt16: (whenTrue: Op, whenFalse: Op)] = {
        let pairs: [(Op, Op, Op)] = [
            (.i32Eqz, .branchI32Eqz, .branchI32Nez), (.i32Eq, .branchI32Eq, .branchI32Ne), (.i32Ne, .branchI32Ne, .branchI32Eq),
            (.i32LtS, .branchI32LtS, .branchI32GeS), (.i32LtU, .branchI32LtU, .branchI32GeU),
            (.i32GtS, .branchI32GtS, .branchI32LeS), (.i32GtU, .branchI32GtU, .branchI32LeU),
            (.i32LeS, .branchI32LeS, .branchI32GtS), (.i32LeU, .branchI32LeU, .branchI32GtU),
            (.i32GeS, .branchI32GeS, .branchI32LtS), (.i32GeU, .branchI32GeU, .branchI32LtU),
            (.i64Eqz, .branchI64Eqz, .branchI64Nez), (.i64Eq, .branchI64Eq, .branchI64Ne), (.i64Ne, .branchI64Ne, .branchI64Eq),
            (.i64LtS, .branchI64LtS, .branchI64GeS), (.i64LtU, .branchI64LtU, .branchI64GeU),
            (.i64GtS, .branchI64GtS, .branchI64LeS), (.i64GtU, .branchI64GtU, .branchI64LeU),
            (.i64LeS, .branchI64LeS, .branchI64GtS), (.i64LeU, .branchI64LeU, .branchI64GtU),
            (.i64GeS, .branchI64GeS, .branchI64LtS), (.i64GeU, .branchI64GeU, .branchI64LtU),
        ]
        var table: [UInt16: (whenTrue: Op, whenFalse: Op)] = [:]
        for (comparison, whenTrue, whenFalse) in pairs {
            table[comparison.rawValue] = (whenTrue, whenFalse)
            // A comparison with a constant fuses into the branch's immediate form.
            if let c = immediateForms[comparison], let t = immediateForms[whenTrue], let f = immediateForms[whenFalse] {
                table[c.rawValue] = (t, f)
            }
        }
        return table
    }()

    mutating func visitIf(blockType: BlockType) {
        if skipping { skippedDepth += 1; return }
        let cond = source(height - 1)
        pop(1)
        enter(.if, blockType)
        let at = emitConditionalBranch(on: cond, whenFalse: true)
        frames[frames.count - 1].elseFixup = at
        let p = frames[frames.count - 1].parameterCount
        if p > 0 {
            // The then arm works on a copy of the parameters above the originals.
            let base = height
            push(frames[frames.count - 1].parameterTypes)
            for k in 0..<p { copy(to: slot(base + k), from: slot(base - p + k), width: widths[base + k]) }
        }
    }

    mutating func visitElse() {
        if skipping && skippedDepth > 0 { return }
        var f = frames[frames.count - 1]
        if !unreachable {
            materializeAll()
            move(count: f.resultCount, from: height - f.resultCount, to: f.height)
            f.fixups.append(emit(.jump))
        }
        if let e = f.elseFixup { patch(e, to: bindLabel()) }
        f.elseFixup = nil
        frames[frames.count - 1] = f
        pop(height - f.height)
        push(f.parameterTypes)
        unreachable = false
    }

    mutating func visitEnd() {
        if skipping && skippedDepth > 0 { skippedDepth -= 1; return }
        let f = frames.removeLast()
        if f.kind == .function {
            if !unreachable { emitReturn() }
            return
        }
        if !unreachable {
            materializeAll()
            move(count: f.resultCount, from: height - f.resultCount, to: f.height)
        }
        let end = bindLabel()
        for at in f.fixups { patch(at, to: end) }
        for entry in f.tableFixups { branchTargets[entry] = end }
        if let e = f.elseFixup { patch(e, to: end) }
        pop(height - f.height)
        push(f.resultTypes)
        unreachable = false
    }

    mutating func visitBr(relativeDepth: UInt32) {
        guard !skipping else { return }
        branch(to: relativeDepth)
        unreachable = true
    }

    mutating func visitBrIf(relativeDepth: UInt32) {
        guard !skipping else { return }
        let cond = source(height - 1)
        pop(1)
        materializeAll()
        let target = frames.count - 1 - Int(relativeDepth)
        let f = frames[target]
        let needsMoves = f.kind == .function || (height - f.labelArity != f.height && f.labelArity > 0)
        if !needsMoves {
            let at = emitConditionalBranch(on: cond, whenFalse: false, target: UInt64(f.loopStart))
            if f.kind != .loop { frames[target].fixups.append(at) }
        } else {
            let skip = emitConditionalBranch(on: cond, whenFalse: true)
            branch(to: relativeDepth)
            patch(skip, to: bindLabel())
        }
    }

    mutating func visitBrTable(table: BrTable) {
        guard !skipping else { return }
        let index = source(height - 1)
        pop(1)
        materializeAll()
        let all = table.targets + [table.defaultTarget]
        let base = branchTargets.count
        branchTargets.append(contentsOf: repeatElement(0, count: all.count))
        emit(.branchTable, b: index, c: UInt32(table.targets.count), imm: UInt64(base))
        // A target whose values are already in place is the label itself; any other gets a
        // stub (its moves and jump, or the return).
        for (k, depth) in all.enumerated() {
            let target = frames.count - 1 - Int(depth)
            let f = frames[target]
            if f.kind != .function && (f.labelArity == 0 || height - f.labelArity == f.height) {
                if f.kind == .loop {
                    branchTargets[base + k] = f.loopStart
                } else {
                    frames[target].tableFixups.append(base + k)
                }
                continue
            }
            branchTargets[base + k] = bindLabel()
            branch(to: depth)
        }
        unreachable = true
    }

    mutating func visitReturn() {
        guard !skipping else { return }
        emitReturn()
        unreachable = true
    }

    mutating func visitCall(functionIndex: UInt32) {
        guard !skipping else { return }
        guard let type = module.functionType(ofFunction: functionIndex) else { return }
        materializeAll()
        pop(type.parameters.count)
        emit(.call, a: slot(height), imm: UInt64(functionIndex))
        push(type.results)
        // The callee's frame overlaps ours from `height` up.
    }

    mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) {
        guard !skipping else { return }
        let type = types[Int(typeIndex)]
        materializeAll()
        pop(1)
        let index = slot(height)
        pop(type.parameters.count)
        emit(.callIndirect, a: slot(height), b: index, c: tableIndex, imm: UInt64(typeIndex))
        push(type.results)
    }

    mutating func visitDrop() { if !skipping { pop(1) } }

    mutating func visitSelect() {
        guard !skipping else { return }
        let b = source(height - 3), c = source(height - 2), cond = source(height - 1)
        let w = widths[height - 3]
        pop(3)
        lastProducer = emit(w == 2 ? .select128 : .select, a: slot(height), b: b, c: c, imm: UInt64(cond))
        push(width: Int(w))
    }

    mutating func visitTypedSelect(types: [ValueType]) { visitSelect() }

    mutating func visitLocalGet(localIndex: UInt32) {
        guard !skipping else { return }
        // No copy: consumers read the local's slot until something changes the local.
        push(localTypes[Int(localIndex)])
        deferred[height - 1] = Int32(localSlots[Int(localIndex)])
        deferredCount += 1
    }

    mutating func visitLocalSet(localIndex: UInt32) {
        guard !skipping else { return }
        let local = localSlots[Int(localIndex)]
        if let bits = pendingConstant(height - 1) {
            pop(1)
            materialize(local: localIndex, below: height)
            emitConstant(to: local, bits)
            lastProducer = -1
            return
        }
        let top = deferred[height - 1]
        let value = source(height - 1)
        let w = widths[height - 1]
        pop(1)
        materialize(local: localIndex, below: height)
        if top >= 0 {
            if top != Int32(local) { copy(to: local, from: value, width: w) }
        } else if lastProducer == code.count - 1, lastProducer >= 0, code[lastProducer].a == value, labelAt != code.count {
            // The instruction that computed the value writes the local directly.
            code[lastProducer].a = local
        } else {
            copy(to: local, from: value, width: w)
        }
        lastProducer = -1
    }

    mutating func visitLocalTee(localIndex: UInt32) {
        guard !skipping else { return }
        let local = localSlots[Int(localIndex)]
        if let bits = pendingConstant(height - 1) {
            // The operand stays the (pending) constant.
            materialize(local: localIndex, below: height - 1)
            emitConstant(to: local, bits)
            lastProducer = -1
            return
        }
        let top = deferred[height - 1]
        let value = source(height - 1)
        materialize(local: localIndex, below: height - 1)
        if top == Int32(local) {
            // Already the local's value.
        } else if top < 0, lastProducer == code.count - 1, lastProducer >= 0, code[lastProducer].a == value, labelAt != code.count {
            // The instruction that computed the value writes the local directly, and the operand
            // becomes a deferred read of the local.
            code[lastProducer].a = local
            deferred[height - 1] = Int32(local)
            deferredCount += 1
        } else {
            copy(to: local, from: value, width: widths[height - 1])
        }
        lastProducer = -1
    }

    mutating func visitGlobalGet(globalIndex: UInt32) {
        guard !skipping else { return }
        let t = globalTypes[Int(globalIndex)].valueType
        lastProducer = emit(t == .v128 ? .globalGet128 : .globalGet, a: slot(height), imm: UInt64(globalIndex))
        push(t)
    }

    mutating func visitGlobalSet(globalIndex: UInt32) {
        guard !skipping else { return }
        let value = source(height - 1)
        let t = globalTypes[Int(globalIndex)].valueType
        pop(1)
        emit(t == .v128 ? .globalSet128 : .globalSet, b: value, imm: UInt64(globalIndex))
    }

    mutating func constant(_ bits: UInt64) {
        guard !skipping else { return }
        // Like local.get: consumers read the constant's slot (given one when first read), or take
        // it as an immediate.
        push()
        deferred[height - 1] = Translator.pendingConstant
        constantBits[height - 1] = bits
        deferredCount += 1
    }

    mutating func visitI32Const(value: Int32) { constant(UInt64(UInt32(bitPattern: value))) }
    mutating func visitI64Const(value: Int64) { constant(UInt64(bitPattern: value)) }
    mutating func visitF32Const(bits: UInt32) { constant(UInt64(bits)) }
    mutating func visitF64Const(bits: UInt64) { constant(bits) }
    mutating func visitRefNull(type: ValueType) { constant(0) }

    mutating func visitRefIsNull() {
        guard !skipping else { return }
        let value = source(height - 1)
        pop(1)
        emit(.refIsNull, a: slot(height), b: value)
        push()
    }

    mutating func visitRefFunc(functionIndex: UInt32) {
        guard !skipping else { return }
        emit(.refFunc, a: slot(height), imm: UInt64(functionIndex))
        push()
    }

    mutating func visitMemorySize(memoryIndex: UInt32) {
        guard !skipping else { return }
        emit(.memorySize, a: slot(height))
        push()
    }

    mutating func visitMemoryGrow(memoryIndex: UInt32) {
        guard !skipping else { return }
        let value = source(height - 1)
        pop(1)
        emit(.memoryGrow, a: slot(height), b: value)
        push()
    }

    mutating func ternary(_ op: Op, imm: UInt64 = 0, c: UInt32 = 0) {
        guard !skipping else { return }
        materializeAll()
        pop(3)
        emit(op, a: slot(height), c: c, imm: imm)
    }

    mutating func visitMemoryInit(dataIndex: UInt32, memoryIndex: UInt32) { ternary(.memoryInit, imm: UInt64(dataIndex)) }
    mutating func visitDataDrop(dataIndex: UInt32) { if !skipping { emit(.dataDrop, imm: UInt64(dataIndex)) } }
    mutating func visitMemoryCopy(destinationMemory: UInt32, sourceMemory: UInt32) { ternary(.memoryCopy) }
    mutating func visitMemoryFill(memoryIndex: UInt32) { ternary(.memoryFill) }
    mutating func visitTableInit(elementIndex: UInt32, tableIndex: UInt32) { ternary(.tableInit, imm: UInt64(elementIndex), c: tableIndex) }
    mutating func visitElemDrop(elementIndex: UInt32) { if !skipping { emit(.elemDrop, imm: UInt64(elementIndex)) } }
    mutating func visitTableCopy(destinationTable: UInt32, sourceTable: UInt32) {
        ternary(.tableCopy, imm: UInt64(sourceTable), c: destinationTable)
    }
    mutating func visitTableFill(tableIndex: UInt32) { ternary(.tableFill, imm: UInt64(tableIndex)) }

    mutating func visitTableGet(tableIndex: UInt32) {
        guard !skipping else { return }
        let index = source(height - 1)
        pop(1)
        emit(.tableGet, a: slot(height), b: index, imm: UInt64(tableIndex))
        push()
    }

    mutating func visitTableSet(tableIndex: UInt32) {
        guard !skipping else { return }
        materializeAll()
        pop(2)
        emit(.tableSet, a: slot(height), imm: UInt64(tableIndex))
    }

    mutating func visitTableGrow(tableIndex: UInt32) {
        guard !skipping else { return }
        materializeAll()
        pop(2)
        emit(.tableGrow, a: slot(height), imm: UInt64(tableIndex))
        push()
    }

    mutating func visitTableSize(tableIndex: UInt32) {
        guard !skipping else { return }
        emit(.tableSize, a: slot(height), imm: UInt64(tableIndex))
        push()
    }
}

/// Trap codes as small integers for `Op.trap`.
enum TrapCodeIndex: Int {
    case unreachable, unsupported

    var code: TrapCode {
        switch self {
        case .unreachable: .unreachable
        case .unsupported: .unsupported
        }
    }
}
