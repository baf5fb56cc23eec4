import IR

/// Folds constants, applies algebraic identities and canonicalizes, to a fixpoint
/// (B3ReduceStrength's role, without its CFG and dead-code parts, which have their own passes):
///
/// - operations whose children are all constants become constants, by `Evaluate` (never an
///   undefined division or conversion, never a NaN made by arithmetic);
/// - a constant child of a commutative operation moves to the right; `sub x, c` becomes
///   `add x, -c`; constant shift and rotate amounts are reduced modulo the width;
/// - integer identities: `x + 0`, `x - 0`, `x * 1`, `x & -1`, `x | 0`, `x ^ 0`, shifts by 0,
///   `x / 1`, `x & x`, `x | x` are `x`; `x * 0`, `x & 0`, `x - x`, `x ^ x` are 0; `x * -1` is
///   `neg x`; multiplication and unsigned division by a power of two are shifts, unsigned
///   remainder by one is a mask; `neg (neg x)` and `trunc (zext32|sext32 x)` are `x`;
/// - comparisons: `eq (cmp), 0` is the inverted integer comparison, `ne (cmp), 0` is `cmp`;
/// - a load or store whose address is `p + c` takes `c` into its offset;
/// - `select` with a constant condition or equal arms, `check` of 0 (removed), `branch` and
///   `switch` on constants (become jumps), and `branch` on `ne x, 0` / `eq x, 0` (branch on x).
///
/// - a phi fed only by one value (and by itself) is that value (Braun et al.'s trivial phi).
///
/// Float identities such as `x * 1.0` are left alone: they would change which NaN comes out.
/// Rewritten values become identities; `eliminateDeadCode` removes them later. Runs first in
/// the pipeline and again after common-subexpression elimination.
@discardableResult
package func reduceStrength(_ procedure: Procedure) -> Bool {
    phase("reduceStrength", procedure) {
        var reducer = StrengthReducer(proc: procedure)
        return reducer.run()
    }
}

private struct StrengthReducer {
    let proc: Procedure
    var changed = false

    mutating func run() -> Bool {
        var any = false
        for _ in 0..<100 {
            changed = false
            removeTrivialPhis()
            for b in proc.reversePostorder() {
                var i = 0
                while i < proc[b].values.count {
                    reduce(proc[b].values[i], in: b, at: &i)
                    i += 1
                }
                reduceTerminal(b)
            }
            any = any || changed
            if !changed { break }
        }
        return any
    }

    // MARK: Helpers

    func isConstant(_ v: ValueID) -> Bool { proc[v].opcode == .const }

    /// The constant's value as a signed integer of its width.
    func integer(_ v: ValueID) -> Int64? { proc[v].integerConstant }

    /// The constant's bits as an unsigned integer of its width.
    func unsigned(_ v: ValueID) -> UInt64? { proc[v].opcode == .const && proc[v].type.isInteger ? proc[v].immediate : nil }

    func allOnes(_ type: IRType) -> UInt64 { type == .i64 ? .max : 0xFFFF_FFFF }

    /// A new constant inserted before position `i` of `block` (which moves the current value to i + 1).
    func constant(_ type: IRType, _ bits: UInt64, in block: BlockID, at i: inout Int) -> ValueID {
        let c = proc.insertConstant(type, bits: bits, in: block, at: i)
        i += 1
        return c
    }

    mutating func identity(_ v: ValueID, _ replacement: ValueID) {
        proc.replaceWithIdentity(v, replacement)
        changed = true
    }

    mutating func becomeConstant(_ v: ValueID, _ bits: UInt64) {
        proc.replaceWithConstant(v, bits: bits)
        changed = true
    }

    mutating func rewrite(_ v: ValueID, _ opcode: Opcode, _ children: [ValueID]) {
        proc[v].opcode = opcode
        proc[v].children = children
        changed = true
    }

    static let inverted: [Opcode: Opcode] = [
        .eq: .ne, .ne: .eq, .lt: .ge, .ge: .lt, .gt: .le, .le: .gt,
        .below: .aboveEq, .aboveEq: .below, .above: .belowEq, .belowEq: .above,
    ]

    /// Whether `v` is a comparison of integers (so it is 0 or 1 and inverting it is exact).
    func isIntegerComparison(_ v: ValueID) -> Bool {
        Self.inverted[proc[v].opcode] != nil && proc[proc[v].children[0]].type.isInteger
    }

    // MARK: Values

