import Decoder
import IR
import MachineCode
import Validator
import WasmCore

/// IRGen's `check` and `trap` values carry `NativeTrap` codes (MachineCode), which the
/// Runtime maps to its `TrapCode`s.
typealias WasmTrap = NativeTrap

/// Why a function stays in the interpreter.
package struct IRGenError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
    package init(message: String) { self.message = message }
}

/// Translates one validated function into IR (`Docs/OPTIMIZING-TIER.md`):
///
/// - The procedure's argument 0 is the instance context (i64), then the Wasm parameters.
/// - Locals, and the values that flow along branches to a label, are variables; SSA is built
///   while translating, by Braun et al.'s algorithm ("Simple and Efficient Construction of
///   Static Single Assignment Form"): a read in a block without a definition asks the
///   predecessors, through a phi whose upsilons are inserted at the end of each predecessor.
///   A block is sealed when all its predecessors are known: a loop header at the loop's end,
///   a block's merge point when the translation reaches it.
/// - Numeric instructions with an IR twin (the Wasm table's `ir=` column) are one IR value;
///   division, remainder and trapping truncation add the `check`s that make them defined;
///   memory accesses check `zext(address) + offset + size` against the memory's size
///   (explicit bounds-check mode) and add the base.
/// - Code after `br`, `return` or `unreachable` is skipped until its block ends.
/// - Calls go through the native function table; memory growth, `call_indirect`'s lookup,
///   table and bulk-memory instructions and `ref.func` call runtime functions
///   (`RuntimeFunction`). References are i64: 0, or a store function address plus one.
/// - Several results (functions and calls) travel through the context's result area.
/// How compiled code keeps memory accesses inside the memory (Docs/OPTIMIZING-TIER.md,
/// "Guard pages").
package enum BoundsChecks: String, Sendable, CaseIterable {
    /// Each access compares its end with the memory's current size and traps past it.
    case explicit
    /// No code: the memory's reservation (4 GiB plus a guard beyond anything an offset can
    /// reach) is inaccessible past the current size, and the fault handler turns the fault
    /// of an access there into the trap. Only for memories with that whole reservation.
    case guardPages = "guard-pages"
}

/// Functions with instructions this tier does not take yet (SIMD) throw `IRGenError`; they run
/// in the interpreter.
package func generateIR(module: ValidatedModule, definedIndex: Int, boundsChecks: BoundsChecks = .explicit) throws -> Procedure {
    let m = module.module
    let info = module.functions[definedIndex]
    let type = m.types[Int(info.typeIndex)]
    var generator = try IRGenerator(module: module, type: type, localTypes: info.localTypes,
                                    name: m.names?.functionNames[UInt32(m.importedFunctionCount + definedIndex)] ?? "f\(m.importedFunctionCount + definedIndex)",
                                    boundsChecks: boundsChecks)
    generator.selfIndex = m.importedFunctionCount + definedIndex
    let body = m.functionBodies[definedIndex]
    try m.bytes.withUnsafeBytes { raw in
        var r = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
        while !r.isAtEnd { try r.decodeInstruction(&generator) }
    }
    generator.ssa.finish()
    // Broken IR is our bug, not the module's: report it, and the function stays interpreted.
    // Checked in debug builds (all tests) and with WASM_TIER_VALIDATE_EACH_PHASE=1.
    let errors = validatePipeline ? generator.proc.validate() : []
    if !errors.isEmpty {
        throw IRGenError(message: "IRGen produced invalid IR (a compiler bug): \(errors.prefix(3).map(\.description).joined(separator: "; "))\n\(generator.proc)")
    }
    return generator.proc
}

/// The IR type of a Wasm value type (references are i64); v128 has none in this tier.
package func irType(_ t: ValueType) throws(IRGenError) -> IRType {
    switch t {
    case .i32: return .i32
    case .i64: return .i64
    case .f32: return .f32
    case .f64: return .f64
    // A reference is 0 (null) or a store function address plus one, as in the interpreter.
    case .funcref, .externref: return .i64
    default: throw IRGenError(message: "\(t) values are not supported by the optimizing tier yet")
    }
}

struct IRGenerator: InstructionVisitor {
    let module: ValidatedModule
    let boundsChecks: BoundsChecks
    /// The function's own index in the function index space (its calls to itself are direct).
    var selfIndex = -1
    /// Inlining (`inlineCallee`): the variable of the running body's local 0 (the caller's
    /// locals are variables 0...; an inlined callee's follow the variables made so far), the
    /// frame of the body being inlined, and the Wasm bytes still allowed to be inlined.
    var localBase = 0
    var inlinedFrame: Int?
    var inlineBudget = 1024
    let proc: Procedure
    var offset: UInt32 = 0
    var ssa: SSABuilder
    var stack: [ValueID] = []
    var frames: [Frame] = []
    /// The block being filled; nil in unreachable code.
    var current: BlockID?
    let context: ValueID
    let resultTypes: [IRType]
    /// Loads of the context's fields, made once in the entry block (which dominates all).
    var contextFields: [Int32: ValueID] = [:]
    /// Values at the start of the entry block: arguments and context fields.
    var entryPrefix = 0

