/// The index of a value in its procedure. Printed `@N`.
public struct ValueID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var index: UInt32
    public init(_ index: Int) { self.index = UInt32(index) }
    public var int: Int { Int(index) }
    public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
    public var description: String { "@\(index)" }
}

/// The index of a basic block in its procedure. Printed `bbN`.
public struct BlockID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var index: UInt32
    public init(_ index: Int) { self.index = UInt32(index) }
    public var int: Int { Int(index) }
    public static func < (a: BlockID, b: BlockID) -> Bool { a.index < b.index }
    public var description: String { "bb\(index)" }
}

/// One SSA value: an opcode applied to children. Values live in `Procedure.values`; a value
/// whose `block` is nil has been deleted (its index is never reused).
public struct Value: Sendable {
    public var opcode: Opcode
    public var type: IRType
    public var children: [ValueID]
    /// Constant bits, argument index, memory offset, trap code or phi: see `OpcodeInfo.immediate`.
    public var immediate: UInt64
    public var origin: Origin
    public var block: BlockID?

    public var info: OpcodeInfo { opcode.info }
    public var flags: OpcodeFlags { opcode.flags }
}

/// A basic block: values in order, the last one its terminal.
public struct Block: Sendable {
    public var values: [ValueID] = []
    /// Targets of the terminal: jump 1; branch 2 (taken when nonzero, then not taken); switch
    /// one per case, then the default.
    public var successors: [BlockID] = []
    /// A switch's case values, one per successor but the last (the default).
    public var switchCases: [Int64] = []
    public var isDeleted = false
}

/// A function in SSA form, B3 style: blocks and values in arrays addressed by typed IDs, phis
/// fed by upsilons at the ends of their predecessors. Block 0 is the entry.
///
/// Mutation goes through the methods below, which keep each value's `block` in step with the
/// block lists. The procedure is a class so that passes share one instance.
public final class Procedure {
    public var name: String
    public var parameterTypes: [IRType]
    /// Zero or one type.
    public var resultTypes: [IRType]
    public var values: [Value] = []
    public var blocks: [Block] = []
    /// Loads may fault, and the fault is a trap the program must see (memory bounds checked by
    /// guard pages): a load runs even when nothing uses its value. Printed as `loads_trap`.
    public var loadsTrap = false

    public init(name: String, parameters: [IRType], results: [IRType]) {
        self.name = name
        self.parameterTypes = parameters
        self.resultTypes = results
    }

    public var entry: BlockID { BlockID(0) }

    // Read and modify in place: a copying getter would retain the value's children (or the
    // block's lists) on every field read, which was a fifth of compile time.
    @inlinable @inline(__always) public subscript(_ id: ValueID) -> Value {
        _read { yield values[id.int] }
        _modify { yield &values[id.int] }
    }

    @inlinable @inline(__always) public subscript(_ id: BlockID) -> Block {
        _read { yield blocks[id.int] }
        _modify { yield &blocks[id.int] }
    }

    /// Live blocks in index order.
    public var liveBlocks: [BlockID] {
        blocks.indices.compactMap { blocks[$0].isDeleted ? nil : BlockID($0) }
    }

    // MARK: Building

    @discardableResult
    public func addBlock() -> BlockID {
        blocks.append(Block())
        return BlockID(blocks.count - 1)
    }

    /// A new value not yet placed in any block.
    public func makeValue(
        _ opcode: Opcode, _ type: IRType, _ children: [ValueID] = [], immediate: UInt64 = 0, origin: Origin = .none
    ) -> ValueID {
        values.append(Value(opcode: opcode, type: type, children: children, immediate: immediate, origin: origin, block: nil))
        return ValueID(values.count - 1)
    }

    /// Appends a new value to `block`.
    @discardableResult
    public func append(
        _ opcode: Opcode, _ type: IRType, _ children: [ValueID] = [], immediate: UInt64 = 0, origin: Origin = .none,
        to block: BlockID
    ) -> ValueID {
        let id = makeValue(opcode, type, children, immediate: immediate, origin: origin)
        values[id.int].block = block
        blocks[block.int].values.append(id)
        return id
    }

    /// Inserts a new value into `block` before position `index`.
    @discardableResult
    public func insert(
        _ opcode: Opcode, _ type: IRType, _ children: [ValueID] = [], immediate: UInt64 = 0, origin: Origin = .none,
        in block: BlockID, at index: Int
    ) -> ValueID {
        let id = makeValue(opcode, type, children, immediate: immediate, origin: origin)
        values[id.int].block = block
        blocks[block.int].values.insert(id, at: index)
        return id
    }

    /// Sets a block's terminal successors (jump, branch, switch).
    public func setSuccessors(_ block: BlockID, _ successors: [BlockID], cases: [Int64] = []) {
        blocks[block.int].successors = successors
        blocks[block.int].switchCases = cases
    }

    /// The constant value of type `type` with these bits, appended to `block`.
    @discardableResult
    public func appendConstant(_ type: IRType, bits: UInt64, to block: BlockID) -> ValueID {
        append(.const, type, immediate: Self.constantBits(bits, type), to: block)
    }

    /// The constant value of type `type` with these bits, inserted in `block` before `index`.
    public func insertConstant(_ type: IRType, bits: UInt64, origin: Origin = .none, in block: BlockID, at index: Int) -> ValueID {
        insert(.const, type, immediate: Self.constantBits(bits, type), origin: origin, in: block, at: index)
    }

