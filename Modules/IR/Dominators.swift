/// The dominator tree of a procedure's reachable blocks, by the iterative algorithm of Cooper,
/// Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"): immediate dominators refined
/// over reverse postorder until nothing changes. Unreachable blocks have no dominator and
/// dominate nothing.
public struct Dominators {
    /// Reachable blocks in reverse postorder (the entry first).
    public let order: [BlockID]
    /// Position of each block in `order`; -1 when unreachable.
    private let position: [Int]
    /// Immediate dominator of each reachable block (the entry's is itself).
    private let idom: [Int]
    /// Children in the dominator tree, in reverse postorder.
    public let children: [[BlockID]]

    public init(_ procedure: Procedure) {
        order = procedure.reversePostorder()
        var position = Array(repeating: -1, count: procedure.blocks.count)
        for (i, b) in order.enumerated() { position[b.int] = i }
        let preds = procedure.predecessors()
        var idom = Array(repeating: -1, count: procedure.blocks.count)
        idom[procedure.entry.int] = procedure.entry.int
        var changed = true
        while changed {
            changed = false
            for b in order.dropFirst() {
                var newIdom = -1
                for p in preds[b.int] where idom[p.int] != -1 {
                    if newIdom == -1 {
                        newIdom = p.int
                        continue
                    }
                    // Walk both fingers up to their common ancestor.
                    var x = p.int, y = newIdom
                    while x != y {
                        while position[x] > position[y] { x = idom[x] }
                        while position[y] > position[x] { y = idom[y] }
                    }
                    newIdom = x
                }
                if idom[b.int] != newIdom {
                    idom[b.int] = newIdom
                    changed = true
                }
            }
        }
        var children = Array(repeating: [BlockID](), count: procedure.blocks.count)
        for b in order.dropFirst() { children[idom[b.int]].append(b) }
        self.position = position
        self.idom = idom
        self.children = children
    }

    public func isReachable(_ block: BlockID) -> Bool { position[block.int] >= 0 }

    /// Whether every path from the entry to `b` passes through `a` (a block dominates itself).
    public func dominates(_ a: BlockID, _ b: BlockID) -> Bool {
        guard isReachable(a), isReachable(b) else { return false }
        var x = b.int
        while position[x] > position[a.int] { x = idom[x] }
        return x == a.int
    }
}
