import Air
import IR
import MachineCode

/// The callee-saved registers `entryTrampoline` saves, in push order; its trap landing pops
/// them in reverse.
enum EntryFrame {
    static let saved: [GPR] = [.rbx, .rbp, .r12, .r13, .r14, .r15]
}

/// The optimizing tier's back half for x86-64, top to bottom: instruction selection, dead
/// Air removal, register allocation, then emission with prologue, epilogue and unwind stub.
package func compile(
    _ proc: Procedure, convention: CallingConvention = .systemV, allocator: RegisterAllocator = .graphColoring
) throws(LoweringError) -> (code: Code, bytes: [UInt8]) {
    var code = try lowerToAir(proc, convention: convention)
    // Constants that became immediates leave unused definitions behind.
    code.eliminateDeadCode()
    // Every temporary is a machine register or a slot; frameSize and usedCalleeSaved are set.
    allocateRegisters(&code, target: X86Registers.self, using: allocator)
    return (code, generate(code))
}

/// Emits allocated Air: the callee-saved registers the code uses (rbp among them: there is no
/// frame pointer, slots are addressed from rsp and traps unwind through the entry
/// trampoline's saved rsp), the frame (16-byte aligned at calls), the blocks in order with jumps to the next block
/// left out, and the unwind stub traps jump to: it resets rsp to the entry trampoline's
/// frame, restores what the trampoline saved and returns status 1.
package func generate(_ code: Code) -> [UInt8] {
    var masm = MacroAssembler()
    let saved = code.usedCalleeSaved.map { GPR($0.index) }
    // After `call` rsp is 8 mod 16; the saved registers add 8 each. Only a function that calls
    // needs rsp 16-byte aligned (at its calls); 8-byte slots need nothing more.
    var frame = Int32(code.frameSize)
    let calls = code.blocks.contains { $0.insts.contains { $0.opcode == .call || $0.opcode == .callSelf } }
    if calls && (8 + 8 * saved.count + Int(frame)) % 16 != 0 { frame += 8 }
    let start = masm.newLabel()
    masm.bind(start)
    masm.functionStart = start
    // Stack check first (r11 is free at entry): below the limit, trap "call stack exhausted".
    let overflow = masm.newLabel()
    masm.load64(Memory(X86Registers.context, ContextLayout.executionState), .r11)
    masm.cmp64(.rsp, Memory(.r11, ExecutionStateLayout.stackLimit))
    masm.jcc(.below, overflow)
    for r in saved { masm.push(r) }
    if frame > 0 { masm.sub64(frame, .rsp) }
    masm.epilogue = { m in
        if frame > 0 { m.add64(frame, .rsp) }
        for r in saved.reversed() { m.pop(r) }
    }
    let labels = code.blocks.indices.map { _ in masm.newLabel() }
    let unwind = masm.newLabel()
    masm.trapExit = unwind
    // Loop headers (targets of an edge from themselves or a later block) start on a 16-byte
    // boundary, as C compilers place them: where a hot loop falls across fetch windows moved
    // matmul by 10%. Code starts page-aligned, so offsets are addresses modulo 16.
    var loopHeader = Array(repeating: false, count: code.blocks.count)
    for (b, block) in code.blocks.enumerated() {
        for s in block.successors where s <= b { loopHeader[s] = true }
    }
    for (b, block) in code.blocks.enumerated() {
        if loopHeader[b] { masm.alignWithNops(16) }
        masm.bind(labels[b])
        masm.nextBlock = b + 1 < labels.count ? labels[b + 1] : nil
        for inst in block.insts {
            masm.origin = inst.origin
            masm.emit(inst, targets: block.successors.map { labels[$0] })
        }
    }
    masm.bind(overflow)
    masm.origin = .max
    masm.trap(Int32(NativeTrap.callStackExhausted.rawValue))
    masm.bind(unwind)
    masm.unwindToEntry()
    masm.finalize()
    return masm.bytes
}