    struct Frame {
        /// `inlined`: the body of a function inlined at a call, whose end (and `return`) go to
        /// the code after the call.
        enum Kind { case block, loop, `if`, function, inlined }
        var kind: Kind
        var parameters: [IRType]
        var results: [IRType]
        /// Where a branch to this label goes: the merge block, or the loop header.
        var label: BlockID
        /// Variables carrying the branch's values (results, or a loop's parameters).
        var labelVariables: [Int]
        /// Operand stack height below the frame's parameters.
        var height: Int
        /// An `if`'s false branch, until its `else` (or end) is reached.
        var elseBlock: BlockID?
        /// An `if`'s parameters, to give the else arm the same inputs.
        var parameterValues: [ValueID] = []

        var branchTypes: [IRType] { kind == .loop ? parameters : results }
    }

    init(module: ValidatedModule, type: FunctionType, localTypes: [ValueType], name: String, boundsChecks: BoundsChecks) throws(IRGenError) {
        self.module = module
        self.boundsChecks = boundsChecks
        var parameters: [IRType] = [.i64]
        for t in type.parameters { parameters.append(try irType(t)) }
        guard type.results.count <= ContextLayout.resultCapacity else { throw IRGenError(message: "more than \(ContextLayout.resultCapacity) results") }
        resultTypes = try type.results.map(irType)
        // Several results go to the context's result area; the procedure itself returns nothing.
        proc = Procedure(name: name, parameters: parameters, results: resultTypes.count > 1 ? [] : resultTypes)
        proc.loadsTrap = boundsChecks == .guardPages
        let entry = proc.addBlock()
        var variableTypes: [IRType] = []
        for t in localTypes { variableTypes.append(try irType(t)) }
        ssa = SSABuilder(proc: proc, variableTypes: variableTypes)
        ssa.seal(entry)
        context = proc.append(.arg, .i64, immediate: 0, to: entry)
        for (i, t) in localTypes.enumerated() {
            let v: ValueID
            if i < type.parameters.count {
                v = proc.append(.arg, variableTypes[i], immediate: UInt64(i + 1), to: entry)
            } else {
                v = proc.appendConstant(variableTypes[i], bits: 0, to: entry)
            }
            _ = t
            ssa.write(i, entry, v)
        }
        entryPrefix = proc[entry].values.count
        current = entry
        let exit = proc.addBlock()
        frames.append(Frame(kind: .function, parameters: [], results: resultTypes, label: exit,
                            labelVariables: resultTypes.map { ssa.newVariable($0) }, height: 0))
    }

    mutating func willVisit(offset: Int) { self.offset = UInt32(offset) }

    /// A field of the context that never changes while code runs (`load_invariant`), loaded
    /// once at the top of the entry block.
    mutating func contextField(_ offset: Int32) -> ValueID {
        if let v = contextFields[offset] { return v }
        let v = proc.insert(.loadInvariant, .i64, [context], immediate: UInt64(offset), in: proc.entry, at: entryPrefix)
        entryPrefix += 1
        contextFields[offset] = v
        return v
    }

    // MARK: Emission helpers

    var origin: Origin { Origin(offset) }

    @discardableResult
    mutating func emit(_ op: IR.Opcode, _ type: IRType, _ children: [ValueID] = [], immediate: UInt64 = 0) -> ValueID {
        proc.append(op, type, children, immediate: immediate, origin: origin, to: current!)
    }

    mutating func constant(_ type: IRType, _ bits: UInt64) -> ValueID {
        proc.appendConstant(type, bits: bits, to: current!)
    }

    mutating func pop() -> ValueID { stack.removeLast() }

    mutating func pop(_ n: Int) -> [ValueID] {
        let values = Array(stack.suffix(n))
        stack.removeLast(n)
        return values
    }

    /// Ends the current block with a terminal to `targets`.
    mutating func terminate(_ op: IR.Opcode, _ children: [ValueID] = [], targets: [BlockID], cases: [Int64] = []) {
        let b = current!
        proc.append(op, .void, children, origin: origin, to: b)
        proc.setSuccessors(b, targets, cases: cases)
        for t in targets { ssa.addPredecessor(t, b) }
        current = nil
    }

    /// Branch values go into the label's variables in the current block.
    mutating func writeLabel(_ frame: Frame, _ values: [ValueID]) {
        for (variable, v) in zip(frame.labelVariables, values) { ssa.write(variable, current!, v) }
    }

    mutating func check(_ condition: ValueID, _ trap: WasmTrap) {
        emit(.check, .void, [condition], immediate: trap.rawValue)
    }

    func blockTypes(_ type: BlockType) throws(IRGenError) -> ([IRType], [IRType]) {
        switch type {
        case .empty: return ([], [])
        case .value(let t): return ([], [try irType(t)])
        case .typeIndex(let i):
            let f = module.module.types[Int(i)]
            return (try f.parameters.map(irType), try f.results.map(irType))
        }
    }

    // MARK: Control

    mutating func visitBlock(blockType: BlockType) throws {
        let (params, results) = try blockTypes(blockType)
        let merge = proc.addBlock()
        frames.append(Frame(kind: .block, parameters: params, results: results, label: merge,
                            labelVariables: results.map { ssa.newVariable($0) }, height: stack.count - (current == nil ? 0 : params.count)))
    }

