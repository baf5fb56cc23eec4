import IR

/// Folds bounds checks that test the same base against the same limit.
///
/// A bounds check is `check (above (add B, C), L)` with B a `zext32` and C a constant: it traps
/// when B + C passes the limit L. Within a block, a later check with the same B and L and a constant C'
/// is implied by the earlier one once that one tests max(C, C'), so the earlier check takes
/// the largest constant of its group and the later ones go. Typical source: `a[i]`, `a[i+1]`
/// and `a[i+2]` after CSE has merged their `zext(i)` and limit loads.
///
/// Folding makes the first check trap where a later one would have, so it is only done when
/// nothing between them writes memory or may exit (another check, a call): the trap and the
/// memory it leaves behind stay the same. Runs after common-subexpression elimination and
/// hoisting, which give the checks their shared children.
@discardableResult
package func foldBoundsChecks(_ procedure: Procedure) -> Bool {
    phase("foldBoundsChecks", procedure) {
        let proc = procedure
        var changed = false
        for b in proc.liveBlocks {
            // The open group: the first check, its base, limit and trap code, its widest constant.
            var group: (check: ValueID, base: ValueID, limit: ValueID, code: UInt64, constant: Int64)?
            for v in proc[b].values {
                if let (base, limit, constant) = boundsCheck(proc, v) {
                    if var g = group, g.base == base, g.limit == limit, g.code == proc[v].immediate {
                        if constant > g.constant {
                            g.constant = constant
                            widen(proc, g.check, to: constant, in: b)
                        }
                        group = g
                        proc.replaceWithNop(v)
                        changed = true
                    } else {
                        group = (v, base, limit, proc[v].immediate, constant)
                    }
                    continue
                }
                let flags = proc[v].flags
                if flags.intersects(.writes | .exits | .terminal) { group = nil }
            }
        }
        return changed
    }
}

/// `check (above (add (zext32 X), C), L)` with a non-negative i64 constant C: (zext32 X, L, C).
/// Only that form: a 32-bit value plus a constant below 2^63 cannot wrap in 64 bits, so the
/// widest constant really implies the others.
private func boundsCheck(_ proc: Procedure, _ v: ValueID) -> (ValueID, ValueID, Int64)? {
    guard proc[v].opcode == .check else { return nil }
    let condition = proc[v].children[0]
    guard proc[condition].opcode == .above else { return nil }
    let sum = proc[condition].children[0], limit = proc[condition].children[1]
    guard proc[sum].opcode == .add, proc[sum].type == .i64, proc[proc[sum].children[0]].opcode == .zext32,
          let c = proc[proc[sum].children[1]].integerConstant, c >= 0 else { return nil }
    return (proc[sum].children[0], limit, c)
}

/// Makes `check`'s constant `constant`, with new values just before it (the old ones may have
/// other users).
private func widen(_ proc: Procedure, _ check: ValueID, to constant: Int64, in b: BlockID) {
    let condition = proc[check].children[0]
    let sum = proc[condition].children[0]
    let type = proc[sum].type
    let at = proc[b].values.firstIndex(of: check)!
    let c = proc.insertConstant(type, bits: UInt64(bitPattern: constant), in: b, at: at)
    let newSum = proc.insert(.add, type, [proc[sum].children[0], c], in: b, at: at + 1)
    let newCondition = proc.insert(.above, .i32, [newSum, proc[condition].children[1]], in: b, at: at + 2)
    proc[check].children[0] = newCondition
}
