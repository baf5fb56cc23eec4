/// The register allocators: graph coloring for the best code, linear scan for the fastest
/// compile (as JavaScriptCore's Air has both).
public enum RegisterAllocator: String, Sendable, CaseIterable {
    case graphColoring = "graph-coloring"
    case linearScan = "linear-scan"
}

/// Allocates with the allocator chosen.
public func allocateRegisters(_ code: inout Code, target: any TargetRegisters.Type, using allocator: RegisterAllocator) {
    switch allocator {
    case .graphColoring: allocateRegistersByGraphColoring(&code, target: target)
    case .linearScan: allocateRegistersByLinearScan(&code, target: target)
    }
}

/// Register allocation by iterated register coalescing (George and Appel, 1996; the optimizing
/// allocator of JavaScriptCore's Air): Docs/OPTIMIZING-TIER.md, "Register allocation by graph
/// coloring". Each bank is a separate interference graph whose nodes are its allocatable
/// machine registers (precolored) and its virtual temporaries. Moves between nodes that do not
/// interfere are coalesced when Briggs's or George's test says coloring stays possible;
/// simplification, freezing and optimistic spilling follow the paper. Spilled temporaries get
/// slots as in linear scan (a load before each use, a store after each definition, into
/// temporaries that live for one instruction) and the allocation runs again.
///
/// Afterwards every temporary is a machine register; `frameSize` and `usedCalleeSaved` are set,
/// and moves between one register and itself are gone. If coloring has not converged after a
/// number of rounds (it always has in practice), linear scan allocates the original code.
public func allocateRegistersByGraphColoring(_ code: inout Code, target: any TargetRegisters.Type) {
    let original = code
    var unspillable = Set<Tmp>()
    var slots = 0
    for _ in 0..<16 {
        let liveness = Liveness(code)
        let depths = LinearScan.loopDepths(code)
        // The register of each virtual temporary, by bank and number.
        var assignment: [[Reg]] = [[], []]
        var spilled: [Tmp] = []
        for bank in [Bank.gp, .fp] {
            let graph = InterferenceGraph(code: code, bank: bank, target: target, liveness: liveness, depths: depths, unspillable: unspillable)
            switch graph.allocate() {
            case .colored(let registers):
                assignment[Int(bank.rawValue)] = registers
            case .spilled(let tmps):
                spilled += tmps
            }
        }
        if spilled.isEmpty {
            var used = Array(repeating: false, count: 32)
            for b in code.blocks.indices {
                for k in code.blocks[b].insts.indices {
                    code.blocks[b].insts[k].mapTmps { t in
                        guard case .virtual(let bank, let v) = t else { return t }
                        let r = assignment[Int(bank.rawValue)][Int(v)]
                        used[LinearScan.slot(r)] = true
                        return .reg(r)
                    }
                }
            }
            code.usedCalleeSaved = target.calleeSaved.filter { used[LinearScan.slot($0)] }
            code.frameSize = slots * 8
            removeSelfMoves(&code)
            return
        }
        spill(spilled, in: &code, slots: &slots, target: target, unspillable: &unspillable)
    }
    code = original
    allocateRegistersByLinearScan(&code, target: target)
}

/// Drops moves from a register to itself. A 32-bit one goes too. Code that reads the upper
/// half of an i32 either zero-extends it first (`ZeroExtend32To64`, not a move, always
/// emitted) or reads a value lowering knows was written by a 32-bit instruction, a Wasm call
/// or a phi or select of such values (`zeroExtendedValues` in the x86-64 lowering), whose
/// upper half a dropped `movl r, r` leaves zero.
func removeSelfMoves(_ code: inout Code) {
    for b in code.blocks.indices {
        code.blocks[b].insts.removeAll { inst in
            guard LinearScan.isMove(inst.opcode),
                  case .tmp(let a) = inst.args[0], case .tmp(let b) = inst.args[1] else { return false }
            return a == b
        }
    }
}