/// Where the guard-page fault handler resumes a guest access that faulted past its memory
/// (CSupport's `wasm_tier_install_memory_fault_handler`): in the faulting function's frame,
/// with r14 its context, it records "out of bounds memory access" and unwinds to the entry
/// trampoline, as an explicit check's trap does. One copy serves every function.
package func memoryFaultLanding() -> [UInt8] {
    var masm = MacroAssembler()
    let unwind = masm.newLabel()
    masm.trapExit = unwind
    masm.trap(Int32(NativeTrap.outOfBoundsMemoryAccess.rawValue))
    masm.bind(unwind)
    masm.unwindToEntry()
    masm.finalize()
    return masm.bytes
}

/// A trampoline `@convention(c) (context, argsAndResults, function) -> status` that calls a
/// function of this signature from Swift or the interpreter. It saves the callee-saved
/// registers, puts the context in r14, pushes the previous entry stack pointer and its trap
/// landing and records that stack pointer in the execution state, loads the arguments from the
/// array (8 bytes each; with the Wasm convention the array holds the parameters after the
/// context), calls, stores the result at index 0, restores the previous entry stack pointer
/// and returns 0. A trap's unwind (`rsp = entrySP; ret`) arrives at the landing with rcx
/// holding the execution state; it restores the same things and returns 1.
package func entryTrampoline(parameters: [IRType], results: [IRType], convention: CallingConvention, resultArea: Int = 0) -> [UInt8] {
    var masm = MacroAssembler()
    let landing = masm.newLabel()
    for r in EntryFrame.saved { masm.push(r) }
    masm.move64(.rdi, X86Registers.context)
    masm.move64(.rsi, .rbx)
    masm.move64(.rdx, .r12)
    masm.load64(Memory(X86Registers.context, ContextLayout.executionState), .r13)
    // Previous entry stack pointer, then the landing: 8 pushes keep rsp 8 mod 16, so 8 more
    // bytes align the call.
    masm.load64(Memory(.r13, ExecutionStateLayout.entryStackPointer), .rax)
    masm.push(.rax)
    masm.leaLabel(landing, .rax)
    masm.push(.rax)
    masm.store64(.rsp, Memory(.r13, ExecutionStateLayout.entryStackPointer))
    masm.sub64(Int32(8), .rsp)
    let gpArgs = X86Registers.integerArguments
    var gp = 0, fp: UInt8 = 0, overflow: Int32 = 0
    for (i, type) in parameters.enumerated() {
        if i == 0 && convention == .wasm { continue }
        let slot = Memory(.rbx, Int32(8 * (convention == .wasm ? i - 1 : i)))
        switch type {
        case .f32 where fp < X86Registers.floatArgumentCount: masm.loadFloat(slot, FPR(fp)); fp += 1
        case .f64 where fp < X86Registers.floatArgumentCount: masm.loadDouble(slot, FPR(fp)); fp += 1
        case .i32 where gp < 6: masm.load32(slot, gpArgs[gp]); gp += 1
        case .i64 where gp < 6: masm.load64(slot, gpArgs[gp]); gp += 1
        default:
            // Past the registers: into the context's result area (the Wasm convention).
            masm.load64(slot, .rax)
            masm.store64(.rax, Memory(X86Registers.context, ContextLayout.results + 8 * overflow))
            overflow += 1
        }
    }
    masm.call(.r12)
    switch results.first {
    case .i32: masm.store32(.rax, Memory(.rbx))
    case .i64: masm.store64(.rax, Memory(.rbx))
    case .f32: masm.storeFloat(FPR(0), Memory(.rbx))
    case .f64: masm.storeDouble(FPR(0), Memory(.rbx))
    default: break
    }
    // Several results: from the context's result area into the slots.
    for k in 0..<resultArea {
        masm.load64(Memory(X86Registers.context, ContextLayout.results + Int32(8 * k)), .rax)
        masm.store64(.rax, Memory(.rbx, Int32(8 * k)))
    }
    masm.add64(Int32(16), .rsp)
    masm.pop(.rax)
    masm.store64(.rax, Memory(.r13, ExecutionStateLayout.entryStackPointer))
    for r in EntryFrame.saved.reversed() { masm.pop(r) }
    masm.xor32(.rax, .rax)
    masm.ret()
    // The unwind's `ret` popped the landing address; the previous entry stack pointer is next.
    masm.bind(landing)
    masm.pop(.rax)
    masm.store64(.rax, Memory(.rcx, ExecutionStateLayout.entryStackPointer))
    for r in EntryFrame.saved.reversed() { masm.pop(r) }
    masm.move32(Int32(1), .rax)
    masm.ret()
    masm.finalize()
    return masm.bytes
}

