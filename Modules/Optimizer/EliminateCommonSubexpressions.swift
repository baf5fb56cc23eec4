import IR

/// Replaces a value by an equal one that dominates it.
///
/// - Pure values (no effects: arithmetic, comparisons, conversions, constants, arguments, and
///   guarded operations such as `div`, whose dominating twin has already run) are matched on
///   opcode, type, children and immediate, over the dominator tree: a value defined in a block
///   is available in every block that block dominates.
/// - Loads (effect-aware) are matched within a block, until a store or call: a store makes
///   its value available to a later load of the same type, width, address and offset, and
///   forgets every other remembered load, since any two addresses may alias.
///
/// Replaced values become identities for `eliminateDeadCode`. Commutative operations are
/// matched with their children in either order. Runs after the first `reduceStrength`, so
/// that canonical forms meet.
@discardableResult
package func eliminateCommonSubexpressions(_ procedure: Procedure) -> Bool {
    phase("eliminateCommonSubexpressions", procedure) {
        var eliminator = CommonSubexpressionEliminator(proc: procedure, dominators: Dominators(procedure))
        eliminator.visit(procedure.entry)
        return eliminator.changed
    }
}

private struct Key: Hashable {
    var opcode: Opcode
    var type: IRType
    var children: [ValueID]
    var immediate: UInt64
}

private struct CommonSubexpressionEliminator {
    let proc: Procedure
    let dominators: Dominators
    var available: [Key: ValueID] = [:]
    var changed = false

    /// Pure values of the block become available to the blocks it dominates; loads only within it.
    mutating func visit(_ root: BlockID) {
        // Depth-first over the dominator tree without recursion: (block, keys added, next child).
        var stack: [(block: BlockID, added: [Key], next: Int)] = [(root, process(root), 0)]
        while !stack.isEmpty {
            let top = stack.count - 1
            let children = dominators.children[stack[top].block.int]
            if stack[top].next < children.count {
                let child = children[stack[top].next]
                stack[top].next += 1
                stack.append((child, process(child), 0))
            } else {
                for key in stack[top].added { available[key] = nil }
                stack.removeLast()
            }
        }
    }

    func key(_ v: ValueID) -> Key {
        let value = proc[v]
        var children = value.children
        if value.info.commutative, children[1] < children[0] { children.swapAt(0, 1) }
        return Key(opcode: value.opcode, type: value.type, children: children, immediate: value.immediate)
    }

    func isPure(_ v: ValueID) -> Bool {
        let info = proc[v].info
        switch proc[v].opcode {
        case .phi, .upsilon, .identity, .nop: return false
        default: return !info.terminal && !info.reads && !info.writes && !info.exits
        }
    }

    static let loads: Set<Opcode> = [.load, .load8s, .load8u, .load16s, .load16u, .load32s, .load32u]

    /// Handles one block; returns the keys of pure values it made available.
    mutating func process(_ b: BlockID) -> [Key] {
        var added: [Key] = []
        var loads: [Key: ValueID] = [:]
        for v in proc[b].values {
            if proc.substituteIdentities(in: v) { changed = true }
            let opcode = proc[v].opcode
            if isPure(v) {
                let k = key(v)
                if let existing = available[k] {
                    proc.replaceWithIdentity(v, existing)
                    changed = true
                } else {
                    available[k] = v
                    added.append(k)
                }
            } else if Self.loads.contains(opcode) {
                let k = key(v)
                if let existing = loads[k] {
                    proc.replaceWithIdentity(v, existing)
                    changed = true
                } else {
                    loads[k] = v
                }
            } else if proc[v].info.writes {
                loads.removeAll()
                if opcode == .store {
                    // What was stored is what a full-width load of the same place reads.
                    let stored = proc[v].children[0]
                    let k = Key(opcode: .load, type: proc[stored].type, children: [proc[v].children[1]], immediate: proc[v].immediate)
                    loads[k] = stored
                }
            }
        }
        return added
    }
}