/// One bank's interference graph and the state of the algorithm over it. Nodes 0 ..< K are the
/// bank's allocatable registers (precolored), then one node per virtual temporary of the bank.
/// Machine registers that are not allocatable (the stack pointer, the pinned context) are no
/// nodes: nothing is ever given them.
final class InterferenceGraph {
    let bank: Bank
    let registers: [Reg]
    let k: Int
    let firstVirtual: Int
    let nodeCount: Int
    let indexer: TmpIndexer
    /// Node of each temporary index of the indexer, or -1 (other bank, or not allocatable).
    var nodeOf: [Int32]

    /// Which pairs interfere: a triangular bit matrix for graphs up to 4,096 nodes (at most
    /// 1 MiB), a hash set of pairs above.
    var matrix: [UInt64] = []
    var adjacencySet = Set<UInt64>()
    var adjacency: [[Int32]]
    /// Scratch marks for Briggs's test (a node is marked when `marks[n] == mark`).
    var marks: [UInt32]
    var mark: UInt32 = 0
    var degree: [Int]
    var spillCost: [Double]

    /// Moves as (destination, source) nodes; each node's moves.
    var moves: [(dst: Int, src: Int)] = []
    var moveList: [[Int32]]
    enum MoveState: UInt8 { case worklist, active, coalesced, constrained, frozen }
    var moveState: [MoveState] = []
    var worklistMoves: [Int] = []
    var activeCount = 0

    enum NodeState: UInt8 { case precolored, initial, simplify, freeze, spill, spilled, coalesced, colored, selected }
    var state: [NodeState]
    var simplifyWorklist: [Int] = []
    var freezeWorklist: [Int] = []
    var spillWorklist: [Int] = []
    var selectStack: [Int] = []
    var spilledNodes: [Int] = []
    var aliasOf: [Int32]
    var color: [Int]

    init(code: Code, bank: Bank, target: any TargetRegisters.Type, liveness: Liveness, depths: [Int], unspillable: Set<Tmp>) {
        self.bank = bank
        registers = target.allocatable(bank)
        k = registers.count
        indexer = liveness.indexer
        let virtualCount = Int(code.tmpCount[bank, default: 0])
        firstVirtual = k
        nodeCount = k + virtualCount
        nodeOf = Array(repeating: -1, count: indexer.count)
        for (i, r) in registers.enumerated() { nodeOf[indexer.index(.reg(r))] = Int32(i) }
        for v in 0..<virtualCount { nodeOf[indexer.index(.virtual(bank, UInt32(v)))] = Int32(k + v) }
        adjacency = Array(repeating: [], count: nodeCount)
        if nodeCount <= 4096 { matrix = Array(repeating: 0, count: (nodeCount * (nodeCount + 1) / 2 + 63) / 64) }
        marks = Array(repeating: 0, count: nodeCount)
        degree = Array(repeating: 0, count: nodeCount)
        for r in 0..<k { degree[r] = .max / 2 }
        spillCost = Array(repeating: 0, count: nodeCount)
        moveList = Array(repeating: [], count: nodeCount)
        state = Array(repeating: .initial, count: nodeCount)
        for r in 0..<k { state[r] = .precolored }
        aliasOf = (0..<nodeCount).map { Int32($0) }
        color = Array(repeating: -1, count: nodeCount)
        for r in 0..<k { color[r] = r }
        build(code, liveness: liveness, depths: depths)
        for t in unspillable where t.bank == bank {
            let n = Int(nodeOf[indexer.index(t)])
            if n >= k { spillCost[n] = .infinity }
        }
    }

    func tmp(_ n: Int) -> Tmp { .virtual(bank, UInt32(n - k)) }
    func isPrecolored(_ n: Int) -> Bool { n < k }

    // MARK: Build

    /// The bit of pair (u, v), u < v, in the triangular matrix.
    @inline(__always) func bit(_ u: Int, _ v: Int) -> Int { v * (v + 1) / 2 + u }

    func addEdge(_ u: Int, _ v: Int) {
        guard u != v else { return }
        let (a, b) = (min(u, v), max(u, v))
        if !matrix.isEmpty {
            let i = bit(a, b)
            let word = matrix[i >> 6], flag = UInt64(1) << UInt64(i & 63)
            guard word & flag == 0 else { return }
            matrix[i >> 6] = word | flag
        } else {
            guard adjacencySet.insert(UInt64(a) << 32 | UInt64(b)).inserted else { return }
        }
        if !isPrecolored(u) {
            adjacency[u].append(Int32(v))
            degree[u] += 1
        }
        if !isPrecolored(v) {
            adjacency[v].append(Int32(u))
            degree[v] += 1
        }
    }

