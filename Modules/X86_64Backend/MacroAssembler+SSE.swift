import Air

/// Scalar floating point: SSE2, and SSE4.1 for rounding (a required CPU feature). Prefixes
/// come before REX: 66 (packed double / integer moves), F3 (scalar single), F2 (scalar double).
extension MacroAssembler {
    private mutating func sse(_ prefix: UInt8?, w: Bool = false, _ opcode: UInt8, _ src: FPR, _ dst: FPR) {
        rr(prefix, w: w, [0x0F, opcode], reg: dst.raw, rm: src.raw)
    }

    private mutating func sse(_ prefix: UInt8?, _ opcode: UInt8, _ m: Memory, _ dst: FPR) {
        rm(prefix, w: false, [0x0F, opcode], reg: dst.raw, m)
    }

    /// `movaps`: copies a whole register (shorter than movss/movsd and without their merge).
    package mutating func moveVector(_ src: FPR, _ dst: FPR) { sse(nil, 0x28, src, dst) }
    package mutating func loadFloat(_ m: Memory, _ dst: FPR) { sse(0xF3, 0x10, m, dst) }
    package mutating func loadDouble(_ m: Memory, _ dst: FPR) { sse(0xF2, 0x10, m, dst) }
    package mutating func storeFloat(_ src: FPR, _ m: Memory) { rm(0xF3, w: false, [0x0F, 0x11], reg: src.raw, m) }
    package mutating func storeDouble(_ src: FPR, _ m: Memory) { rm(0xF2, w: false, [0x0F, 0x11], reg: src.raw, m) }

    package mutating func move32ToFloat(_ src: GPR, _ dst: FPR) { rr(0x66, w: false, [0x0F, 0x6E], reg: dst.raw, rm: src.raw) }
    package mutating func move64ToDouble(_ src: GPR, _ dst: FPR) { rr(0x66, w: true, [0x0F, 0x6E], reg: dst.raw, rm: src.raw) }
    package mutating func moveFloatTo32(_ src: FPR, _ dst: GPR) { rr(0x66, w: false, [0x0F, 0x7E], reg: src.raw, rm: dst.raw) }
    package mutating func moveDoubleTo64(_ src: FPR, _ dst: GPR) { rr(0x66, w: true, [0x0F, 0x7E], reg: src.raw, rm: dst.raw) }

