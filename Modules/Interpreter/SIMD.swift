import Runtime
import WasmCore

// The fixed-width SIMD instructions (v128). A v128 operand occupies two consecutive frame slots,
// lane 0 in the lowest bytes of the first, so a slot pair loads as any Swift SIMD vector type with
// one unaligned 16-byte load. Lane operations are written over Swift's SIMD types, which a release
// build turns into vector instructions; the few without a vector form in the standard library
// (swizzle, shuffle, bitmask, float-to-integer saturation) go lane by lane.

typealias I8x16 = SIMD16<Int8>
typealias U8x16 = SIMD16<UInt8>
typealias I16x8 = SIMD8<Int16>
typealias U16x8 = SIMD8<UInt16>
typealias I32x4 = SIMD4<Int32>
typealias U32x4 = SIMD4<UInt32>
typealias I64x2 = SIMD2<Int64>
typealias U64x2 = SIMD2<UInt64>
typealias F32x4 = SIMD4<Float>
typealias F64x2 = SIMD2<Double>

/// Reinterprets a vector's 128 bits as another vector type.
@inline(__always) func cast<T: SIMD, U: SIMD>(_ v: T, _: U.Type = U.self) -> U { unsafeBitCast(v, to: U.self) }

/// All-ones lanes where `mask` holds, zero elsewhere.
@inline(__always) func lanes<M: SIMD>(_ mask: SIMDMask<M>) -> M where M.Scalar: FixedWidthInteger & SignedInteger, M.MaskStorage == M {
    M(repeating: 0).replacing(with: -1, where: mask)
}

/// Wasm's `min`/`max` on float lanes: NaN if either lane is NaN, and -0 below +0 (equal lanes
/// combine their bits: OR gives -0 for min, AND gives +0 for max). `B` is the signed integer
/// vector of the same shape, in which the lanes are selected.
@inline(__always) func wasmMin<V: SIMD, B: SIMD>(_ a: V, _ b: V, bits _: B.Type) -> V
where V.Scalar: BinaryFloatingPoint, V.MaskStorage == B, B.MaskStorage == B, B.Scalar: FixedWidthInteger & SignedInteger {
    let ai = cast(a, B.self), bi = cast(b, B.self)
    var r = select(lanes(b .< a), bi, ai)
    r = select(lanes(a .== b), ai | bi, r)
    return cast(select(lanes(.!(a .== a) .| .!(b .== b)), cast(a + b, B.self), r), V.self)
}

@inline(__always) func wasmMax<V: SIMD, B: SIMD>(_ a: V, _ b: V, bits _: B.Type) -> V
where V.Scalar: BinaryFloatingPoint, V.MaskStorage == B, B.MaskStorage == B, B.Scalar: FixedWidthInteger & SignedInteger {
    let ai = cast(a, B.self), bi = cast(b, B.self)
    var r = select(lanes(a .< b), bi, ai)
    r = select(lanes(a .== b), ai & bi, r)
    return cast(select(lanes(.!(a .== a) .| .!(b .== b)), cast(a + b, B.self), r), V.self)
}

// Integer helpers are written with shifts and bitwise selects: the standard library's
// vector-with-vector `replacing(with:where:)` and `any(_:)` run lane by lane (about 100 ns),
// while comparisons turned into all-ones lanes (`lanes`) and bitwise operations are vector code.

/// `a` where `mask` lanes are all ones, `b` where they are zero.
@inline(__always) func select<V: SIMD>(_ mask: V, _ a: V, _ b: V) -> V where V.Scalar: FixedWidthInteger {
    (a & mask) | (b & ~mask)
}

/// All-ones lanes where the lane's sign bit is set.
@inline(__always) func signMask<V: SIMD>(_ a: V) -> V where V.Scalar: FixedWidthInteger & SignedInteger {
    a &>> V.Scalar(V.Scalar.bitWidth - 1)
}

/// Lane-wise saturating add and subtract: the wrap-around result, replaced where it overflowed
/// by the bound on the side of `a`'s sign.
@inline(__always) func addSat<V: SIMD>(_ a: V, _ b: V) -> V where V.Scalar: FixedWidthInteger & SignedInteger {
    let s = a &+ b
    let bound = signMask(a) ^ V(repeating: .max)
    return select(signMask((s ^ a) & (s ^ b)), bound, s)
}

@inline(__always) func subSat<V: SIMD>(_ a: V, _ b: V) -> V where V.Scalar: FixedWidthInteger & SignedInteger {
    let s = a &- b
    let bound = signMask(a) ^ V(repeating: .max)
    return select(signMask((a ^ b) & (s ^ a)), bound, s)
}

// Unsigned saturation, per type: the generic form did not specialize (about 90 ns a lane op).
@inline(__always) func addSatU(_ a: U8x16, _ b: U8x16) -> U8x16 {
    let s = a &+ b
    return s | cast(lanes(s .< a), U8x16.self)
}

