/// What the pure opcodes compute, on bits: an i32 or f32 lives in the low 32 bits of a UInt64
/// with the rest zero. This is the definition Docs/IR.md points to; constant folding uses it.
///
/// `evaluate` returns nil when the result is undefined (an integer division by zero, `div` of
/// the smallest integer by -1, `f2s`/`f2u` of a NaN or out-of-range value) and when it would be
/// a NaN produced by arithmetic: IEEE 754 leaves the payload to the hardware, and folding must
/// not pick one that the code generated at run time would not. Bit operations on floats
/// (`neg`, `abs`, `copysign`, `bitcast`) fold whatever the operand.
public enum Evaluate {
    /// With `nans`, arithmetic that produces a NaN returns the NaN this machine's hardware
    /// produces (the IR interpreter's choice, to compare with native code); folding leaves it off.
    public static func evaluate(
        _ opcode: Opcode, _ type: IRType, _ operandType: IRType, _ a: UInt64, _ b: UInt64 = 0, nans: Bool = false
    ) -> UInt64? {
        let wide = operandType.bitWidth == 64
        let mask: UInt64 = wide ? .max : 0xFFFF_FFFF
        func signed(_ x: UInt64) -> Int64 { wide ? Int64(bitPattern: x) : Int64(Int32(truncatingIfNeeded: x)) }
        func int(_ x: Int64) -> UInt64 { UInt64(bitPattern: x) & mask }
        func bool(_ c: Bool) -> UInt64 { c ? 1 : 0 }
        let width = UInt64(operandType.bitWidth)

        if operandType.isFloat || (type.isFloat && opcode != .bitcast) {
            return floating(opcode, type, operandType, a, b, nans: nans)
        }
        switch opcode {
        case .add: return (a &+ b) & mask
        case .sub: return (a &- b) & mask
        case .mul: return (a &* b) & mask
        case .neg: return (0 &- a) & mask
        case .div:
            let (x, y) = (signed(a), signed(b))
            if y == 0 || (y == -1 && x == (wide ? Int64.min : Int64(Int32.min))) { return nil }
            return int(x / y)
        case .mod:
            let (x, y) = (signed(a), signed(b))
            if y == 0 { return nil }
            return y == -1 ? 0 : int(x % y)
        case .udiv: return b == 0 ? nil : a / b
        case .umod: return b == 0 ? nil : a % b
        case .and: return a & b
        case .or: return a | b
        case .xor: return a ^ b
        case .shl: return (a << (b % width)) & mask
        case .sshr: return int(signed(a) >> Int64(b % width))
        case .zshr: return a >> (b % width)
        case .rotl:
            let k = b % width
            return k == 0 ? a : ((a << k) | (a >> (width - k))) & mask
        case .rotr:
            let k = b % width
            return k == 0 ? a : ((a >> k) | (a << (width - k))) & mask
        case .clz: return UInt64(wide ? a.leadingZeroBitCount : UInt32(a).leadingZeroBitCount)
        case .ctz: return UInt64(wide ? a.trailingZeroBitCount : UInt32(a).trailingZeroBitCount)
        case .popcnt: return UInt64(a.nonzeroBitCount)
        case .eq: return bool(a == b)
        case .ne: return bool(a != b)
        case .lt: return bool(signed(a) < signed(b))
        case .gt: return bool(signed(a) > signed(b))
        case .le: return bool(signed(a) <= signed(b))
        case .ge: return bool(signed(a) >= signed(b))
        case .below: return bool(a < b)
        case .above: return bool(a > b)
        case .belowEq: return bool(a <= b)
        case .aboveEq: return bool(a >= b)
        case .sext8: return int(Int64(Int8(truncatingIfNeeded: a)))
        case .sext16: return int(Int64(Int16(truncatingIfNeeded: a)))
        case .sext32: return UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a)))
        case .zext32: return a & 0xFFFF_FFFF
        case .trunc: return a & 0xFFFF_FFFF
        case .bitcast: return a
        default: return nil
        }
    }

    /// Float results and float operands.
    private static func floating(
        _ opcode: Opcode, _ type: IRType, _ operandType: IRType, _ a: UInt64, _ b: UInt64, nans: Bool
    ) -> UInt64? {
        if operandType == .f32 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: a)), y = Float(bitPattern: UInt32(truncatingIfNeeded: b))
            if let bits = common(opcode, type, x, y, sign: 0x8000_0000, nans: nans) { return bits }
        } else if operandType == .f64 {
            let x = Double(bitPattern: a), y = Double(bitPattern: b)
            if let bits = common(opcode, type, x, y, sign: 0x8000_0000_0000_0000, nans: nans) { return bits }
        }
        // Integer operands, float result: conversions.
        let from = operandType
        let signedValue = from == .i64 ? Int64(bitPattern: a) : Int64(Int32(truncatingIfNeeded: a))
        switch (opcode, type) {
        case (.s2f, .f32): return UInt64(Float(signedValue).bitPattern)
        case (.s2f, .f64): return Double(signedValue).bitPattern
        case (.u2f, .f32): return UInt64(Float(a).bitPattern)
        case (.u2f, .f64): return Double(a).bitPattern
        default: return nil
        }
    }

    private static func common<F: BinaryFloatingPoint>(
        _ opcode: Opcode, _ type: IRType, _ x: F, _ y: F, sign: UInt64, nans: Bool
    ) -> UInt64? where F.RawSignificand: FixedWidthInteger {
        func bits(_ f: F) -> UInt64 {
            if let f = f as? Float { return UInt64(f.bitPattern) }
            return (f as! Double).bitPattern
        }
        func arithmetic(_ f: F) -> UInt64? { f.isNaN && !nans ? nil : bits(f) }
        func bool(_ c: Bool) -> UInt64 { c ? 1 : 0 }
        switch opcode {
        case .add: return arithmetic(x + y)
        case .sub: return arithmetic(x - y)
        case .mul: return arithmetic(x * y)
        case .fdiv: return arithmetic(x / y)
        case .sqrt: return arithmetic(x.squareRoot())
        case .ceil: return arithmetic(x.rounded(.up))
        case .floor: return arithmetic(x.rounded(.down))
        case .ftrunc: return arithmetic(x.rounded(.towardZero))
        case .nearest: return arithmetic(x.rounded(.toNearestOrEven))
        case .neg: return bits(x) ^ sign
        case .abs: return bits(x) & ~sign
        case .copysign: return (bits(x) & ~sign) | (bits(y) & sign)
        case .fmin, .fmax:
            if x.isNaN || y.isNaN { return nans ? arithmetic(x + y) : nil }
            if x == y { return opcode == .fmin ? bits(x) | bits(y) : bits(x) & bits(y) }  // -0 vs +0
            return bits(opcode == .fmin ? Swift.min(x, y) : Swift.max(x, y))
        case .eq: return bool(x == y)
        case .ne: return bool(x != y)
        case .lt: return bool(x < y)
        case .gt: return bool(x > y)
        case .le: return bool(x <= y)
        case .ge: return bool(x >= y)
        case .fpromote: return x.isNaN && !nans ? nil : Double(x).bitPattern
        case .fdemote: return x.isNaN && !nans ? nil : UInt64(Float(x).bitPattern)
        case .bitcast: return bits(x)
        case .f2s, .f2u, .f2sSat, .f2uSat: return truncate(opcode, type, Double(x), isNaN: x.isNaN)
        default: return nil
        }
    }

    /// Float to integer; the trapping forms are undefined out of range. Every f32 and every
    /// integer bound that matters is exact in a Double, so one path serves both widths.
    private static func truncate(_ opcode: Opcode, _ type: IRType, _ x: Double, isNaN: Bool) -> UInt64? {
        let saturating = opcode == .f2sSat || opcode == .f2uSat
        let isSigned = opcode == .f2s || opcode == .f2sSat
        if isNaN { return saturating ? 0 : nil }
        let t = x.rounded(.towardZero)
        if type == .i32 {
            let (low, high): (Double, Double) = isSigned ? (-2147483648.0, 2147483648.0) : (0, 4294967296.0)
            if t < low { return saturating ? (isSigned ? 0x8000_0000 : 0) : nil }
            if t >= high { return saturating ? (isSigned ? 0x7FFF_FFFF : 0xFFFF_FFFF) : nil }
            return isSigned ? UInt64(UInt32(bitPattern: Int32(t))) : UInt64(UInt32(t))
        }
        let (low, high): (Double, Double) = isSigned ? (-9223372036854775808.0, 9223372036854775808.0) : (0, 18446744073709551616.0)
        if t < low { return saturating ? (isSigned ? 0x8000_0000_0000_0000 : 0) : nil }
        if t >= high { return saturating ? (isSigned ? 0x7FFF_FFFF_FFFF_FFFF : .max) : nil }
        return isSigned ? UInt64(bitPattern: Int64(t)) : UInt64(t)
    }
}
