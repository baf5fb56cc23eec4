/// The type of an IR value. `void` values produce nothing (stores, checks, terminals).
package enum IRType: UInt8, Sendable, Hashable, CustomStringConvertible {
    case void, i32, i64, f32, f64

    package var isInteger: Bool { self == .i32 || self == .i64 }
    package var isFloat: Bool { self == .f32 || self == .f64 }
    /// Bits of a value of this type (0 for void).
    package var bitWidth: Int {
        switch self {
        case .void: 0
        case .i32, .f32: 32
        case .i64, .f64: 64
        }
    }

    package var description: String {
        switch self {
        case .void: "void"
        case .i32: "i32"
        case .i64: "i64"
        case .f32: "f32"
        case .f64: "f64"
        }
    }

    package init?(_ text: Substring) {
        switch text {
        case "void": self = .void
        case "i32": self = .i32
        case "i64": self = .i64
        case "f32": self = .f32
        case "f64": self = .f64
        default: return nil
        }
    }
}

/// A type variable of the opcode table: bound by its first occurrence in a signature.
package enum TypeVariable: Sendable {
    /// An integer type.
    case I
    /// A float type.
    case F
    /// Any non-void type.
    case T
    /// A second variable of any non-void type.
    case U

    package func admits(_ type: IRType) -> Bool {
        switch self {
        case .I: type.isInteger
        case .F: type.isFloat
        case .T, .U: type != .void
        }
    }
}

/// A child or result type in the opcode table.
package enum TypePattern: Sendable {
    case fixed(IRType)
    case variable(TypeVariable)
}

/// What an opcode produces.
package enum ResultPattern: Sendable {
    case void
    /// A value of this type.
    case value(TypePattern)
    /// Any type, or nothing (calls).
    case anyOrVoid
}

/// What the 64-bit immediate of a value holds.
package enum ImmediateKind: Sendable {
    case none
    /// The constant's bits (an i32 or f32 in the low 32 bits, the rest zero).
    case constant
    /// The argument's position.
    case index
    /// Bytes added to the address of a load or store.
    case offset
    /// A trap code, meaningful to whoever generated the IR.
    case code
    /// The `ValueID` of the phi an upsilon feeds.
    case phi
    /// A call's calling convention (`CallConvention`).
    case convention
}

/// How a `call` passes its arguments.
package enum CallConvention: UInt64, Sendable {
    /// System V: every argument in the usual registers.
    case systemV = 0
    /// Child 1 (after the callee) goes to the pinned context register, child 2 to the hidden
    /// entry register; the rest as System V. What Wasm functions call each other with.
    case context = 1
}

/// One effect an opcode can have; a value's effects come from its opcode.
package enum Effect: Sendable {
    /// Reads memory reachable through pointers.
    case reads
    /// Writes memory reachable through pointers.
    case writes
    /// May leave the procedure sideways (trap).
    case exits
    /// Undefined rather than trapping outside its domain, so it must stay below the checks and
    /// branches that guard it: it may not be hoisted, though it may be removed when unused.
    case control
    /// Calls out: reads, writes and exits.
    case calls
}

/// The table's facts about one opcode (generated from `Tools/Spec/ir-opcodes.txt`).
package struct OpcodeInfo: Sendable {
    package let mnemonic: String
    package let children: [TypePattern]
    /// Further children of any type may follow `children`.
    package let variadic: Bool
    package let result: ResultPattern
    package let immediate: ImmediateKind
    package let effects: [Effect]
    package let commutative: Bool
    package let terminal: Bool
    /// How many successors a terminal has; -1 for one or more (switch).
    package let successors: Int

    package var reads: Bool { effects.contains(.reads) || effects.contains(.calls) }
    package var writes: Bool { effects.contains(.writes) || effects.contains(.calls) }
    package var exits: Bool { effects.contains(.exits) || effects.contains(.calls) }
}

/// Where a value came from in the source program (a byte offset), for backtraces and dumps.
package struct Origin: Hashable, Sendable {
    package var offset: UInt32
    package init(_ offset: UInt32) { self.offset = offset }
    package static let none = Origin(UInt32.max)
}