    func interferes(_ u: Int, _ v: Int) -> Bool {
        let (a, b) = (min(u, v), max(u, v))
        if !matrix.isEmpty {
            let i = bit(a, b)
            return matrix[i >> 6] & (UInt64(1) << UInt64(i & 63)) != 0
        }
        return adjacencySet.contains(UInt64(a) << 32 | UInt64(b))
    }

    func build(_ code: Code, liveness: Liveness, depths: [Int]) {
        // The live set as a dense list with each member's position (-1: not live), for
        // constant-time insertion and removal.
        var live: [Int] = []
        var isLive = Array(repeating: Int32(-1), count: nodeCount)
        // Scratch lists, reused for every instruction.
        var defs: [Int] = [], uses: [Int] = [], scratch: [Int] = []
        for (b, block) in code.blocks.enumerated() {
            let weight = pow10(min(depths[b], 15))
            live.removeAll(keepingCapacity: true)
            liveness.liveOut[b].forEach { i in
                let n = Int(nodeOf[i])
                if n >= 0 { insert(n, into: &live, &isLive) }
            }
            for inst in block.insts.reversed() {
                defs.removeAll(keepingCapacity: true)
                uses.removeAll(keepingCapacity: true)
                scratch.removeAll(keepingCapacity: true)
                inst.forEachTmp { t, role, _, _ in
                    guard t.bank == bank else { return }
                    let n = Int(nodeOf[indexer.index(t)])
                    guard n >= 0 else { return }
                    if role.isDef { defs.append(n) }
                    if role.isUse { uses.append(n) }
                    if role == .scratch { scratch.append(n) }
                    if n >= k { spillCost[n] += weight }
                }
                // A move's destination need not avoid its source: they may share a register.
                if LinearScan.isMove(inst.opcode), defs.count == 1, uses.count == 1,
                   case .tmp = inst.args[0], case .tmp = inst.args[1] {
                    let (dst, src) = (defs[0], uses[0])
                    remove(src, from: &live, &isLive)
                    let m = moves.count
                    moves.append((dst, src))
                    moveState.append(.worklist)
                    moveList[dst].append(Int32(m))
                    moveList[src].append(Int32(m))
                    worklistMoves.append(m)
                }
                for d in defs { insert(d, into: &live, &isLive) }
                for d in defs {
                    for l in live { addEdge(l, d) }
                }
                // A scratch register is written while the operands are still being read.
                for s in scratch {
                    for u in uses { addEdge(s, u) }
                }
                for d in defs where !uses.contains(d) { remove(d, from: &live, &isLive) }
                for u in uses { insert(u, into: &live, &isLive) }
            }
            for n in live { isLive[n] = -1 }
        }
    }

    private func insert(_ n: Int, into live: inout [Int], _ position: inout [Int32]) {
        guard position[n] < 0 else { return }
        position[n] = Int32(live.count)
        live.append(n)
    }

    private func remove(_ n: Int, from live: inout [Int], _ position: inout [Int32]) {
        let i = Int(position[n])
        guard i >= 0 else { return }
        let last = live.removeLast()
        if last != n {
            live[i] = last
            position[last] = Int32(i)
        }
        position[n] = -1
    }

    private func pow10(_ e: Int) -> Double {
        var x = 1.0
        for _ in 0..<e { x *= 10 }
        return x
    }

    // MARK: The algorithm

    enum Outcome {
        /// The register of each virtual temporary of the bank.
        case colored([Reg])
        /// What to spill before trying again.
        case spilled([Tmp])
    }

