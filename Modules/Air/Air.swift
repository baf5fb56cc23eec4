/// Air: the optimizing tier's machine-level IR (JavaScriptCore's "assembly IR"). Instructions
/// are close to machine instructions but name temporaries instead of registers until register
/// allocation. Air knows nothing of the SSA IR above it; each backend lowers IR to Air and
/// emits Air through its assembler. The opcode table is `Tools/Spec/air-opcodes.txt`.

/// A register bank: general purpose or floating point.
public enum Bank: UInt8, Sendable, Hashable {
    case gp, fp
}

/// A machine register: a bank and the target's number for it (x86-64: rax=0 ... r15=15,
/// xmm0=0 ... xmm15=15). Names belong to the target (`TargetRegisters`).
public struct Reg: Hashable, Sendable {
    public var bank: Bank
    public var index: UInt8
    public init(_ bank: Bank, _ index: UInt8) {
        self.bank = bank
        self.index = index
    }
}

/// A temporary: a virtual register of a bank, or a machine register (precolored).
public enum Tmp: Hashable, Sendable {
    case virtual(Bank, UInt32)
    case reg(Reg)

    public var bank: Bank {
        switch self {
        case .virtual(let b, _): b
        case .reg(let r): r.bank
        }
    }

    public var isReg: Bool {
        if case .reg = self { return true }
        return false
    }
}

/// Comparisons of integers (B3's RelationalCondition).
public enum RelationalCondition: UInt8, Sendable, CaseIterable {
    case equal, notEqual, above, aboveOrEqual, below, belowOrEqual
    case greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual

    public var name: String {
        switch self {
        case .equal: "Equal"
        case .notEqual: "NotEqual"
        case .above: "Above"
        case .aboveOrEqual: "AboveOrEqual"
        case .below: "Below"
        case .belowOrEqual: "BelowOrEqual"
        case .greaterThan: "GreaterThan"
        case .greaterThanOrEqual: "GreaterThanOrEqual"
        case .lessThan: "LessThan"
        case .lessThanOrEqual: "LessThanOrEqual"
        }
    }
}

/// Conditions on the result of a bitwise test (B3's ResultCondition).
public enum ResultCondition: UInt8, Sendable, CaseIterable {
    case zero, nonZero, signed, positiveOrZero

    public var name: String {
        switch self {
        case .zero: "Zero"
        case .nonZero: "NonZero"
        case .signed: "Signed"
        case .positiveOrZero: "PositiveOrZero"
        }
    }
}

/// Comparisons of floats: ordered ones are false when either side is NaN, unordered ones true.
public enum DoubleCondition: UInt8, Sendable, CaseIterable {
    case equalAndOrdered, notEqualAndOrdered, greaterThanAndOrdered, greaterThanOrEqualAndOrdered
    case lessThanAndOrdered, lessThanOrEqualAndOrdered
    case equalOrUnordered, notEqualOrUnordered, greaterThanOrUnordered, greaterThanOrEqualOrUnordered
    case lessThanOrUnordered, lessThanOrEqualOrUnordered

    public var name: String {
        switch self {
        case .equalAndOrdered: "DoubleEqualAndOrdered"
        case .notEqualAndOrdered: "DoubleNotEqualAndOrdered"
        case .greaterThanAndOrdered: "DoubleGreaterThanAndOrdered"
        case .greaterThanOrEqualAndOrdered: "DoubleGreaterThanOrEqualAndOrdered"
        case .lessThanAndOrdered: "DoubleLessThanAndOrdered"
        case .lessThanOrEqualAndOrdered: "DoubleLessThanOrEqualAndOrdered"
        case .equalOrUnordered: "DoubleEqualOrUnordered"
        case .notEqualOrUnordered: "DoubleNotEqualOrUnordered"
        case .greaterThanOrUnordered: "DoubleGreaterThanOrUnordered"
        case .greaterThanOrEqualOrUnordered: "DoubleGreaterThanOrEqualOrUnordered"
        case .lessThanOrUnordered: "DoubleLessThanOrUnordered"
        case .lessThanOrEqualOrUnordered: "DoubleLessThanOrEqualOrUnordered"
        }
    }
}