@inline(__always) func addSatU(_ a: U16x8, _ b: U16x8) -> U16x8 {
    let s = a &+ b
    return s | cast(lanes(s .< a), U16x8.self)
}

@inline(__always) func subSatU(_ a: U8x16, _ b: U8x16) -> U8x16 { (a &- b) & ~cast(lanes(a .< b), U8x16.self) }

@inline(__always) func subSatU(_ a: U16x8, _ b: U16x8) -> U16x8 { (a &- b) & ~cast(lanes(a .< b), U16x8.self) }

/// Rounding average of unsigned lanes, (a + b + 1) / 2 without overflow.
@inline(__always) func average<V: SIMD>(_ a: V, _ b: V) -> V where V.Scalar: FixedWidthInteger & UnsignedInteger {
    (a | b) &- ((a ^ b) &>> 1)
}

/// Wrapping absolute value: (a ^ s) - s with s the sign mask.
@inline(__always) func absolute<V: SIMD>(_ a: V) -> V where V.Scalar: FixedWidthInteger & SignedInteger {
    let s = signMask(a)
    return (a ^ s) &- s
}

/// Whether every lane of `v` is non-zero: no lane of the equal-to-zero mask is set.
@inline(__always) func allTrue<V: SIMD>(_ zeroLanes: V) -> Bool {
    let m = cast(zeroLanes, U64x2.self)
    return m[0] | m[1] == 0
}

/// Bit i of the result is the sign bit of lane i.
@inline(__always) func bitmask<V: SIMD>(_ a: V) -> UInt64 where V.Scalar: FixedWidthInteger & SignedInteger {
    var m: UInt64 = 0
    for k in 0..<V.scalarCount where a[k] < 0 { m |= 1 << UInt64(k) }
    return m
}

extension Machine {
    /// Executes one SIMD instruction (reached through `outOfLine`, so the scalar paths of the
    /// main loop keep their registers); `memBase`/`memSize` are the current memory's.
    @inline(__always)
    static func simd(_ i: Instr, _ sp: UnsafeMutablePointer<UInt64>, _ memBase: UnsafeMutableRawPointer?, _ memSize: UInt64) throws {
        @inline(__always) func v<T: SIMD>(_ s: UInt32, _: T.Type = T.self) -> T { UnsafeRawPointer(sp + Int(s)).loadUnaligned(as: T.self) }
        @inline(__always) func x<T: SIMD>(_: T.Type) -> T { v(i.b) }
        @inline(__always) func y<T: SIMD>(_: T.Type) -> T { v(i.c) }
        @inline(__always) func put<T: SIMD>(_ r: T) { UnsafeMutableRawPointer(sp + Int(i.a)).storeBytes(of: r, as: T.self) }
        @inline(__always) func scalar(_ s: UInt32) -> UInt64 { sp[Int(s)] }
        @inline(__always) func setScalar(_ r: UInt64) { sp[Int(i.a)] = r }
        @inline(__always) func address(_ size: UInt64, offset: UInt64) throws -> Int {
            let ea = UInt64(UInt32(truncatingIfNeeded: sp[Int(i.b)])) &+ offset
            guard ea &+ size <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
            return Int(ea)
        }
        @inline(__always) func load<T>(_: T.Type, offset: UInt64) throws -> T {
            let at = try address(UInt64(MemoryLayout<T>.size), offset: offset)
            return memBase.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: T.self)
        }
        @inline(__always) func store<T>(_ value: T, offset: UInt64) throws {
            let at = try address(UInt64(MemoryLayout<T>.size), offset: offset)
            memBase.unsafelyUnwrapped.storeBytes(of: value, toByteOffset: at, as: T.self)
        }
        let laneOffset = i.imm & 0xFFFF_FFFF
        let lane = Int(i.imm >> 32)