    mutating func visitLoop(blockType: BlockType) throws {
        let (params, results) = try blockTypes(blockType)
        let header = proc.addBlock()
        var frame = Frame(kind: .loop, parameters: params, results: results, label: header,
                          labelVariables: params.map { ssa.newVariable($0) }, height: stack.count - (current == nil ? 0 : params.count))
        if current != nil {
            let values = pop(params.count)
            writeLabel(frame, values)
            terminate(.jump, targets: [header])
            current = header
            for variable in frame.labelVariables { stack.append(ssa.read(variable, header)) }
        }
        frames.append(frame)
    }

    mutating func visitIf(blockType: BlockType) throws {
        let (params, results) = try blockTypes(blockType)
        let merge = proc.addBlock()
        var frame = Frame(kind: .if, parameters: params, results: results, label: merge,
                          labelVariables: results.map { ssa.newVariable($0) }, height: 0)
        if current != nil {
            let condition = pop()
            frame.parameterValues = Array(stack.suffix(params.count))
            frame.height = stack.count - params.count
            let thenBlock = proc.addBlock(), elseBlock = proc.addBlock()
            frame.elseBlock = elseBlock
            terminate(.branch, [condition], targets: [thenBlock, elseBlock])
            ssa.seal(thenBlock)
            ssa.seal(elseBlock)
            current = thenBlock
        } else {
            frame.height = stack.count
        }
        frames.append(frame)
    }

    mutating func visitElse() throws {
        var frame = frames.removeLast()
        if current != nil {
            writeLabel(frame, pop(frame.results.count))
            terminate(.jump, targets: [frame.label])
        }
        stack.removeLast(stack.count - frame.height)
        if let elseBlock = frame.elseBlock {
            current = elseBlock
            stack.append(contentsOf: frame.parameterValues)
        }
        frame.elseBlock = nil
        frames.append(frame)
    }

    mutating func visitEnd() throws {
        let frame = frames.removeLast()
        switch frame.kind {
        case .loop:
            // Only falling through leaves a loop: its results are on the stack already.
            ssa.seal(frame.label)
            if ssa.predecessors(frame.label).isEmpty { proc.deleteBlock(frame.label) }
            if current == nil {
                stack.removeLast(stack.count - frame.height)
                // Unreachable after the loop; the stack is polymorphic until the next end.
            }
            return
        case .if where frame.elseBlock != nil:
            // No else: the false edge carries the parameters to the merge as results.
            if current != nil {
                writeLabel(frame, pop(frame.results.count))
                terminate(.jump, targets: [frame.label])
            }
            current = frame.elseBlock
            writeLabel(frame, frame.parameterValues)
            terminate(.jump, targets: [frame.label])
        default:
            if current != nil {
                writeLabel(frame, pop(frame.results.count))
                terminate(.jump, targets: [frame.label])
            }
        }
        stack.removeLast(stack.count - frame.height)
        ssa.seal(frame.label)
        if ssa.predecessors(frame.label).isEmpty {
            // Nothing reaches the end of this construct: the code after it is unreachable.
            current = nil
            proc.deleteBlock(frame.label)
            return
        }
        current = frame.label
        for variable in frame.labelVariables { stack.append(ssa.read(variable, frame.label)) }
        if frame.kind == .function {
            emitReturn(Array(stack.suffix(resultTypes.count)))
            current = nil
        }
    }

    func frame(_ depth: UInt32) -> Frame { frames[frames.count - 1 - Int(depth)] }

    /// `return`: one result in the return register; several into the context's result area.
    mutating func emitReturn(_ values: [ValueID]) {
        if values.count > 1 {
            for (k, v) in values.enumerated() { storeResult(v, into: context, at: k) }
            emit(.return, .void)
        } else {
            emit(.return, .void, values)
        }
    }

    /// A result as 8 bytes, an i32 or f32 zero-extended, at slot `k` of a context's result area.
    mutating func storeResult(_ v: ValueID, into context: ValueID, at k: Int) {
        var bits = v
        switch proc[v].type {
        case .i32: bits = emit(.zext32, .i64, [v])
        case .f32: bits = emit(.zext32, .i64, [emit(.bitcast, .i32, [v])])
        case .f64: bits = emit(.bitcast, .i64, [v])
        default: break
        }
        emit(.store, .void, [bits, context], immediate: UInt64(ContextLayout.results) + UInt64(8 * k))
    }

    /// A call by one of the Wasm conventions (`children` as the convention wants them, the
    /// arguments last); several results come from the callee context's area.
    mutating func contextCall(_ type: FunctionType, children: [ValueID], calleeContext: ValueID, convention: CallConvention) throws {
        let results = try type.results.map(irType)
        guard results.count <= ContextLayout.resultCapacity else { throw IRGenError(message: "a call with more than \(ContextLayout.resultCapacity) results") }
        let result = emit(.call, results.count == 1 ? results[0] : .void, children, immediate: convention.rawValue)
        if results.count == 1 {
            stack.append(result)
        } else {
            for (k, t) in results.enumerated() {
                stack.append(emit(.load, t, [calleeContext], immediate: UInt64(ContextLayout.results) + UInt64(8 * k)))
            }
        }
    }

    mutating func visitBr(relativeDepth: UInt32) throws {
        guard current != nil else { return }
        let target = frame(relativeDepth)
        writeLabel(target, Array(stack.suffix(target.branchTypes.count)))
        terminate(.jump, targets: [target.label])
    }

