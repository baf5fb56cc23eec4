import Decoder
import WasmCore

/// Validates function bodies with the spec's algorithm (Appendix "Validation Algorithm"): an
/// operand stack of value types, with an "unknown" type after unconditional branches, and a
/// control stack of frames. One instance is reused for every function of a module, so its
/// buffers are allocated once.
///
/// Hot path: operand types are single bytes (0 is the unknown type), the current frame's height
/// and reachability are cached in fields, and table-typed instructions are checked from their
/// packed `OperandSignature` with no allocation.
struct FunctionValidator: InstructionVisitor {
    let context: ModuleContext
    /// Operand stack; each entry is a `ValueType` raw value or `unknown`.
    var values = OperandStack()
    var frames: [Frame] = []
    var locals: [ValueType] = []
    var blocks: [BlockInfo] = []
    var scratch: [UInt8] = []
    var maxHeight = 0
    var maxDepth = 0
    /// Offset of the instruction being checked, for errors.
    var offset = 0
    // The innermost frame's height and reachability, cached.
    var height = 0
    var unreachable = false

    static let unknown: UInt8 = 0

    /// A growable stack of type bytes in a raw buffer: no uniqueness checks or bounds checks on
    /// the hot path. Freed by `deallocate()` (the validator owns it for one module).
    struct OperandStack {
        var base: UnsafeMutablePointer<UInt8>
        var count = 0
        var capacity: Int

        init() {
            capacity = 1024
            base = .allocate(capacity: capacity)
        }

        @inline(__always)
        mutating func append(_ t: UInt8) {
            if count == capacity { grow() }
            base[count] = t
            count &+= 1
        }

        @inline(__always)
        mutating func removeLast() -> UInt8 {
            count &-= 1
            return base[count]
        }

        mutating func grow() {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }

        func deallocate() { base.deallocate() }
    }

    func deallocate() { values.deallocate() }

    struct Frame {
        enum Kind: UInt8 { case function, block, loop, `if`, `else` }
        var kind: Kind
        var params: TypeList
        var results: TypeList
        var height: Int
        var unreachable: Bool
        /// Index into `blocks`, or -1 for the function frame.
        var blockIndex: Int32

        var labelTypes: TypeList { kind == .loop ? params : results }
    }

    /// A list of value types without an allocation: empty, one type, or the parameters or
    /// results of a function type of the module.
    struct TypeList {
        var count: Int
        var single: ValueType
        var typeIndex: Int32
        var isResults: Bool

        static let empty = TypeList(count: 0, single: .i32, typeIndex: -1, isResults: false)
        static func one(_ t: ValueType) -> TypeList { TypeList(count: 1, single: t, typeIndex: -1, isResults: false) }
        static func of(_ index: UInt32, results: Bool, in types: [FunctionType]) -> TypeList {
            let t = types[Int(index)]
            return TypeList(count: results ? t.results.count : t.parameters.count, single: .i32, typeIndex: Int32(index), isResults: results)
        }

        @inline(__always)
        func at(_ i: Int, _ types: [FunctionType]) -> ValueType {
            if typeIndex < 0 { return single }
            return isResults ? types[Int(typeIndex)].results[i] : types[Int(typeIndex)].parameters[i]
        }
    }

    init(context: ModuleContext) {
        self.context = context
        frames.reserveCapacity(64)
    }

    mutating func validate(body: FunctionBody, typeIndex: UInt32, bytes: UnsafeRawBufferPointer) throws -> FunctionInfo {
        let type = context.types[Int(typeIndex)]
        values.count = 0
        frames.removeAll(keepingCapacity: true)
        blocks = []
        locals = type.parameters
        locals.reserveCapacity(type.parameters.count + body.localCount)
        for run in body.locals {
            locals.append(contentsOf: repeatElement(run.type, count: Int(run.count)))
        }
        maxHeight = 0
        maxDepth = 1
        height = 0
        unreachable = false
        frames.append(Frame(kind: .function, params: .empty, results: .of(typeIndex, results: true, in: context.types),
                            height: 0, unreachable: false, blockIndex: -1))

        var reader = ByteReader(bytes, position: body.code.lowerBound, limit: body.code.upperBound)
        while !frames.isEmpty {
            if reader.isAtEnd { throw DecodeError("END opcode expected", offset: reader.position) }
            try reader.decodeInstruction(&self)
        }
        if !reader.isAtEnd {
            throw DecodeError("section size mismatch: bytes after the function's final end", offset: reader.position)
        }
        return FunctionInfo(typeIndex: typeIndex, localTypes: locals, maxOperandHeight: maxHeight,
                            maxControlDepth: maxDepth, blocks: blocks)
    }