    mutating func reduce(_ v: ValueID, in block: BlockID, at i: inout Int) {
        if proc.substituteIdentities(in: v) { changed = true }
        let flags = proc[v].flags
        let type = proc[v].type
        var children = proc[v].children

        if flags.contains(.commutative), isConstant(children[0]), !isConstant(children[1]) {
            children.swapAt(0, 1)
            rewrite(v, proc[v].opcode, children)
        }

        if !children.isEmpty, children.count <= 2, !flags.intersects(.reads | .writes | .exits | .terminal),
           proc[v].opcode != .upsilon, proc[v].opcode != .identity, children.allSatisfy(isConstant) {
            let a = proc[children[0]].immediate
            let b = children.count == 2 ? proc[children[1]].immediate : 0
            if let bits = Evaluate.evaluate(proc[v].opcode, type, proc[children[0]].type, a, b) {
                becomeConstant(v, bits)
                return
            }
        }

        switch proc[v].opcode {
        case .add where type.isInteger:
            if integer(children[1]) == 0 { identity(v, children[0]) }
        case .sub where type.isInteger:
            if integer(children[1]) == 0 {
                identity(v, children[0])
            } else if children[0] == children[1] {
                becomeConstant(v, 0)
            } else if let k = unsigned(children[1]) {
                let negated = constant(type, 0 &- k, in: block, at: &i)
                rewrite(v, .add, [children[0], negated])
            }
        case .mul where type.isInteger:
            guard let k = unsigned(children[1]) else { break }
            if k == 1 {
                identity(v, children[0])
            } else if k == 0 {
                becomeConstant(v, 0)
            } else if k == allOnes(type) {
                rewrite(v, .neg, [children[0]])
            } else if k.nonzeroBitCount == 1 {
                let shift = constant(type, UInt64(k.trailingZeroBitCount), in: block, at: &i)
                rewrite(v, .shl, [children[0], shift])
            }
        case .neg:
            if proc[children[0]].opcode == .neg { identity(v, proc[children[0]].children[0]) }
        case .and:
            if unsigned(children[1]) == 0 {
                becomeConstant(v, 0)
            } else if unsigned(children[1]) == allOnes(type) || children[0] == children[1] {
                identity(v, children[0])
            }
        case .or:
            if unsigned(children[1]) == 0 || children[0] == children[1] {
                identity(v, children[0])
            } else if unsigned(children[1]) == allOnes(type) {
                becomeConstant(v, allOnes(type))
            }
        case .xor:
            if unsigned(children[1]) == 0 {
                identity(v, children[0])
            } else if children[0] == children[1] {
                becomeConstant(v, 0)
            }
        case .shl, .sshr, .zshr, .rotl, .rotr:
            guard let k = unsigned(children[1]) else { break }
            let amount = k % UInt64(type.bitWidth)
            if amount == 0 {
                identity(v, children[0])
            } else if amount != k {
                let c = constant(proc[children[1]].type, amount, in: block, at: &i)
                rewrite(v, proc[v].opcode, [children[0], c])
            }
        case .div:
            if integer(children[1]) == 1 { identity(v, children[0]) }
        case .udiv:
            guard let k = unsigned(children[1]), k.nonzeroBitCount == 1 else { break }
            if k == 1 {
                identity(v, children[0])
            } else {
                let shift = constant(type, UInt64(k.trailingZeroBitCount), in: block, at: &i)
                rewrite(v, .zshr, [children[0], shift])
            }
        case .umod:
            guard let k = unsigned(children[1]), k.nonzeroBitCount == 1 else { break }
            let mask = constant(type, k - 1, in: block, at: &i)
            rewrite(v, .and, [children[0], mask])
        case .eq where proc[children[0]].type == .i32 && integer(children[1]) == 0 && isIntegerComparison(children[0]):
            let comparison = proc[children[0]]
            rewrite(v, Self.inverted[comparison.opcode]!, comparison.children)
        case .ne where proc[children[0]].type == .i32 && integer(children[1]) == 0 && isIntegerComparison(children[0]):
            identity(v, children[0])
        case .select:
            if let c = integer(children[0]) {
                identity(v, c != 0 ? children[1] : children[2])
            } else if children[1] == children[2] {
                identity(v, children[1])
            }
        case .check:
            if integer(children[0]) == 0 {
                proc.replaceWithNop(v)
                changed = true
            }
        case .trunc:
            let inner = proc[children[0]]
            if inner.opcode == .zext32 || inner.opcode == .sext32 { identity(v, inner.children[0]) }
        case .load, .load8s, .load8u, .load16s, .load16u, .load32s, .load32u, .loadInvariant:
            foldAddressOffset(v, addressChild: 0)
        case .store, .store8, .store16, .store32:
            foldAddressOffset(v, addressChild: 1)
        default:
            break
        }
    }

