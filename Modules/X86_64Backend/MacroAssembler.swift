import Air
import MachineCode

/// A position in the code, bound once, that jumps can name before it is bound.
package struct Label: Hashable, Sendable {
    package let id: Int
}

/// Our x86-64 assembler. Each method emits one Air form (the generated `emit(_:targets:)`
/// calls them by the names the Air table gives), in AT&T operand order: sources first, the
/// destination last, as Air writes them. Encodings follow the Intel SDM and match what
/// `llvm-mc -show-encoding` produces for the same instruction (Tests/X86_64BackendTests checks
/// every form against it); where x86 has a shorter special form (`05 id` for `add $imm, %eax`,
/// `D1` for a shift by one), we use it as LLVM does.
package struct MacroAssembler {
    package private(set) var bytes: [UInt8] = []
    private var labelOffsets: [Int?] = []
    /// rel32 fields to patch: (position of the field, label).
    private var fixups: [(Int, Label)] = []
    /// Jump tables to emit after the code: their label and their targets.
    private var tables: [(Label, [Label])] = []
    /// The label of the block emitted next, so a jump to it can be left out.
    package var nextBlock: Label?
    /// Emits the epilogue before a return; set by the code generator.
    package var epilogue: ((inout MacroAssembler) -> Void)?
    /// Where traps go after recording their code: the function's unwind stub.
    package var trapExit: Label?
    /// The Wasm offset of the instruction being emitted, for trap sites.
    package var origin: UInt32 = .max

    package init() {}

    package var offset: Int { bytes.count }

    // MARK: Labels

    package mutating func newLabel() -> Label {
        labelOffsets.append(nil)
        return Label(id: labelOffsets.count - 1)
    }

    package mutating func bind(_ label: Label) {
        precondition(labelOffsets[label.id] == nil, "label bound twice")
        labelOffsets[label.id] = bytes.count
    }

    /// Emits the jump tables (4-byte aligned, one 32-bit offset from the table per target),
    /// then patches every jump; call once after the last instruction.
    package mutating func finalize() {
        var entries: [(position: Int, target: Label, table: Label)] = []
        for (table, targets) in tables {
            while bytes.count % 4 != 0 { byte(0xCC) }
            bind(table)
            for t in targets {
                entries.append((bytes.count, t, table))
                int32(0)
            }
        }
        tables.removeAll()
        for e in entries { patch32(at: e.position, offset(of: e.target) - offset(of: e.table)) }
        for (position, label) in fixups { patch32(at: position, offset(of: label) - (position + 4)) }
        fixups.removeAll()
    }

    private func offset(of label: Label) -> Int {
        guard let offset = labelOffsets[label.id] else { preconditionFailure("unbound label \(label.id)") }
        return offset
    }

    /// Overwrites the 4 bytes at `position` with `value` (little-endian).
    private mutating func patch32(at position: Int, _ value: Int) {
        withUnsafeBytes(of: Int32(value).littleEndian) { for (i, b) in $0.enumerated() { bytes[position + i] = b } }
    }

    // MARK: Encoding primitives

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func int32(_ v: Int32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int16(_ v: Int16) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int64(_ v: Int64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func fitsInt8(_ v: Int32) -> Bool { v >= -128 && v <= 127 }

    /// A REX prefix when one is needed: 64-bit operand size, a high register in reg, index
    /// or base, or a byte access to spl, bpl, sil or dil (`byteRegister`, which without REX
    /// would mean ah, ch, dh or bh).
    mutating func rex(w: Bool, reg: UInt8, index: UInt8 = 0, base: UInt8, byteRegister: UInt8? = nil) {
        let value: UInt8 = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((index >> 3) & 1) << 1 | ((base >> 3) & 1)
        let needsByteRex = byteRegister.map { $0 >= 4 && $0 < 8 } ?? false
        if value != 0x40 || needsByteRex { byte(value) }
    }

    /// [prefix] [REX] opcode ModRM(11, reg, rm): a register-to-register form.
    mutating func rr(
        _ prefix: UInt8? = nil, w: Bool, _ opcode: [UInt8], reg: UInt8, rm: UInt8, byteRegister: UInt8? = nil
    ) {
        if let prefix { byte(prefix) }
        rex(w: w, reg: reg, base: rm, byteRegister: byteRegister)
        bytes.append(contentsOf: opcode)
        byte(0xC0 | (reg & 7) << 3 | (rm & 7))
    }

    /// [prefix] [REX] opcode ModRM [SIB] [disp]: a form with a memory operand.
    mutating func rm(
        _ prefix: UInt8? = nil, w: Bool, _ opcode: [UInt8], reg: UInt8, _ m: Memory, byteRegister: UInt8? = nil
    ) {
        if let prefix { byte(prefix) }
        rex(w: w, reg: reg, index: m.index?.raw ?? 0, base: m.base.raw, byteRegister: byteRegister)
        bytes.append(contentsOf: opcode)
        modRM(reg: reg, m)
    }

    mutating func modRM(reg: UInt8, _ m: Memory) {
        let base = m.base.raw & 7
        let disp = m.displacement
        // mod 00 has no displacement, except that base 101 (rbp, r13) means RIP-relative there.
        let mod: UInt8 = disp == 0 && base != 5 ? 0 : MacroAssembler.fitsInt8(disp) ? 1 : 2
        if m.index == nil && base != 4 {
            byte(mod << 6 | (reg & 7) << 3 | base)
        } else {
            // A SIB byte: needed for an index, and for rsp/r12 as base (index 100 = none).
            let index = m.index?.raw ?? 4
            let scaleBits: UInt8 = switch m.scale {
            case 1: 0
            case 2: 1
            case 4: 2
            default: 3
            }
            byte(mod << 6 | (reg & 7) << 3 | 4)
            byte(scaleBits << 6 | (index & 7) << 3 | base)
        }
        if mod == 1 { byte(UInt8(bitPattern: Int8(disp))) } else if mod == 2 { int32(disp) }
    }

    // MARK: Moves

    package mutating func move32(_ src: GPR, _ dst: GPR) { rr(w: false, [0x89], reg: src.raw, rm: dst.raw) }
    package mutating func move64(_ src: GPR, _ dst: GPR) { rr(w: true, [0x89], reg: src.raw, rm: dst.raw) }

    package mutating func move32(_ imm: Int32, _ dst: GPR) {
        rex(w: false, reg: 0, base: dst.raw)
        byte(0xB8 + (dst.raw & 7))
        int32(imm)
    }

    /// A sign-extended 32-bit immediate.
    package mutating func move64(_ imm: Int32, _ dst: GPR) {
        rr(w: true, [0xC7], reg: 0, rm: dst.raw)
        int32(imm)
    }

    package mutating func move64BigImm(_ imm: Int64, _ dst: GPR) {
        rex(w: true, reg: 0, base: dst.raw)
        byte(0xB8 + (dst.raw & 7))
        int64(imm)
    }

    package mutating func load32(_ m: Memory, _ dst: GPR) { rm(w: false, [0x8B], reg: dst.raw, m) }
    package mutating func load64(_ m: Memory, _ dst: GPR) { rm(w: true, [0x8B], reg: dst.raw, m) }
    package mutating func store32(_ src: GPR, _ m: Memory) { rm(w: false, [0x89], reg: src.raw, m) }
    package mutating func store64(_ src: GPR, _ m: Memory) { rm(w: true, [0x89], reg: src.raw, m) }

    package mutating func store32(_ imm: Int32, _ m: Memory) {
        rm(w: false, [0xC7], reg: 0, m)
        int32(imm)
    }

    package mutating func store64(_ imm: Int32, _ m: Memory) {
        rm(w: true, [0xC7], reg: 0, m)
        int32(imm)
    }

    package mutating func store8(_ src: GPR, _ m: Memory) { rm(w: false, [0x88], reg: src.raw, m, byteRegister: src.raw) }

    package mutating func store8(_ imm: Int32, _ m: Memory) {
        rm(w: false, [0xC6], reg: 0, m)
        byte(UInt8(truncatingIfNeeded: imm))
    }

    package mutating func store16(_ src: GPR, _ m: Memory) { rm(0x66, w: false, [0x89], reg: src.raw, m) }

    package mutating func store16(_ imm: Int32, _ m: Memory) {
        rm(0x66, w: false, [0xC7], reg: 0, m)
        int16(Int16(truncatingIfNeeded: imm))
    }

    package mutating func zeroExtend8To32(_ src: GPR, _ dst: GPR) {
        rr(w: false, [0x0F, 0xB6], reg: dst.raw, rm: src.raw, byteRegister: src.raw)
    }
    package mutating func signExtend8To32(_ src: GPR, _ dst: GPR) {
        rr(w: false, [0x0F, 0xBE], reg: dst.raw, rm: src.raw, byteRegister: src.raw)
    }
    package mutating func signExtend8To64(_ src: GPR, _ dst: GPR) { rr(w: true, [0x0F, 0xBE], reg: dst.raw, rm: src.raw) }
    package mutating func zeroExtend16To32(_ src: GPR, _ dst: GPR) { rr(w: false, [0x0F, 0xB7], reg: dst.raw, rm: src.raw) }
    package mutating func signExtend16To32(_ src: GPR, _ dst: GPR) { rr(w: false, [0x0F, 0xBF], reg: dst.raw, rm: src.raw) }
    package mutating func signExtend16To64(_ src: GPR, _ dst: GPR) { rr(w: true, [0x0F, 0xBF], reg: dst.raw, rm: src.raw) }
    package mutating func signExtend32To64(_ src: GPR, _ dst: GPR) { rr(w: true, [0x63], reg: dst.raw, rm: src.raw) }

    package mutating func load8ZeroExtend(_ m: Memory, _ dst: GPR) { rm(w: false, [0x0F, 0xB6], reg: dst.raw, m) }
    package mutating func load8SignExtend32(_ m: Memory, _ dst: GPR) { rm(w: false, [0x0F, 0xBE], reg: dst.raw, m) }
    package mutating func load8SignExtend64(_ m: Memory, _ dst: GPR) { rm(w: true, [0x0F, 0xBE], reg: dst.raw, m) }
    package mutating func load16ZeroExtend(_ m: Memory, _ dst: GPR) { rm(w: false, [0x0F, 0xB7], reg: dst.raw, m) }
    package mutating func load16SignExtend32(_ m: Memory, _ dst: GPR) { rm(w: false, [0x0F, 0xBF], reg: dst.raw, m) }
    package mutating func load16SignExtend64(_ m: Memory, _ dst: GPR) { rm(w: true, [0x0F, 0xBF], reg: dst.raw, m) }
    package mutating func load32SignExtend64(_ m: Memory, _ dst: GPR) { rm(w: true, [0x63], reg: dst.raw, m) }
    package mutating func lea64(_ m: Memory, _ dst: GPR) { rm(w: true, [0x8D], reg: dst.raw, m) }

    // MARK: Integer arithmetic

    /// The eight classic ALU operations share encodings: opcode base = digit * 8.
    private enum ALU: UInt8 {
        case add = 0, or = 1, and = 4, sub = 5, xor = 6, cmp = 7
    }

    private mutating func alu(_ op: ALU, w: Bool, _ src: GPR, _ dst: GPR) {
        rr(w: w, [op.rawValue << 3 | 1], reg: src.raw, rm: dst.raw)
    }

    private mutating func alu(_ op: ALU, w: Bool, _ m: Memory, _ dst: GPR) {
        rm(w: w, [op.rawValue << 3 | 3], reg: dst.raw, m)
    }

    private mutating func alu(_ op: ALU, w: Bool, _ imm: Int32, _ dst: GPR) {
        if MacroAssembler.fitsInt8(imm) {
            rr(w: w, [0x83], reg: op.rawValue, rm: dst.raw)
            byte(UInt8(bitPattern: Int8(imm)))
        } else if dst == .rax {
            rex(w: w, reg: 0, base: 0)
            byte(op.rawValue << 3 | 5)
            int32(imm)
        } else {
            rr(w: w, [0x81], reg: op.rawValue, rm: dst.raw)
            int32(imm)
        }
    }

    package mutating func add32(_ src: GPR, _ dst: GPR) { alu(.add, w: false, src, dst) }
    package mutating func add32(_ imm: Int32, _ dst: GPR) { alu(.add, w: false, imm, dst) }
    package mutating func add32(_ m: Memory, _ dst: GPR) { alu(.add, w: false, m, dst) }
    package mutating func add64(_ src: GPR, _ dst: GPR) { alu(.add, w: true, src, dst) }
    package mutating func add64(_ imm: Int32, _ dst: GPR) { alu(.add, w: true, imm, dst) }
    package mutating func add64(_ m: Memory, _ dst: GPR) { alu(.add, w: true, m, dst) }
    package mutating func sub32(_ src: GPR, _ dst: GPR) { alu(.sub, w: false, src, dst) }
    package mutating func sub32(_ imm: Int32, _ dst: GPR) { alu(.sub, w: false, imm, dst) }
    package mutating func sub32(_ m: Memory, _ dst: GPR) { alu(.sub, w: false, m, dst) }
    package mutating func sub64(_ src: GPR, _ dst: GPR) { alu(.sub, w: true, src, dst) }
    package mutating func sub64(_ imm: Int32, _ dst: GPR) { alu(.sub, w: true, imm, dst) }
    package mutating func sub64(_ m: Memory, _ dst: GPR) { alu(.sub, w: true, m, dst) }
    package mutating func and32(_ src: GPR, _ dst: GPR) { alu(.and, w: false, src, dst) }
    package mutating func and32(_ imm: Int32, _ dst: GPR) { alu(.and, w: false, imm, dst) }
    package mutating func and32(_ m: Memory, _ dst: GPR) { alu(.and, w: false, m, dst) }
    package mutating func and64(_ src: GPR, _ dst: GPR) { alu(.and, w: true, src, dst) }
    package mutating func and64(_ imm: Int32, _ dst: GPR) { alu(.and, w: true, imm, dst) }
    package mutating func and64(_ m: Memory, _ dst: GPR) { alu(.and, w: true, m, dst) }
    package mutating func or32(_ src: GPR, _ dst: GPR) { alu(.or, w: false, src, dst) }
    package mutating func or32(_ imm: Int32, _ dst: GPR) { alu(.or, w: false, imm, dst) }
    package mutating func or32(_ m: Memory, _ dst: GPR) { alu(.or, w: false, m, dst) }
    package mutating func or64(_ src: GPR, _ dst: GPR) { alu(.or, w: true, src, dst) }
    package mutating func or64(_ imm: Int32, _ dst: GPR) { alu(.or, w: true, imm, dst) }
    package mutating func or64(_ m: Memory, _ dst: GPR) { alu(.or, w: true, m, dst) }
    package mutating func xor32(_ src: GPR, _ dst: GPR) { alu(.xor, w: false, src, dst) }
    package mutating func xor32(_ imm: Int32, _ dst: GPR) { alu(.xor, w: false, imm, dst) }
    package mutating func xor32(_ m: Memory, _ dst: GPR) { alu(.xor, w: false, m, dst) }
    package mutating func xor64(_ src: GPR, _ dst: GPR) { alu(.xor, w: true, src, dst) }
    package mutating func xor64(_ imm: Int32, _ dst: GPR) { alu(.xor, w: true, imm, dst) }
    package mutating func xor64(_ m: Memory, _ dst: GPR) { alu(.xor, w: true, m, dst) }

    /// `cmp b, a`: flags as for a - b.
    package mutating func cmp32(_ a: GPR, _ b: GPR) { alu(.cmp, w: false, b, a) }
    package mutating func cmp64(_ a: GPR, _ b: GPR) { alu(.cmp, w: true, b, a) }
    package mutating func cmp32(_ a: GPR, _ imm: Int32) { alu(.cmp, w: false, imm, a) }
    package mutating func cmp64(_ a: GPR, _ imm: Int32) { alu(.cmp, w: true, imm, a) }

    package mutating func test32(_ a: GPR, _ b: GPR) { rr(w: false, [0x85], reg: b.raw, rm: a.raw) }
    package mutating func test64(_ a: GPR, _ b: GPR) { rr(w: true, [0x85], reg: b.raw, rm: a.raw) }

    package mutating func test32(_ a: GPR, _ imm: Int32) { testImmediate(w: false, a, imm) }
    package mutating func test64(_ a: GPR, _ imm: Int32) { testImmediate(w: true, a, imm) }

    private mutating func testImmediate(w: Bool, _ a: GPR, _ imm: Int32) {
        if a == .rax {
            rex(w: w, reg: 0, base: 0)
            byte(0xA9)
        } else {
            rr(w: w, [0xF7], reg: 0, rm: a.raw)
        }
        int32(imm)
    }

    package mutating func mul32(_ src: GPR, _ dst: GPR) { rr(w: false, [0x0F, 0xAF], reg: dst.raw, rm: src.raw) }
    package mutating func mul64(_ src: GPR, _ dst: GPR) { rr(w: true, [0x0F, 0xAF], reg: dst.raw, rm: src.raw) }
    package mutating func mul32(_ m: Memory, _ dst: GPR) { rm(w: false, [0x0F, 0xAF], reg: dst.raw, m) }
    package mutating func mul64(_ m: Memory, _ dst: GPR) { rm(w: true, [0x0F, 0xAF], reg: dst.raw, m) }
    package mutating func mulImm32(_ imm: Int32, _ src: GPR, _ dst: GPR) { mulImmediate(w: false, imm, src, dst) }
    package mutating func mulImm64(_ imm: Int32, _ src: GPR, _ dst: GPR) { mulImmediate(w: true, imm, src, dst) }

    private mutating func mulImmediate(w: Bool, _ imm: Int32, _ src: GPR, _ dst: GPR) {
        if MacroAssembler.fitsInt8(imm) {
            rr(w: w, [0x6B], reg: dst.raw, rm: src.raw)
            byte(UInt8(bitPattern: Int8(imm)))
        } else {
            rr(w: w, [0x69], reg: dst.raw, rm: src.raw)
            int32(imm)
        }
    }

    package mutating func neg32(_ r: GPR) { rr(w: false, [0xF7], reg: 3, rm: r.raw) }
    package mutating func neg64(_ r: GPR) { rr(w: true, [0xF7], reg: 3, rm: r.raw) }
    package mutating func not32(_ r: GPR) { rr(w: false, [0xF7], reg: 2, rm: r.raw) }
    package mutating func not64(_ r: GPR) { rr(w: true, [0xF7], reg: 2, rm: r.raw) }

    // MARK: Shifts and rotates (group 2: rol 0, ror 1, shl 4, shr 5, sar 7)

    private mutating func shift(_ digit: UInt8, w: Bool, _ amount: GPR, _ dst: GPR) {
        precondition(amount == .rcx, "x86 shifts by a register shift by cl")
        rr(w: w, [0xD3], reg: digit, rm: dst.raw)
    }

    private mutating func shift(_ digit: UInt8, w: Bool, _ imm: Int32, _ dst: GPR) {
        let count = UInt8(truncatingIfNeeded: imm) & (w ? 63 : 31)
        if count == 1 {
            rr(w: w, [0xD1], reg: digit, rm: dst.raw)
        } else {
            rr(w: w, [0xC1], reg: digit, rm: dst.raw)
            byte(count)
        }
    }

    package mutating func lshift32(_ amount: GPR, _ dst: GPR) { shift(4, w: false, amount, dst) }
    package mutating func lshift32(_ imm: Int32, _ dst: GPR) { shift(4, w: false, imm, dst) }
    package mutating func lshift64(_ amount: GPR, _ dst: GPR) { shift(4, w: true, amount, dst) }
    package mutating func lshift64(_ imm: Int32, _ dst: GPR) { shift(4, w: true, imm, dst) }
    package mutating func rshift32(_ amount: GPR, _ dst: GPR) { shift(7, w: false, amount, dst) }
    package mutating func rshift32(_ imm: Int32, _ dst: GPR) { shift(7, w: false, imm, dst) }
    package mutating func rshift64(_ amount: GPR, _ dst: GPR) { shift(7, w: true, amount, dst) }
    package mutating func rshift64(_ imm: Int32, _ dst: GPR) { shift(7, w: true, imm, dst) }
    package mutating func urshift32(_ amount: GPR, _ dst: GPR) { shift(5, w: false, amount, dst) }
    package mutating func urshift32(_ imm: Int32, _ dst: GPR) { shift(5, w: false, imm, dst) }
    package mutating func urshift64(_ amount: GPR, _ dst: GPR) { shift(5, w: true, amount, dst) }
    package mutating func urshift64(_ imm: Int32, _ dst: GPR) { shift(5, w: true, imm, dst) }
    package mutating func rotateLeft32(_ amount: GPR, _ dst: GPR) { shift(0, w: false, amount, dst) }
    package mutating func rotateLeft32(_ imm: Int32, _ dst: GPR) { shift(0, w: false, imm, dst) }
    package mutating func rotateLeft64(_ amount: GPR, _ dst: GPR) { shift(0, w: true, amount, dst) }
    package mutating func rotateLeft64(_ imm: Int32, _ dst: GPR) { shift(0, w: true, imm, dst) }
    package mutating func rotateRight32(_ amount: GPR, _ dst: GPR) { shift(1, w: false, amount, dst) }
    package mutating func rotateRight32(_ imm: Int32, _ dst: GPR) { shift(1, w: false, imm, dst) }
    package mutating func rotateRight64(_ amount: GPR, _ dst: GPR) { shift(1, w: true, amount, dst) }
    package mutating func rotateRight64(_ imm: Int32, _ dst: GPR) { shift(1, w: true, imm, dst) }

    // MARK: Division (rdx:rax by a register)

    /// `cltd`: sign-extends eax into edx.
    package mutating func x86ConvertToDoubleWord32(_ eax: GPR, _ edx: GPR) {
        precondition(eax == .rax && edx == .rdx, "cltd works on eax and edx")
        byte(0x99)
    }

    /// `cqto`: sign-extends rax into rdx.
    package mutating func x86ConvertToQuadWord64(_ rax: GPR, _ rdx: GPR) {
        precondition(rax == .rax && rdx == .rdx, "cqto works on rax and rdx")
        byte(0x48)
        byte(0x99)
    }

    package mutating func x86Div32(_ rax: GPR, _ rdx: GPR, _ divisor: GPR) { divide(7, w: false, rax, rdx, divisor) }
    package mutating func x86Div64(_ rax: GPR, _ rdx: GPR, _ divisor: GPR) { divide(7, w: true, rax, rdx, divisor) }
    package mutating func x86UDiv32(_ rax: GPR, _ rdx: GPR, _ divisor: GPR) { divide(6, w: false, rax, rdx, divisor) }
    package mutating func x86UDiv64(_ rax: GPR, _ rdx: GPR, _ divisor: GPR) { divide(6, w: true, rax, rdx, divisor) }

    private mutating func divide(_ digit: UInt8, w: Bool, _ rax: GPR, _ rdx: GPR, _ divisor: GPR) {
        precondition(rax == .rax && rdx == .rdx, "division works on rdx:rax")
        rr(w: w, [0xF7], reg: digit, rm: divisor.raw)
    }

    // MARK: Bit counts (F3 prefix before REX)

    package mutating func countLeadingZeros32(_ src: GPR, _ dst: GPR) { rr(0xF3, w: false, [0x0F, 0xBD], reg: dst.raw, rm: src.raw) }
    package mutating func countLeadingZeros64(_ src: GPR, _ dst: GPR) { rr(0xF3, w: true, [0x0F, 0xBD], reg: dst.raw, rm: src.raw) }
    package mutating func countTrailingZeros32(_ src: GPR, _ dst: GPR) { rr(0xF3, w: false, [0x0F, 0xBC], reg: dst.raw, rm: src.raw) }
    package mutating func countTrailingZeros64(_ src: GPR, _ dst: GPR) { rr(0xF3, w: true, [0x0F, 0xBC], reg: dst.raw, rm: src.raw) }
    package mutating func countPopulation32(_ src: GPR, _ dst: GPR) { rr(0xF3, w: false, [0x0F, 0xB8], reg: dst.raw, rm: src.raw) }
    package mutating func countPopulation64(_ src: GPR, _ dst: GPR) { rr(0xF3, w: true, [0x0F, 0xB8], reg: dst.raw, rm: src.raw) }

    // MARK: Conditions

    package mutating func setcc(_ c: Condition, _ dst: GPR) {
        rr(w: false, [0x0F, 0x90 | c.rawValue], reg: 0, rm: dst.raw, byteRegister: dst.raw)
    }

    package mutating func cmov32(_ c: Condition, _ src: GPR, _ dst: GPR) { rr(w: false, [0x0F, 0x40 | c.rawValue], reg: dst.raw, rm: src.raw) }
    package mutating func cmov64(_ c: Condition, _ src: GPR, _ dst: GPR) { rr(w: true, [0x0F, 0x40 | c.rawValue], reg: dst.raw, rm: src.raw) }

    package mutating func compare32(_ c: RelationalCondition, _ a: GPR, _ b: GPR, _ dst: GPR) {
        cmp32(a, b)
        setAndZeroExtend(Condition(c), dst)
    }

    package mutating func compare32(_ c: RelationalCondition, _ a: GPR, _ imm: Int32, _ dst: GPR) {
        cmp32(a, imm)
        setAndZeroExtend(Condition(c), dst)
    }

    package mutating func compare64(_ c: RelationalCondition, _ a: GPR, _ b: GPR, _ dst: GPR) {
        cmp64(a, b)
        setAndZeroExtend(Condition(c), dst)
    }

    package mutating func compare64(_ c: RelationalCondition, _ a: GPR, _ imm: Int32, _ dst: GPR) {
        cmp64(a, imm)
        setAndZeroExtend(Condition(c), dst)
    }

    package mutating func test32(_ c: ResultCondition, _ a: GPR, _ b: GPR, _ dst: GPR) {
        test32(a, b)
        setAndZeroExtend(Condition(c), dst)
    }

    package mutating func test64(_ c: ResultCondition, _ a: GPR, _ b: GPR, _ dst: GPR) {
        test64(a, b)
        setAndZeroExtend(Condition(c), dst)
    }

    private mutating func setAndZeroExtend(_ c: Condition, _ dst: GPR) {
        setcc(c, dst)
        zeroExtend8To32(dst, dst)
    }

    /// dst = (a & b) satisfies c ? src : dst.
    package mutating func moveConditionallyTest32(_ c: ResultCondition, _ a: GPR, _ b: GPR, _ src: GPR, _ dst: GPR) {
        test32(a, b)
        cmov64(Condition(c), src, dst)
    }

    package mutating func moveConditionallyTest64(_ c: ResultCondition, _ a: GPR, _ b: GPR, _ src: GPR, _ dst: GPR) {
        test64(a, b)
        cmov64(Condition(c), src, dst)
    }

    package mutating func moveConditionally32(_ c: RelationalCondition, _ a: GPR, _ b: GPR, _ src: GPR, _ dst: GPR) {
        cmp32(a, b)
        cmov64(Condition(c), src, dst)
    }

    package mutating func moveConditionally32(_ c: RelationalCondition, _ a: GPR, _ imm: Int32, _ src: GPR, _ dst: GPR) {
        cmp32(a, imm)
        cmov64(Condition(c), src, dst)
    }

    package mutating func moveConditionally64(_ c: RelationalCondition, _ a: GPR, _ b: GPR, _ src: GPR, _ dst: GPR) {
        cmp64(a, b)
        cmov64(Condition(c), src, dst)
    }

    package mutating func moveConditionally64(_ c: RelationalCondition, _ a: GPR, _ imm: Int32, _ src: GPR, _ dst: GPR) {
        cmp64(a, imm)
        cmov64(Condition(c), src, dst)
    }

    // MARK: Control

    /// `jmp rel32` to a label.
    package mutating func jmp(_ label: Label) {
        byte(0xE9)
        fixups.append((bytes.count, label))
        int32(0)
    }

    /// Pads with the recommended multi-byte NOPs (Intel SDM, NOP) until the offset is a
    /// multiple of `alignment`.
    package mutating func alignWithNops(_ alignment: Int) {
        let forms: [[UInt8]] = [
            [0x90], [0x66, 0x90], [0x0F, 0x1F, 0x00], [0x0F, 0x1F, 0x40, 0x00], [0x0F, 0x1F, 0x44, 0x00, 0x00],
            [0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00], [0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
            [0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00], [0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        ]
        var padding = (alignment - bytes.count % alignment) % alignment
        while padding > 0 {
            let form = forms[min(padding, forms.count) - 1]
            for b in form { byte(b) }
            padding -= form.count
        }
    }

    /// The function's first byte, bound by `generate`: what `callSelf` calls.
    package var functionStart: Label?

    /// `call rel32` to the function's own start (recursion).
    package mutating func callSelf() {
        guard let start = functionStart else { preconditionFailure("callSelf outside a generated function") }
        byte(0xE8)
        fixups.append((bytes.count, start))
        int32(0)
    }

    /// `jcc rel32` to a label.
    package mutating func jcc(_ c: Condition, _ label: Label) {
        byte(0x0F)
        byte(0x80 | c.rawValue)
        fixups.append((bytes.count, label))
        int32(0)
    }

    /// A jump to `label` unless it is the next block.
    mutating func jumpUnlessFallthrough(_ label: Label) {
        if label != nextBlock { jmp(label) }
    }

    /// targets[0] when `c` holds, else targets[1].
    mutating func branch(_ c: Condition, targets: [Label]) {
        if targets[0] == nextBlock {
            jcc(Condition(rawValue: c.rawValue ^ 1)!, targets[1])
        } else {
            jcc(c, targets[0])
            jumpUnlessFallthrough(targets[1])
        }
    }

    package mutating func jump(targets: [Label]) { jumpUnlessFallthrough(targets[0]) }

    /// `jmp *reg`.
    package mutating func jumpIndirect(_ r: GPR) { rr(w: false, [0xFF], reg: 4, rm: r.raw) }

    /// The jump to `targets[index]` through a table of 32-bit offsets from the table's start,
    /// emitted after the code by `finalize`: zero-extend the index, `lea` the table, load the
    /// offset sign-extended, add the table's address, jump.
    package mutating func jumpTable(_ index: GPR, _ base: GPR, _ entry: GPR, targets: [Label]) {
        let table = newLabel()
        move32(index, entry)
        leaLabel(table, base)
        load32SignExtend64(Memory(base, index: entry, scale: 4), entry)
        add64(base, entry)
        jumpIndirect(entry)
        tables.append((table, targets))
    }

    package mutating func branch32(_ c: RelationalCondition, _ a: GPR, _ b: GPR, targets: [Label]) {
        cmp32(a, b)
        branch(Condition(c), targets: targets)
    }

    package mutating func branch32(_ c: RelationalCondition, _ a: GPR, _ imm: Int32, targets: [Label]) {
        cmp32(a, imm)
        branch(Condition(c), targets: targets)
    }

    package mutating func branch64(_ c: RelationalCondition, _ a: GPR, _ b: GPR, targets: [Label]) {
        cmp64(a, b)
        branch(Condition(c), targets: targets)
    }

    package mutating func branch64(_ c: RelationalCondition, _ a: GPR, _ imm: Int32, targets: [Label]) {
        cmp64(a, imm)
        branch(Condition(c), targets: targets)
    }

    package mutating func branchTest32(_ c: ResultCondition, _ a: GPR, _ b: GPR, targets: [Label]) {
        test32(a, b)
        branch(Condition(c), targets: targets)
    }

    package mutating func branchTest32(_ c: ResultCondition, _ a: GPR, _ imm: Int32, targets: [Label]) {
        test32(a, imm)
        branch(Condition(c), targets: targets)
    }

    package mutating func branchTest64(_ c: ResultCondition, _ a: GPR, _ b: GPR, targets: [Label]) {
        test64(a, b)
        branch(Condition(c), targets: targets)
    }

    package mutating func branchTest64(_ c: ResultCondition, _ a: GPR, _ imm: Int32, targets: [Label]) {
        test64(a, imm)
        branch(Condition(c), targets: targets)
    }

    package mutating func ret() { byte(0xC3) }
    package mutating func ud2() {
        byte(0x0F)
        byte(0x0B)
    }

    package mutating func push(_ r: GPR) {
        rex(w: false, reg: 0, base: r.raw)
        byte(0x50 + (r.raw & 7))
    }

    package mutating func pop(_ r: GPR) {
        rex(w: false, reg: 0, base: r.raw)
        byte(0x58 + (r.raw & 7))
    }

    /// `call *%r`.
    package mutating func call(_ r: GPR) { rr(w: false, [0xFF], reg: 2, rm: r.raw) }
    /// `call *m`.
    package mutating func call(_ m: Memory) { rm(w: false, [0xFF], reg: 2, m) }

    package mutating func retVoid() { returnSequence() }

    package mutating func ret32(_ r: GPR) {
        precondition(r == .rax, "an i32 result is returned in eax")
        returnSequence()
    }

    package mutating func ret64(_ r: GPR) {
        precondition(r == .rax, "an i64 result is returned in rax")
        returnSequence()
    }

    package mutating func retFloat(_ r: FPR) {
        precondition(r.raw == 0, "a float result is returned in xmm0")
        returnSequence()
    }

    package mutating func retDouble(_ r: FPR) {
        precondition(r.raw == 0, "a double result is returned in xmm0")
        returnSequence()
    }

    private mutating func returnSequence() {
        if let epilogue { epilogue(&self) }
        ret()
    }

    package mutating func oops() { ud2() }

    /// Records the trap code and origin in the execution state and leaves through the unwind
    /// stub. Every register but r14 is dead here, so rcx is free.
    package mutating func trap(_ code: Int32) {
        load64(Memory(X86Registers.context, ContextLayout.executionState), .rcx)
        // Code 0: a runtime function failed and left its error in the store.
        store32(code, Memory(.rcx, ExecutionStateLayout.trapCode))
        store32(Int32(bitPattern: origin), Memory(.rcx, ExecutionStateLayout.trapOrigin))
        guard let trapExit else { preconditionFailure("trap without an unwind stub") }
        jmp(trapExit)
    }

    /// Unwinds to the innermost entry trampoline: its stack pointer points at its trap landing,
    /// which `ret` jumps to with rcx holding the execution state.
    package mutating func unwindToEntry() {
        load64(Memory(X86Registers.context, ContextLayout.executionState), .rcx)
        load64(Memory(.rcx, ExecutionStateLayout.entryStackPointer), .rsp)
        ret()
    }

    /// `cmp m, a`: flags as for a - m.
    package mutating func cmp64(_ a: GPR, _ m: Memory) { rm(w: true, [0x3B], reg: a.raw, m) }

    /// `lea label(%rip), dst`.
    package mutating func leaLabel(_ label: Label, _ dst: GPR) {
        rex(w: true, reg: dst.raw, base: 0)
        byte(0x8D)
        byte(0x05 | (dst.raw & 7) << 3)
        fixups.append((bytes.count, label))
        int32(0)
    }
}