    func allocate() -> Outcome {
        makeWorklists()
        while true {
            if let n = simplifyWorklist.popLast() {
                simplify(n)
            } else if let m = worklistMoves.popLast() {
                coalesce(m)
            } else if let n = freezeWorklist.popLast() {
                freeze(n)
            } else if !spillWorklist.isEmpty {
                selectSpill()
            } else {
                break
            }
        }
        assignColors()
        if !spilledNodes.isEmpty { return .spilled(spilledNodes.map { tmp($0) }) }
        return .colored((firstVirtual..<nodeCount).map { registers[color[alias($0)]] })
    }

    func moveRelated(_ n: Int) -> Bool {
        moveList[n].contains { let s = moveState[Int($0)]; return s == .worklist || s == .active }
    }

    func makeWorklists() {
        for n in firstVirtual..<nodeCount {
            if degree[n] >= k {
                state[n] = .spill
                spillWorklist.append(n)
            } else if moveRelated(n) {
                state[n] = .freeze
                freezeWorklist.append(n)
            } else {
                state[n] = .simplify
                simplifyWorklist.append(n)
            }
        }
    }

    /// Whether a neighbour is still in the graph (not on the select stack, not coalesced).
    @inline(__always) func present(_ a: Int32) -> Bool {
        let s = state[Int(a)]
        return s != .selected && s != .coalesced
    }

    func simplify(_ n: Int) {
        guard state[n] == .simplify else { return }
        state[n] = .selected
        selectStack.append(n)
        for a in adjacency[n] where present(a) { decrementDegree(Int(a)) }
    }

    func decrementDegree(_ m: Int) {
        guard !isPrecolored(m) else { return }
        let d = degree[m]
        degree[m] = d - 1
        if d == k {
            enableMoves(m)
            for a in adjacency[m] where present(a) { enableMoves(Int(a)) }
            if state[m] == .spill {
                if moveRelated(m) {
                    state[m] = .freeze
                    freezeWorklist.append(m)
                } else {
                    state[m] = .simplify
                    simplifyWorklist.append(m)
                }
            }
        }
    }

    func enableMoves(_ n: Int) {
        for m in moveList[n] where moveState[Int(m)] == .active {
            moveState[Int(m)] = .worklist
            worklistMoves.append(Int(m))
        }
    }

    func addWorklist(_ u: Int) {
        if !isPrecolored(u) && !moveRelated(u) && degree[u] < k && state[u] == .freeze {
            state[u] = .simplify
            simplifyWorklist.append(u)
        }
    }

    /// George's test, for coalescing into a precolored node.
    func ok(_ t: Int, _ r: Int) -> Bool {
        degree[t] < k || isPrecolored(t) || interferes(t, r)
    }

    /// Briggs's test: fewer than K neighbours of significant degree.
    func conservative(_ u: Int, _ v: Int) -> Bool {
        mark &+= 1
        if mark == 0 {
            for i in marks.indices { marks[i] = 0 }
            mark = 1
        }
        var significant = 0
        // (Two loops rather than `for n in [u, v]`, which allocated an array per test.)
        for a in adjacency[u] where present(a) && marks[Int(a)] != mark {
            marks[Int(a)] = mark
            if degree[Int(a)] >= k {
                significant += 1
                if significant >= k { return false }
            }
        }
        for a in adjacency[v] where present(a) && marks[Int(a)] != mark {
            marks[Int(a)] = mark
            if degree[Int(a)] >= k {
                significant += 1
                if significant >= k { return false }
            }
        }
        return true
    }

    func alias(_ n: Int) -> Int {
        var root = n
        while state[root] == .coalesced { root = Int(aliasOf[root]) }
        // Path compression: later lookups of the chain take one step.
        var m = n
        while state[m] == .coalesced, Int(aliasOf[m]) != root {
            let next = Int(aliasOf[m])
            aliasOf[m] = Int32(root)
            m = next
        }
        return root
    }

    func coalesce(_ m: Int) {
        guard moveState[m] == .worklist else { return }
        var u = alias(moves[m].dst), v = alias(moves[m].src)
        if isPrecolored(v) { swap(&u, &v) }
        if u == v {
            moveState[m] = .coalesced
            addWorklist(u)
        } else if isPrecolored(v) || interferes(u, v) {
            moveState[m] = .constrained
            addWorklist(u)
            addWorklist(v)
        } else if isPrecolored(u) ? allAdjacentOK(v, u) : conservative(u, v) {
            moveState[m] = .coalesced
            combine(u, v)
            addWorklist(u)
        } else {
            moveState[m] = .active
        }
    }

