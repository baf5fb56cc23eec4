import Air
import IR
import MachineCode

/// The entry frame that `entryTrampoline` builds and every function's unwind stub takes
/// apart: callee-saved registers pushed in this order, then 8 bytes that align the stack.
enum EntryFrame {
    static let saved: [GPR] = [.rbx, .rbp, .r12, .r13, .r14, .r15]
    static let padding: Int32 = 8
}

/// The optimizing tier's back half for x86-64, top to bottom: instruction selection, dead
/// Air removal, register allocation, then emission with prologue, epilogue and unwind stub.
package func compile(_ proc: Procedure, convention: CallingConvention = .systemV) throws(LoweringError) -> (code: Code, bytes: [UInt8]) {
    var code = try lowerToAir(proc, convention: convention)
    // Constants that became immediates leave unused definitions behind.
    code.eliminateDeadCode()
    // Every temporary is a machine register or a slot; frameSize and usedCalleeSaved are set.
    allocateRegistersByLinearScan(&code, target: X86Registers.self)
    return (code, generate(code))
}

/// Emits allocated Air: `push rbp; mov rsp, rbp`, the callee-saved registers the code uses,
/// the frame (16-byte aligned at calls), the blocks in order with jumps to the next block
/// left out, and the unwind stub traps jump to: it resets rsp to the entry trampoline's
/// frame, restores what the trampoline saved and returns status 1.
package func generate(_ code: Code) -> [UInt8] {
    var masm = MacroAssembler()
    let saved = code.usedCalleeSaved.map { GPR($0.index) }.filter { $0 != .rbp }
    // After `call` rsp is 8 mod 16; rbp and the saved registers add 8 each.
    var frame = Int32(code.frameSize)
    if (8 + 8 + 8 * saved.count + Int(frame)) % 16 != 0 { frame += 8 }
    masm.push(.rbp)
    masm.move64(.rsp, .rbp)
    for r in saved { masm.push(r) }
    if frame > 0 { masm.sub64(frame, .rsp) }
    masm.epilogue = { m in
        if frame > 0 { m.add64(frame, .rsp) }
        for r in saved.reversed() { m.pop(r) }
        m.pop(.rbp)
    }
    let labels = code.blocks.indices.map { _ in masm.newLabel() }
    let unwind = masm.newLabel()
    masm.trapExit = unwind
    for (b, block) in code.blocks.enumerated() {
        masm.bind(labels[b])
        masm.nextBlock = b + 1 < labels.count ? labels[b + 1] : nil
        for inst in block.insts {
            masm.origin = inst.origin
            masm.emit(inst, targets: block.successors.map { labels[$0] })
        }
    }
    masm.bind(unwind)
    masm.load64(Memory(X86Registers.context, ContextLayout.entryStackPointer), .rsp)
    masm.add64(EntryFrame.padding, .rsp)
    for r in EntryFrame.saved.reversed() { masm.pop(r) }
    masm.move32(Int32(1), .rax)
    masm.ret()
    masm.finalize()
    return masm.bytes
}

/// A trampoline `@convention(c) (context, argsAndResults, function) -> status` that calls a
/// function of this signature from Swift or the interpreter: it saves the callee-saved
/// registers, puts the context in r14, records its stack pointer for trap unwinding, loads
/// the arguments from the array (8 bytes each; with the Wasm convention the array holds the
/// parameters after the context), calls, stores the result at index 0 and returns 0. A trap returns 1 through the callee's unwind stub instead.
package func entryTrampoline(parameters: [IRType], results: [IRType], convention: CallingConvention) -> [UInt8] {
    var masm = MacroAssembler()
    for r in EntryFrame.saved { masm.push(r) }
    masm.sub64(EntryFrame.padding, .rsp)
    masm.move64(.rdi, X86Registers.context)
    masm.move64(.rsi, .rbx)
    masm.move64(.rdx, .r12)
    masm.store64(.rsp, Memory(X86Registers.context, ContextLayout.entryStackPointer))
    let gpArgs: [GPR] = [.rdi, .rsi, .rdx, .rcx, .r8, .r9]
    var gp = 0, fp: UInt8 = 0
    for (i, type) in parameters.enumerated() {
        if i == 0 && convention == .wasm { continue }
        // The Wasm convention's slots hold the Wasm parameters only (the context is argument 0).
        let slot = Memory(.rbx, Int32(8 * (convention == .wasm ? i - 1 : i)))
        switch type {
        case .f32: masm.loadFloat(slot, FPR(fp)); fp += 1
        case .f64: masm.loadDouble(slot, FPR(fp)); fp += 1
        case .i32: masm.load32(slot, gpArgs[gp]); gp += 1
        default: masm.load64(slot, gpArgs[gp]); gp += 1
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
    masm.add64(EntryFrame.padding, .rsp)
    for r in EntryFrame.saved.reversed() { masm.pop(r) }
    masm.xor32(.rax, .rax)
    masm.ret()
    masm.finalize()
    return masm.bytes
}
