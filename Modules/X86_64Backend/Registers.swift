import Air

/// A general-purpose register, numbered as the encoding numbers it (rax=0 ... r15=15).
package struct GPR: Hashable, Sendable, CustomStringConvertible {
    package let raw: UInt8
    package init(_ raw: UInt8) {
        precondition(raw < 16, "no such register")
        self.raw = raw
    }

    package static let rax = GPR(0), rcx = GPR(1), rdx = GPR(2), rbx = GPR(3)
    package static let rsp = GPR(4), rbp = GPR(5), rsi = GPR(6), rdi = GPR(7)
    package static let r8 = GPR(8), r9 = GPR(9), r10 = GPR(10), r11 = GPR(11)
    package static let r12 = GPR(12), r13 = GPR(13), r14 = GPR(14), r15 = GPR(15)

    static let names64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
    package var description: String { GPR.names64[Int(raw)] }
    package var reg: Reg { Reg(.gp, raw) }
}

/// An SSE register, xmm0 ... xmm15.
package struct FPR: Hashable, Sendable, CustomStringConvertible {
    package let raw: UInt8
    package init(_ raw: UInt8) {
        precondition(raw < 16, "no such register")
        self.raw = raw
    }

    package static func xmm(_ n: UInt8) -> FPR { FPR(n) }
    package var description: String { "xmm\(raw)" }
    package var reg: Reg { Reg(.fp, raw) }
}

/// A memory operand after register allocation: base + index * scale + displacement.
package struct Memory: Hashable, Sendable {
    package var base: GPR
    package var index: GPR?
    package var scale: UInt8
    package var displacement: Int32

    package init(_ base: GPR, _ displacement: Int32 = 0, index: GPR? = nil, scale: UInt8 = 1) {
        precondition(index != .rsp, "rsp cannot be an index")
        precondition([1, 2, 4, 8].contains(scale), "scale must be 1, 2, 4 or 8")
        self.base = base
        self.index = index
        self.scale = scale
        self.displacement = displacement
    }
}

/// The x86 condition codes, numbered as the encodings of Jcc, SETcc and CMOVcc number them.
package enum Condition: UInt8, Sendable {
    case overflow = 0, noOverflow, below, aboveOrEqual, equal, notEqual, belowOrEqual, above
    case sign, notSign, parity, noParity, less, greaterOrEqual, lessOrEqual, greater

    package init(_ c: RelationalCondition) {
        switch c {
        case .equal: self = .equal
        case .notEqual: self = .notEqual
        case .above: self = .above
        case .aboveOrEqual: self = .aboveOrEqual
        case .below: self = .below
        case .belowOrEqual: self = .belowOrEqual
        case .greaterThan: self = .greater
        case .greaterThanOrEqual: self = .greaterOrEqual
        case .lessThan: self = .less
        case .lessThanOrEqual: self = .lessOrEqual
        }
    }

    package init(_ c: ResultCondition) {
        switch c {
        case .zero: self = .equal
        case .nonZero: self = .notEqual
        case .signed: self = .sign
        case .positiveOrZero: self = .notSign
        }
    }
}

/// The x86-64 register file as Air's allocators see it, with the System V roles of
/// DESIGN-NOTES section 3 and Docs/OPTIMIZING-TIER.md: r14 holds the instance context and is
/// never allocated; rsp is the stack pointer. There is no frame pointer: rbp is allocated like
/// the other callee-saved registers.
package enum X86Registers: TargetRegisters {
    package static func name(of reg: Reg) -> String {
        reg.bank == .gp ? GPR.names64[Int(reg.index)] : "xmm\(reg.index)"
    }

    /// Caller-saved registers first, so that short-lived values do not cost a save.
    package static func allocatable(_ bank: Bank) -> [Reg] {
        switch bank {
        // rbp last: no frame pointer, so it is a fifth callee-saved register.
        case .gp: [GPR.rax, .rcx, .rdx, .rsi, .rdi, .r8, .r9, .r10, .r11, .rbx, .r12, .r13, .r15, .rbp].map(\.reg)
        case .fp: (0..<16).map { Reg(.fp, UInt8($0)) }
        }
    }

    package static var calleeSaved: [Reg] { [GPR.rbx, .rbp, .r12, .r13, .r14, .r15].map(\.reg) }
    package static var stackPointer: Reg { GPR.rsp.reg }

    /// The register that holds the instance context.
    package static let context = GPR.r14

    /// System V's integer argument registers, in order; float arguments go in xmm0-7
    /// (`floatArgumentCount`). Entry trampolines, exit stubs and lowering all follow these.
    package static let integerArguments: [GPR] = [.rdi, .rsi, .rdx, .rcx, .r8, .r9]
    package static let floatArgumentCount = 8
}
