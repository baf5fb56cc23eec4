import WasmCore

/// One instruction of the interpreter's internal code: a register machine over frame slots.
/// Wasm operand-stack positions and locals are resolved to slot numbers at translation, so
/// execution never pushes or pops.
///
/// - `op` below 1000 is a Wasm `Opcode` raw value (numeric, load and store instructions):
///   `a` = destination slot, `b` = first operand (or address), `c` = second operand (or stored
///   value), `imm` = memory offset.
/// - `op` of 1000 and more is an `InternalOp`.
struct Instr {
    var op: UInt16
    var a: UInt32 = 0
    var b: UInt32 = 0
    var c: UInt32 = 0
    var imm: UInt64 = 0
}

enum InternalOp: UInt16 {
    /// slots[a] = slots[b]
    case copy = 1000
    /// slots[a] = imm
    case const64
    /// pc = imm
    case jump
    /// if slots[b] as i32 != 0 { pc = imm }
    case branchIf
    /// if slots[b] as i32 == 0 { pc = imm }
    case branchUnless
    /// pc = brTargets[imm + min(slots[b] as u32, c)]
    case branchTable
    /// call function index imm; the callee's frame starts at slot a
    case call
    /// call through table c, element slots[b], expected type index imm; frame at slot a
    case callIndirect
    case `return`
    /// slots[a] = slots[imm] as i32 != 0 ? slots[b] : slots[c]
    case select
    case globalGet, globalSet
    /// trap with TrapCode(imm)
    case trap
    case memorySize, memoryGrow
    /// operands at slots a, a+1, a+2
    case memoryInit, memoryCopy, memoryFill, tableInit, tableCopy, tableFill
    case dataDrop, elemDrop
    case tableGet, tableSet, tableGrow, tableSize
    case refIsNull, refFunc
}

/// The translated form of one function.
final class CompiledFunction {
    let code: UnsafeMutablePointer<Instr>
    let count: Int
    /// Slots of the frame: parameters, locals, then the operand stack.
    let frameSize: Int
    let parameterCount: Int
    let localCount: Int
    let resultTypes: [ValueType]
    let parameterTypes: [ValueType]
    let branchTargets: [Int]
    /// Wasm byte offset of each instruction, for backtraces.
    let offsets: [Int]

    init(code: [Instr], frameSize: Int, type: FunctionType, localCount: Int, branchTargets: [Int], offsets: [Int]) {
        self.code = .allocate(capacity: max(code.count, 1))
        self.code.initialize(from: code, count: code.count)
        self.count = code.count
        self.frameSize = frameSize
        self.parameterCount = type.parameters.count
        self.localCount = localCount
        self.resultTypes = type.results
        self.parameterTypes = type.parameters
        self.branchTargets = branchTargets
        self.offsets = offsets
    }

    deinit { code.deallocate() }
}
