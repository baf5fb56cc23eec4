import IR

/// Deletes blocks the entry cannot reach and values nothing needs.
///
/// A value is needed when it must execute (a terminal, or anything that writes, may exit or
/// calls, or is a load in a procedure whose loads trap), when a needed value uses it, or, for
/// an upsilon, when the phi it feeds is needed.
/// Everything else goes: unused pure values, unused loads and guarded divisions (`control`
/// stops hoisting, not deletion), identities once their users see through them, nops, and
/// phis whose only users are their own upsilons. Runs after the passes that leave garbage
/// (`reduceStrength`, `eliminateCommonSubexpressions`, `simplifyCFG`).
@discardableResult
package func eliminateDeadCode(_ procedure: Procedure) -> Bool {
    phase("eliminateDeadCode", procedure) {
        let proc = procedure
        var changed = proc.deleteUnreachableBlocks()
        let blocks = proc.liveBlocks
        for b in blocks {
            for v in proc[b].values where proc.substituteIdentities(in: v) { changed = true }
        }

        var live = Array(repeating: false, count: proc.values.count)
        var worklist: [ValueID] = []
        let upsilons = proc.upsilons()
        func markLive(_ v: ValueID) {
            guard !live[v.int] else { return }
            live[v.int] = true
            worklist.append(v)
        }
        for b in blocks {
            for v in proc[b].values {
                let flags = proc[v].flags
                if flags.intersects(.terminal | .writes | .exits) || (proc.loadsTrap && flags.contains(.reads)) { markLive(v) }
            }
        }
        while let v = worklist.popLast() {
            for c in proc[v].children { markLive(c) }
            if proc[v].opcode == .phi {
                for u in upsilons[v] ?? [] { markLive(u) }
            }
        }
        for b in blocks {
            let before = proc[b].values.count
            proc.removeValues(from: b) { !live[$0.int] }
            if proc[b].values.count != before { changed = true }
        }
        return changed
    }
}