    mutating func visitBrIf(relativeDepth: UInt32) throws {
        guard current != nil else { return }
        let condition = pop()
        let target = frame(relativeDepth)
        writeLabel(target, Array(stack.suffix(target.branchTypes.count)))
        let next = proc.addBlock()
        terminate(.branch, [condition], targets: [target.label, next])
        ssa.seal(next)
        current = next
    }

    mutating func visitBrTable(table: BrTable) throws {
        guard current != nil else { return }
        let index = pop()
        var targets: [BlockID] = []
        var cases: [Int64] = []
        for (k, depth) in table.targets.enumerated() {
            let target = frame(depth)
            writeLabel(target, Array(stack.suffix(target.branchTypes.count)))
            targets.append(target.label)
            cases.append(Int64(k))
        }
        let fallback = frame(table.defaultTarget)
        writeLabel(fallback, Array(stack.suffix(fallback.branchTypes.count)))
        targets.append(fallback.label)
        terminate(.switch, [index], targets: targets, cases: cases)
    }

    mutating func visitReturn() throws {
        guard current != nil else { return }
        if let k = inlinedFrame {
            // From an inlined body: to the code after the call, with the results.
            let target = frames[k]
            writeLabel(target, Array(stack.suffix(target.results.count)))
            terminate(.jump, targets: [target.label])
            return
        }
        emitReturn(Array(stack.suffix(resultTypes.count)))
        current = nil
    }

    mutating func visitUnreachable() throws {
        guard current != nil else { return }
        emit(.trap, .void, immediate: WasmTrap.unreachable.rawValue)
        current = nil
    }

    mutating func visitNop() throws {}

    mutating func visitDrop() throws {
        guard current != nil else { return }
        _ = pop()
    }

    mutating func visitSelect() throws {
        guard current != nil else { return }
        let c = pop(), b = pop(), a = pop()
        stack.append(emit(.select, proc[a].type, [c, a, b]))
    }

    mutating func visitTypedSelect(types: [ValueType]) throws {
        _ = try types.map(irType)
        try visitSelect()
    }

    // MARK: Variables

    mutating func visitLocalGet(localIndex: UInt32) throws {
        guard let b = current else { return }
        stack.append(ssa.read(localBase + Int(localIndex), b))
    }

    mutating func visitLocalSet(localIndex: UInt32) throws {
        guard let b = current else { return }
        ssa.write(localBase + Int(localIndex), b, pop())
    }

    mutating func visitLocalTee(localIndex: UInt32) throws {
        guard let b = current else { return }
        ssa.write(localBase + Int(localIndex), b, stack.last!)
    }

    /// The cell of global `i`: the context holds a pointer to the array of cell pointers.
    mutating func globalCell(_ i: UInt32) -> ValueID {
        let cells = contextField(ContextLayout.globalCells)
        return emit(.loadInvariant, .i64, [cells], immediate: UInt64(i) * 8)
    }

    mutating func visitGlobalGet(globalIndex: UInt32) throws {
        guard current != nil else { return }
        let type = try irType(module.globalTypes[Int(globalIndex)].valueType)
        let cell = globalCell(globalIndex)
        stack.append(emit(.load, type, [cell]))
    }

    mutating func visitGlobalSet(globalIndex: UInt32) throws {
        guard current != nil else { return }
        _ = try irType(module.globalTypes[Int(globalIndex)].valueType)
        let v = pop()
        let cell = globalCell(globalIndex)
        emit(.store, .void, [v, cell])
    }

    // MARK: Constants

    mutating func visitI32Const(value: Int32) throws {
        guard current != nil else { return }
        stack.append(constant(.i32, UInt64(UInt32(bitPattern: value))))
    }

    mutating func visitI64Const(value: Int64) throws {
        guard current != nil else { return }
        stack.append(constant(.i64, UInt64(bitPattern: value)))
    }

    mutating func visitF32Const(bits: UInt32) throws {
        guard current != nil else { return }
        stack.append(constant(.f32, UInt64(bits)))
    }

    mutating func visitF64Const(bits: UInt64) throws {
        guard current != nil else { return }
        stack.append(constant(.f64, bits))
    }

    // MARK: Numeric

