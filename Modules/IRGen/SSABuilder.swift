import IR

/// Braun et al.'s on-the-fly SSA construction, with B3's phis: a phi's inputs are upsilons
/// at the ends of the predecessors, inserted before their terminals.
///
/// A phi whose inputs are all one value (or the phi itself) is trivial: it becomes a nop, as do
/// its upsilons, and that value stands for it; then the phis it fed are checked again, since
/// they may have become trivial (Braun's tryRemoveTrivialPhi, with use lists kept for phis
/// only). Reads see through replaced phis; values made before the replacement still name the
/// phi until `finish` rewrites their children and drops the nops. Without this, C functions
/// with many locals and a big `br_table` came out of IRGen four fifths phis and upsilons.
struct SSABuilder {
    let proc: Procedure
    var variableTypes: [IRType]
    /// The value of each variable at the end of each block that defines it, but the latest
    /// write of each variable, which is kept in `recentBlock` / `recentValue` until the variable
    /// is written in another block: most reads and writes are of the block being generated,
    /// and they then cost an array access instead of a hash.
    var definitions: [[BlockID: ValueID]]
    var recentBlock: [UInt32]
    var recentValue: [ValueID]
    /// By block index, grown as blocks appear.
    var sealed: [Bool] = []
    /// Phis made before their block was sealed, completed by `seal`.
    var incomplete: [[(variable: Int, phi: ValueID)]] = []
    var predecessorLists: [[BlockID]] = []
    /// Per phi, by value index (grown as phis are made): the value that stands for it once it
    /// is found trivial (possibly another replaced phi), its upsilons once it is complete, and
    /// the phis it feeds. Arrays, not dictionaries: reads consult `replacement` every time.
    var replacement: [ValueID?] = []
    var upsilonsOf: [[ValueID]] = []
    var phiUsers: [[ValueID]] = []
    var anyReplaced = false

    init(proc: Procedure, variableTypes: [IRType]) {
        self.proc = proc
        self.variableTypes = variableTypes
        definitions = Array(repeating: [:], count: variableTypes.count)
        recentBlock = Array(repeating: .max, count: variableTypes.count)
        recentValue = Array(repeating: ValueID(0), count: variableTypes.count)
    }

    mutating func newVariable(_ type: IRType) -> Int {
        variableTypes.append(type)
        definitions.append([:])
        recentBlock.append(.max)
        recentValue.append(ValueID(0))
        return variableTypes.count - 1
    }

    /// Makes the per-block arrays cover block `b`.
    mutating func cover(_ b: BlockID) {
        guard b.int >= sealed.count else { return }
        let count = max(b.int + 1, 2 * sealed.count)
        sealed += Array(repeating: false, count: count - sealed.count)
        incomplete += Array(repeating: [], count: count - incomplete.count)
        predecessorLists += Array(repeating: [], count: count - predecessorLists.count)
    }

    func isSealed(_ b: BlockID) -> Bool { b.int < sealed.count && sealed[b.int] }

    func predecessors(_ b: BlockID) -> [BlockID] { b.int < predecessorLists.count ? predecessorLists[b.int] : [] }

    /// Records an edge; a block gains predecessors only before it is sealed.
    mutating func addPredecessor(_ b: BlockID, _ p: BlockID) {
        precondition(!isSealed(b), "edge into a sealed block")
        cover(b)
        if !predecessorLists[b.int].contains(p) { predecessorLists[b.int].append(p) }
    }

    mutating func write(_ variable: Int, _ b: BlockID, _ v: ValueID) {
        let recent = recentBlock[variable]
        if recent != b.index {
            if recent != .max { definitions[variable][BlockID(Int(recent))] = recentValue[variable] }
            recentBlock[variable] = b.index
        }
        recentValue[variable] = v
    }

    /// The variable's value at the end of block `b`, if the block defines it.
    func definition(_ variable: Int, _ b: BlockID) -> ValueID? {
        recentBlock[variable] == b.index ? recentValue[variable] : definitions[variable][b]
    }

    /// The value a replaced phi stands for, through chains; other values as they are.
    func resolve(_ value: ValueID) -> ValueID {
        var v = value
        while v.int < replacement.count, let r = replacement[v.int] { v = r }
        return v
    }