    /// `load (add p, c), offset=o` becomes `load p, offset=o+c` while the offset stays below
    /// 2^31, the range every backend's addressing modes take.
    mutating func foldAddressOffset(_ v: ValueID, addressChild: Int) {
        let address = proc[v].children[addressChild]
        guard proc[address].opcode == .add, let c = integer(proc[address].children[1]), c >= 0 else { return }
        let offset = proc[v].immediate + UInt64(c)
        guard offset < 1 << 31 else { return }
        proc[v].children[addressChild] = proc[address].children[0]
        proc[v].immediate = offset
        changed = true
    }

    // MARK: Phis

    /// A phi whose upsilons all carry one value `x` (or the phi itself, around a loop) is `x`
    /// (Braun et al.'s trivial phi): it becomes an identity, placed after the block's phis,
    /// and its upsilons become nops. A worklist revisits the phis a removed phi fed, since
    /// they may have become trivial.
    mutating func removeTrivialPhis() {
        let upsilons = proc.upsilons()
        // The phis each value feeds, so a phi that goes can requeue the phis it fed.
        var fedBy: [ValueID: [ValueID]] = [:]
        var worklist: [ValueID] = []
        for b in proc.liveBlocks {
            for v in proc[b].values where proc[v].opcode == .phi {
                worklist.append(v)
                for u in upsilons[v] ?? [] { fedBy[proc[u].children[0], default: []].append(v) }
            }
        }
        worklist.reverse()
        while let v = worklist.popLast() {
            guard proc[v].opcode == .phi, let b = proc[v].block, let feeding = upsilons[v], !feeding.isEmpty else { continue }
            var only: ValueID?
            var trivial = true
            for u in feeding {
                let x = proc.resolved(proc[u].children[0])
                if x == v || x == only { continue }
                if only != nil {
                    trivial = false
                    break
                }
                only = x
            }
            guard trivial, let x = only else { continue }
            for u in feeding { proc.replaceWithNop(u) }
            proc.replaceWithIdentity(v, x)
            // Phis stay first in their block.
            var values = proc[b].values
            values.removeAll { $0 == v }
            let firstOther = values.firstIndex { proc[$0].opcode != .phi } ?? values.count
            values.insert(v, at: firstOther)
            proc[b].values = values
            changed = true
            worklist.append(contentsOf: fedBy[v] ?? [])
        }
    }

    // MARK: Terminals

    mutating func reduceTerminal(_ b: BlockID) {
        guard let t = proc.terminal(of: b) else { return }
        let successors = proc[b].successors
        switch proc[t].opcode {
        case .branch:
            let condition = proc[t].children[0]
            if let c = integer(condition) {
                makeJump(t, in: b, to: c != 0 ? successors[0] : successors[1])
            } else if proc[condition].opcode == .ne, proc[proc[condition].children[0]].type == .i32,
                      integer(proc[condition].children[1]) == 0 {
                rewrite(t, .branch, [proc[condition].children[0]])
            } else if proc[condition].opcode == .eq, proc[proc[condition].children[0]].type == .i32,
                      integer(proc[condition].children[1]) == 0 {
                rewrite(t, .branch, [proc[condition].children[0]])
                proc.setSuccessors(b, [successors[1], successors[0]])
            }
        case .switch:
            guard let c = integer(proc[t].children[0]) else { break }
            let cases = proc[b].switchCases
            let k = cases.firstIndex(of: c) ?? cases.count
            makeJump(t, in: b, to: successors[k])
        default:
            break
        }
    }

    /// Ends `b` with a jump to `target`. The upsilons `b` had for phis of the targets it no
    /// longer goes to become nops: a phi only reads what its predecessors feed it.
    mutating func makeJump(_ t: ValueID, in b: BlockID, to target: BlockID) {
        let dropped = Set(proc[b].successors).subtracting([target])
        rewrite(t, .jump, [])
        proc.setSuccessors(b, [target])
        for v in proc[b].values where proc[v].opcode == .upsilon {
            let phi = ValueID(Int(proc[v].immediate))
            if let phiBlock = proc[phi].block, dropped.contains(phiBlock) { proc.replaceWithNop(v) }
        }
    }
}