    mutating func visitNumeric(_ opcode: WasmCore.Opcode, signature: OperandSignature) throws {
        guard current != nil else { return }
        guard let resultType = signature.result else { throw IRGenError(message: "\(opcode.name) has no result") }
        let type = try irType(resultType)
        if let op = Self.irTwins[Int(opcode.rawValue)] {
            let operands = pop(Int(signature.parameterCount))
            stack.append(emit(op, type, operands))
            return
        }
        switch opcode {
        case .i32Eqz, .i64Eqz:
            let x = pop()
            let zero = constant(proc[x].type, 0)
            stack.append(emit(.eq, .i32, [x, zero]))
        case .i32DivS, .i64DivS, .i32RemS, .i64RemS:
            let b = pop(), a = pop()
            let zero = constant(type, 0)
            check(emit(.eq, .i32, [b, zero]), .integerDivideByZero)
            if opcode == .i32DivS || opcode == .i64DivS {
                let minimum = constant(type, type == .i32 ? 0x8000_0000 : 0x8000_0000_0000_0000)
                let minusOne = constant(type, .max)
                let overflow = emit(.and, .i32, [emit(.eq, .i32, [a, minimum]), emit(.eq, .i32, [b, minusOne])])
                check(overflow, .integerOverflow)
                stack.append(emit(.div, type, [a, b]))
            } else {
                stack.append(emit(.mod, type, [a, b]))
            }
        case .i32DivU, .i64DivU, .i32RemU, .i64RemU:
            let b = pop(), a = pop()
            let zero = constant(type, 0)
            check(emit(.eq, .i32, [b, zero]), .integerDivideByZero)
            stack.append(emit(opcode == .i32DivU || opcode == .i64DivU ? .udiv : .umod, type, [a, b]))
        case .i64Extend32S:
            let x = pop()
            stack.append(emit(.sext32, .i64, [emit(.trunc, .i32, [x])]))
        case .i32TruncF32S, .i32TruncF32U, .i32TruncF64S, .i32TruncF64U,
             .i64TruncF32S, .i64TruncF32U, .i64TruncF64S, .i64TruncF64U:
            let x = pop()
            let from = proc[x].type
            let isSigned = [.i32TruncF32S, .i32TruncF64S, .i64TruncF32S, .i64TruncF64S].contains(opcode)
            // NaN traps as an invalid conversion; outside (low, high) as an overflow. The bounds
            // are exact in both float types: -2^31-1 is not in f32, so the signed i32 low bound
            // from f32 is -2^31 with a >= test there.
            check(emit(.ne, .i32, [x, x]), .invalidConversionToInteger)
            let (low, lowInclusive, high) = Self.truncationBounds(from: from, to: type, signed: isSigned)
            let lowValue = constant(from, low)
            let highValue = constant(from, high)
            let tooLow = emit(lowInclusive ? .lt : .le, .i32, [x, lowValue])
            let tooHigh = emit(.ge, .i32, [x, highValue])
            check(emit(.or, .i32, [tooLow, tooHigh]), .integerOverflow)
            stack.append(emit(isSigned ? .f2s : .f2u, type, [x]))
        default:
            throw IRGenError(message: "\(opcode.name) is not supported by the optimizing tier yet")
        }
    }

    /// The IR twin of each Wasm opcode (the table's `ir=` column), by the opcode's raw value.
    static let irTwins: [IR.Opcode?] = WasmCore.Opcode.allCases.map { $0.irMnemonic.flatMap(IR.Opcode.init(mnemonic:)) }

    /// Bits of the float bounds for a trapping truncation: the value must be above `low`
    /// (or at it, when `lowInclusive`) and below `high`.
    static func truncationBounds(from: IRType, to: IRType, signed: Bool) -> (UInt64, Bool, UInt64) {
        func bits(_ d: Double) -> UInt64 { from == .f32 ? UInt64(Float(d).bitPattern) : d.bitPattern }
        let width = to == .i32 ? 32.0 : 64.0
        let high = signed ? pow2(width - 1) : pow2(width)
        if !signed { return (bits(-1.0), false, bits(high)) }
        let minimum = -pow2(width - 1)
        // -2^(n-1) - 1 is exact in f64 for n = 32, so the low bound excludes it; otherwise
        // (f32, or i64) the closest representable bound is -2^(n-1) itself, included.
        if from == .f64 && to == .i32 { return (bits(minimum - 1), false, bits(high)) }
        return (bits(minimum), true, bits(high))
    }

    static func pow2(_ e: Double) -> Double { Double(sign: .plus, exponent: Int(e), significand: 1) }

    // MARK: Memory

    /// The native address of a memory access: with explicit checks, checks `zext(index) +
    /// offset + size` against the memory's byte size (read through the context's pointer to
    /// the size cell); then adds the base. The offset stays in the access's immediate. With
    /// guard pages the sum is at most 8 GiB past the base, inside the reservation.
    mutating func address(_ index: ValueID, offset: UInt64, size: Int) -> ValueID {
        let wide = emit(.zext32, .i64, [index])
        if boundsChecks == .explicit {
            let end = emit(.add, .i64, [wide, constant(.i64, offset + UInt64(size))])
            let sizeCell = contextField(ContextLayout.memorySize)
            let memorySize = emit(.load, .i64, [sizeCell])
            check(emit(.above, .i32, [end, memorySize]), .outOfBoundsMemoryAccess)
        }
        // The base never moves: memory is reserved once.
        let base = contextField(ContextLayout.memoryBase)
        return emit(.add, .i64, [base, wide])
    }

    mutating func visitMemory(_ opcode: WasmCore.Opcode, signature: OperandSignature, memarg: MemArg) throws {
        guard current != nil else { return }
        let size = 1 << opcode.naturalAlignment
        let isStore = signature.result == nil
        if isStore {
            let value = pop(), index = pop()
            let pointer = address(index, offset: memarg.offset, size: size)
            let op: IR.Opcode
            switch opcode {
            case .i32Store8, .i64Store8: op = .store8
            case .i32Store16, .i64Store16: op = .store16
            case .i64Store32: op = .store32
            case .i32Store, .i64Store, .f32Store, .f64Store: op = .store
            default: throw IRGenError(message: "\(opcode.name) is not supported by the optimizing tier yet")
            }
            emit(op, .void, [value, pointer], immediate: memarg.offset)
        } else {
            let type = try irType(signature.result!)
            let index = pop()
            let pointer = address(index, offset: memarg.offset, size: size)
            let op: IR.Opcode
            switch opcode {
            case .i32Load, .i64Load, .f32Load, .f64Load: op = .load
            case .i32Load8S, .i64Load8S: op = .load8s
            case .i32Load8U, .i64Load8U: op = .load8u
            case .i32Load16S, .i64Load16S: op = .load16s
            case .i32Load16U, .i64Load16U: op = .load16u
            case .i64Load32S: op = .load32s
            case .i64Load32U: op = .load32u
            default: throw IRGenError(message: "\(opcode.name) is not supported by the optimizing tier yet")
            }
            stack.append(emit(op, type, [pointer], immediate: memarg.offset))
        }
    }