    mutating func read(_ variable: Int, _ b: BlockID) -> ValueID {
        if let v = definition(variable, b) { return anyReplaced ? resolve(v) : v }
        let v: ValueID
        if !isSealed(b) {
            v = phi(variable, b)
            cover(b)
            incomplete[b.int].append((variable, v))
        } else if predecessors(b).count == 1 {
            v = read(variable, predecessors(b)[0])
        } else if predecessors(b).isEmpty {
            // Unreachable code: any value of the type will do.
            v = proc.insert(.const, variableTypes[variable], in: b, at: 0)
        } else {
            let p = phi(variable, b)
            write(variable, b, p)
            v = addOperands(variable, p, b)
        }
        write(variable, b, v)
        return v
    }

    mutating func phi(_ variable: Int, _ b: BlockID) -> ValueID {
        let phi = proc.insert(.phi, variableTypes[variable], in: b, at: 0)
        if replacement.count <= phi.int {
            let count = max(phi.int + 1, 2 * replacement.count)
            replacement += Array(repeating: nil, count: count - replacement.count)
            upsilonsOf += Array(repeating: [], count: count - upsilonsOf.count)
            phiUsers += Array(repeating: [], count: count - phiUsers.count)
        }
        return phi
    }

    /// The variable's value in each predecessor; then, unless they are all one value (the
    /// phi is trivial and is replaced by it), an upsilon with it in each predecessor before its
    /// terminal. Returns the phi, or the value that replaced it.
    mutating func addOperands(_ variable: Int, _ phi: ValueID, _ b: BlockID) -> ValueID {
        let preds = predecessors(b)
        var inputs: [ValueID] = []
        inputs.reserveCapacity(preds.count)
        for p in preds {
            // Read first: `resolve(read(...))` would copy self for `resolve` before `read`
            // mutates it, and copy a dictionary of definitions each time.
            let v = read(variable, p)
            inputs.append(resolve(v))
        }
        var same: ValueID?
        var trivial = true
        for v in inputs where v != phi {
            if let s = same, s != v {
                trivial = false
                break
            }
            same = v
        }
        if trivial, let same {
            if definition(variable, b) == phi { write(variable, b, same) }
            replace(phi, by: same)
            return resolve(same)
        }
        var upsilons: [ValueID] = []
        upsilons.reserveCapacity(preds.count)
        for (p, v) in zip(preds, inputs) {
            let terminalIndex = proc[p].values.count - 1
            upsilons.append(proc.insert(.upsilon, .void, [v], immediate: UInt64(phi.index), in: p, at: terminalIndex))
            if v != phi && proc[v].opcode == .phi { phiUsers[v.int].append(phi) }
        }
        upsilonsOf[phi.int] = upsilons
        return phi
    }

    /// Makes `phi` (and its upsilons, if any) nops with `value` standing for it, then checks the
    /// phis it fed.
    mutating func replace(_ phi: ValueID, by value: ValueID) {
        // A nop that keeps the phi's type: IRGen's operand stack and label values may still
        // name it, and IRGen asks their types (`finish` then points children at `value`).
        let type = proc[phi].type
        proc.replaceWithNop(phi)
        proc[phi].type = type
        for u in upsilonsOf[phi.int] { proc.replaceWithNop(u) }
        upsilonsOf[phi.int] = []
        replacement[phi.int] = value
        anyReplaced = true
        let users = phiUsers[phi.int]
        phiUsers[phi.int] = []
        if proc[value].opcode == .phi { phiUsers[value.int].append(contentsOf: users) }
        for user in users { tryRemoveTrivial(user) }
    }

    /// Replaces a complete phi whose inputs have become one value.
    mutating func tryRemoveTrivial(_ phi: ValueID) {
        let upsilons = upsilonsOf[phi.int]
        guard replacement[phi.int] == nil, !upsilons.isEmpty else { return }
        var same: ValueID?
        for u in upsilons {
            let v = resolve(proc[u].children[0])
            if v == phi { continue }
            if let s = same, s != v { return }
            same = v
        }
        guard let same else { return }
        replace(phi, by: same)
    }

    mutating func seal(_ b: BlockID) {
        guard !isSealed(b) else { return }
        cover(b)
        let phis = incomplete[b.int]
        incomplete[b.int] = []
        for (variable, phi) in phis { _ = addOperands(variable, phi, b) }
        sealed[b.int] = true
    }

    /// Points every child that names a replaced phi at the value standing for it, and drops
    /// the nops replaced phis and their upsilons left.
    func finish() {
        guard anyReplaced else { return }
        for b in proc.liveBlocks {
            var nops = false
            for v in proc[b].values {
                if proc[v].opcode == .nop { nops = true }
                for (k, c) in proc[v].children.enumerated() where resolve(c) != c {
                    proc[v].children[k] = resolve(c)
                }
            }
            if nops { proc.removeValues(from: b) { proc[$0].opcode == .nop } }
        }
    }
}