/// The exit stub for callees of this signature that have no machine code (Docs/OPTIMIZING-TIER.md,
/// "Calls, exits and unwinding"): entered like a native function (Wasm convention, with the
/// table entry in rax), it stores the arguments into an 8-byte slot array on its frame, calls
/// `helper(entry, slots) -> status` (a `@convention(c)` function of the Engine that runs the
/// callee), and returns the result from slot 0; a nonzero status unwinds to the entry trampoline.
package func exitStub(parameters: [IRType], results: [IRType], helper: UnsafeRawPointer) throws(LoweringError) -> [UInt8] {
    var masm = MacroAssembler()
    let unwind = masm.newLabel()
    masm.push(.rbp)
    masm.move64(.rsp, .rbp)
    let frame = Int32((8 * max(parameters.count, results.count, 1) + 15) / 16 * 16)
    masm.sub64(frame, .rsp)
    let gpArgs = X86Registers.integerArguments
    var gp = 0, fp: UInt8 = 0, overflow: Int32 = 0
    for (i, type) in parameters.enumerated() {
        let slot = Memory(.rsp, Int32(8 * i)), high = Memory(.rsp, Int32(8 * i + 4))
        if (type.isFloat && fp >= 8) || (!type.isFloat && gp >= gpArgs.count) {
            // Past the registers, the caller left the argument in our context's result area.
            guard overflow < Int32(ContextLayout.resultCapacity) else { throw LoweringError(message: "too many arguments") }
            // r11: rax still holds the table entry.
            masm.load64(Memory(X86Registers.context, ContextLayout.results + 8 * overflow), .r11)
            masm.store64(.r11, slot)
            overflow += 1
            continue
        }
        switch type {
        case .f32, .f64:
            if type == .f32 {
                masm.storeFloat(FPR(fp), slot)
                masm.store32(Int32(0), high)
            } else {
                masm.storeDouble(FPR(fp), slot)
            }
            fp += 1
        default:
            if type == .i32 {
                masm.store32(gpArgs[gp], slot)
                masm.store32(Int32(0), high)
            } else {
                masm.store64(gpArgs[gp], slot)
            }
            gp += 1
        }
    }
    masm.move64(.rax, .rdi)
    masm.move64(.rsp, .rsi)
    masm.move64BigImm(Int64(Int(bitPattern: helper)), .rax)
    masm.call(.rax)
    masm.test32(.rax, .rax)
    masm.jcc(.notEqual, unwind)
    if results.count > 1 {
        // Several results go to the result area of the context this stub was entered with.
        for k in results.indices {
            masm.load64(Memory(.rsp, Int32(8 * k)), .rax)
            masm.store64(.rax, Memory(X86Registers.context, ContextLayout.results + Int32(8 * k)))
        }
    } else {
        switch results.first {
        case .i32: masm.load32(Memory(.rsp), .rax)
        case .i64: masm.load64(Memory(.rsp), .rax)
        case .f32: masm.loadFloat(Memory(.rsp), FPR(0))
        case .f64: masm.loadDouble(Memory(.rsp), FPR(0))
        default: break
        }
    }
    masm.move64(.rbp, .rsp)
    masm.pop(.rbp)
    masm.ret()
    // The helper preserved r14, the context this stub was entered with.
    masm.bind(unwind)
    masm.unwindToEntry()
    masm.finalize()
    return masm.bytes
}