    package mutating func addFloat(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x58, src, dst) }
    package mutating func addFloat(_ m: Memory, _ dst: FPR) { sse(0xF3, 0x58, m, dst) }
    package mutating func addDouble(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x58, src, dst) }
    package mutating func addDouble(_ m: Memory, _ dst: FPR) { sse(0xF2, 0x58, m, dst) }
    package mutating func mulFloat(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x59, src, dst) }
    package mutating func mulFloat(_ m: Memory, _ dst: FPR) { sse(0xF3, 0x59, m, dst) }
    package mutating func mulDouble(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x59, src, dst) }
    package mutating func mulDouble(_ m: Memory, _ dst: FPR) { sse(0xF2, 0x59, m, dst) }
    package mutating func subFloat(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x5C, src, dst) }
    package mutating func subFloat(_ m: Memory, _ dst: FPR) { sse(0xF3, 0x5C, m, dst) }
    package mutating func subDouble(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x5C, src, dst) }
    package mutating func subDouble(_ m: Memory, _ dst: FPR) { sse(0xF2, 0x5C, m, dst) }
    package mutating func divFloat(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x5E, src, dst) }
    package mutating func divFloat(_ m: Memory, _ dst: FPR) { sse(0xF3, 0x5E, m, dst) }
    package mutating func divDouble(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x5E, src, dst) }
    package mutating func divDouble(_ m: Memory, _ dst: FPR) { sse(0xF2, 0x5E, m, dst) }
    package mutating func sqrtFloat(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x51, src, dst) }
    package mutating func sqrtDouble(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x51, src, dst) }
    /// minss/maxss: the second operand (src) when either is NaN or both are zero; lowering
    /// wraps them to get Wasm's rules.
    package mutating func x86MinFloat(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x5D, src, dst) }
    package mutating func x86MinDouble(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x5D, src, dst) }
    package mutating func x86MaxFloat(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x5F, src, dst) }
    package mutating func x86MaxDouble(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x5F, src, dst) }
    package mutating func andFloat(_ src: FPR, _ dst: FPR) { sse(nil, 0x54, src, dst) }
    package mutating func andDouble(_ src: FPR, _ dst: FPR) { sse(0x66, 0x54, src, dst) }
    package mutating func orFloat(_ src: FPR, _ dst: FPR) { sse(nil, 0x56, src, dst) }
    package mutating func orDouble(_ src: FPR, _ dst: FPR) { sse(0x66, 0x56, src, dst) }
    package mutating func xorFloat(_ src: FPR, _ dst: FPR) { sse(nil, 0x57, src, dst) }
    package mutating func xorDouble(_ src: FPR, _ dst: FPR) { sse(0x66, 0x57, src, dst) }

    /// roundss/roundsd with the rounding-mode immediate (SSE4.1): 8 + mode (0 nearest,
    /// 1 down, 2 up, 3 toward zero); the 8 suppresses the inexact exception.
    package mutating func roundFloat(_ mode: Int32, _ src: FPR, _ dst: FPR) {
        rr(0x66, w: false, [0x0F, 0x3A, 0x0A], reg: dst.raw, rm: src.raw)
        byte(UInt8(truncatingIfNeeded: mode))
    }

    package mutating func roundDouble(_ mode: Int32, _ src: FPR, _ dst: FPR) {
        rr(0x66, w: false, [0x0F, 0x3A, 0x0B], reg: dst.raw, rm: src.raw)
        byte(UInt8(truncatingIfNeeded: mode))
    }

    package mutating func convertInt32ToFloat(_ src: GPR, _ dst: FPR) { rr(0xF3, w: false, [0x0F, 0x2A], reg: dst.raw, rm: src.raw) }
    package mutating func convertInt64ToFloat(_ src: GPR, _ dst: FPR) { rr(0xF3, w: true, [0x0F, 0x2A], reg: dst.raw, rm: src.raw) }
    package mutating func convertInt32ToDouble(_ src: GPR, _ dst: FPR) { rr(0xF2, w: false, [0x0F, 0x2A], reg: dst.raw, rm: src.raw) }
    package mutating func convertInt64ToDouble(_ src: GPR, _ dst: FPR) { rr(0xF2, w: true, [0x0F, 0x2A], reg: dst.raw, rm: src.raw) }
    package mutating func truncateFloatToInt32(_ src: FPR, _ dst: GPR) { rr(0xF3, w: false, [0x0F, 0x2C], reg: dst.raw, rm: src.raw) }
    package mutating func truncateFloatToInt64(_ src: FPR, _ dst: GPR) { rr(0xF3, w: true, [0x0F, 0x2C], reg: dst.raw, rm: src.raw) }
    package mutating func truncateDoubleToInt32(_ src: FPR, _ dst: GPR) { rr(0xF2, w: false, [0x0F, 0x2C], reg: dst.raw, rm: src.raw) }
    package mutating func truncateDoubleToInt64(_ src: FPR, _ dst: GPR) { rr(0xF2, w: true, [0x0F, 0x2C], reg: dst.raw, rm: src.raw) }
    package mutating func convertFloatToDouble(_ src: FPR, _ dst: FPR) { sse(0xF3, 0x5A, src, dst) }
    package mutating func convertDoubleToFloat(_ src: FPR, _ dst: FPR) { sse(0xF2, 0x5A, src, dst) }

    /// `ucomiss b, a`: flags as for a compared with b; unordered sets ZF, PF and CF.
    package mutating func ucomiss(_ a: FPR, _ b: FPR) { sse(nil, 0x2E, b, a) }
    package mutating func ucomisd(_ a: FPR, _ b: FPR) { sse(0x66, 0x2E, b, a) }

    /// How a double condition reads the flags of ucomis: whether the operands swap, the
    /// condition code, and whether unordered (PF=1) must be tested separately
    /// (true: unordered makes the condition false; false: unordered makes it true).
    private static func plan(_ c: DoubleCondition) -> (swap: Bool, cc: Condition, parity: Bool?) {
        switch c {
        case .equalAndOrdered: (false, .equal, true)
        case .notEqualOrUnordered: (false, .notEqual, false)
        case .notEqualAndOrdered: (false, .notEqual, nil)
        case .equalOrUnordered: (false, .equal, nil)
        case .greaterThanAndOrdered: (false, .above, nil)
        case .greaterThanOrEqualAndOrdered: (false, .aboveOrEqual, nil)
        case .lessThanAndOrdered: (true, .above, nil)
        case .lessThanOrEqualAndOrdered: (true, .aboveOrEqual, nil)
        case .lessThanOrUnordered: (false, .below, nil)
        case .lessThanOrEqualOrUnordered: (false, .belowOrEqual, nil)
        case .greaterThanOrUnordered: (true, .below, nil)
        case .greaterThanOrEqualOrUnordered: (true, .belowOrEqual, nil)
        }
    }

    private mutating func compareFloating(_ c: DoubleCondition, _ a: FPR, _ b: FPR, _ dst: GPR, double: Bool) {
        let p = MacroAssembler.plan(c)
        let (x, y) = p.swap ? (b, a) : (a, b)
        if double { ucomisd(x, y) } else { ucomiss(x, y) }
        if let orderedOnly = p.parity {
            // dst = unordered ? (orderedOnly ? 0 : 1) : cc. The mov leaves the flags alone.
            let done = newLabel()
            move32(orderedOnly ? 0 : 1, dst)
            jcc(.parity, done)
            setcc(p.cc, dst)
            bind(done)
        } else {
            setcc(p.cc, dst)
            zeroExtend8To32(dst, dst)
        }
    }

    package mutating func compareFloat(_ c: DoubleCondition, _ a: FPR, _ b: FPR, _ dst: GPR) {
        compareFloating(c, a, b, dst, double: false)
    }

    package mutating func compareDouble(_ c: DoubleCondition, _ a: FPR, _ b: FPR, _ dst: GPR) {
        compareFloating(c, a, b, dst, double: true)
    }

    private mutating func branchFloating(_ c: DoubleCondition, _ a: FPR, _ b: FPR, targets: [Label], double: Bool) {
        let p = MacroAssembler.plan(c)
        let (x, y) = p.swap ? (b, a) : (a, b)
        if double { ucomisd(x, y) } else { ucomiss(x, y) }
        if let orderedOnly = p.parity {
            jcc(.parity, orderedOnly ? targets[1] : targets[0])
        }
        branch(p.cc, targets: targets)
    }

    package mutating func branchFloat(_ c: DoubleCondition, _ a: FPR, _ b: FPR, targets: [Label]) {
        branchFloating(c, a, b, targets: targets, double: false)
    }

    package mutating func branchDouble(_ c: DoubleCondition, _ a: FPR, _ b: FPR, targets: [Label]) {
        branchFloating(c, a, b, targets: targets, double: true)
    }
}
