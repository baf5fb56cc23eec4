import Decoder
import Runtime
import Validator
import WasmCore

/// Translates one validated function body into internal code (`CompiledFunction`), once, on the
/// function's first call.
///
/// Locals live in slots `0..<localCount`, the function's distinct constants right after them
/// (written at entry, so `i32.const` costs nothing at run time), and operand-stack position `h`
/// in slot `stackBase + h`.
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
        var parameterCount: Int
        var resultCount: Int
        var loopStart = 0
        /// Instructions whose target is this block's end.
        var fixups: [Int] = []
        /// The `branchUnless` of an `if`, patched at `else` or `end`.
        var elseFixup: Int?
        var labelArity: Int { kind == .loop ? parameterCount : resultCount }
    }

    let module: Module
    let types: [FunctionType]
    let localCount: Int
    var code: [Instr] = []
    var offsets: [Int] = []
    var branchTargets: [Int] = []
    var frames: [Frame] = []
    var height = 0
    var maxHeight = 0
    var unreachable = false
    /// Blocks opened inside unreachable code (skipped with their contents).
    var skippedDepth = 0
    var offset = 0
    var unsupported: String?
    var resultCount = 0
    /// Per operand height: the local a `local.get` left there without copying it (the consumer
    /// reads the local's slot directly), or -1 when the value is in its own slot.
    var deferred: [Int32] = []
    var deferredCount = 0
    /// The last instruction that wrote the value now on top (a `local.set` may retarget it).
    var lastProducer = -1
    /// Code position where a label was last bound (no retargeting across it).
    var labelAt = -1

    /// The function's distinct constant bit patterns, in order of first use.
    var constants: [UInt64] = []
    var constantSlots: [UInt64: UInt32] = [:]
    var stackBase = 0

    init(module: Module, localCount: Int) {
        self.module = module
        self.types = module.types
        self.localCount = localCount
        self.stackBase = localCount
    }

    /// Collects the constants of a body before translation, so the operand stack can start above them.
    struct ConstantCollector: PartialInstructionVisitor {
        var constants: [UInt64] = []
        var seen: [UInt64: UInt32] = [:]
        let base: Int
        mutating func add(_ bits: UInt64) {
            if seen[bits] == nil {
                seen[bits] = UInt32(base + constants.count)
                constants.append(bits)
            }
        }
        mutating func visitOther(_ opcode: Opcode) {}
        mutating func visitI32Const(value: Int32) { add(UInt64(UInt32(bitPattern: value))) }
        mutating func visitI64Const(value: Int64) { add(UInt64(bitPattern: value)) }
        mutating func visitF32Const(bits: UInt32) { add(UInt64(bits)) }
        mutating func visitF64Const(bits: UInt64) { add(bits) }
        mutating func visitRefNull(type: ValueType) { add(0) }
    }

    static func translate(_ module: ValidatedModule, definedIndex i: Int) throws -> CompiledFunction {
        let m = module.module
        let info = module.functions[i]
        let type = m.types[Int(info.typeIndex)]
        var t = Translator(module: m, localCount: info.localTypes.count)
        if info.localTypes.contains(.v128) || type.results.contains(.v128) {
            t.unsupported = "v128 values"
        }
        t.resultCount = type.results.count
        t.frames.append(Frame(kind: .function, height: 0, parameterCount: 0, resultCount: type.results.count))
        let body = m.functionBodies[i]
        if t.unsupported == nil {
            var collector = ConstantCollector(base: info.localTypes.count)
            try m.bytes.withUnsafeBytes { raw in
                var r = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
                while !r.isAtEnd { try r.decodeInstruction(&collector) }
            }
            t.constants = collector.constants
            t.constantSlots = collector.seen
            t.stackBase = info.localTypes.count + collector.constants.count
            try m.bytes.withUnsafeBytes { raw in
                var r = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
                while !r.isAtEnd && t.unsupported == nil { try r.decodeInstruction(&t) }
            }
        }
        if let what = t.unsupported {
            // Not executable by this tier yet: the function traps when called.
            t.code = [Instr(op: Op.trap.rawValue, imm: UInt64(TrapCodeIndex.unsupported.rawValue))]
            t.offsets = [body.code.lowerBound]
            t.branchTargets = []
            t.constants = []
            _ = what
        }
        return CompiledFunction(code: t.code, frameSize: info.localTypes.count + t.constants.count + t.maxHeight + 1, type: type,
                                localCount: info.localTypes.count, constants: t.constants,
                                branchTargets: t.branchTargets, offsets: t.offsets)
    }

    // MARK: Emission

    func slot(_ h: Int) -> UInt32 { UInt32(stackBase + h) }

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

    mutating func push(_ n: Int = 1) {
        for _ in 0..<n {
            if deferred.count > height { deferred[height] = -1 } else { deferred.append(-1) }
            height += 1
        }
        if height > maxHeight { maxHeight = height }
    }

    /// The slot an operand can be read from: its own, or the local it is a deferred copy of.
    func source(_ h: Int) -> UInt32 { deferred[h] >= 0 ? UInt32(deferred[h]) : slot(h) }

    /// Pops `n` operands.
    mutating func pop(_ n: Int) {
        for k in (height - n)..<height where deferred[k] >= 0 {
            deferred[k] = -1
            deferredCount -= 1
        }
        height -= n
    }

    mutating func materialize(_ h: Int) {
        guard deferred[h] >= 0 else { return }
        emit(.copy, a: slot(h), b: UInt32(deferred[h]))
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
        for h in 0..<below where deferred[h] == Int32(x) { materialize(h) }
    }

    mutating func bindLabel() -> Int {
        labelAt = code.count
        return code.count
    }

    /// Copies `count` values from operand height `from` to `to` (to <= from: ascending is safe).
    mutating func move(count: Int, from: Int, to: Int) {
        guard from != to else { return }
        for k in 0..<count { emit(.copy, a: slot(to + k), b: slot(from + k)) }
    }

    func arity(_ t: BlockType) -> (Int, Int) {
        switch t {
        case .empty: (0, 0)
        case .value: (0, 1)
        case .typeIndex(let i): (types[Int(i)].parameters.count, types[Int(i)].results.count)
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
        materializeAll()
        let n = resultCount
        // Results go to the frame's first slots, where the caller expects them.
        for k in 0..<n { emit(.copy, a: UInt32(k), b: slot(height - n + k)) }
        emit(.return)
    }

    mutating func patch(_ at: Int, to target: Int) {
        code[at].imm = UInt64(target)
        if target == code.count { labelAt = target }
    }

    // MARK: Visitor

    mutating func willVisit(offset: Int) { self.offset = offset }

    var skipping: Bool { unreachable }

    mutating func visitNumeric(_ opcode: Opcode, signature: OperandSignature) {
        guard !skipping else { return }
        if opcode.feature == .simd { unsupported = opcode.name; return }
        let n = Int(signature.parameterCount)
        var i = Instr(op: opcode.rawValue)
        if n >= 1 { i.b = source(height - n) }
        if n >= 2 { i.c = source(height - n + 1) }
        pop(n)
        i.a = slot(height)
        lastProducer = emit(i)
        if signature.result != nil { push() }
    }

    mutating func visitMemory(_ opcode: Opcode, signature: OperandSignature, memarg: MemArg) {
        guard !skipping else { return }
        if opcode.feature == .simd { unsupported = opcode.name; return }
        let n = Int(signature.parameterCount)
        var i = Instr(op: opcode.rawValue, imm: memarg.offset)
        i.b = source(height - n)
        if n == 2 { i.c = source(height - 1) }
        pop(n)
        i.a = slot(height)
        lastProducer = emit(i)
        if signature.result != nil { push() }
    }

    mutating func visitLane(_ opcode: Opcode, signature: OperandSignature, lane: UInt8) { if !skipping { unsupported = opcode.name } }
    mutating func visitMemoryLane(_ opcode: Opcode, signature: OperandSignature, memarg: MemArg, lane: UInt8) { if !skipping { unsupported = opcode.name } }
    mutating func visitV128Const(value: V128) { if !skipping { unsupported = "v128.const" } }
    mutating func visitShuffle(lanes: V128) { if !skipping { unsupported = "i8x16.shuffle" } }

    mutating func visitUnreachable() {
        guard !skipping else { return }
        emit(.trap, imm: UInt64(TrapCodeIndex.unreachable.rawValue))
        unreachable = true
    }

    mutating func visitNop() {}

    mutating func enter(_ kind: Frame.Kind, _ type: BlockType) {
        materializeAll()
        let (p, r) = arity(type)
        if case .typeIndex(let t) = type, types[Int(t)].parameters.contains(.v128) || types[Int(t)].results.contains(.v128) {
            unsupported = "v128 block types"
        }
        if case .value(.v128) = type { unsupported = "v128 block types" }
        frames.append(Frame(kind: kind, height: height - p, parameterCount: p, resultCount: r, loopStart: code.count))
    }

    mutating func visitBlock(blockType: BlockType) {
        if skipping { skippedDepth += 1; return }
        enter(.block, blockType)
    }

    mutating func visitLoop(blockType: BlockType) {
        if skipping { skippedDepth += 1; return }
        enter(.loop, blockType)
        frames[frames.count - 1].loopStart = bindLabel()
    }

    mutating func visitIf(blockType: BlockType) {
        if skipping { skippedDepth += 1; return }
        let cond = source(height - 1)
        pop(1)
        enter(.if, blockType)
        let at = emit(.branchUnless, b: cond)
        frames[frames.count - 1].elseFixup = at
        let p = frames[frames.count - 1].parameterCount
        if p > 0 {
            // The then arm works on a copy of the parameters above the originals.
            for k in 0..<p { emit(.copy, a: slot(height + k), b: slot(height - p + k)) }
            push(p)
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
        push(f.parameterCount)
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
        if let e = f.elseFixup { patch(e, to: end) }
        pop(height - f.height)
        push(f.resultCount)
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
            let at = emit(.branchIf, b: cond, imm: UInt64(f.loopStart))
            if f.kind != .loop { frames[target].fixups.append(at) }
        } else {
            let skip = emit(.branchUnless, b: cond)
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
        // One stub per target: its moves and jump.
        for (k, depth) in all.enumerated() {
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
        if type.parameters.contains(.v128) || type.results.contains(.v128) { unsupported = "v128 values"; return }
        materializeAll()
        pop(type.parameters.count)
        emit(.call, a: slot(height), imm: UInt64(functionIndex))
        push(type.results.count)
        // The callee's frame overlaps ours from `height` up.
    }

    mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) {
        guard !skipping else { return }
        let type = types[Int(typeIndex)]
        if type.parameters.contains(.v128) || type.results.contains(.v128) { unsupported = "v128 values"; return }
        materializeAll()
        pop(1)
        let index = slot(height)
        pop(type.parameters.count)
        emit(.callIndirect, a: slot(height), b: index, c: tableIndex, imm: UInt64(typeIndex))
        push(type.results.count)
    }

    mutating func visitDrop() { if !skipping { pop(1) } }

    mutating func visitSelect() {
        guard !skipping else { return }
        let b = source(height - 3), c = source(height - 2), cond = source(height - 1)
        pop(3)
        lastProducer = emit(.select, a: slot(height), b: b, c: c, imm: UInt64(cond))
        push()
    }

    mutating func visitTypedSelect(types: [ValueType]) {
        if !skipping && types.first == .v128 { unsupported = "v128 select"; return }
        visitSelect()
    }

    mutating func visitLocalGet(localIndex: UInt32) {
        guard !skipping else { return }
        // No copy: consumers read the local's slot until something changes the local.
        push()
        deferred[height - 1] = Int32(localIndex)
        deferredCount += 1
    }

    mutating func visitLocalSet(localIndex: UInt32) {
        guard !skipping else { return }
        let top = deferred[height - 1]
        let value = source(height - 1)
        pop(1)
        materialize(local: localIndex, below: height)
        if top >= 0 {
            if top != Int32(localIndex) { emit(.copy, a: localIndex, b: value) }
        } else if lastProducer == code.count - 1, lastProducer >= 0, code[lastProducer].a == value, labelAt != code.count {
            // The instruction that computed the value writes the local directly.
            code[lastProducer].a = localIndex
        } else {
            emit(.copy, a: localIndex, b: value)
        }
        lastProducer = -1
    }

    mutating func visitLocalTee(localIndex: UInt32) {
        guard !skipping else { return }
        let top = deferred[height - 1]
        materialize(local: localIndex, below: height - 1)
        if top != Int32(localIndex) { emit(.copy, a: localIndex, b: source(height - 1)) }
        lastProducer = -1
    }

    mutating func visitGlobalGet(globalIndex: UInt32) {
        guard !skipping else { return }
        lastProducer = emit(.globalGet, a: slot(height), imm: UInt64(globalIndex))
        push()
    }

    mutating func visitGlobalSet(globalIndex: UInt32) {
        guard !skipping else { return }
        let value = source(height - 1)
        pop(1)
        emit(.globalSet, b: value, imm: UInt64(globalIndex))
    }

    mutating func constant(_ bits: UInt64) {
        guard !skipping else { return }
        // Like local.get: consumers read the constant's slot.
        push()
        deferred[height - 1] = Int32(constantSlots[bits]!)
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
