import Runtime
import WasmCore

extension Machine {
    /// Numeric, load and store instructions (the table-typed Wasm opcodes).
    @inline(__always)
    static func execute(_ i: Instr, _ sp: UnsafeMutablePointer<UInt64>, _ memBase: UnsafeMutableRawPointer?, _ memSize: UInt64) throws {
        let a = Int(i.a)
        @inline(__always) func x() -> UInt64 { sp[Int(i.b)] }
        @inline(__always) func y() -> UInt64 { sp[Int(i.c)] }
        @inline(__always) func address(_ size: UInt64) throws -> Int {
            let ea = UInt64(UInt32(truncatingIfNeeded: sp[Int(i.b)])) &+ i.imm
            guard ea &+ size <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
            return Int(ea)
        }
        @inline(__always) func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let at = try address(UInt64(MemoryLayout<T>.size))
            return T(littleEndian: memBase.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: T.self))
        }
        @inline(__always) func store<T: FixedWidthInteger>(_ v: T) throws {
            let at = try address(UInt64(MemoryLayout<T>.size))
            memBase.unsafelyUnwrapped.storeBytes(of: v.littleEndian, toByteOffset: at, as: T.self)
        }
        let sign32: UInt32 = 0x8000_0000
        let sign64: UInt64 = 0x8000_0000_0000_0000

        // Opcode raw values are its case indices (0, 1, 2, ...), so this is a plain cast.
        switch unsafeBitCast(i.op, to: Opcode.self) {
        // Loads and stores
        case .i32Load, .f32Load: sp[a] = UInt64(try load(UInt32.self))
        case .i64Load, .f64Load: sp[a] = try load(UInt64.self)
        case .i32Load8S: sp[a] = UInt64(UInt32(bitPattern: Int32(try load(Int8.self))))
        case .i32Load8U: sp[a] = UInt64(try load(UInt8.self))
        case .i32Load16S: sp[a] = UInt64(UInt32(bitPattern: Int32(try load(Int16.self))))
        case .i32Load16U: sp[a] = UInt64(try load(UInt16.self))
        case .i64Load8S: sp[a] = UInt64(bitPattern: Int64(try load(Int8.self)))
        case .i64Load8U: sp[a] = UInt64(try load(UInt8.self))
        case .i64Load16S: sp[a] = UInt64(bitPattern: Int64(try load(Int16.self)))
        case .i64Load16U: sp[a] = UInt64(try load(UInt16.self))
        case .i64Load32S: sp[a] = UInt64(bitPattern: Int64(try load(Int32.self)))
        case .i64Load32U: sp[a] = UInt64(try load(UInt32.self))
        case .i32Store, .f32Store: try store(i32(y()))
        case .i64Store, .f64Store: try store(y())
        case .i32Store8, .i64Store8: try store(UInt8(truncatingIfNeeded: y()))
        case .i32Store16, .i64Store16: try store(UInt16(truncatingIfNeeded: y()))
        case .i64Store32: try store(UInt32(truncatingIfNeeded: y()))

        // i32 comparisons
        case .i32Eqz: sp[a] = bool(i32(x()) == 0)
        case .i32Eq: sp[a] = bool(i32(x()) == i32(y()))
        case .i32Ne: sp[a] = bool(i32(x()) != i32(y()))
        case .i32LtS: sp[a] = bool(s32(x()) < s32(y()))
        case .i32LtU: sp[a] = bool(i32(x()) < i32(y()))
        case .i32GtS: sp[a] = bool(s32(x()) > s32(y()))
        case .i32GtU: sp[a] = bool(i32(x()) > i32(y()))
        case .i32LeS: sp[a] = bool(s32(x()) <= s32(y()))
        case .i32LeU: sp[a] = bool(i32(x()) <= i32(y()))
        case .i32GeS: sp[a] = bool(s32(x()) >= s32(y()))
        case .i32GeU: sp[a] = bool(i32(x()) >= i32(y()))
        // i64 comparisons
        case .i64Eqz: sp[a] = bool(x() == 0)
        case .i64Eq: sp[a] = bool(x() == y())
        case .i64Ne: sp[a] = bool(x() != y())
        case .i64LtS: sp[a] = bool(Int64(bitPattern: x()) < Int64(bitPattern: y()))
        case .i64LtU: sp[a] = bool(x() < y())
        case .i64GtS: sp[a] = bool(Int64(bitPattern: x()) > Int64(bitPattern: y()))
        case .i64GtU: sp[a] = bool(x() > y())
        case .i64LeS: sp[a] = bool(Int64(bitPattern: x()) <= Int64(bitPattern: y()))
        case .i64LeU: sp[a] = bool(x() <= y())
        case .i64GeS: sp[a] = bool(Int64(bitPattern: x()) >= Int64(bitPattern: y()))
        case .i64GeU: sp[a] = bool(x() >= y())
        // float comparisons
        case .f32Eq: sp[a] = bool(f32(x()) == f32(y()))
        case .f32Ne: sp[a] = bool(f32(x()) != f32(y()))
        case .f32Lt: sp[a] = bool(f32(x()) < f32(y()))
        case .f32Gt: sp[a] = bool(f32(x()) > f32(y()))
        case .f32Le: sp[a] = bool(f32(x()) <= f32(y()))
        case .f32Ge: sp[a] = bool(f32(x()) >= f32(y()))
        case .f64Eq: sp[a] = bool(f64(x()) == f64(y()))
        case .f64Ne: sp[a] = bool(f64(x()) != f64(y()))
        case .f64Lt: sp[a] = bool(f64(x()) < f64(y()))
        case .f64Gt: sp[a] = bool(f64(x()) > f64(y()))
        case .f64Le: sp[a] = bool(f64(x()) <= f64(y()))
        case .f64Ge: sp[a] = bool(f64(x()) >= f64(y()))

        // i32 arithmetic
        case .i32Clz: sp[a] = UInt64(i32(x()).leadingZeroBitCount)
        case .i32Ctz: sp[a] = UInt64(i32(x()).trailingZeroBitCount)
        case .i32Popcnt: sp[a] = UInt64(i32(x()).nonzeroBitCount)
        case .i32Add: sp[a] = UInt64(i32(x()) &+ i32(y()))
        case .i32Sub: sp[a] = UInt64(i32(x()) &- i32(y()))
        case .i32Mul: sp[a] = UInt64(i32(x()) &* i32(y()))
        case .i32DivS:
            let l = s32(x()), r = s32(y())
            if r == 0 { throw Trap(.integerDivideByZero) }
            if l == Int32.min && r == -1 { throw Trap(.integerOverflow) }
            sp[a] = UInt64(UInt32(bitPattern: l / r))
        case .i32DivU:
            let r = i32(y())
            if r == 0 { throw Trap(.integerDivideByZero) }
            sp[a] = UInt64(i32(x()) / r)
        case .i32RemS:
            let r = s32(y())
            if r == 0 { throw Trap(.integerDivideByZero) }
            sp[a] = UInt64(UInt32(bitPattern: s32(x()).remainderReportingOverflow(dividingBy: r).partialValue))
        case .i32RemU:
            let r = i32(y())
            if r == 0 { throw Trap(.integerDivideByZero) }
            sp[a] = UInt64(i32(x()) % r)
        case .i32And: sp[a] = UInt64(i32(x()) & i32(y()))
        case .i32Or: sp[a] = UInt64(i32(x()) | i32(y()))
        case .i32Xor: sp[a] = UInt64(i32(x()) ^ i32(y()))
        case .i32Shl: sp[a] = UInt64(i32(x()) &<< i32(y()))
        case .i32ShrS: sp[a] = UInt64(UInt32(bitPattern: s32(x()) &>> s32(y())))
        case .i32ShrU: sp[a] = UInt64(i32(x()) &>> i32(y()))
        case .i32Rotl:
            let v = i32(x()), k = i32(y()) & 31
            sp[a] = UInt64((v &<< k) | (v &>> ((32 &- k) & 31)))
        case .i32Rotr:
            let v = i32(x()), k = i32(y()) & 31
            sp[a] = UInt64((v &>> k) | (v &<< ((32 &- k) & 31)))

        // i64 arithmetic
        case .i64Clz: sp[a] = UInt64(x().leadingZeroBitCount)
        case .i64Ctz: sp[a] = UInt64(x().trailingZeroBitCount)
        case .i64Popcnt: sp[a] = UInt64(x().nonzeroBitCount)
        case .i64Add: sp[a] = x() &+ y()
        case .i64Sub: sp[a] = x() &- y()
        case .i64Mul: sp[a] = x() &* y()
        case .i64DivS:
            let l = Int64(bitPattern: x()), r = Int64(bitPattern: y())
            if r == 0 { throw Trap(.integerDivideByZero) }
            if l == Int64.min && r == -1 { throw Trap(.integerOverflow) }
            sp[a] = UInt64(bitPattern: l / r)
        case .i64DivU:
            let r = y()
            if r == 0 { throw Trap(.integerDivideByZero) }
            sp[a] = x() / r
        case .i64RemS:
            let r = Int64(bitPattern: y())
            if r == 0 { throw Trap(.integerDivideByZero) }
            sp[a] = UInt64(bitPattern: Int64(bitPattern: x()).remainderReportingOverflow(dividingBy: r).partialValue)
        case .i64RemU:
            let r = y()
            if r == 0 { throw Trap(.integerDivideByZero) }
            sp[a] = x() % r
        case .i64And: sp[a] = x() & y()
        case .i64Or: sp[a] = x() | y()
        case .i64Xor: sp[a] = x() ^ y()
        case .i64Shl: sp[a] = x() &<< y()
        case .i64ShrS: sp[a] = UInt64(bitPattern: Int64(bitPattern: x()) &>> Int64(bitPattern: y()))
        case .i64ShrU: sp[a] = x() &>> y()
        case .i64Rotl:
            let v = x(), k = y() & 63
            sp[a] = (v &<< k) | (v &>> ((64 &- k) & 63))
        case .i64Rotr:
            let v = x(), k = y() & 63
            sp[a] = (v &>> k) | (v &<< ((64 &- k) & 63))

        // f32 arithmetic (abs, neg and copysign are bit operations: NaN payloads are kept)
        case .f32Abs: sp[a] = UInt64(i32(x()) & ~sign32)
        case .f32Neg: sp[a] = UInt64(i32(x()) ^ sign32)
        case .f32Ceil: sp[a] = b32(f32(x()).rounded(.up))
        case .f32Floor: sp[a] = b32(f32(x()).rounded(.down))
        case .f32Trunc: sp[a] = b32(f32(x()).rounded(.towardZero))
        case .f32Nearest: sp[a] = b32(f32(x()).rounded(.toNearestOrEven))
        case .f32Sqrt: sp[a] = b32(f32(x()).squareRoot())
        case .f32Add: sp[a] = b32(f32(x()) + f32(y()))
        case .f32Sub: sp[a] = b32(f32(x()) - f32(y()))
        case .f32Mul: sp[a] = b32(f32(x()) * f32(y()))
        case .f32Div: sp[a] = b32(f32(x()) / f32(y()))
        case .f32Min: sp[a] = b32(fmin(f32(x()), f32(y())))
        case .f32Max: sp[a] = b32(fmax(f32(x()), f32(y())))
        case .f32Copysign: sp[a] = UInt64((i32(x()) & ~sign32) | (i32(y()) & sign32))
        // f64 arithmetic
        case .f64Abs: sp[a] = x() & ~sign64
        case .f64Neg: sp[a] = x() ^ sign64
        case .f64Ceil: sp[a] = b64(f64(x()).rounded(.up))
        case .f64Floor: sp[a] = b64(f64(x()).rounded(.down))
        case .f64Trunc: sp[a] = b64(f64(x()).rounded(.towardZero))
        case .f64Nearest: sp[a] = b64(f64(x()).rounded(.toNearestOrEven))
        case .f64Sqrt: sp[a] = b64(f64(x()).squareRoot())
        case .f64Add: sp[a] = b64(f64(x()) + f64(y()))
        case .f64Sub: sp[a] = b64(f64(x()) - f64(y()))
        case .f64Mul: sp[a] = b64(f64(x()) * f64(y()))
        case .f64Div: sp[a] = b64(f64(x()) / f64(y()))
        case .f64Min: sp[a] = b64(fmin(f64(x()), f64(y())))
        case .f64Max: sp[a] = b64(fmax(f64(x()), f64(y())))
        case .f64Copysign: sp[a] = (x() & ~sign64) | (y() & sign64)

        // Conversions
        case .i32WrapI64: sp[a] = UInt64(i32(x()))
        case .i32TruncF32S: sp[a] = UInt64(UInt32(bitPattern: Int32(try trunc(f32(x()), lower: -2147483904.0, upper: 2147483648.0))))
        case .i32TruncF32U: sp[a] = UInt64(UInt32(try trunc(f32(x()), lower: -1.0, upper: 4294967296.0)))
        case .i32TruncF64S: sp[a] = UInt64(UInt32(bitPattern: Int32(try trunc(f64(x()), lower: -2147483649.0, upper: 2147483648.0))))
        case .i32TruncF64U: sp[a] = UInt64(UInt32(try trunc(f64(x()), lower: -1.0, upper: 4294967296.0)))
        case .i64ExtendI32S: sp[a] = UInt64(bitPattern: Int64(s32(x())))
        case .i64ExtendI32U: sp[a] = UInt64(i32(x()))
        case .i64TruncF32S: sp[a] = UInt64(bitPattern: Int64(try trunc(f32(x()), lower: -9223373136366403584.0, upper: 9223372036854775808.0)))
        case .i64TruncF32U: sp[a] = UInt64(try trunc(f32(x()), lower: -1.0, upper: 18446744073709551616.0))
        case .i64TruncF64S: sp[a] = UInt64(bitPattern: Int64(try trunc(f64(x()), lower: -9223372036854777856.0, upper: 9223372036854775808.0)))
        case .i64TruncF64U: sp[a] = UInt64(try trunc(f64(x()), lower: -1.0, upper: 18446744073709551616.0))
        case .f32ConvertI32S: sp[a] = b32(Float(s32(x())))
        case .f32ConvertI32U: sp[a] = b32(Float(i32(x())))
        case .f32ConvertI64S: sp[a] = b32(Float(Int64(bitPattern: x())))
        case .f32ConvertI64U: sp[a] = b32(Float(x()))
        case .f32DemoteF64: sp[a] = b32(Float(f64(x())))
        case .f64ConvertI32S: sp[a] = b64(Double(s32(x())))
        case .f64ConvertI32U: sp[a] = b64(Double(i32(x())))
        case .f64ConvertI64S: sp[a] = b64(Double(Int64(bitPattern: x())))
        case .f64ConvertI64U: sp[a] = b64(Double(x()))
        case .f64PromoteF32: sp[a] = b64(Double(f32(x())))
        case .i32ReinterpretF32, .f32ReinterpretI32: sp[a] = UInt64(i32(x()))
        case .i64ReinterpretF64, .f64ReinterpretI64: sp[a] = x()
        case .i32Extend8S: sp[a] = UInt64(UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: x()))))
        case .i32Extend16S: sp[a] = UInt64(UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: x()))))
        case .i64Extend8S: sp[a] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: x())))
        case .i64Extend16S: sp[a] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: x())))
        case .i64Extend32S: sp[a] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x())))
        case .i32TruncSatF32S: sp[a] = satS32(f32(x()))
        case .i32TruncSatF32U: sp[a] = satU32(f32(x()))
        case .i32TruncSatF64S: sp[a] = satS32(f64(x()))
        case .i32TruncSatF64U: sp[a] = satU32(f64(x()))
        case .i64TruncSatF32S: sp[a] = satS64(f32(x()))
        case .i64TruncSatF32U: sp[a] = satU64(f32(x()))
        case .i64TruncSatF64S: sp[a] = satS64(f64(x()))
        case .i64TruncSatF64U: sp[a] = satU64(f64(x()))
        default:
            throw Trap(.unsupported, detail: Opcode(rawValue: i.op)?.name)
        }
    }
}
