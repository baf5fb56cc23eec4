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
///
/// This is the translator's working form and what the Swift half of the loop decodes; the code
/// a function runs is the encoded form (`OpLayout`: a header word, then only the operand words
/// the operation uses).
struct Instr {
    var op: UInt16
    var a: UInt32 = 0
    var b: UInt32 = 0
    var c: UInt32 = 0
    var imm: UInt64 = 0
    /// A second constant operand, for the fused operations whose layout has one.
    var k: UInt32 = 0

    /// Slots `a` must stay below (22 bits of the header word).
    static let slotLimit = 1 << 22

    /// Decodes the instruction at `ip`; returns it and its length in words.
    @inline(__always)
    static func decode(_ ip: UnsafePointer<UInt32>) -> (Instr, Int) {
        let header = ip[0]
        let op = UInt16(truncatingIfNeeded: header & 0x3FF)
        let layout = OpLayout.all[Int(op)]
        var i = Instr(op: op, a: header >> 10)
        if layout.b != 0 { i.b = ip[Int(layout.b)] }
        if layout.c != 0 { i.c = ip[Int(layout.c)] }
        if layout.imm != 0 {
            i.imm = UInt64(ip[Int(layout.imm)])
            if layout.wide { i.imm |= UInt64(ip[Int(layout.imm) + 1]) << 32 }
        }
        if layout.k != 0 { i.k = ip[Int(layout.k)] }
        return (i, Int(layout.length))
    }

    /// Encodes translated code: branch targets (instruction indices, in immediates and in
    /// `branchTargets`) become word positions. Returns the words and the word position of each
    /// instruction (one more for the end).
    static func encode(_ code: [Instr], branchTargets: inout [Int]) -> (words: [UInt32], starts: [Int32]) {
        var starts = [Int32]()
        starts.reserveCapacity(code.count + 1)
        var at = 0
        for i in code {
            starts.append(Int32(at))
            at += Int(OpLayout.all[Int(i.op)].length)
        }
        starts.append(Int32(at))
        var words = [UInt32](repeating: 0, count: at)
        for (k, i) in code.enumerated() {
            let layout = OpLayout.all[Int(i.op)]
            let p = Int(starts[k])
            assert(Int(i.a) < slotLimit)
            assert((layout.b != 0 || i.b == 0) && (layout.c != 0 || i.c == 0) && (layout.imm != 0 || i.imm == 0) && (layout.k != 0 || i.k == 0),
                   "operand outside the layout of \(Op(rawValue: i.op)!)")
            assert(layout.wide || i.imm <= UInt64(UInt32.max))
            words[p] = UInt32(i.op) | i.a << 10
            if layout.b != 0 { words[p + Int(layout.b)] = i.b }
            if layout.c != 0 { words[p + Int(layout.c)] = i.c }
            if layout.k != 0 { words[p + Int(layout.k)] = i.k }
            if layout.imm != 0 {
                let imm = layout.isTarget ? UInt64(starts[Int(i.imm)]) : i.imm
                words[p + Int(layout.imm)] = UInt32(truncatingIfNeeded: imm)
                if layout.wide { words[p + Int(layout.imm) + 1] = UInt32(truncatingIfNeeded: imm >> 32) }
            }
        }
        for k in branchTargets.indices { branchTargets[k] = Int(starts[branchTargets[k]]) }
        return (words, starts)
    }
}

/// The translated form of one function.
final class CompiledFunction: InstalledCode {
    /// The encoded code (`OpLayout`), `count` words.
    let code: UnsafeMutablePointer<UInt32>
    let count: Int
    /// Slots of the frame: parameters, locals, then the operand stack.
    let frameSize: Int
    /// Slots of the parameters, and of parameters plus declared locals (a v128 takes two); the
    /// declared locals zeroed on entry are the slots from `parameterSlots` to `zeroSlotEnd`.
    let parameterSlots: Int
    let localSlots: Int
    let zeroSlotEnd: Int
    let resultTypes: [ValueType]
    let parameterTypes: [ValueType]
    /// `br_table` targets, as word positions.
    let branchTargets: UnsafeMutablePointer<UInt32>
    let branchTargetCount: Int
    /// Word position of each instruction (and of the end), and its Wasm byte offset, for
    /// backtraces.
    let starts: [Int32]
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

    init(code: [Instr], frameSize: Int, type: FunctionType, functionIndex: Int, parameterSlots: Int, zeroSlotEnd: Int, localSlots: Int,
         constants: [UInt64], branchTargets: [Int], offsets: [Int]) {
        var targets = branchTargets
        let (words, starts) = Instr.encode(code, branchTargets: &targets)
        self.constants = .allocate(capacity: max(constants.count, 1))
        self.constants.initialize(from: constants, count: constants.count)
        self.constantCount = constants.count
        self.code = .allocate(capacity: max(words.count, 1))
        self.code.initialize(from: words, count: words.count)
        self.count = words.count
        self.starts = starts
        self.frameSize = frameSize
        self.parameterSlots = parameterSlots
        self.localSlots = localSlots
        self.zeroSlotEnd = zeroSlotEnd
        self.resultTypes = type.results
        self.parameterTypes = type.parameters
        self.branchTargetCount = targets.count
        self.branchTargets = .allocate(capacity: max(targets.count, 1))
        self.branchTargets.initialize(from: targets.map { UInt32($0) }, count: targets.count)
        self.offsets = offsets
        descriptor = .allocate(capacity: 1)
        descriptor.initialize(to: wt_function(
            code: UnsafePointer(self.code), branch_targets: UnsafePointer(self.branchTargets),
            constants: self.constants, constant_count: UInt32(constants.count), parameter_slots: UInt32(parameterSlots),
            zero_end: UInt32(zeroSlotEnd), local_slots: UInt32(localSlots), frame_size: UInt32(frameSize), native: 0, function_index: Int64(functionIndex), owner: nil))
        descriptor.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
    }

    /// The index of the instruction starting at word position `at` (the function's end counts
    /// as one past the last), or nil.
    func instructionIndex(startingAt at: Int) -> Int? {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(starts[mid]) < at { lo = mid + 1 } else { hi = mid }
        }
        return Int(starts[lo]) == at ? lo : nil
    }

    /// The Wasm byte offset of the instruction at word position `at` (0 if none starts there).
    func wasmOffset(ofInstructionAt at: Int) -> Int {
        guard let k = instructionIndex(startingAt: at), offsets.indices.contains(k) else { return 0 }
        return offsets[k]
    }

    /// The Wasm byte offset of the instruction just before word position `at` (a call, given
    /// its return address).
    func wasmOffset(ofInstructionBefore at: Int) -> Int {
        guard let k = instructionIndex(startingAt: at), offsets.indices.contains(k - 1) else { return 0 }
        return offsets[k - 1]
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
        while k < zeroSlotEnd {
            frame[k] = 0
            k &+= 1
        }
        if constantCount > 0 { (frame + localSlots).update(from: constants, count: constantCount) }
    }
}