    // MARK: Operand stack

    func mismatch(expected: ValueType?, found: UInt8?) -> ValidationError {
        let e = expected.map(\.description) ?? "a value"
        let f = found.map { $0 == 0 ? "nothing" : (ValueType(rawValue: $0)?.description ?? "?") } ?? "an empty stack"
        return ValidationError("type mismatch: expected \(e), found \(f)", offset: offset)
    }

    @inline(__always)
    mutating func push(_ t: UInt8) {
        values.append(t)
        if values.count > maxHeight { maxHeight = values.count }
    }

    @inline(__always)
    mutating func push(_ t: ValueType) { push(t.rawValue) }

    @inline(__always)
    mutating func pop() throws -> UInt8 {
        if values.count == height {
            if unreachable { return FunctionValidator.unknown }
            throw mismatch(expected: nil, found: nil)
        }
        return values.removeLast()
    }

    @inline(__always)
    @discardableResult
    mutating func pop(_ expected: ValueType) throws -> UInt8 {
        if values.count > height {
            let actual = values.removeLast()
            if actual != expected.rawValue && actual != FunctionValidator.unknown {
                throw mismatch(expected: expected, found: actual)
            }
            return actual
        }
        if unreachable { return FunctionValidator.unknown }
        throw mismatch(expected: expected, found: nil)
    }

    mutating func pop(_ list: TypeList) throws {
        var i = list.count
        while i > 0 {
            i -= 1
            try pop(list.at(i, context.types))
        }
    }

    mutating func push(_ list: TypeList) {
        for i in 0..<list.count { push(list.at(i, context.types)) }
    }

    mutating func pushFrame(_ kind: Frame.Kind, params: TypeList, results: TypeList, blockIndex: Int32) {
        frames.append(Frame(kind: kind, params: params, results: results, height: values.count,
                            unreachable: false, blockIndex: blockIndex))
        height = values.count
        unreachable = false
        if frames.count > maxDepth { maxDepth = frames.count }
        push(params)
    }

    mutating func popFrame() throws -> Frame {
        let frame = frames[frames.count - 1]
        try pop(frame.results)
        if values.count != frame.height {
            throw ValidationError("type mismatch: \(values.count - frame.height) values left at the end of the block", offset: offset)
        }
        frames.removeLast()
        if let outer = frames.last {
            height = outer.height
            unreachable = outer.unreachable
        }
        return frame
    }

    mutating func setUnreachable() {
        values.count = height
        unreachable = true
        frames[frames.count - 1].unreachable = true
    }

    func label(_ depth: UInt32) throws -> TypeList {
        guard Int(depth) < frames.count else { throw ValidationError("unknown label \(depth)", offset: offset) }
        return frames[frames.count - 1 - Int(depth)].labelTypes
    }

    func blockSignature(_ type: BlockType) throws -> (TypeList, TypeList) {
        switch type {
        case .empty: return (.empty, .empty)
        case .value(let t): return (.empty, .one(t))
        case .typeIndex(let i):
            guard Int(i) < context.types.count else { throw ValidationError("unknown type \(i)", offset: offset) }
            return (.of(i, results: false, in: context.types), .of(i, results: true, in: context.types))
        }
    }

    @inline(__always)
    func local(_ index: UInt32) throws -> ValueType {
        guard Int(index) < locals.count else { throw ValidationError("unknown local \(index)", offset: offset) }
        return locals[Int(index)]
    }

    func global(_ index: UInt32) throws -> GlobalType {
        guard Int(index) < context.globalTypes.count else { throw ValidationError("unknown global \(index)", offset: offset) }
        return context.globalTypes[Int(index)]
    }

    // MARK: Table-typed instructions

    mutating func willVisit(offset: Int) { self.offset = offset }

