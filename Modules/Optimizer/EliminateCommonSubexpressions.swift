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

/// What makes two values equal: opcode, type, up to three children (no pure or load opcode
/// has more; `none` fills the rest) and the immediate. Fixed fields rather than an array of
/// children: no allocation per key.
private struct Key: Hashable {
    var opcode: Opcode
    var type: IRType
    var a = ValueID.none, b = ValueID.none, c = ValueID.none
    var immediate: UInt64

    init(opcode: Opcode, type: IRType, children: [ValueID], immediate: UInt64) {
        self.opcode = opcode
        self.type = type
        self.immediate = immediate
        if children.count > 0 { a = children[0] }
        if children.count > 1 { b = children[1] }
        if children.count > 2 { c = children[2] }
    }
}

private extension ValueID {
    static let none = ValueID(Int(UInt32.max))
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
        var key = Key(opcode: value.opcode, type: value.type, children: value.children, immediate: value.immediate)
        if value.info.commutative, key.b < key.a { swap(&key.a, &key.b) }
        return key
    }

    func isPure(_ v: ValueID) -> Bool {
        let info = proc[v].info
        switch proc[v].opcode {
        case .phi, .upsilon, .identity, .nop: return false
        default: return !info.terminal && !info.reads && !info.writes && !info.exits && proc[v].children.count <= 3
        }
    }

    static func isLoad(_ opcode: Opcode) -> Bool {
        switch opcode {
        case .load, .load8s, .load8u, .load16s, .load16u, .load32s, .load32u: true
        default: false
        }
    }

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
            } else if Self.isLoad(opcode) {
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