/// A memory operand: base + index * scale + offset.
public struct Address: Hashable, Sendable {
    public var base: Tmp
    public var index: Tmp?
    public var scale: UInt8
    public var offset: Int32

    public init(base: Tmp, index: Tmp? = nil, scale: UInt8 = 1, offset: Int32 = 0) {
        precondition([1, 2, 4, 8].contains(scale), "scale must be 1, 2, 4 or 8")
        self.base = base
        self.index = index
        self.scale = scale
        self.offset = offset
    }
}

/// What kind of argument a form takes (the table's KIND column).
public enum ArgKind: UInt8, Sendable {
    case tmp, imm, bigImm, addr, relCond, resCond, doubleCond
}

/// One argument of an instruction.
public enum Arg: Hashable, Sendable {
    case tmp(Tmp)
    case imm(Int32)
    case bigImm(Int64)
    case addr(Address)
    case relCond(RelationalCondition)
    case resCond(ResultCondition)
    case doubleCond(DoubleCondition)

    public var kind: ArgKind {
        switch self {
        case .tmp: .tmp
        case .imm: .imm
        case .bigImm: .bigImm
        case .addr: .addr
        case .relCond: .relCond
        case .resCond: .resCond
        case .doubleCond: .doubleCond
        }
    }

    public var imm32: Int32 {
        guard case .imm(let v) = self else { preconditionFailure("not an Imm: \(self)") }
        return v
    }

    public var imm64: Int64 {
        guard case .bigImm(let v) = self else { preconditionFailure("not a BigImm: \(self)") }
        return v
    }

    public var relationalCondition: RelationalCondition {
        guard case .relCond(let c) = self else { preconditionFailure("not a RelCond: \(self)") }
        return c
    }

    public var resultCondition: ResultCondition {
        guard case .resCond(let c) = self else { preconditionFailure("not a ResCond: \(self)") }
        return c
    }

    public var doubleCondition: DoubleCondition {
        guard case .doubleCond(let c) = self else { preconditionFailure("not a DoubleCond: \(self)") }
        return c
    }
}

/// How an instruction treats one argument (the table's ROLE column).
public enum Role: UInt8, Sendable {
    case use, def, zeroDef, useDef, useZeroDef, useAddress, scratch

    public var isUse: Bool { self == .use || self == .useDef || self == .useZeroDef }
    public var isDef: Bool { self == .def || self == .zeroDef || self == .useDef || self == .useZeroDef || self == .scratch }
}

/// Role, bank and width of one argument position.
public struct ArgRole: Sendable {
    public let role: Role
    public let bank: Bank
    public let width: Int
    public init(_ role: Role, _ bank: Bank, _ width: Int) {
        self.role = role
        self.bank = bank
        self.width = width
    }
}

/// The architectures Air has backends for.
public enum Architecture: Sendable {
    case x86_64
}

/// One legal combination of argument kinds, perhaps only on one architecture.
public struct Form: Sendable {
    public let kinds: [ArgKind]
    public let only: Architecture?
    public init(_ kinds: [ArgKind], only: Architecture? = nil) {
        self.kinds = kinds
        self.only = only
    }
}

/// The table's facts about one Air opcode (generated from `Tools/Spec/air-opcodes.txt`).
public struct OpcodeInfo: Sendable {
    public let name: String
    public let roles: [ArgRole]
    public let forms: [Form]
    public var branch = false
    public var terminal = false
    public var `return` = false
    public var effects = false
}

/// One Air instruction.
public struct Inst: Hashable, Sendable {
    public var opcode: Opcode
    public var args: [Arg]
    /// The source offset this instruction came from (UInt32.max for none).
    public var origin: UInt32
    /// For `Call`: how many registers after the callee it reads; the rest it clobbers.
    public var callUses: Int

    public init(_ opcode: Opcode, _ args: [Arg], origin: UInt32 = .max, callUses: Int = 0) {
        self.opcode = opcode
        self.args = args
        self.origin = origin
        self.callUses = callUses
    }