    @inline(__always)
    mutating func apply(_ s: OperandSignature) throws {
        let n = Int(s.parameterCount)
        let c = values.count
        if c - height >= n {
            // All operands are on the stack: compare in place.
            let values = self.values.base
            switch n {
            case 1:
                let a = values[c - 1]
                if a != s.p0.rawValue && a != 0 { throw mismatch(expected: s.p0, found: a) }
            case 2:
                let a = values[c - 2], b = values[c - 1]
                if a != s.p0.rawValue && a != 0 { throw mismatch(expected: s.p0, found: a) }
                if b != s.p1.rawValue && b != 0 { throw mismatch(expected: s.p1, found: b) }
            case 3:
                let a = values[c - 3], b = values[c - 2], d = values[c - 1]
                if a != s.p0.rawValue && a != 0 { throw mismatch(expected: s.p0, found: a) }
                if b != s.p1.rawValue && b != 0 { throw mismatch(expected: s.p1, found: b) }
                if d != s.p2.rawValue && d != 0 { throw mismatch(expected: s.p2, found: d) }
            default: break
            }
            self.values.count = c - n
        } else {
            if n >= 3 { try pop(s.p2) }
            if n >= 2 { try pop(s.p1) }
            if n >= 1 { try pop(s.p0) }
        }
        if let r = s.result { push(r) }
    }

    mutating func visitNumeric(_ opcode: Opcode, signature: OperandSignature) throws {
        try apply(signature)
    }

    mutating func checkMemArg(_ opcode: Opcode, _ memarg: MemArg) throws {
        try context.checkMemory(0, at: offset)
        if memarg.alignment > opcode.naturalAlignment {
            throw ValidationError("alignment must not be larger than natural", offset: offset)
        }
    }

    mutating func visitMemory(_ opcode: Opcode, signature: OperandSignature, memarg: MemArg) throws {
        try checkMemArg(opcode, memarg)
        try apply(signature)
    }

    mutating func visitLane(_ opcode: Opcode, signature: OperandSignature, lane: UInt8) throws {
        if lane >= opcode.laneCount { throw ValidationError("invalid lane index", offset: offset) }
        try apply(signature)
    }

    mutating func visitMemoryLane(_ opcode: Opcode, signature: OperandSignature, memarg: MemArg, lane: UInt8) throws {
        try checkMemArg(opcode, memarg)
        if lane >= opcode.laneCount { throw ValidationError("invalid lane index", offset: offset) }
        try apply(signature)
    }

    // MARK: Control

    mutating func visitUnreachable() { setUnreachable() }
    mutating func visitNop() {}

    mutating func beginBlock(_ kind: BlockInfo.Kind, _ frameKind: Frame.Kind, _ type: BlockType) throws {
        let (params, results) = try blockSignature(type)
        try pop(params)
        blocks.append(BlockInfo(kind: kind, start: UInt32(offset), elseOffset: .max, end: 0))
        pushFrame(frameKind, params: params, results: results, blockIndex: Int32(blocks.count - 1))
    }

    mutating func visitBlock(blockType: BlockType) throws { try beginBlock(.block, .block, blockType) }
    mutating func visitLoop(blockType: BlockType) throws { try beginBlock(.loop, .loop, blockType) }

    mutating func visitIf(blockType: BlockType) throws {
        try pop(.i32)
        try beginBlock(.if, .if, blockType)
    }

    mutating func visitElse() throws {
        guard frames[frames.count - 1].kind == .if else {
            // The binary format only allows `else` inside an `if`.
            throw DecodeError("END opcode expected", offset: offset)
        }
        let frame = try popFrame()
        blocks[Int(frame.blockIndex)].elseOffset = UInt32(offset)
        pushFrame(.else, params: frame.params, results: frame.results, blockIndex: frame.blockIndex)
    }

    mutating func visitEnd() throws {
        let frame = try popFrame()
        if frame.kind == .if {
            // No else: the implicit one passes the parameters through, so they must be the results.
            var same = frame.params.count == frame.results.count
            if same {
                for i in 0..<frame.params.count where frame.params.at(i, context.types) != frame.results.at(i, context.types) {
                    same = false
                }
            }
            if !same { throw ValidationError("type mismatch: if without else must not change the stack", offset: offset) }
        }
        if frame.blockIndex >= 0 { blocks[Int(frame.blockIndex)].end = UInt32(offset) }
        if !frames.isEmpty { push(frame.results) }
    }

