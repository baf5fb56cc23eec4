import IR

/// Moves values out of loops when they compute the same thing on every iteration.
///
/// Loops are natural loops: a back edge goes from a block (the latch) to a block that
/// dominates it (the header); the body is what reaches the latch without passing the header.
/// Loops sharing a header are one loop. A loop needs a preheader: the header's only
/// predecessor outside the loop, ending in a jump to it (IRGen always makes one).
///
/// A value moves to the end of the preheader when it has no effects at all (pure arithmetic,
/// comparisons, conversions, `load_invariant`), is not control dependent (a `div` may only run
/// where its guard let it), is not a constant (constants are cheaper at their uses) or a phi,
/// and all its children are defined outside the loop. Inner loops go first, so a value can
/// climb several levels; the pass repeats until nothing moves. Runs after common-subexpression
/// elimination has merged duplicates.
@discardableResult
package func hoistLoopInvariantValues(_ procedure: Procedure) -> Bool {
    phase("hoistLoopInvariantValues", procedure) {
        var any = false
        while hoistOnce(procedure) { any = true }
        return any
    }
}

private struct Loop {
    var header: BlockID
    var body: Set<BlockID>
}

private func loops(_ proc: Procedure, _ dominators: Dominators) -> [Loop] {
    let preds = proc.predecessors()
    var byHeader: [BlockID: Set<BlockID>] = [:]
    var headers: [BlockID] = []
    for b in dominators.order {
        for s in proc[b].successors where dominators.dominates(s, b) {
            // b -> s is a back edge: walk predecessors from b up to s.
            var body: Set<BlockID> = byHeader[s] ?? [s]
            var work = [b]
            while let x = work.popLast() {
                if body.insert(x).inserted { work.append(contentsOf: preds[x.int]) }
            }
            if byHeader[s] == nil { headers.append(s) }
            byHeader[s] = body
        }
    }
    // Inner loops (smaller bodies) first.
    return headers.map { Loop(header: $0, body: byHeader[$0]!) }.sorted { ($0.body.count, $0.header) < ($1.body.count, $1.header) }
}

private func hoistOnce(_ proc: Procedure) -> Bool {
    let dominators = Dominators(proc)
    let preds = proc.predecessors()
    var changed = false
    for loop in loops(proc, dominators) {
        let outside = Set(preds[loop.header.int]).subtracting(loop.body)
        guard outside.count == 1, let preheader = outside.first, proc[preheader].successors == [loop.header],
              let terminal = proc.terminal(of: preheader), proc[terminal].opcode == .jump else { continue }
        // In dominator order, so that a hoisted value's hoistable users come after it.
        for b in dominators.order where loop.body.contains(b) {
            for v in proc[b].values where isHoistable(proc, v) {
                let definedInside = proc[v].children.contains { c in proc[c].block.map(loop.body.contains) ?? false }
                if definedInside { continue }
                proc.removeValues(from: b) { $0 == v }
                let end = proc[preheader].values.count - 1
                proc[preheader].values.insert(v, at: end)
                proc[v].block = preheader
                changed = true
            }
        }
    }
    return changed
}

private func isHoistable(_ proc: Procedure, _ v: ValueID) -> Bool {
    let value = proc[v]
    switch value.opcode {
    case .const, .phi, .upsilon, .identity, .nop, .arg: return false
    default:
        return !value.flags.intersects(.terminal | .effects)
    }
}
