import MachineCode
import WasmCore

/// One instruction of the interpreter's internal code: a register machine over frame slots.
/// Wasm operand-stack positions, locals and constants are resolved to slot numbers at
/// translation, so execution never pushes or pops.
///
/// `op` is an `Op` raw value. For numeric instructions `a` is the destination slot and `b`, `c`
/// the operands; loads read address `b` (+ `imm`, the offset) into `a`; stores write `c` at
/// address `b` + `imm`. Calls place the callee's frame at slot `a`. Bulk memory and table
/// instructions read their three operands from slots `a`, `a+1`, `a+2`.
struct Instr {
    var op: UInt16
    var a: UInt32 = 0
    var b: UInt32 = 0
    var c: UInt32 = 0
    var imm: UInt64 = 0
}

/// The translated form of one function.
final class CompiledFunction {
    let code: UnsafeMutablePointer<Instr>
    let count: Int
    /// Slots of the frame: parameters, locals, then the operand stack.
    let frameSize: Int
    /// Slots of the parameters, and of parameters plus declared locals (a v128 takes two).
    let parameterSlots: Int
    let localSlots: Int
    let resultTypes: [ValueType]
    let parameterTypes: [ValueType]
    let branchTargets: UnsafeMutablePointer<Int>
    let branchTargetCount: Int
    /// Wasm byte offset of each instruction, for backtraces.
    let offsets: [Int]
    /// Constants, copied into the slots after the locals when the function is entered.
    let constants: UnsafeMutablePointer<UInt64>
    let constantCount: Int
    /// What is left of the tier-up budget (counting code only; `Int.max` once reported hot).
    var tierUpBudget = Int.max
    /// Machine code for the function, when the store's native compiler made some: calls go
    /// there instead of the translated code.
    var native: NativeFunction?

    init(code: [Instr], frameSize: Int, type: FunctionType, parameterSlots: Int, localSlots: Int, constants: [UInt64], branchTargets: [Int], offsets: [Int]) {
        self.constants = .allocate(capacity: max(constants.count, 1))
        self.constants.initialize(from: constants, count: constants.count)
        self.constantCount = constants.count
        self.code = .allocate(capacity: max(code.count, 1))
        self.code.initialize(from: code, count: code.count)
        self.count = code.count
        self.frameSize = frameSize
        self.parameterSlots = parameterSlots
        self.localSlots = localSlots
        self.resultTypes = type.results
        self.parameterTypes = type.parameters
        self.branchTargetCount = branchTargets.count
        self.branchTargets = .allocate(capacity: max(branchTargets.count, 1))
        self.branchTargets.initialize(from: branchTargets, count: branchTargets.count)
        self.offsets = offsets
    }

    deinit {
        code.deallocate()
        constants.deallocate()
        branchTargets.deallocate()
    }

    /// Prepares a new frame: zeroes the declared locals and writes the constants.
    @inline(__always)
    func enter(_ frame: UnsafeMutablePointer<UInt64>) {
        var k = parameterSlots
        while k < localSlots {
            frame[k] = 0
            k &+= 1
        }
        if constantCount > 0 { (frame + localSlots).update(from: constants, count: constantCount) }
    }
}
