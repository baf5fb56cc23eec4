import WasmCore

/// Prints instructions in the text format's flat (non-folded) syntax, one per line, indented by
/// block depth: `wasm-tier print` and test failure messages use it. Names come from the
/// instruction table; immediates are printed as the text format writes them.
public struct InstructionPrinter: InstructionVisitor {
    public private(set) var lines: [String] = []
    var depth = 1
    /// Prefix each line with the instruction's file offset (as `wasm-tools print` does with `--print-offsets`).
    public var showOffsets: Bool
    var offset = 0

    public init(showOffsets: Bool = false) { self.showOffsets = showOffsets }

    /// Prints the instructions of a function body (or any instruction sequence ending in `end`).
    public static func print(_ module: Module, range: Range<Int>, showOffsets: Bool = false) throws -> [String] {
        var printer = InstructionPrinter(showOffsets: showOffsets)
        try module.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, position: range.lowerBound, limit: range.upperBound)
            while !r.isAtEnd { try r.decodeInstruction(&printer) }
        }
        return printer.lines
    }

    mutating func emit(_ text: String, dedent: Bool = false) {
        if dedent { depth = max(depth - 1, 0) }
        let indent = String(repeating: "  ", count: depth)
        lines.append(showOffsets ? "(;@\(String(offset, radix: 16));) " + indent + text : indent + text)
    }

    public mutating func willVisit(offset: Int) { self.offset = offset }

    // MARK: Table-typed instructions

    public mutating func visitNumeric(_ opcode: Opcode, signature: OperandSignature) { emit(opcode.name) }

    func memarg(_ opcode: Opcode, _ m: MemArg) -> String {
        var s = ""
        if m.offset != 0 { s += " offset=\(m.offset)" }
        if m.alignment != opcode.naturalAlignment { s += " align=\(1 << UInt64(min(m.alignment, 63)))" }
        return s
    }

    public mutating func visitMemory(_ opcode: Opcode, signature: OperandSignature, memarg m: MemArg) {
        emit(opcode.name + memarg(opcode, m))
    }

    public mutating func visitLane(_ opcode: Opcode, signature: OperandSignature, lane: UInt8) {
        emit("\(opcode.name) \(lane)")
    }

    public mutating func visitMemoryLane(_ opcode: Opcode, signature: OperandSignature, memarg m: MemArg, lane: UInt8) {
        emit("\(opcode.name)\(memarg(opcode, m)) \(lane)")
    }

    // MARK: Control

    func blockType(_ t: BlockType) -> String {
        switch t {
        case .empty: ""
        case .value(let v): " (result \(v))"
        case .typeIndex(let i): " (type \(i))"
        }
    }

    public mutating func visitUnreachable() { emit("unreachable") }
    public mutating func visitNop() { emit("nop") }
    public mutating func visitBlock(blockType t: BlockType) { emit("block" + blockType(t)); depth += 1 }
    public mutating func visitLoop(blockType t: BlockType) { emit("loop" + blockType(t)); depth += 1 }
    public mutating func visitIf(blockType t: BlockType) { emit("if" + blockType(t)); depth += 1 }
    public mutating func visitElse() { emit("else", dedent: true); depth += 1 }
    public mutating func visitEnd() { emit("end", dedent: true) }
    public mutating func visitBr(relativeDepth: UInt32) { emit("br \(relativeDepth)") }
    public mutating func visitBrIf(relativeDepth: UInt32) { emit("br_if \(relativeDepth)") }
    public mutating func visitBrTable(table: BrTable) {
        emit("br_table " + (table.targets + [table.defaultTarget]).map(String.init).joined(separator: " "))
    }
    public mutating func visitReturn() { emit("return") }
    public mutating func visitCall(functionIndex: UInt32) { emit("call \(functionIndex)") }
    public mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) {
        emit(tableIndex == 0 ? "call_indirect (type \(typeIndex))" : "call_indirect \(tableIndex) (type \(typeIndex))")
    }

    // MARK: Parametric and variables

    public mutating func visitDrop() { emit("drop") }
    public mutating func visitSelect() { emit("select") }
    public mutating func visitTypedSelect(types: [ValueType]) {
        emit("select (result" + types.map { " \($0)" }.joined() + ")")
    }
    public mutating func visitLocalGet(localIndex: UInt32) { emit("local.get \(localIndex)") }
    public mutating func visitLocalSet(localIndex: UInt32) { emit("local.set \(localIndex)") }
    public mutating func visitLocalTee(localIndex: UInt32) { emit("local.tee \(localIndex)") }
    public mutating func visitGlobalGet(globalIndex: UInt32) { emit("global.get \(globalIndex)") }
    public mutating func visitGlobalSet(globalIndex: UInt32) { emit("global.set \(globalIndex)") }

    // MARK: Constants and references

    public mutating func visitI32Const(value: Int32) { emit("i32.const \(value)") }
    public mutating func visitI64Const(value: Int64) { emit("i64.const \(value)") }
    public mutating func visitF32Const(bits: UInt32) { emit("f32.const " + InstructionPrinter.float(Float(bitPattern: bits), bits: UInt64(bits), mantissaBits: 23)) }
    public mutating func visitF64Const(bits: UInt64) { emit("f64.const " + InstructionPrinter.float(Double(bitPattern: bits), bits: bits, mantissaBits: 52)) }

    static func float<F: BinaryFloatingPoint>(_ v: F, bits: UInt64, mantissaBits: UInt64) -> String {
        if v.isNaN {
            let payload = bits & ((1 << mantissaBits) - 1)
            let sign = v.sign == .minus ? "-" : ""
            return payload == 1 << (mantissaBits - 1) ? "\(sign)nan" : "\(sign)nan:0x\(String(payload, radix: 16))"
        }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return "\(v)"
    }

    public mutating func visitV128Const(value: V128) {
        emit("v128.const i32x4 " + stride(from: 0, to: 16, by: 4).map { i in
            let b = value.bytes
            let w = UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
            return "0x" + String(w, radix: 16)
        }.joined(separator: " "))
    }
    public mutating func visitShuffle(lanes: V128) { emit("i8x16.shuffle " + lanes.bytes.map(String.init).joined(separator: " ")) }
    public mutating func visitRefNull(type: ValueType) { emit("ref.null \(type == .funcref ? "func" : "extern")") }
    public mutating func visitRefIsNull() { emit("ref.is_null") }
    public mutating func visitRefFunc(functionIndex: UInt32) { emit("ref.func \(functionIndex)") }

    // MARK: Memory and tables

    public mutating func visitMemorySize(memoryIndex: UInt32) { emit("memory.size") }
    public mutating func visitMemoryGrow(memoryIndex: UInt32) { emit("memory.grow") }
    public mutating func visitMemoryInit(dataIndex: UInt32, memoryIndex: UInt32) { emit("memory.init \(dataIndex)") }
    public mutating func visitDataDrop(dataIndex: UInt32) { emit("data.drop \(dataIndex)") }
    public mutating func visitMemoryCopy(destinationMemory: UInt32, sourceMemory: UInt32) { emit("memory.copy") }
    public mutating func visitMemoryFill(memoryIndex: UInt32) { emit("memory.fill") }
    public mutating func visitTableGet(tableIndex: UInt32) { emit("table.get \(tableIndex)") }
    public mutating func visitTableSet(tableIndex: UInt32) { emit("table.set \(tableIndex)") }
    public mutating func visitTableInit(elementIndex: UInt32, tableIndex: UInt32) { emit("table.init \(tableIndex) \(elementIndex)") }
    public mutating func visitElemDrop(elementIndex: UInt32) { emit("elem.drop \(elementIndex)") }
    public mutating func visitTableCopy(destinationTable: UInt32, sourceTable: UInt32) { emit("table.copy \(destinationTable) \(sourceTable)") }
    public mutating func visitTableGrow(tableIndex: UInt32) { emit("table.grow \(tableIndex)") }
    public mutating func visitTableSize(tableIndex: UInt32) { emit("table.size \(tableIndex)") }
    public mutating func visitTableFill(tableIndex: UInt32) { emit("table.fill \(tableIndex)") }
}
