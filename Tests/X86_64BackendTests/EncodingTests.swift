import Foundation
import Testing

@testable import X86_64Backend

// The assembler against LLVM. `Generated/EncodingTable.swift` (Tools/x86-encodings.py) holds,
// for every instruction form the assembler emits, the bytes llvm-mc encodes and llvm-mc's
// disassembly of them. We check our bytes against the first always, and run our bytes through
// llvm-mc's disassembler when it is installed (CI installs it: WASM_TIER_REQUIRE_LLVM=1).

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: " ") }

func assemble(_ body: (inout MacroAssembler) -> Void) -> [UInt8] {
    var masm = MacroAssembler()
    body(&masm)
    masm.finalize()
    return masm.bytes
}

/// llvm-mc's disassembly (`X86_64Backend.llvmDisassembly`); a missing llvm-mc is an issue
/// when CI asks for it.
func llvmDisassembly(_ bytes: [UInt8]) throws -> [String]? {
    let lines = try X86_64Backend.llvmDisassembly(bytes)
    if lines == nil && ProcessInfo.processInfo.environment["WASM_TIER_REQUIRE_LLVM"] == "1" {
        Issue.record("llvm-mc is required (WASM_TIER_REQUIRE_LLVM=1) but not installed")
    }
    return lines
}

@Test func everyFormMatchesLLVMBytes() {
    var mismatches: [String] = []
    for row in encodingTable {
        let got = hex(assemble(row.emit))
        if got != row.hex { mismatches.append("\(row.call): ours \(got), llvm-mc \(row.hex) (\(row.text))") }
    }
    #expect(mismatches.isEmpty, "\(mismatches.count) of \(encodingTable.count):\n\(mismatches.joined(separator: "\n"))")
    #expect(encodingTable.count > 600)
}

@Test func llvmDisassemblesOurBytesAsIntended() throws {
    let all = assemble { masm in for row in encodingTable { row.emit(&masm) } }
    guard let lines = try llvmDisassembly(all) else { return }
    #expect(lines == encodingTable.map(\.text))
}

/// llvm-objdump's decoding (`X86_64Backend.llvmObjdumpDisassembly`); missing tools are an
/// issue when CI asks for LLVM.
func objdump(_ bytes: [UInt8]) throws -> [ObjdumpInstruction]? {
    let instructions = try llvmObjdumpDisassembly(bytes)
    if instructions == nil && ProcessInfo.processInfo.environment["WASM_TIER_REQUIRE_LLVM"] == "1" {
        Issue.record("llvm-objdump and llvm-objcopy are required (WASM_TIER_REQUIRE_LLVM=1) but not installed")
    }
    return instructions
}

/// Every form once more, through llvm-objdump on an ELF object: each decodes where we put it,
/// with our length, as the same instruction llvm-mc names.
@Test func llvmObjdumpDecodesEveryFormAtItsBoundaries() throws {
    var all: [UInt8] = [], starts: [Int] = [], lengths: [Int] = []
    for row in encodingTable {
        let bytes = assemble(row.emit)
        starts.append(all.count)
        lengths.append(bytes.count)
        all += bytes
    }
    guard let decoded = try objdump(all) else { return }
    #expect(decoded.count == encodingTable.count)
    #expect(decoded.map(\.offset) == starts)
    #expect(decoded.map(\.length) == lengths)
    let mismatches = zip(decoded, encodingTable).filter { $0.0.text != $0.1.text }.map { "objdump \($0.0.text), llvm-mc \($0.1.text)" }
    #expect(mismatches.isEmpty, "\(mismatches.count) of \(encodingTable.count):\n\(mismatches.prefix(20).joined(separator: "\n"))")
}

// Sequences: labels, fallthrough elision, and the forms built from several instructions.

@Test func jumpsResolveForwardAndBackward() {
    let bytes = assemble { masm in
        let top = masm.newLabel(), end = masm.newLabel()
        masm.bind(top)
        masm.jcc(.equal, end)
        masm.jmp(top)
        masm.bind(end)
        masm.ret()
    }
    // je +5 (over the 5-byte jmp); jmp -11 (back to offset 0 from offset 11); ret.
    #expect(hex(bytes) == "0f 84 05 00 00 00 e9 f5 ff ff ff c3")
}

@Test func branchesLeaveOutJumpsToTheNextBlock() throws {
    var masm = MacroAssembler()
    let taken = masm.newLabel(), next = masm.newLabel()
    masm.nextBlock = next
    masm.branch32(.lessThan, .rdi, .rsi, targets: [taken, next])
    // When the taken target is next, the condition inverts.
    masm.branch32(.lessThan, .rdi, Int32(7), targets: [next, taken])
    masm.bind(next)
    masm.ud2()
    masm.bind(taken)
    masm.ret()
    masm.finalize()
    let lines = try llvmDisassembly(masm.bytes)
    #expect(hex(masm.bytes) == "39 f7 0f 8c 0b 00 00 00 83 ff 07 0f 8d 02 00 00 00 0f 0b c3")
    if let lines {
        #expect(lines == ["cmpl %esi, %edi", "jl 11", "cmpl $7, %edi", "jge 2", "ud2", "retq"])
    }
}

