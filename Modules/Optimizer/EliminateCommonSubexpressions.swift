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
/// children: no allocation per key. Packed in three words, hashed as one mixed word and
/// compared word by word: the derived conformance hashed six fields with SipHash and compared
/// the enums through their Equatable witnesses (they live in another module).
private struct Key: Hashable {
    /// opcode | type << 8 | a << 32.
    var head: UInt64
    /// b | c << 32.
    var tail: UInt64
    var immediate: UInt64

    init(opcode: Opcode, type: IRType, children: [ValueID], immediate: UInt64) {
        let none = UInt64(UInt32.max)
        let a = children.count > 0 ? UInt64(children[0].index) : none
        let b = children.count > 1 ? UInt64(children[1].index) : none
        let c = children.count > 2 ? UInt64(children[2].index) : none
        head = UInt64(opcode.rawValue) | UInt64(type.rawValue) << 8 | a << 32
        tail = b | c << 32
        self.immediate = immediate
    }

    var a: UInt64 { head >> 32 }
    var b: UInt64 { tail & 0xFFFF_FFFF }

    /// Swaps the first two children (commutative operations are keyed in one order).
    mutating func swapFirstTwo() {
        let (a, b) = (self.a, self.b)
        head = head & 0xFFFF_FFFF | b << 32
        tail = tail & ~0xFFFF_FFFF | a
    }

    static func == (x: Key, y: Key) -> Bool { x.head == y.head && x.tail == y.tail && x.immediate == y.immediate }

    func hash(into hasher: inout Hasher) {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        hasher.combine((head &* k ^ tail) &* k ^ immediate)
    }
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
        if value.flags.contains(.commutative), key.b < key.a { key.swapFirstTwo() }
        return key
    }

    func isPure(_ v: ValueID) -> Bool {
        let flags = proc[v].flags
        switch proc[v].opcode {
        case .phi, .upsilon, .identity, .nop: return false
        default: return !flags.intersects(.terminal | .reads | .writes | .exits) && proc[v].children.count <= 3
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
            } else if proc[v].flags.contains(.writes) {
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