    mutating func visitBr(relativeDepth: UInt32) throws {
        try pop(try label(relativeDepth))
        setUnreachable()
    }

    mutating func visitBrIf(relativeDepth: UInt32) throws {
        try pop(.i32)
        let types = try label(relativeDepth)
        try pop(types)
        push(types)
    }

    mutating func visitBrTable(table: BrTable) throws {
        try pop(.i32)
        let defaultTypes = try label(table.defaultTarget)
        let arity = defaultTypes.count
        for target in table.targets {
            let types = try label(target)
            guard types.count == arity else {
                throw ValidationError("type mismatch: br_table targets of different arity", offset: offset)
            }
            // Check the operands against this label without consuming them (spec: push(pop)).
            scratch.removeAll(keepingCapacity: true)
            var i = arity
            while i > 0 {
                i -= 1
                scratch.append(try pop(types.at(i, context.types)))
            }
            while let t = scratch.popLast() { push(t) }
        }
        try pop(defaultTypes)
        setUnreachable()
    }

    mutating func visitReturn() throws {
        try pop(frames[0].results)
        setUnreachable()
    }

    mutating func visitCall(functionIndex: UInt32) throws {
        let type = try context.functionType(functionIndex, at: offset)
        for t in type.parameters.reversed() { try pop(t) }
        for t in type.results { push(t) }
    }

    mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws {
        let element = try context.tableType(tableIndex, at: offset)
        guard element == .funcref else {
            throw ValidationError("type mismatch: call_indirect through a table of \(element)", offset: offset)
        }
        let type = try context.type(typeIndex, at: offset)
        try pop(.i32)
        for t in type.parameters.reversed() { try pop(t) }
        for t in type.results { push(t) }
    }

    // MARK: Parametric

    mutating func visitDrop() throws { _ = try pop() }

    mutating func visitSelect() throws {
        try pop(.i32)
        let t1 = try pop()
        let t2 = try pop()
        func isNumericOrVector(_ t: UInt8) -> Bool {
            t == 0 || !(ValueType(rawValue: t)?.isReference ?? true)
        }
        guard isNumericOrVector(t1), isNumericOrVector(t2) else {
            throw ValidationError("type mismatch: select without a type needs numeric or vector operands", offset: offset)
        }
        guard t1 == t2 || t1 == 0 || t2 == 0 else {
            throw mismatch(expected: ValueType(rawValue: t1), found: t2)
        }
        push(t1 == 0 ? t2 : t1)
    }

    mutating func visitTypedSelect(types: [ValueType]) throws {
        guard types.count == 1 else { throw ValidationError("invalid result arity", offset: offset) }
        let t = types[0]
        try pop(.i32)
        try pop(t)
        try pop(t)
        push(t)
    }

    // MARK: Variables

    mutating func visitLocalGet(localIndex: UInt32) throws { push(try local(localIndex)) }
    mutating func visitLocalSet(localIndex: UInt32) throws { try pop(try local(localIndex)) }

    mutating func visitLocalTee(localIndex: UInt32) throws {
        let t = try local(localIndex)
        try pop(t)
        push(t)
    }

    mutating func visitGlobalGet(globalIndex: UInt32) throws { push(try global(globalIndex).valueType) }

    mutating func visitGlobalSet(globalIndex: UInt32) throws {
        let g = try global(globalIndex)
        guard g.isMutable else { throw ValidationError("global is immutable", offset: offset) }
        try pop(g.valueType)
    }

    // MARK: Constants and references

    mutating func visitI32Const(value: Int32) { push(.i32) }
    mutating func visitI64Const(value: Int64) { push(.i64) }
    mutating func visitF32Const(bits: UInt32) { push(.f32) }
    mutating func visitF64Const(bits: UInt64) { push(.f64) }
    mutating func visitV128Const(value: V128) { push(.v128) }

    mutating func visitShuffle(lanes: V128) throws {
        for b in lanes.bytes where b >= 32 { throw ValidationError("invalid lane index", offset: offset) }
        try pop(.v128)
        try pop(.v128)
        push(.v128)
    }

    mutating func visitRefNull(type: ValueType) { push(type) }