        switch unsafeBitCast(i.op, to: Op.self) {
        // Memory
        case .v128Load: put(try load(U8x16.self, offset: i.imm))
        case .v128Load8x8S: put(I16x8(truncatingIfNeeded: try load(SIMD8<Int8>.self, offset: i.imm)))
        case .v128Load8x8U: put(U16x8(truncatingIfNeeded: try load(SIMD8<UInt8>.self, offset: i.imm)))
        case .v128Load16x4S: put(I32x4(truncatingIfNeeded: try load(SIMD4<Int16>.self, offset: i.imm)))
        case .v128Load16x4U: put(U32x4(truncatingIfNeeded: try load(SIMD4<UInt16>.self, offset: i.imm)))
        case .v128Load32x2S: put(I64x2(truncatingIfNeeded: try load(SIMD2<Int32>.self, offset: i.imm)))
        case .v128Load32x2U: put(U64x2(truncatingIfNeeded: try load(SIMD2<UInt32>.self, offset: i.imm)))
        case .v128Load8Splat: put(U8x16(repeating: try load(UInt8.self, offset: i.imm)))
        case .v128Load16Splat: put(U16x8(repeating: try load(UInt16.self, offset: i.imm)))
        case .v128Load32Splat: put(U32x4(repeating: try load(UInt32.self, offset: i.imm)))
        case .v128Load64Splat: put(U64x2(repeating: try load(UInt64.self, offset: i.imm)))
        case .v128Load32Zero: put(U32x4(try load(UInt32.self, offset: i.imm), 0, 0, 0))
        case .v128Load64Zero: put(U64x2(try load(UInt64.self, offset: i.imm), 0))
        case .v128Store: try store(y(U8x16.self), offset: i.imm)
        case .v128Load8Lane:
            var r = y(U8x16.self); r[lane] = try load(UInt8.self, offset: laneOffset); put(r)
        case .v128Load16Lane:
            var r = y(U16x8.self); r[lane] = try load(UInt16.self, offset: laneOffset); put(r)
        case .v128Load32Lane:
            var r = y(U32x4.self); r[lane] = try load(UInt32.self, offset: laneOffset); put(r)
        case .v128Load64Lane:
            var r = y(U64x2.self); r[lane] = try load(UInt64.self, offset: laneOffset); put(r)
        case .v128Store8Lane: try store(y(U8x16.self)[lane], offset: laneOffset)
        case .v128Store16Lane: try store(y(U16x8.self)[lane], offset: laneOffset)
        case .v128Store32Lane: try store(y(U32x4.self)[lane], offset: laneOffset)
        case .v128Store64Lane: try store(y(U64x2.self)[lane], offset: laneOffset)

        // Shuffles, splats and lanes
        case .i8x16Shuffle:
            // Byte moves through a 32-byte buffer: a then b, indexed by the constant lane mask.
            var pair = (x(U8x16.self), y(U8x16.self))
            let lanes = UnsafeRawPointer(sp + Int(i.imm))
            var r = U8x16()
            withUnsafeBytes(of: &pair) { src in
                withUnsafeMutableBytes(of: &r) { dst in
                    for k in 0..<16 { dst[k] = src[Int(lanes.load(fromByteOffset: k, as: UInt8.self) & 31)] }
                }
            }
            put(r)
        case .i8x16Swizzle:
            // Indices 16 and above select zero: the second half of the buffer.
            var pair = (x(U8x16.self), U8x16())
            let indices = UnsafeRawPointer(sp + Int(i.c))
            var r = U8x16()
            withUnsafeBytes(of: &pair) { src in
                withUnsafeMutableBytes(of: &r) { dst in
                    for k in 0..<16 { dst[k] = src[Int(min(indices.load(fromByteOffset: k, as: UInt8.self), 16))] }
                }
            }
            put(r)
        case .i8x16Splat: put(U8x16(repeating: UInt8(truncatingIfNeeded: scalar(i.b))))
        case .i16x8Splat: put(U16x8(repeating: UInt16(truncatingIfNeeded: scalar(i.b))))
        case .i32x4Splat, .f32x4Splat: put(U32x4(repeating: UInt32(truncatingIfNeeded: scalar(i.b))))
        case .i64x2Splat, .f64x2Splat: put(U64x2(repeating: scalar(i.b)))
        case .i8x16ExtractLaneS: setScalar(UInt64(UInt32(bitPattern: Int32(x(I8x16.self)[Int(i.imm)]))))
        case .i8x16ExtractLaneU: setScalar(UInt64(x(U8x16.self)[Int(i.imm)]))
        case .i16x8ExtractLaneS: setScalar(UInt64(UInt32(bitPattern: Int32(x(I16x8.self)[Int(i.imm)]))))
        case .i16x8ExtractLaneU: setScalar(UInt64(x(U16x8.self)[Int(i.imm)]))
        case .i32x4ExtractLane, .f32x4ExtractLane: setScalar(UInt64(x(U32x4.self)[Int(i.imm)]))
        case .i64x2ExtractLane, .f64x2ExtractLane: setScalar(x(U64x2.self)[Int(i.imm)])
        case .i8x16ReplaceLane:
            var r = x(U8x16.self); r[Int(i.imm)] = UInt8(truncatingIfNeeded: scalar(i.c)); put(r)
        case .i16x8ReplaceLane:
            var r = x(U16x8.self); r[Int(i.imm)] = UInt16(truncatingIfNeeded: scalar(i.c)); put(r)
        case .i32x4ReplaceLane, .f32x4ReplaceLane:
            var r = x(U32x4.self); r[Int(i.imm)] = UInt32(truncatingIfNeeded: scalar(i.c)); put(r)
        case .i64x2ReplaceLane, .f64x2ReplaceLane:
            var r = x(U64x2.self); r[Int(i.imm)] = scalar(i.c); put(r)

        // Comparisons: all-ones lanes for true
        case .i8x16Eq: put(lanes(x(I8x16.self) .== y(I8x16.self)))
        case .i8x16Ne: put(lanes(x(I8x16.self) .!= y(I8x16.self)))
        case .i8x16LtS: put(lanes(x(I8x16.self) .< y(I8x16.self)))
        case .i8x16LtU: put(lanes(x(U8x16.self) .< y(U8x16.self)))
        case .i8x16GtS: put(lanes(x(I8x16.self) .> y(I8x16.self)))
        case .i8x16GtU: put(lanes(x(U8x16.self) .> y(U8x16.self)))
        case .i8x16LeS: put(lanes(x(I8x16.self) .<= y(I8x16.self)))
        case .i8x16LeU: put(lanes(x(U8x16.self) .<= y(U8x16.self)))
        case .i8x16GeS: put(lanes(x(I8x16.self) .>= y(I8x16.self)))
        case .i8x16GeU: put(lanes(x(U8x16.self) .>= y(U8x16.self)))
        case .i16x8Eq: put(lanes(x(I16x8.self) .== y(I16x8.self)))
        case .i16x8Ne: put(lanes(x(I16x8.self) .!= y(I16x8.self)))
        case .i16x8LtS: put(lanes(x(I16x8.self) .< y(I16x8.self)))
        case .i16x8LtU: put(lanes(x(U16x8.self) .< y(U16x8.self)))
        case .i16x8GtS: put(lanes(x(I16x8.self) .> y(I16x8.self)))
        case .i16x8GtU: put(lanes(x(U16x8.self) .> y(U16x8.self)))
        case .i16x8LeS: put(lanes(x(I16x8.self) .<= y(I16x8.self)))
        case .i16x8LeU: put(lanes(x(U16x8.self) .<= y(U16x8.self)))
        case .i16x8GeS: put(lanes(x(I16x8.self) .>= y(I16x8.self)))
        case .i16x8GeU: put(lanes(x(U16x8.self) .>= y(U16x8.self)))
        case .i32x4Eq: put(lanes(x(I32x4.self) .== y(I32x4.self)))
        case .i32x4Ne: put(lanes(x(I32x4.self) .!= y(I32x4.self)))
        case .i32x4LtS: put(lanes(x(I32x4.self) .< y(I32x4.self)))
        case .i32x4LtU: put(lanes(x(U32x4.self) .< y(U32x4.self)))
        case .i32x4GtS: put(lanes(x(I32x4.self) .> y(I32x4.self)))
        case .i32x4GtU: put(lanes(x(U32x4.self) .> y(U32x4.self)))
        case .i32x4LeS: put(lanes(x(I32x4.self) .<= y(I32x4.self)))
        case .i32x4LeU: put(lanes(x(U32x4.self) .<= y(U32x4.self)))
        case .i32x4GeS: put(lanes(x(I32x4.self) .>= y(I32x4.self)))
        case .i32x4GeU: put(lanes(x(U32x4.self) .>= y(U32x4.self)))
        case .i64x2Eq: put(lanes(x(I64x2.self) .== y(I64x2.self)))
        case .i64x2Ne: put(lanes(x(I64x2.self) .!= y(I64x2.self)))
        case .i64x2LtS: put(lanes(x(I64x2.self) .< y(I64x2.self)))
        case .i64x2GtS: put(lanes(x(I64x2.self) .> y(I64x2.self)))
        case .i64x2LeS: put(lanes(x(I64x2.self) .<= y(I64x2.self)))
        case .i64x2GeS: put(lanes(x(I64x2.self) .>= y(I64x2.self)))
        case .f32x4Eq: put(lanes(x(F32x4.self) .== y(F32x4.self)))
        case .f32x4Ne: put(lanes(.!(x(F32x4.self) .== y(F32x4.self))))
        case .f32x4Lt: put(lanes(x(F32x4.self) .< y(F32x4.self)))
        case .f32x4Gt: put(lanes(x(F32x4.self) .> y(F32x4.self)))
        case .f32x4Le: put(lanes(x(F32x4.self) .<= y(F32x4.self)))
        case .f32x4Ge: put(lanes(x(F32x4.self) .>= y(F32x4.self)))
        case .f64x2Eq: put(lanes(x(F64x2.self) .== y(F64x2.self)))
        case .f64x2Ne: put(lanes(.!(x(F64x2.self) .== y(F64x2.self))))
        case .f64x2Lt: put(lanes(x(F64x2.self) .< y(F64x2.self)))
        case .f64x2Gt: put(lanes(x(F64x2.self) .> y(F64x2.self)))
        case .f64x2Le: put(lanes(x(F64x2.self) .<= y(F64x2.self)))
        case .f64x2Ge: put(lanes(x(F64x2.self) .>= y(F64x2.self)))

        // Bitwise
        case .v128Not: put(~x(U64x2.self))
        case .v128And: put(x(U64x2.self) & y(U64x2.self))
        case .v128Andnot: put(x(U64x2.self) & ~y(U64x2.self))
        case .v128Or: put(x(U64x2.self) | y(U64x2.self))
        case .v128Xor: put(x(U64x2.self) ^ y(U64x2.self))
        case .v128Bitselect:
            let m: U64x2 = v(UInt32(i.imm))
            put((x(U64x2.self) & m) | (y(U64x2.self) & ~m))
        case .v128AnyTrue:
            let a = x(U64x2.self)
            setScalar(Machine.bool((a[0] | a[1]) != 0))
        case .i8x16AllTrue: setScalar(Machine.bool(allTrue(lanes(x(I8x16.self) .== I8x16()))))
        case .i16x8AllTrue: setScalar(Machine.bool(allTrue(lanes(x(I16x8.self) .== I16x8()))))
        case .i32x4AllTrue: setScalar(Machine.bool(allTrue(lanes(x(I32x4.self) .== I32x4()))))
        case .i64x2AllTrue: setScalar(Machine.bool(allTrue(lanes(x(I64x2.self) .== I64x2()))))
        case .i8x16Bitmask: setScalar(bitmask(x(I8x16.self)))
        case .i16x8Bitmask: setScalar(bitmask(x(I16x8.self)))
        case .i32x4Bitmask: setScalar(bitmask(x(I32x4.self)))
        case .i64x2Bitmask: setScalar(bitmask(x(I64x2.self)))

        // Integer lane arithmetic
        case .i8x16Abs: put(absolute(x(I8x16.self)))
        case .i16x8Abs: put(absolute(x(I16x8.self)))
        case .i32x4Abs: put(absolute(x(I32x4.self)))
        case .i64x2Abs: put(absolute(x(I64x2.self)))
        case .i8x16Neg: put(0 &- x(I8x16.self))
        case .i16x8Neg: put(0 &- x(I16x8.self))
        case .i32x4Neg: put(0 &- x(I32x4.self))
        case .i64x2Neg: put(0 &- x(I64x2.self))
        case .i8x16Popcnt: put(x(U8x16.self).nonzeroBitCount)
        case .i8x16Add: put(x(U8x16.self) &+ y(U8x16.self))
        case .i16x8Add: put(x(U16x8.self) &+ y(U16x8.self))
        case .i32x4Add: put(x(U32x4.self) &+ y(U32x4.self))
        case .i64x2Add: put(x(U64x2.self) &+ y(U64x2.self))
        case .i8x16Sub: put(x(U8x16.self) &- y(U8x16.self))
        case .i16x8Sub: put(x(U16x8.self) &- y(U16x8.self))
        case .i32x4Sub: put(x(U32x4.self) &- y(U32x4.self))
        case .i64x2Sub: put(x(U64x2.self) &- y(U64x2.self))
        case .i16x8Mul: put(x(U16x8.self) &* y(U16x8.self))
        case .i32x4Mul: put(x(U32x4.self) &* y(U32x4.self))
        case .i64x2Mul: put(x(U64x2.self) &* y(U64x2.self))
        case .i8x16AddSatS: put(addSat(x(I8x16.self), y(I8x16.self)))
        case .i8x16AddSatU: put(addSatU(x(U8x16.self), y(U8x16.self)))
        case .i8x16SubSatS: put(subSat(x(I8x16.self), y(I8x16.self)))
        case .i8x16SubSatU: put(subSatU(x(U8x16.self), y(U8x16.self)))
        case .i16x8AddSatS: put(addSat(x(I16x8.self), y(I16x8.self)))
        case .i16x8AddSatU: put(addSatU(x(U16x8.self), y(U16x8.self)))
        case .i16x8SubSatS: put(subSat(x(I16x8.self), y(I16x8.self)))
        case .i16x8SubSatU: put(subSatU(x(U16x8.self), y(U16x8.self)))
        case .i8x16MinS: put(pointwiseMin(x(I8x16.self), y(I8x16.self)))
        case .i8x16MinU: put(pointwiseMin(x(U8x16.self), y(U8x16.self)))
        case .i8x16MaxS: put(pointwiseMax(x(I8x16.self), y(I8x16.self)))
        case .i8x16MaxU: put(pointwiseMax(x(U8x16.self), y(U8x16.self)))
        case .i16x8MinS: put(pointwiseMin(x(I16x8.self), y(I16x8.self)))
        case .i16x8MinU: put(pointwiseMin(x(U16x8.self), y(U16x8.self)))
        case .i16x8MaxS: put(pointwiseMax(x(I16x8.self), y(I16x8.self)))
        case .i16x8MaxU: put(pointwiseMax(x(U16x8.self), y(U16x8.self)))
        case .i32x4MinS: put(pointwiseMin(x(I32x4.self), y(I32x4.self)))
        case .i32x4MinU: put(pointwiseMin(x(U32x4.self), y(U32x4.self)))
        case .i32x4MaxS: put(pointwiseMax(x(I32x4.self), y(I32x4.self)))
        case .i32x4MaxU: put(pointwiseMax(x(U32x4.self), y(U32x4.self)))
        case .i8x16AvgrU: put(average(x(U8x16.self), y(U8x16.self)))
        case .i16x8AvgrU: put(average(x(U16x8.self), y(U16x8.self)))
        case .i16x8Q15mulrSatS:
            let a = x(I16x8.self), b = y(I16x8.self)
            func half(_ p: SIMD4<Int16>, _ q: SIMD4<Int16>) -> SIMD4<Int16> {
                let r = (I32x4(truncatingIfNeeded: p) &* I32x4(truncatingIfNeeded: q) &+ 0x4000) &>> 15
                return SIMD4<Int16>(truncatingIfNeeded: r.clamped(lowerBound: I32x4(repeating: -32768), upperBound: I32x4(repeating: 32767)))
            }
            put(I16x8(lowHalf: half(a.lowHalf, b.lowHalf), highHalf: half(a.highHalf, b.highHalf)))
        case .i32x4DotI16x8S:
            let a = x(I16x8.self), b = y(I16x8.self)
            let even = I32x4(truncatingIfNeeded: a.evenHalf) &* I32x4(truncatingIfNeeded: b.evenHalf)
            let odd = I32x4(truncatingIfNeeded: a.oddHalf) &* I32x4(truncatingIfNeeded: b.oddHalf)
            put(even &+ odd)

        // Shifts: the count is taken modulo the lane width
        case .i8x16Shl: put(x(U8x16.self) &<< UInt8(truncatingIfNeeded: scalar(i.c) & 7))
        case .i8x16ShrS: put(x(I8x16.self) &>> Int8(truncatingIfNeeded: scalar(i.c) & 7))
        case .i8x16ShrU: put(x(U8x16.self) &>> UInt8(truncatingIfNeeded: scalar(i.c) & 7))
        case .i16x8Shl: put(x(U16x8.self) &<< UInt16(truncatingIfNeeded: scalar(i.c) & 15))
        case .i16x8ShrS: put(x(I16x8.self) &>> Int16(truncatingIfNeeded: scalar(i.c) & 15))
        case .i16x8ShrU: put(x(U16x8.self) &>> UInt16(truncatingIfNeeded: scalar(i.c) & 15))
        case .i32x4Shl: put(x(U32x4.self) &<< UInt32(truncatingIfNeeded: scalar(i.c) & 31))
        case .i32x4ShrS: put(x(I32x4.self) &>> Int32(truncatingIfNeeded: scalar(i.c) & 31))
        case .i32x4ShrU: put(x(U32x4.self) &>> UInt32(truncatingIfNeeded: scalar(i.c) & 31))
        case .i64x2Shl: put(x(U64x2.self) &<< (scalar(i.c) & 63))
        case .i64x2ShrS: put(x(I64x2.self) &>> Int64(scalar(i.c) & 63))
        case .i64x2ShrU: put(x(U64x2.self) &>> (scalar(i.c) & 63))

        // Narrowing (saturating) and widening
        case .i8x16NarrowI16x8S:
            let lo = x(I16x8.self).clamped(lowerBound: .init(repeating: -128), upperBound: .init(repeating: 127))
            let hi = y(I16x8.self).clamped(lowerBound: .init(repeating: -128), upperBound: .init(repeating: 127))
            put(I8x16(lowHalf: SIMD8<Int8>(truncatingIfNeeded: lo), highHalf: SIMD8<Int8>(truncatingIfNeeded: hi)))
        case .i8x16NarrowI16x8U:
            let lo = x(I16x8.self).clamped(lowerBound: .init(repeating: 0), upperBound: .init(repeating: 255))
            let hi = y(I16x8.self).clamped(lowerBound: .init(repeating: 0), upperBound: .init(repeating: 255))
            put(U8x16(lowHalf: SIMD8<UInt8>(truncatingIfNeeded: lo), highHalf: SIMD8<UInt8>(truncatingIfNeeded: hi)))
        case .i16x8NarrowI32x4S:
            let lo = x(I32x4.self).clamped(lowerBound: .init(repeating: -32768), upperBound: .init(repeating: 32767))
            let hi = y(I32x4.self).clamped(lowerBound: .init(repeating: -32768), upperBound: .init(repeating: 32767))
            put(I16x8(lowHalf: SIMD4<Int16>(truncatingIfNeeded: lo), highHalf: SIMD4<Int16>(truncatingIfNeeded: hi)))
        case .i16x8NarrowI32x4U:
            let lo = x(I32x4.self).clamped(lowerBound: .init(repeating: 0), upperBound: .init(repeating: 65535))
            let hi = y(I32x4.self).clamped(lowerBound: .init(repeating: 0), upperBound: .init(repeating: 65535))
            put(U16x8(lowHalf: SIMD4<UInt16>(truncatingIfNeeded: lo), highHalf: SIMD4<UInt16>(truncatingIfNeeded: hi)))
        case .i16x8ExtendLowI8x16S: put(I16x8(truncatingIfNeeded: x(I8x16.self).lowHalf))
        case .i16x8ExtendHighI8x16S: put(I16x8(truncatingIfNeeded: x(I8x16.self).highHalf))
        case .i16x8ExtendLowI8x16U: put(U16x8(truncatingIfNeeded: x(U8x16.self).lowHalf))
        case .i16x8ExtendHighI8x16U: put(U16x8(truncatingIfNeeded: x(U8x16.self).highHalf))
        case .i32x4ExtendLowI16x8S: put(I32x4(truncatingIfNeeded: x(I16x8.self).lowHalf))
        case .i32x4ExtendHighI16x8S: put(I32x4(truncatingIfNeeded: x(I16x8.self).highHalf))
        case .i32x4ExtendLowI16x8U: put(U32x4(truncatingIfNeeded: x(U16x8.self).lowHalf))
        case .i32x4ExtendHighI16x8U: put(U32x4(truncatingIfNeeded: x(U16x8.self).highHalf))
        case .i64x2ExtendLowI32x4S: put(I64x2(truncatingIfNeeded: x(I32x4.self).lowHalf))
        case .i64x2ExtendHighI32x4S: put(I64x2(truncatingIfNeeded: x(I32x4.self).highHalf))
        case .i64x2ExtendLowI32x4U: put(U64x2(truncatingIfNeeded: x(U32x4.self).lowHalf))
        case .i64x2ExtendHighI32x4U: put(U64x2(truncatingIfNeeded: x(U32x4.self).highHalf))
        case .i16x8ExtaddPairwiseI8x16S:
            let a = x(I8x16.self)
            put(I16x8(truncatingIfNeeded: a.evenHalf) &+ I16x8(truncatingIfNeeded: a.oddHalf))
        case .i16x8ExtaddPairwiseI8x16U:
            let a = x(U8x16.self)
            put(U16x8(truncatingIfNeeded: a.evenHalf) &+ U16x8(truncatingIfNeeded: a.oddHalf))
        case .i32x4ExtaddPairwiseI16x8S:
            let a = x(I16x8.self)
            put(I32x4(truncatingIfNeeded: a.evenHalf) &+ I32x4(truncatingIfNeeded: a.oddHalf))
        case .i32x4ExtaddPairwiseI16x8U:
            let a = x(U16x8.self)
            put(U32x4(truncatingIfNeeded: a.evenHalf) &+ U32x4(truncatingIfNeeded: a.oddHalf))
        case .i16x8ExtmulLowI8x16S: put(I16x8(truncatingIfNeeded: x(I8x16.self).lowHalf) &* I16x8(truncatingIfNeeded: y(I8x16.self).lowHalf))
        case .i16x8ExtmulHighI8x16S: put(I16x8(truncatingIfNeeded: x(I8x16.self).highHalf) &* I16x8(truncatingIfNeeded: y(I8x16.self).highHalf))
        case .i16x8ExtmulLowI8x16U: put(U16x8(truncatingIfNeeded: x(U8x16.self).lowHalf) &* U16x8(truncatingIfNeeded: y(U8x16.self).lowHalf))
        case .i16x8ExtmulHighI8x16U: put(U16x8(truncatingIfNeeded: x(U8x16.self).highHalf) &* U16x8(truncatingIfNeeded: y(U8x16.self).highHalf))
        case .i32x4ExtmulLowI16x8S: put(I32x4(truncatingIfNeeded: x(I16x8.self).lowHalf) &* I32x4(truncatingIfNeeded: y(I16x8.self).lowHalf))
        case .i32x4ExtmulHighI16x8S: put(I32x4(truncatingIfNeeded: x(I16x8.self).highHalf) &* I32x4(truncatingIfNeeded: y(I16x8.self).highHalf))
        case .i32x4ExtmulLowI16x8U: put(U32x4(truncatingIfNeeded: x(U16x8.self).lowHalf) &* U32x4(truncatingIfNeeded: y(U16x8.self).lowHalf))
        case .i32x4ExtmulHighI16x8U: put(U32x4(truncatingIfNeeded: x(U16x8.self).highHalf) &* U32x4(truncatingIfNeeded: y(U16x8.self).highHalf))
        case .i64x2ExtmulLowI32x4S: put(I64x2(truncatingIfNeeded: x(I32x4.self).lowHalf) &* I64x2(truncatingIfNeeded: y(I32x4.self).lowHalf))
        case .i64x2ExtmulHighI32x4S: put(I64x2(truncatingIfNeeded: x(I32x4.self).highHalf) &* I64x2(truncatingIfNeeded: y(I32x4.self).highHalf))
        case .i64x2ExtmulLowI32x4U: put(U64x2(truncatingIfNeeded: x(U32x4.self).lowHalf) &* U64x2(truncatingIfNeeded: y(U32x4.self).lowHalf))
        case .i64x2ExtmulHighI32x4U: put(U64x2(truncatingIfNeeded: x(U32x4.self).highHalf) &* U64x2(truncatingIfNeeded: y(U32x4.self).highHalf))

        // Float lane arithmetic (abs and neg are bit operations: NaN payloads are kept)
        case .f32x4Abs: put(x(U32x4.self) & 0x7FFF_FFFF)
        case .f32x4Neg: put(x(U32x4.self) ^ 0x8000_0000)
        case .f64x2Abs: put(x(U64x2.self) & 0x7FFF_FFFF_FFFF_FFFF)
        case .f64x2Neg: put(x(U64x2.self) ^ 0x8000_0000_0000_0000)
        case .f32x4Sqrt: put(x(F32x4.self).squareRoot())
        case .f64x2Sqrt: put(x(F64x2.self).squareRoot())
        case .f32x4Add: put(x(F32x4.self) + y(F32x4.self))
        case .f32x4Sub: put(x(F32x4.self) - y(F32x4.self))
        case .f32x4Mul: put(x(F32x4.self) * y(F32x4.self))
        case .f32x4Div: put(x(F32x4.self) / y(F32x4.self))
        case .f64x2Add: put(x(F64x2.self) + y(F64x2.self))
        case .f64x2Sub: put(x(F64x2.self) - y(F64x2.self))
        case .f64x2Mul: put(x(F64x2.self) * y(F64x2.self))
        case .f64x2Div: put(x(F64x2.self) / y(F64x2.self))
        case .f32x4Min: put(wasmMin(x(F32x4.self), y(F32x4.self), bits: I32x4.self))
        case .f32x4Max: put(wasmMax(x(F32x4.self), y(F32x4.self), bits: I32x4.self))
        case .f64x2Min: put(wasmMin(x(F64x2.self), y(F64x2.self), bits: I64x2.self))
        case .f64x2Max: put(wasmMax(x(F64x2.self), y(F64x2.self), bits: I64x2.self))
        case .f32x4Pmin: let a = x(F32x4.self), b = y(F32x4.self); put(select(lanes(b .< a), cast(b, I32x4.self), cast(a, I32x4.self)))
        case .f32x4Pmax: let a = x(F32x4.self), b = y(F32x4.self); put(select(lanes(a .< b), cast(b, I32x4.self), cast(a, I32x4.self)))
        case .f64x2Pmin: let a = x(F64x2.self), b = y(F64x2.self); put(select(lanes(b .< a), cast(b, I64x2.self), cast(a, I64x2.self)))
        case .f64x2Pmax: let a = x(F64x2.self), b = y(F64x2.self); put(select(lanes(a .< b), cast(b, I64x2.self), cast(a, I64x2.self)))
        case .f32x4Ceil: put(x(F32x4.self).rounded(.up))
        case .f32x4Floor: put(x(F32x4.self).rounded(.down))
        case .f32x4Trunc: put(x(F32x4.self).rounded(.towardZero))
        case .f32x4Nearest: put(x(F32x4.self).rounded(.toNearestOrEven))
        case .f64x2Ceil: put(x(F64x2.self).rounded(.up))
        case .f64x2Floor: put(x(F64x2.self).rounded(.down))
        case .f64x2Trunc: put(x(F64x2.self).rounded(.towardZero))
        case .f64x2Nearest: put(x(F64x2.self).rounded(.toNearestOrEven))

        // Conversions
        case .f32x4ConvertI32x4S: put(F32x4(x(I32x4.self)))
        case .f32x4ConvertI32x4U: put(F32x4(x(U32x4.self)))
        case .f64x2ConvertLowI32x4S: put(F64x2(x(I32x4.self).lowHalf))
        case .f64x2ConvertLowI32x4U: put(F64x2(x(U32x4.self).lowHalf))
        case .f32x4DemoteF64x2Zero:
            let a = x(F64x2.self)
            put(F32x4(Float(a[0]), Float(a[1]), 0, 0))
        case .f64x2PromoteLowF32x4:
            let a = x(F32x4.self)
            put(F64x2(Double(a[0]), Double(a[1])))
        case .i32x4TruncSatF32x4S:
            let a = x(F32x4.self)
            put(U32x4(UInt32(truncatingIfNeeded: Machine.satS32(a[0])), UInt32(truncatingIfNeeded: Machine.satS32(a[1])),
                      UInt32(truncatingIfNeeded: Machine.satS32(a[2])), UInt32(truncatingIfNeeded: Machine.satS32(a[3]))))
        case .i32x4TruncSatF32x4U:
            let a = x(F32x4.self)
            put(U32x4(UInt32(truncatingIfNeeded: Machine.satU32(a[0])), UInt32(truncatingIfNeeded: Machine.satU32(a[1])),
                      UInt32(truncatingIfNeeded: Machine.satU32(a[2])), UInt32(truncatingIfNeeded: Machine.satU32(a[3]))))
        case .i32x4TruncSatF64x2SZero:
            let a = x(F64x2.self)
            put(U32x4(UInt32(truncatingIfNeeded: Machine.satS32(a[0])), UInt32(truncatingIfNeeded: Machine.satS32(a[1])), 0, 0))
        case .i32x4TruncSatF64x2UZero:
            let a = x(F64x2.self)
            put(U32x4(UInt32(truncatingIfNeeded: Machine.satU32(a[0])), UInt32(truncatingIfNeeded: Machine.satU32(a[1])), 0, 0))

        default:
            throw Trap(.unsupported, detail: Opcode(rawValue: i.op)?.name)
        }
    }
}
