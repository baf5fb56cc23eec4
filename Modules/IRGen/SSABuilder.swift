import IR

/// Braun et al.'s on-the-fly SSA construction, with B3's phis: a phi's inputs are upsilons
/// at the ends of the predecessors, inserted before their terminals.
struct SSABuilder {
    let proc: Procedure
    var variableTypes: [IRType]
    /// The value of each variable at the end of each block that defines it.
    var definitions: [[BlockID: ValueID]]
    var sealed: Set<BlockID> = []
    /// Phis made before their block was sealed, completed by `seal`.
    var incomplete: [BlockID: [(variable: Int, phi: ValueID)]] = [:]
    var predecessorLists: [BlockID: [BlockID]] = [:]

    init(proc: Procedure, variableTypes: [IRType]) {
        self.proc = proc
        self.variableTypes = variableTypes
        definitions = Array(repeating: [:], count: variableTypes.count)
    }

    mutating func newVariable(_ type: IRType) -> Int {
        variableTypes.append(type)
        definitions.append([:])
        return variableTypes.count - 1
    }

    func predecessors(_ b: BlockID) -> [BlockID] { predecessorLists[b] ?? [] }

    /// Records an edge; a block gains predecessors only before it is sealed.
    mutating func addPredecessor(_ b: BlockID, _ p: BlockID) {
        precondition(!sealed.contains(b), "edge into a sealed block")
        if !(predecessorLists[b] ?? []).contains(p) { predecessorLists[b, default: []].append(p) }
    }

    mutating func write(_ variable: Int, _ b: BlockID, _ v: ValueID) {
        definitions[variable][b] = v
    }

    mutating func read(_ variable: Int, _ b: BlockID) -> ValueID {
        if let v = definitions[variable][b] { return v }
        let v: ValueID
        if !sealed.contains(b) {
            v = phi(variable, b)
            incomplete[b, default: []].append((variable, v))
        } else if predecessors(b).count == 1 {
            v = read(variable, predecessors(b)[0])
        } else if predecessors(b).isEmpty {
            // Unreachable code: any value of the type will do.
            v = proc.insert(.const, variableTypes[variable], in: b, at: 0)
        } else {
            let p = phi(variable, b)
            write(variable, b, p)
            addOperands(variable, p, b)
            v = p
        }
        write(variable, b, v)
        return v
    }

    mutating func phi(_ variable: Int, _ b: BlockID) -> ValueID {
        proc.insert(.phi, variableTypes[variable], in: b, at: 0)
    }

    /// An upsilon in each predecessor, before its terminal, with the variable's value there.
    mutating func addOperands(_ variable: Int, _ phi: ValueID, _ b: BlockID) {
        for p in predecessors(b) {
            let v = read(variable, p)
            let terminalIndex = proc[p].values.count - 1
            proc.insert(.upsilon, .void, [v], immediate: UInt64(phi.index), in: p, at: terminalIndex)
        }
    }

    mutating func seal(_ b: BlockID) {
        guard !sealed.contains(b) else { return }
        for (variable, phi) in incomplete[b] ?? [] { addOperands(variable, phi, b) }
        incomplete[b] = nil
        sealed.insert(b)
    }
}