@Test func compareIntoRegisterZeroExtends() throws {
    let bytes = assemble { $0.compare64(.below, .rdi, .rsi, .rsi) }
    if let lines = try llvmDisassembly(bytes) {
        #expect(lines == ["cmpq %rsi, %rdi", "setb %sil", "movzbl %sil, %esi"])
    }
    #expect(hex(bytes) == "48 39 f7 40 0f 92 c6 40 0f b6 f6")
}

@Test func floatEqualityTestsParity() throws {
    // Ordered equality is false on NaN: 0 when PF is set, else ZF.
    let equal = assemble { $0.compareDouble(.equalAndOrdered, .xmm(0), .xmm(1), .rax) }
    if let lines = try llvmDisassembly(equal) {
        #expect(lines == ["ucomisd %xmm1, %xmm0", "movl $0, %eax", "jp 3", "sete %al"])
    }
    // Less-than swaps the operands and tests "above", which NaN (CF=ZF=1) fails.
    let less = assemble { $0.compareFloat(.lessThanAndOrdered, .xmm(2), .xmm(3), .rcx) }
    if let lines = try llvmDisassembly(less) {
        #expect(lines == ["ucomiss %xmm2, %xmm3", "seta %cl", "movzbl %cl, %ecx"])
    }
}

@Test func floatBranchOnNotEqualOrUnorderedTakesParity() throws {
    var masm = MacroAssembler()
    let taken = masm.newLabel(), other = masm.newLabel()
    masm.branchDouble(.notEqualOrUnordered, .xmm(4), .xmm(5), targets: [taken, other])
    masm.bind(other)
    masm.ud2()
    masm.bind(taken)
    masm.ret()
    masm.finalize()
    if let lines = try llvmDisassembly(masm.bytes) {
        #expect(lines == ["ucomisd %xmm5, %xmm4", "jp 13", "jne 7", "jmp 0", "ud2", "retq"])
    }
}

@Test func selectIsTestAndConditionalMove() throws {
    let bytes = assemble { $0.moveConditionallyTest32(.nonZero, .rdi, .rdi, .rsi, .rax) }
    if let lines = try llvmDisassembly(bytes) {
        #expect(lines == ["testl %edi, %edi", "cmovneq %rsi, %rax"])
    }
}

@Test func selectOnAComparisonIsCompareAndConditionalMove() throws {
    let bytes = assemble { masm in
        masm.moveConditionally32(.below, .r11, 26, .r15, .r9)
        masm.moveConditionally64(.greaterThanOrEqual, .rdi, .rsi, .rcx, .rax)
    }
    if let lines = try llvmDisassembly(bytes) {
        #expect(lines == ["cmpl $26, %r11d", "cmovbq %r15, %r9", "cmpq %rsi, %rdi", "cmovgeq %rcx, %rax"])
    }
}

@Test func callSelfIsARelativeCallToTheFunctionStart() throws {
    var masm = MacroAssembler()
    let start = masm.newLabel()
    masm.bind(start)
    masm.functionStart = start
    masm.ud2()
    masm.callSelf()
    masm.finalize()
    // rel32 = 0 - (2 + 5): back to the first byte.
    #expect(hex(masm.bytes) == "0f 0b e8 f9 ff ff ff")
    if let lines = try llvmDisassembly(masm.bytes) {
        #expect(lines == ["ud2", "callq -7"])
    }
}

@Test func alignmentPaddingIsNops() throws {
    for size in 1...20 {
        let bytes = assemble { masm in
            masm.ud2()
            masm.alignWithNops(size)
        }
        #expect(bytes.count % size == 0 && bytes.count - 2 < size, "padding to \(size) gave \(bytes.count) bytes")
        if let decoded = try objdump(bytes) {
            #expect(decoded.dropFirst().allSatisfy { $0.text.hasPrefix("nop") }, "\(decoded)")
            #expect(decoded.reduce(0) { $0 + $1.length } == bytes.count)
        }
    }
}

@Test func leaOfALabelIsRIPRelative() throws {
    var masm = MacroAssembler()
    let target = masm.newLabel()
    masm.leaLabel(target, .rax)
    masm.leaLabel(target, .r9)
    masm.ud2()
    masm.bind(target)
    masm.ret()
    masm.finalize()
    #expect(hex(masm.bytes) == "48 8d 05 09 00 00 00 4c 8d 0d 02 00 00 00 0f 0b c3")
    if let lines = try llvmDisassembly(masm.bytes) {
        #expect(lines == ["leaq 9(%rip), %rax", "leaq 2(%rip), %r9", "ud2", "retq"])
    }
}
