import IR

/// Places constants next to their uses, so that they do not hold a register across blocks.
///
/// Common-subexpression elimination merges equal constants into the one that dominates the
/// others, which can be far from most of its uses; a register then carries it through
/// everything in between. Materializing a constant costs one move (two for a float), so every
/// block that uses a constant defined elsewhere gets its own copy, placed after the block's
/// phis, and its uses there switch to it. An upsilon's use counts as a use in its block. The
/// original goes if nothing uses it any more (`eliminateDeadCode`). Runs last, just before
/// lowering to Air (B3's `moveConstants` has the same place; it also hoists float constants,
/// which this version does not).
@discardableResult
package func moveConstants(_ procedure: Procedure) -> Bool {
    phase("moveConstants", procedure) {
        let proc = procedure
        var changed = false
        for b in proc.liveBlocks {
            // The copy of each outside constant this block already made.
            var copies: [ValueID: ValueID] = [:]
            var insertAt = proc[b].values.firstIndex { proc[$0].opcode != .phi } ?? proc[b].values.count
            for v in proc[b].values {
                for (i, c) in proc[v].children.enumerated() where proc[c].opcode == .const && proc[c].block != b {
                    let copy: ValueID
                    if let existing = copies[c] {
                        copy = existing
                    } else {
                        copy = proc.insertConstant(proc[c].type, bits: proc[c].immediate, origin: proc[c].origin, in: b, at: insertAt)
                        insertAt += 1
                        copies[c] = copy
                    }
                    proc[v].children[i] = copy
                    changed = true
                }
            }
        }
        return changed
    }
}
