import IR

/// Simplifies the control-flow graph, to a fixpoint:
///
/// - a `branch` or `switch` whose targets are all the same block becomes a `jump`;
/// - an edge to a block that holds nothing but a `jump` goes straight to that jump's target
///   (the block is not the entry and not its own target);
/// - a block that ends in a `jump` to a block with no other predecessor absorbs it; the
///   absorbed block's phis, each fed by exactly one upsilon (which sits in the absorbing
///   block or above it), become the upsilon's value;
/// - blocks the entry cannot reach are deleted.
///
/// Phis need no fixing when edges move, because their inputs are upsilons at the ends of
/// predecessors, not lists indexed by predecessor (the reason B3 chose upsilons). Runs after
/// `reduceStrength` turns constant branches into jumps.
@discardableResult
package func simplifyCFG(_ procedure: Procedure) -> Bool {
    phase("simplifyCFG", procedure) {
        let proc = procedure
        var any = false
        var changed = true
        while changed {
            changed = false
            for b in proc.liveBlocks {
                guard let t = proc.terminal(of: b) else { continue }
                let successors = proc[b].successors
                if successors.count > 1, successors.allSatisfy({ $0 == successors[0] }) {
                    proc[t].opcode = .jump
                    proc[t].children = []
                    proc.setSuccessors(b, [successors[0]])
                    changed = true
                }
                // Thread edges through blocks that only jump.
                var newSuccessors = proc[b].successors
                for (k, s) in newSuccessors.enumerated() {
                    if let target = onlyJumpTarget(proc, s) {
                        newSuccessors[k] = target
                    }
                }
                if newSuccessors != proc[b].successors {
                    proc.setSuccessors(b, newSuccessors, cases: proc[b].switchCases)
                    changed = true
                }
            }
            if proc.deleteUnreachableBlocks() { changed = true }
            if mergeStraightLines(proc) { changed = true }
            any = any || changed
        }
        return any
    }
}

/// The target of a block that holds only `jump`, if it is not the entry and not a self-loop.
private func onlyJumpTarget(_ proc: Procedure, _ b: BlockID) -> BlockID? {
    let block = proc[b]
    guard b != proc.entry, block.values.count == 1, proc[block.values[0]].opcode == .jump,
          block.successors[0] != b else { return nil }
    return block.successors[0]
}

/// Merges each block that ends in `jump` into its target when the target has no other
/// predecessor. Returns whether anything merged.
private func mergeStraightLines(_ proc: Procedure) -> Bool {
    var changed = false
    var preds = proc.predecessors()
    var upsilons = proc.upsilons()
    for a in proc.liveBlocks where !proc[a].isDeleted {
        while let t = proc.terminal(of: a), proc[t].opcode == .jump {
            let b = proc[a].successors[0]
            guard b != a, b != proc.entry, preds[b.int] == [a] else { break }
            // Each phi of b must have exactly one upsilon.
            let phis = proc[b].values.filter { proc[$0].opcode == .phi }
            guard phis.allSatisfy({ (upsilons[$0] ?? []).count == 1 }) else { break }
            for phi in phis {
                let upsilon = upsilons[phi]![0]
                proc.replaceWithIdentity(phi, proc[upsilon].children[0])
                proc.replaceWithNop(upsilon)
                upsilons[phi] = nil
            }
            // Move b's values (the phis, now identities, included) after a's values, minus a's jump.
            proc.removeValues(from: a) { $0 == t }
            let moved = proc[b].values
            let successors = proc[b].successors
            let cases = proc[b].switchCases
            proc[b].values = []
            for v in moved {
                proc[v].block = a
                proc[a].values.append(v)
            }
            proc.setSuccessors(a, successors, cases: cases)
            proc.deleteBlock(b)
            for s in successors {
                preds[s.int] = preds[s.int].map { $0 == b ? a : $0 }
            }
            changed = true
        }
    }
    return changed
}
