import InterpreterLoop
import MachineCode
import Runtime
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
final class CompiledFunction: InstalledCode {
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
    var native: NativeFunction? {
        didSet { descriptor.pointee.native = native == nil ? 0 : 1 }
    }
    /// What the C dispatch loop reads (its code cell holds this, see `InstalledCode`).
    let descriptor: UnsafeMutablePointer<wt_function>
    var cellValue: UnsafeMutableRawPointer { UnsafeMutableRawPointer(descriptor) }
    /// The function's index in its module.
    var functionIndex: Int { Int(descriptor.pointee.function_index) }

    /// The function whose descriptor is `d` (the code cell's value).
    @inline(__always)
    static func owner(of d: UnsafePointer<wt_function>) -> CompiledFunction {
        Unmanaged<CompiledFunction>.fromOpaque(d.pointee.owner).takeUnretainedValue()
    }

    init(code: [Instr], frameSize: Int, type: FunctionType, functionIndex: Int, parameterSlots: Int, localSlots: Int, constants: [UInt64], branchTargets: [Int], offsets: [Int]) {
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
        descriptor = .allocate(capacity: 1)
        descriptor.initialize(to: wt_function(
            code: UnsafeRawPointer(self.code).assumingMemoryBound(to: wt_instr.self), branch_targets: self.branchTargets,
            constants: self.constants, constant_count: UInt32(constants.count), parameter_slots: UInt32(parameterSlots),
            local_slots: UInt32(localSlots), frame_size: UInt32(frameSize), native: 0, function_index: Int64(functionIndex), owner: nil))
        descriptor.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        descriptor.deallocate()
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