    mutating func visitMemorySize(memoryIndex: UInt32) throws {
        guard current != nil else { return }
        let sizeCell = contextField(ContextLayout.memorySize)
        let bytes = emit(.load, .i64, [sizeCell])
        let pages = emit(.zshr, .i64, [bytes, constant(.i64, 16)])
        stack.append(emit(.trunc, .i32, [pages]))
    }

    // MARK: Runtime functions

    /// Calls runtime function `f` (System V, the context first) and returns its result.
    @discardableResult
    mutating func runtime(_ f: RuntimeFunction, _ type: IRType, _ arguments: [ValueID]) -> ValueID {
        let functions = contextField(ContextLayout.runtimeFunctions)
        let address = emit(.loadInvariant, .i64, [functions], immediate: UInt64(f.rawValue * 8))
        return emit(.call, type, [address, context] + arguments, immediate: CallConvention.systemV.rawValue)
    }

    mutating func constant32(_ v: UInt32) -> ValueID { constant(.i32, UInt64(v)) }

    /// A runtime function that returns 0 on success; failure unwinds with its error.
    mutating func runtimeChecked(_ f: RuntimeFunction, _ arguments: [ValueID]) {
        let status = runtime(f, .i32, arguments)
        check(status, .pending)
    }

    mutating func visitMemoryGrow(memoryIndex: UInt32) throws {
        guard current != nil else { return }
        let delta = pop()
        stack.append(runtime(.memoryGrow, .i32, [delta]))
    }

    mutating func visitRefNull(type: ValueType) throws {
        guard current != nil else { return }
        stack.append(constant(.i64, 0))
    }

    mutating func visitRefIsNull() throws {
        guard current != nil else { return }
        let r = pop()
        stack.append(emit(.eq, .i32, [r, constant(.i64, 0)]))
    }

    mutating func visitRefFunc(functionIndex: UInt32) throws {
        guard current != nil else { return }
        stack.append(runtime(.refFunc, .i64, [constant32(functionIndex)]))
    }

    /// Resolves the table element (type-checked by the runtime function, which fills a
    /// table entry for it), then calls it like a direct call.
    mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws {
        guard current != nil else { return }
        let type = module.module.types[Int(typeIndex)]
        for p in type.parameters { _ = try irType(p) }
        let index = pop()
        let arguments = pop(type.parameters.count)
        let entry = indirectEntry(tableIndex: tableIndex, index: index, typeIndex: typeIndex)
        let cell = emit(.load, .i64, [entry], immediate: UInt64(FunctionTableEntryLayout.codeCell))
        let code = emit(.load, .i64, [cell])
        let calleeContext = emit(.load, .i64, [entry], immediate: UInt64(FunctionTableEntryLayout.context))
        try contextCall(type, children: [code, calleeContext, entry] + arguments, calleeContext: calleeContext, convention: .context)
    }

    /// The function table entry `call_indirect` calls through. Fast path, in machine code: the
    /// table's native view (`NativeTableLayout`) covers the index and holds an entry whose type
    /// number is the expected one (null elements and host functions hold an entry that matches
    /// nothing). Otherwise the `callIndirect` runtime function resolves the call (it traps,
    /// or fills the context's indirect entry, and rebuilds a stale view now and then).
    mutating func indirectEntry(tableIndex: UInt32, index: ValueID, typeIndex: UInt32) -> ValueID {
        let result = ssa.newVariable(.i64)
        let view = emit(.loadInvariant, .i64, [contextField(ContextLayout.tables)], immediate: UInt64(tableIndex) * 8)
        let count = emit(.load, .i64, [view], immediate: UInt64(NativeTableLayout.count))
        let wide = emit(.zext32, .i64, [index])
        let lookup = proc.addBlock(), slow = proc.addBlock(), join = proc.addBlock()
        terminate(.branch, [emit(.below, .i32, [wide, count])], targets: [lookup, slow])
        ssa.seal(lookup)
        current = lookup
        let entries = emit(.load, .i64, [view], immediate: UInt64(NativeTableLayout.entries))
        let slot = emit(.add, .i64, [entries, emit(.shl, .i64, [wide, constant(.i64, 3)])])
        let entry = emit(.load, .i64, [slot])
        let typeID = emit(.load, .i64, [entry], immediate: UInt64(FunctionTableEntryLayout.typeID))
        let expected = emit(.loadInvariant, .i64, [contextField(ContextLayout.typeIDs)], immediate: UInt64(typeIndex) * 8)
        ssa.write(result, lookup, entry)
        terminate(.branch, [emit(.eq, .i32, [typeID, expected])], targets: [join, slow])
        ssa.seal(slow)
        current = slow
        let resolved = runtime(.callIndirect, .i64, [constant32(tableIndex), index, constant32(typeIndex)])
        check(emit(.eq, .i32, [resolved, constant(.i64, 0)]), .pending)
        ssa.write(result, slow, resolved)
        terminate(.jump, targets: [join])
        ssa.seal(join)
        current = join
        return ssa.read(result, join)
    }

