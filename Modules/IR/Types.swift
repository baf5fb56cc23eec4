/// The type of an IR value. `void` values produce nothing (stores, checks, terminals).
public enum IRType: UInt8, Sendable, Hashable, CustomStringConvertible {
    case void, i32, i64, f32, f64

    public var isInteger: Bool { self == .i32 || self == .i64 }
    public var isFloat: Bool { self == .f32 || self == .f64 }
    /// Bits of a value of this type (0 for void).
    public var bitWidth: Int {
        switch self {
        case .void: 0
        case .i32, .f32: 32
        case .i64, .f64: 64
        }
    }

    public var description: String {
        switch self {
        case .void: "void"
        case .i32: "i32"
        case .i64: "i64"
        case .f32: "f32"
        case .f64: "f64"
        }
    }

    public init?(_ text: Substring) {
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
public enum TypeVariable: Sendable {
    /// An integer type.
    case I
    /// A float type.
    case F
    /// Any non-void type.
    case T
    /// A second variable of any non-void type.
    case U

    public func admits(_ type: IRType) -> Bool {
        switch self {
        case .I: type.isInteger
        case .F: type.isFloat
        case .T, .U: type != .void
        }
    }
}

/// A child or result type in the opcode table.
public enum TypePattern: Sendable {
    case fixed(IRType)
    case variable(TypeVariable)
}

/// What an opcode produces.
public enum ResultPattern: Sendable {
    case void
    /// A value of this type.
    case value(TypePattern)
    /// Any type, or nothing (calls).
    case anyOrVoid
}

/// What the 64-bit immediate of a value holds.
public enum ImmediateKind: Sendable {
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
public enum CallConvention: UInt64, Sendable {
    /// System V: every argument in the usual registers.
    case systemV = 0
    /// Child 1 (after the callee) goes to the pinned context register, child 2 to the hidden
    /// entry register; the rest as System V. What Wasm functions call each other with.
    case context = 1
    /// As `context`, for a callee that shares the caller's context (a function of the same
    /// instance): child 1 is the caller's own context, already in the pinned register, and the
    /// callee leaves it there, so the caller need not put it back. Printed `convention=own`.
    case ownContext = 2
    /// The procedure calling itself: child 0 is the context (in the pinned register already,
    /// left there), the rest the arguments as under `context`; a direct call to the
    /// procedure's own entry, with no code cell or table entry. Printed `convention=self`.
    case selfCall = 3

    /// Whether child 1 is a context and child 2 a table entry (both table conventions).
    public var passesContext: Bool { self == .context || self == .ownContext }
}

/// One effect an opcode can have; a value's effects come from its opcode.
public enum Effect: Sendable {
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
public struct OpcodeInfo: Sendable {
    public let mnemonic: String
    public let children: [TypePattern]
    /// Further children of any type may follow `children`.
    public let variadic: Bool
    public let result: ResultPattern
    public let immediate: ImmediateKind
    public let effects: [Effect]
    public let commutative: Bool
    public let terminal: Bool
    /// How many successors a terminal has; -1 for one or more (switch).
    public let successors: Int

    public var reads: Bool { effects.contains(.reads) || effects.contains(.calls) }
    public var writes: Bool { effects.contains(.writes) || effects.contains(.calls) }
    public var exits: Bool { effects.contains(.exits) || effects.contains(.calls) }
}

/// The facts about an opcode that passes ask of every value, as bits: reading them copies no
/// `OpcodeInfo` (whose strings and arrays would be retained and released on each read).
public struct OpcodeFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Reads memory (also set for calls).
    public static let reads = OpcodeFlags(rawValue: 1)
    /// Writes memory (also set for calls).
    public static let writes = OpcodeFlags(rawValue: 2)
    /// May trap (also set for calls).
    public static let exits = OpcodeFlags(rawValue: 4)
    /// Has any effect at all, `control` included.
    public static let effects = OpcodeFlags(rawValue: 8)
    public static let commutative = OpcodeFlags(rawValue: 16)
    public static let terminal = OpcodeFlags(rawValue: 32)

    /// Whether any of `other`'s bits is set (plain bit operations: an array literal of
    /// options goes through generic code in passes, which live in another module).
    @inlinable public func intersects(_ other: OpcodeFlags) -> Bool { rawValue & other.rawValue != 0 }
    @inlinable public static func | (a: OpcodeFlags, b: OpcodeFlags) -> OpcodeFlags { OpcodeFlags(rawValue: a.rawValue | b.rawValue) }
}

extension Opcode {
    public static let flagTable: [OpcodeFlags] = infoTable.map { info in
        var flags: OpcodeFlags = []
        if info.reads { flags.insert(.reads) }
        if info.writes { flags.insert(.writes) }
        if info.exits { flags.insert(.exits) }
        if !info.effects.isEmpty { flags.insert(.effects) }
        if info.commutative { flags.insert(.commutative) }
        if info.terminal { flags.insert(.terminal) }
        return flags
    }

    @inline(__always) public var flags: OpcodeFlags { Opcode.flagTable[Int(rawValue)] }
}

/// Where a value came from in the source program (a byte offset), for backtraces and dumps.
public struct Origin: Hashable, Sendable {
    public var offset: UInt32
    public init(_ offset: UInt32) { self.offset = offset }
    public static let none = Origin(UInt32.max)
}