    /// The immediate of a constant: a 32-bit type keeps the low 32 bits only.
    static func constantBits(_ bits: UInt64, _ type: IRType) -> UInt64 { type.bitWidth == 32 ? bits & 0xFFFF_FFFF : bits }

    // MARK: Rewriting (B3's replaceWithIdentity / replaceWithNop)

    /// Turns `value` into an identity of `replacement`; users see through identities once
    /// `substituteIdentities` runs, and dead-code elimination removes them.
    public func replaceWithIdentity(_ value: ValueID, _ replacement: ValueID) {
        precondition(value != replacement, "a value cannot be its own identity")
        values[value.int].opcode = .identity
        values[value.int].children = [replacement]
        values[value.int].immediate = 0
    }

    /// Turns a value into a constant of its own type.
    public func replaceWithConstant(_ value: ValueID, bits: UInt64) {
        let type = values[value.int].type
        values[value.int].opcode = .const
        values[value.int].children = []
        values[value.int].immediate = Self.constantBits(bits, type)
    }

    /// Turns a void value into a nop (the block keeps its slot until dead-code elimination).
    public func replaceWithNop(_ value: ValueID) {
        values[value.int].opcode = .nop
        values[value.int].type = .void
        values[value.int].children = []
        values[value.int].immediate = 0
    }

    /// The value at the end of a chain of identities.
    public func resolved(_ value: ValueID) -> ValueID {
        var v = value
        while values[v.int].opcode == .identity { v = values[v.int].children[0] }
        return v
    }

    /// Replaces every child that is an identity by what it stands for. Returns whether any changed.
    @discardableResult
    public func substituteIdentities(in value: ValueID) -> Bool {
        var changed = false
        for i in values[value.int].children.indices {
            let child = values[value.int].children[i]
            if values[child.int].opcode == .identity {
                values[value.int].children[i] = resolved(child)
                changed = true
            }
        }
        return changed
    }

    /// Removes the values of `block` for which `isDead` holds, marking them deleted.
    public func removeValues(from block: BlockID, where isDead: (ValueID) -> Bool) {
        blocks[block.int].values.removeAll { id in
            if isDead(id) {
                values[id.int].block = nil
                return true
            }
            return false
        }
    }

    /// Deletes a block and all its values.
    public func deleteBlock(_ block: BlockID) {
        precondition(block != entry, "the entry block cannot be deleted")
        for v in blocks[block.int].values { values[v.int].block = nil }
        blocks[block.int] = Block(isDeleted: true)
    }

    /// Deletes the blocks the entry cannot reach. Returns whether any went.
    @discardableResult
    public func deleteUnreachableBlocks() -> Bool {
        var reachable = Array(repeating: false, count: blocks.count)
        for b in reversePostorder() { reachable[b.int] = true }
        var changed = false
        for b in liveBlocks where !reachable[b.int] {
            deleteBlock(b)
            changed = true
        }
        return changed
    }

    /// The terminal of a block (its last value), if it has one.
    public func terminal(of block: BlockID) -> ValueID? {
        guard let last = blocks[block.int].values.last, values[last.int].flags.contains(.terminal) else { return nil }
        return last
    }

    // MARK: CFG

    /// Predecessors of every block, in block order, one entry per edge (a branch with both
    /// targets equal counts twice).
    public func predecessors() -> [[BlockID]] {
        var preds = Array(repeating: [BlockID](), count: blocks.count)
        for b in liveBlocks {
            for s in blocks[b.int].successors { preds[s.int].append(b) }
        }
        return preds
    }

    /// Blocks reachable from the entry, in reverse postorder.
    public func reversePostorder() -> [BlockID] {
        var visited = Array(repeating: false, count: blocks.count)
        var postorder: [BlockID] = []
        // Iterative depth-first search: (block, next successor to visit).
        var stack: [(BlockID, Int)] = [(entry, 0)]
        visited[0] = true
        while let (block, next) = stack.last {
            let successors = blocks[block.int].successors
            if next < successors.count {
                stack[stack.count - 1].1 += 1
                let s = successors[next]
                if !visited[s.int] {
                    visited[s.int] = true
                    stack.append((s, 0))
                }
            } else {
                postorder.append(block)
                stack.removeLast()
            }
        }
        return postorder.reversed()
    }

    /// Number of uses of each value by live values.
    public func useCounts() -> [Int] {
        var counts = Array(repeating: 0, count: values.count)
        for b in liveBlocks {
            for v in blocks[b.int].values {
                for c in values[v.int].children { counts[c.int] += 1 }
            }
        }
        return counts
    }

    /// The upsilons feeding each phi, in block then value order.
    public func upsilons() -> [ValueID: [ValueID]] {
        var result: [ValueID: [ValueID]] = [:]
        for b in liveBlocks {
            for v in blocks[b.int].values where values[v.int].opcode == .upsilon {
                result[ValueID(Int(values[v.int].immediate)), default: []].append(v)
            }
        }
        return result
    }
}

extension Value {
    /// The constant's bits as a signed integer of its width, if this is an integer constant.
    public var integerConstant: Int64? {
        guard opcode == .const else { return nil }
        switch type {
        case .i32: return Int64(Int32(truncatingIfNeeded: immediate))
        case .i64: return Int64(bitPattern: immediate)
        default: return nil
        }
    }
}