    mutating func visitTableGet(tableIndex: UInt32) throws {
        guard current != nil else { return }
        let index = pop()
        let r = runtime(.tableGet, .i64, [constant32(tableIndex), index])
        // All ones is no reference: the access was out of bounds.
        check(emit(.eq, .i32, [r, constant(.i64, .max)]), .pending)
        stack.append(r)
    }

    mutating func visitTableSet(tableIndex: UInt32) throws {
        guard current != nil else { return }
        let value = pop(), index = pop()
        runtimeChecked(.tableSet, [constant32(tableIndex), index, value])
    }

    mutating func visitTableSize(tableIndex: UInt32) throws {
        guard current != nil else { return }
        stack.append(runtime(.tableSize, .i32, [constant32(tableIndex)]))
    }

    mutating func visitTableGrow(tableIndex: UInt32) throws {
        guard current != nil else { return }
        let delta = pop(), value = pop()
        stack.append(runtime(.tableGrow, .i32, [constant32(tableIndex), value, delta]))
    }

    mutating func visitTableFill(tableIndex: UInt32) throws {
        guard current != nil else { return }
        let n = pop(), value = pop(), destination = pop()
        runtimeChecked(.tableFill, [constant32(tableIndex), destination, value, n])
    }

    mutating func visitTableCopy(destinationTable: UInt32, sourceTable: UInt32) throws {
        guard current != nil else { return }
        let n = pop(), source = pop(), destination = pop()
        runtimeChecked(.tableCopy, [constant32(destinationTable), constant32(sourceTable), destination, source, n])
    }

    mutating func visitTableInit(elementIndex: UInt32, tableIndex: UInt32) throws {
        guard current != nil else { return }
        let n = pop(), source = pop(), destination = pop()
        runtimeChecked(.tableInit, [constant32(tableIndex), constant32(elementIndex), destination, source, n])
    }

    mutating func visitElemDrop(elementIndex: UInt32) throws {
        guard current != nil else { return }
        runtime(.elemDrop, .void, [constant32(elementIndex)])
    }

    mutating func visitMemoryFill(memoryIndex: UInt32) throws {
        guard current != nil else { return }
        let n = pop(), value = pop(), destination = pop()
        runtimeChecked(.memoryFill, [destination, value, n])
    }

    mutating func visitMemoryCopy(destinationMemory: UInt32, sourceMemory: UInt32) throws {
        guard current != nil else { return }
        let n = pop(), source = pop(), destination = pop()
        runtimeChecked(.memoryCopy, [destination, source, n])
    }

    mutating func visitMemoryInit(dataIndex: UInt32, memoryIndex: UInt32) throws {
        guard current != nil else { return }
        let n = pop(), source = pop(), destination = pop()
        runtimeChecked(.memoryInit, [constant32(dataIndex), destination, source, n])
    }

    mutating func visitDataDrop(dataIndex: UInt32) throws {
        guard current != nil else { return }
        runtime(.dataDrop, .void, [constant32(dataIndex)])
    }

    // MARK: Not yet

    func unsupported(_ what: String) -> IRGenError { IRGenError(message: "\(what) is not supported by the optimizing tier yet") }

    mutating func visitLane(_ opcode: WasmCore.Opcode, signature: OperandSignature, lane: UInt8) throws { throw unsupported(opcode.name) }
    mutating func visitMemoryLane(_ opcode: WasmCore.Opcode, signature: OperandSignature, memarg: MemArg, lane: UInt8) throws {
        throw unsupported(opcode.name)
    }
    /// A call through the native function table: the callee's code from its code cell, its
    /// context, and the table entry itself (for exit stubs) go with the arguments. A function
    /// the module defines runs with this instance's context, which is already in the pinned
    /// register and stays there (`convention=own`); an import may belong to another instance.
    mutating func visitCall(functionIndex: UInt32) throws {
        guard current != nil else { return }
        let m = module.module
        let type = m.types[Int(module.functionTypeIndices[Int(functionIndex)])]
        for p in type.parameters { _ = try irType(p) }
        if try inlineCallee(Int(functionIndex), type: type) { return }
        let arguments = pop(type.parameters.count)
        if Int(functionIndex) == selfIndex {
            // Recursion: straight to our own entry (convention=self), no table or code cell.
            try contextCall(type, children: [context] + arguments, calleeContext: context, convention: .selfCall)
            return
        }
        let table = contextField(ContextLayout.functionTable)
        let entryOffset = UInt64(functionIndex) * UInt64(FunctionTableEntryLayout.size)
        let cell = emit(.loadInvariant, .i64, [table], immediate: entryOffset + UInt64(FunctionTableEntryLayout.codeCell))
        // The cell's contents change when the callee gets machine code: a plain load.
        let code = emit(.load, .i64, [cell])
        let entry = emit(.add, .i64, [table, constant(.i64, entryOffset)])
        if Int(functionIndex) >= m.importedFunctionCount {
            try contextCall(type, children: [code, context, entry] + arguments, calleeContext: context, convention: .ownContext)
        } else {
            let calleeContext = emit(.loadInvariant, .i64, [table], immediate: entryOffset + UInt64(FunctionTableEntryLayout.context))
            try contextCall(type, children: [code, calleeContext, entry] + arguments, calleeContext: calleeContext, convention: .context)
        }
    }
    /// The largest callee body (bytes of Wasm) inlined at a direct call: wrappers such as
    /// `malloc` calling `dlmalloc`, accessors, small arithmetic helpers.
    static let inlineLimit = 40