    mutating func visitRefIsNull() throws {
        let t = try pop()
        guard t == 0 || ValueType(rawValue: t)!.isReference else {
            throw ValidationError("type mismatch: ref.is_null needs a reference", offset: offset)
        }
        push(.i32)
    }

    mutating func visitRefFunc(functionIndex: UInt32) throws {
        _ = try context.functionType(functionIndex, at: offset)
        guard context.declaredReferences[Int(functionIndex)] else {
            throw ValidationError("undeclared function reference", offset: offset)
        }
        push(.funcref)
    }

    // MARK: Memory

    mutating func visitMemorySize(memoryIndex: UInt32) throws {
        try context.checkMemory(memoryIndex, at: offset)
        push(.i32)
    }

    mutating func visitMemoryGrow(memoryIndex: UInt32) throws {
        try context.checkMemory(memoryIndex, at: offset)
        try pop(.i32)
        push(.i32)
    }

    func checkDataSegment(_ index: UInt32) throws {
        if Int(index) >= context.dataCount ?? context.module.data.count {
            throw ValidationError("unknown data segment \(index)", offset: offset)
        }
        // The binary format requires the data count section before code that names segments.
        if context.dataCount == nil { throw DecodeError("data count section required", offset: offset) }
    }

    mutating func visitMemoryInit(dataIndex: UInt32, memoryIndex: UInt32) throws {
        try context.checkMemory(memoryIndex, at: offset)
        try checkDataSegment(dataIndex)
        try pop(.i32)
        try pop(.i32)
        try pop(.i32)
    }

    mutating func visitDataDrop(dataIndex: UInt32) throws { try checkDataSegment(dataIndex) }

    mutating func visitMemoryCopy(destinationMemory: UInt32, sourceMemory: UInt32) throws {
        try context.checkMemory(destinationMemory, at: offset)
        try context.checkMemory(sourceMemory, at: offset)
        try pop(.i32)
        try pop(.i32)
        try pop(.i32)
    }

    mutating func visitMemoryFill(memoryIndex: UInt32) throws {
        try context.checkMemory(memoryIndex, at: offset)
        try pop(.i32)
        try pop(.i32)
        try pop(.i32)
    }

    // MARK: Tables

    func element(_ index: UInt32) throws -> ValueType {
        guard Int(index) < context.elementTypes.count else {
            throw ValidationError("unknown elem segment \(index)", offset: offset)
        }
        return context.elementTypes[Int(index)]
    }

    mutating func visitTableGet(tableIndex: UInt32) throws {
        let t = try context.tableType(tableIndex, at: offset)
        try pop(.i32)
        push(t)
    }

    mutating func visitTableSet(tableIndex: UInt32) throws {
        let t = try context.tableType(tableIndex, at: offset)
        try pop(t)
        try pop(.i32)
    }

    mutating func visitTableInit(elementIndex: UInt32, tableIndex: UInt32) throws {
        let t = try context.tableType(tableIndex, at: offset)
        let e = try element(elementIndex)
        guard t == e else { throw ValidationError("type mismatch: segment of \(e) for a table of \(t)", offset: offset) }
        try pop(.i32)
        try pop(.i32)
        try pop(.i32)
    }

    mutating func visitElemDrop(elementIndex: UInt32) throws { _ = try element(elementIndex) }

    mutating func visitTableCopy(destinationTable: UInt32, sourceTable: UInt32) throws {
        let d = try context.tableType(destinationTable, at: offset)
        let s = try context.tableType(sourceTable, at: offset)
        guard d == s else { throw ValidationError("type mismatch: table.copy from \(s) to \(d)", offset: offset) }
        try pop(.i32)
        try pop(.i32)
        try pop(.i32)
    }

    mutating func visitTableGrow(tableIndex: UInt32) throws {
        let t = try context.tableType(tableIndex, at: offset)
        try pop(.i32)
        try pop(t)
        push(.i32)
    }

    mutating func visitTableSize(tableIndex: UInt32) throws {
        _ = try context.tableType(tableIndex, at: offset)
        push(.i32)
    }

    mutating func visitTableFill(tableIndex: UInt32) throws {
        let t = try context.tableType(tableIndex, at: offset)
        try pop(.i32)
        try pop(t)
        try pop(.i32)
    }
}