    func allAdjacentOK(_ v: Int, _ u: Int) -> Bool {
        for t in adjacency[v] where present(t) && !ok(Int(t), u) { return false }
        return true
    }

    func combine(_ u: Int, _ v: Int) {
        state[v] = .coalesced
        aliasOf[v] = Int32(u)
        moveList[u] += moveList[v]
        if spillCost[v].isInfinite { spillCost[u] = .infinity } else if !isPrecolored(u) { spillCost[u] += spillCost[v] }
        enableMoves(v)
        let neighbours = adjacency[v]
        for t in neighbours where present(t) {
            addEdge(Int(t), u)
            decrementDegree(Int(t))
        }
        if !isPrecolored(u) && degree[u] >= k && state[u] == .freeze {
            state[u] = .spill
            spillWorklist.append(u)
        }
    }

    func freeze(_ u: Int) {
        guard state[u] == .freeze else { return }
        state[u] = .simplify
        simplifyWorklist.append(u)
        freezeMoves(u)
    }

    func freezeMoves(_ u: Int) {
        for m32 in moveList[u] {
            let m = Int(m32)
            guard moveState[m] == .worklist || moveState[m] == .active else { continue }
            let x = moves[m].dst, y = moves[m].src
            let v = alias(y) == alias(u) ? alias(x) : alias(y)
            moveState[m] = .frozen
            if !isPrecolored(v) && !moveRelated(v) && degree[v] < k && state[v] == .freeze {
                state[v] = .simplify
                simplifyWorklist.append(v)
            }
        }
    }

    /// The node whose spilling costs least per interference it removes; never a temporary
    /// made by spilling (infinite cost) while there is another choice.
    func selectSpill() {
        // Entries whose node left the spill state are stale: skipped, and dropped when chosen.
        var best = -1
        var bestRatio = Double.infinity
        for (i, n) in spillWorklist.enumerated() where state[n] == .spill {
            let ratio = spillCost[n] / Double(max(degree[n], 1))
            if best < 0 || ratio < bestRatio {
                bestRatio = ratio
                best = i
            }
        }
        guard best >= 0 else {
            spillWorklist.removeAll()
            return
        }
        let m = spillWorklist[best]
        spillWorklist.swapAt(best, spillWorklist.count - 1)
        spillWorklist.removeLast()
        state[m] = .simplify
        simplifyWorklist.append(m)
        freezeMoves(m)
    }

    func assignColors() {
        precondition(k <= 64, "at most 64 registers per bank")
        while let n = selectStack.popLast() {
            // Colors of colored neighbours, as bits.
            var taken: UInt64 = 0
            for w in adjacency[n] {
                let a = alias(Int(w))
                if state[a] == .colored || isPrecolored(a) { taken |= 1 << UInt64(color[a]) }
            }
            // Prefer the color of a move partner already colored (fewer moves left).
            var choice = -1
            for m in moveList[n] {
                let other = alias(moves[Int(m)].dst) == n ? alias(moves[Int(m)].src) : alias(moves[Int(m)].dst)
                if (state[other] == .colored || isPrecolored(other)), color[other] >= 0, taken & (1 << UInt64(color[other])) == 0 {
                    choice = color[other]
                    break
                }
            }
            if choice < 0 {
                let free = ~taken & (k == 64 ? ~0 : (1 << UInt64(k)) - 1)
                if free != 0 { choice = free.trailingZeroBitCount }
            }
            if choice < 0 {
                state[n] = .spilled
                spilledNodes.append(n)
            } else {
                state[n] = .colored
                color[n] = choice
            }
        }
        for n in firstVirtual..<nodeCount where state[n] == .coalesced {
            let a = alias(n)
            color[n] = color[a]
            if state[a] == .spilled { spilledNodes.append(n) }
        }
        // A spilled alias spills the whole coalesced group: its members' own spill code.
        if !spilledNodes.isEmpty {
            spilledNodes = Array(Set(spilledNodes)).sorted()
        }
    }
}