    /// Inlines a call of function `index` when it is small (`inlineLimit`), defined by the
    /// module, not this function, not itself being inlined into (one level), within the
    /// function's budget, and made only of what this tier compiles. The callee's locals become
    /// fresh variables (parameters from the call's operands, the rest zero), its body is
    /// generated in place inside an `inlined` frame whose end, like its `return`, continues
    /// after the call with the results on the stack. Traps keep the callee's offsets.
    mutating func inlineCallee(_ index: Int, type: FunctionType) throws -> Bool {
        let m = module.module
        let defined = index - m.importedFunctionCount
        guard inlinedFrame == nil, index != selfIndex, defined >= 0, defined < m.functionBodies.count else { return false }
        let body = m.functionBodies[defined]
        guard body.code.count <= Self.inlineLimit, body.code.count <= inlineBudget else { return false }
        let localTypes = module.functions[defined].localTypes
        guard let types = try? localTypes.map(irType), let results = try? type.results.map(irType),
              Self.inlinable(body, in: module) else { return false }
        inlineBudget -= body.code.count
        let arguments = pop(type.parameters.count)
        let savedBase = localBase
        localBase = ssa.variableTypes.count
        for (i, t) in types.enumerated() {
            let variable = ssa.newVariable(t)
            ssa.write(variable, current!, i < arguments.count ? arguments[i] : constant(t, 0))
        }
        let after = proc.addBlock()
        frames.append(Frame(kind: .inlined, parameters: [], results: results, label: after,
                            labelVariables: results.map { ssa.newVariable($0) }, height: stack.count))
        inlinedFrame = frames.count - 1
        defer {
            inlinedFrame = nil
            localBase = savedBase
        }
        // The body's final `end` closes the inlined frame (visitEnd).
        try m.bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
            while !reader.isAtEnd { try reader.decodeInstruction(&self) }
        }
        return true
    }

    /// Whether a body holds only what IRGen takes: no SIMD, no v128 global, block type or call
    /// signature, no call with more results than the context carries. (What IRGen refuses in
    /// an inlined body would send the whole caller back to the interpreter.)
    static func inlinable(_ body: FunctionBody, in module: ValidatedModule) -> Bool {
        struct Scan: PartialInstructionVisitor {
            let module: ValidatedModule
            var ok = true
            mutating func visitOther(_ opcode: WasmCore.Opcode) throws {}
            mutating func visitGlobalGet(globalIndex: UInt32) throws { check(module.globalTypes[Int(globalIndex)].valueType) }
            mutating func visitGlobalSet(globalIndex: UInt32) throws { check(module.globalTypes[Int(globalIndex)].valueType) }
            mutating func visitCall(functionIndex: UInt32) throws {
                check(module.module.types[Int(module.functionTypeIndices[Int(functionIndex)])])
            }
            mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws { check(module.module.types[Int(typeIndex)]) }
            mutating func visitBlock(blockType: BlockType) throws { check(blockType) }
            mutating func visitLoop(blockType: BlockType) throws { check(blockType) }
            mutating func visitIf(blockType: BlockType) throws { check(blockType) }
            mutating func check(_ t: ValueType) { if t == .v128 { ok = false } }
            mutating func check(_ f: FunctionType) {
                if f.parameters.contains(.v128) || f.results.contains(.v128) || f.results.count > ContextLayout.resultCapacity { ok = false }
            }
            mutating func check(_ b: BlockType) {
                switch b {
                case .empty: break
                case .value(let t): check(t)
                case .typeIndex(let i): check(module.module.types[Int(i)])
                }
            }
            mutating func visitNumeric(_ opcode: WasmCore.Opcode, signature: OperandSignature) throws { check(signature) }
            mutating func visitMemory(_ opcode: WasmCore.Opcode, signature: OperandSignature, memarg: MemArg) throws { check(signature) }
            mutating func visitLane(_ opcode: WasmCore.Opcode, signature: OperandSignature, lane: UInt8) throws { ok = false }
            mutating func visitMemoryLane(_ opcode: WasmCore.Opcode, signature: OperandSignature, memarg: MemArg, lane: UInt8) throws { ok = false }
            mutating func visitV128Const(value: V128) throws { ok = false }
            mutating func visitShuffle(lanes: V128) throws { ok = false }
            mutating func visitTypedSelect(types: [ValueType]) throws { if types.contains(.v128) { ok = false } }
            mutating func check(_ s: OperandSignature) {
                let types = [s.p0, s.p1, s.p2].prefix(Int(s.parameterCount)) + (s.result.map { [$0] } ?? [])
                if types.contains(.v128) { ok = false }
            }
        }
        var scan = Scan(module: module)
        module.module.bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw, position: body.code.lowerBound, limit: body.code.upperBound)
            while !reader.isAtEnd && scan.ok { if (try? reader.decodeInstruction(&scan)) == nil { scan.ok = false } }
        }
        return scan.ok
    }

    mutating func visitV128Const(value: V128) throws { throw unsupported("v128.const") }
    mutating func visitShuffle(lanes: V128) throws { throw unsupported("i8x16.shuffle") }
}