    public static func == (a: Inst, b: Inst) -> Bool {
        a.opcode == b.opcode && a.args == b.args && a.origin == b.origin && a.callUses == b.callUses
    }
    public func hash(into h: inout Hasher) {
        h.combine(opcode)
        h.combine(args)
    }

    /// Calls `body` for every temporary the instruction reads or writes, with its role, bank
    /// and width; the base and index of an address are uses. Liveness and register allocation
    /// see instructions only through this.
    public func forEachTmp(_ body: (Tmp, Role, Bank, Int) -> Void) {
        let roles = opcode.info.roles
        for (i, arg) in args.enumerated() {
            if i >= roles.count {
                // A call's argument registers, then its clobbers.
                guard case .tmp(let t) = arg else { continue }
                body(t, i < roles.count + callUses ? .use : .def, t.bank, 64)
                continue
            }
            switch arg {
            case .tmp(let t): body(t, roles[i].role, roles[i].bank, roles[i].width)
            case .addr(let a):
                body(a.base, .use, .gp, 64)
                if let index = a.index { body(index, .use, .gp, 64) }
            default: break
            }
        }
    }

    /// Rewrites every temporary (the allocator replaces virtual ones by registers).
    public mutating func mapTmps(_ transform: (Tmp) -> Tmp) {
        for i in args.indices {
            switch args[i] {
            case .tmp(let t): args[i] = .tmp(transform(t))
            case .addr(var a):
                a.base = transform(a.base)
                a.index = a.index.map(transform)
                args[i] = .addr(a)
            default: break
            }
        }
    }
}

/// A basic block of Air: instructions (the last one terminal) and successors.
public struct AirBlock: Sendable {
    public var insts: [Inst] = []
    public var successors: [Int] = []
    public init() {}
}

/// Register names and roles of a target, which Air's printer and allocators need but Air
/// does not define.
public protocol TargetRegisters {
    static func name(of reg: Reg) -> String
    /// Registers the allocator may hand out, in order of preference.
    static func allocatable(_ bank: Bank) -> [Reg]
    /// Registers a callee must preserve.
    static var calleeSaved: [Reg] { get }
    /// The stack pointer, base of spill slots.
    static var stackPointer: Reg { get }
}

/// A count per register bank (a struct, not a dictionary: it is read for every temporary made).
public struct TmpCounts: Sendable, Equatable {
    var gp: UInt32 = 0
    var fp: UInt32 = 0
    public init() {}
    public subscript(_ bank: Bank) -> UInt32 {
        get { bank == .gp ? gp : fp }
        set { if bank == .gp { gp = newValue } else { fp = newValue } }
    }
    public subscript(_ bank: Bank, default _: UInt32) -> UInt32 { self[bank] }
}

/// A function in Air.
public struct Code: Sendable {
    public var name: String
    public var blocks: [AirBlock] = []
    /// How many virtual temporaries of each bank exist (their numbers are 0 ..< count).
    public var tmpCount = TmpCounts()
    /// Bytes of spill slots and other frame data below the saved registers (set by allocation).
    public var frameSize = 0
    /// Callee-saved registers the code uses (set by allocation), saved in the prologue.
    public var usedCalleeSaved: [Reg] = []

    public init(name: String) { self.name = name }

    public mutating func newTmp(_ bank: Bank) -> Tmp {
        let n = tmpCount[bank, default: 0]
        tmpCount[bank] = n + 1
        return .virtual(bank, n)
    }

    public mutating func addBlock() -> Int {
        blocks.append(AirBlock())
        return blocks.count - 1
    }
}

extension Code {
    /// Puts the blocks in `order` (a permutation of their indices) and renumbers successors.
    public mutating func reorder(_ order: [Int]) {
        precondition(order.count == blocks.count && Set(order).count == order.count, "not a permutation")
        var newIndex = Array(repeating: 0, count: blocks.count)
        for (i, old) in order.enumerated() { newIndex[old] = i }
        blocks = order.map { old in
            var b = blocks[old]
            b.successors = b.successors.map { newIndex[$0] }
            return b
        }
    }
}
