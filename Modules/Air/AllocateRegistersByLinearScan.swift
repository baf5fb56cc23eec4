import Foundation

/// Register allocation by linear scan over live ranges with holes (Docs/OPTIMIZING-TIER.md,
/// "Register allocation"). After it, every temporary is a machine register, spilled values
/// live in 8-byte slots at the bottom of the frame (addressed from the stack pointer),
/// `frameSize` covers the slots and `usedCalleeSaved` lists the callee-saved registers the
/// code now writes. Moves from a register to itself are gone, 32-bit ones included (see
/// `removeSelfMoves`).
public func allocateRegistersByLinearScan(_ code: inout Code, target: any TargetRegisters.Type) {
    var unspillable = Set<Tmp>()
    var slots = 0
    while true {
        var allocator = LinearScan(code: code, target: target, unspillable: unspillable)
        let spilled = allocator.run()
        if spilled.isEmpty {
            allocator.apply(to: &code)
            break
        }
        spill(spilled, in: &code, slots: &slots, target: target, unspillable: &unspillable)
    }
    code.frameSize = slots * 8
    removeSelfMoves(&code)
}

/// Half-open ranges of positions, sorted and disjoint.
struct Ranges {
    var items: [(Int, Int)] = []

    /// Adds [from, to), merging with the first range (ranges arrive back to front).
    mutating func addFront(_ from: Int, _ to: Int) {
        if let first = items.first, to >= first.0 {
            items[0] = (min(from, first.0), max(to, first.1))
        } else {
            items.insert((from, to), at: 0)
        }
    }

    /// Starts the first range at `from` (a definition).
    mutating func setFrom(_ from: Int) {
        if items.isEmpty {
            items = [(from, from + 1)]
        } else {
            items[0].0 = from
        }
    }

    /// Whether any range of `other` meets one of ours: for each of its ranges, a binary search
    /// finds our first range ending after it starts. O(m log n) for m ranges against n.
    func overlaps(_ other: Ranges) -> Bool {
        for (from, to) in other.items {
            var low = 0, high = items.count
            while low < high {
                let mid = (low + high) / 2
                if items[mid].1 <= from { low = mid + 1 } else { high = mid }
            }
            if low < items.count && items[low].0 < to { return true }
        }
        return false
    }

    /// Adds `other`'s ranges, keeping the list sorted and disjoint: each goes where a binary
    /// search puts it and absorbs the neighbours it touches. Temporaries are assigned in order
    /// of their start, so insertions land near the end and move little.
    mutating func merge(_ other: Ranges) {
        for (from, to) in other.items {
            var low = 0, high = items.count
            while low < high {
                let mid = (low + high) / 2
                if items[mid].1 < from { low = mid + 1 } else { high = mid }
            }
            // items[low] is the first range ending at or after `from`: it and the ones after
            // that start at or before `to` merge with the new range.
            var end = low
            var merged = (from, to)
            while end < items.count && items[end].0 <= to {
                merged = (min(merged.0, items[end].0), max(merged.1, items[end].1))
                end += 1
            }
            items.replaceSubrange(low..<end, with: CollectionOfOne(merged))
        }
    }

    var start: Int { items.first?.0 ?? .max }
    var end: Int { items.last?.1 ?? 0 }
}

struct LinearScan {
    let code: Code
    let target: any TargetRegisters.Type
    let unspillable: Set<Tmp>
    let indexer: TmpIndexer
    var ranges: [Ranges]
    /// Uses and definitions of each temporary, each weighted by 10^(its block's loop depth)
    /// (capped at 10^15): about how many loads and stores spilling it would execute (a spilled
    /// temporary is reloaded at every use). The allocator evicts the cheapest.
    var spillCost: [Double]
    /// Registers each virtual temporary is moved to or from (coalescing hints).
    var hints: [[Tmp]]
    /// The register of each temporary (by index), once assigned.
    var assignment: [Reg?]
    /// What each register holds (by `slot`): fixed ranges plus the ranges of temporaries
    /// assigned to it, and those temporaries. Arrays, not dictionaries: the allocator asks
    /// for every candidate register of every temporary.
    var occupied: [Ranges] = Array(repeating: Ranges(), count: 32)
    var holders: [[Int]] = Array(repeating: [], count: 32)

    /// A register's index in `occupied` and `holders`.
    static func slot(_ r: Reg) -> Int { (r.bank == .gp ? 0 : 16) + Int(r.index) }

    init(code: Code, target: any TargetRegisters.Type, unspillable: Set<Tmp>) {
        self.code = code
        self.target = target
        self.unspillable = unspillable
        let liveness = Liveness(code)
        indexer = liveness.indexer
        ranges = Array(repeating: Ranges(), count: indexer.count)
        hints = Array(repeating: [], count: indexer.count)
        spillCost = Array(repeating: 0, count: indexer.count)
        assignment = Array(repeating: nil, count: indexer.count)
        buildRanges(liveness)
    }

    /// Loop depth per block, from the back edges of the layout: a successor at or before its
    /// block closes a loop over the blocks between them. Wasm's structured loops come out laid
    /// out contiguously; for other control flow this is only a weaker guess, which costs speed,
    /// never correctness.
    static func loopDepths(_ code: Code) -> [Int] {
        var lastLatch: [Int: Int] = [:]
        for (b, block) in code.blocks.enumerated() {
            for s in block.successors where s <= b { lastLatch[s] = max(lastLatch[s] ?? b, b) }
        }
        var delta = Array(repeating: 0, count: code.blocks.count + 1)
        for (header, latch) in lastLatch {
            delta[header] += 1
            delta[latch + 1] -= 1
        }
        var depth = Array(repeating: 0, count: code.blocks.count)
        var running = 0
        for b in depth.indices {
            running += delta[b]
            depth[b] = running
        }
        return depth
    }

    mutating func buildRanges(_ liveness: Liveness) {
        var blockStart: [Int] = []
        var position = 0
        for block in code.blocks {
            blockStart.append(position)
            position += 2 * block.insts.count
        }
        let weights: [Double] = (0...15).map { pow(10, Double($0)) }
        let depths = Self.loopDepths(code)
        for b in stride(from: code.blocks.count - 1, through: 0, by: -1) {
            let block = code.blocks[b]
            let weight = weights[min(depths[b], weights.count - 1)]
            let from = blockStart[b], to = from + 2 * block.insts.count
            var live = liveness.liveOut[b]
            live.forEach { ranges[$0].addFront(from, to) }
            for (k, inst) in block.insts.enumerated().reversed() {
                let usePosition = from + 2 * k, defPosition = usePosition + 1
                inst.forEachTmp { t, role, _, _ in
                    guard role.isDef else { return }
                    let i = indexer.index(t)
                    spillCost[i] += weight
                    if live.contains(i) {
                        ranges[i].setFrom(defPosition)
                    } else {
                        ranges[i].addFront(defPosition, defPosition + 1)
                    }
                    if !role.isUse { live.remove(i) }
                }
                inst.forEachTmp { t, role, _, _ in
                    guard role.isUse else { return }
                    let i = indexer.index(t)
                    spillCost[i] += weight
                    ranges[i].addFront(from, usePosition + 1)
                    live.insert(i)
                }
                if Self.isMove(inst.opcode), case .tmp(let a) = inst.args[0], case .tmp(let c) = inst.args[1] {
                    hints[indexer.index(a)].append(c)
                    hints[indexer.index(c)].append(a)
                }
            }
        }
    }

    static func isMove(_ op: Opcode) -> Bool {
        op == .move32 || op == .move64 || op == .moveFloat || op == .moveDouble
    }

    /// Allocates; returns the temporaries to spill (empty when done).
    mutating func run() -> [Tmp] {
        for r in target.allocatable(.gp) + target.allocatable(.fp) { occupied[Self.slot(r)] = ranges[indexer.index(.reg(r))] }
        var order: [Int] = []
        for i in 0..<indexer.count {
            if case .virtual = indexer.tmp(i), !ranges[i].items.isEmpty { order.append(i) }
        }
        order.sort { (ranges[$0].start, $0) < (ranges[$1].start, $1) }
        var spilled: [Tmp] = []
        var spilledSet = Set<Int>()
        for i in order where !spilledSet.contains(i) {
            let t = indexer.tmp(i)
            let candidates = preferred(i) + target.allocatable(t.bank)
            if let r = candidates.first(where: { !occupied[Self.slot($0)].overlaps(ranges[i]) }) {
                assign(i, r)
                continue
            }
            if !unspillable.contains(t) {
                // Spill whatever is cheapest to spill: this temporary, or the spillable
                // occupants of one register. Equal costs go by Poletto and Sarkar's heuristic,
                // spilling whichever lives longer.
                var best: (reg: Reg, cost: Double, end: Int, victims: [Int])?
                for r in target.allocatable(t.bank) where !ranges[indexer.index(.reg(r))].overlaps(ranges[i]) {
                    let victims = holders[Self.slot(r)].filter { ranges[$0].overlaps(ranges[i]) }
                    guard victims.allSatisfy({ !unspillable.contains(indexer.tmp($0)) }) else { continue }
                    let cost = victims.reduce(0) { $0 + spillCost[$1] }
                    let end = victims.map { ranges[$0].end }.min() ?? .max
                    if best == nil || (cost, -end) < (best!.cost, -best!.end) { best = (r, cost, end, victims) }
                }
                if let best, (best.cost, -best.end) < (spillCost[i], -ranges[i].end) {
                    evict(best.victims, from: best.reg, spilled: &spilled, spilledSet: &spilledSet)
                    assign(i, best.reg)
                } else {
                    spilled.append(t)
                    spilledSet.insert(i)
                }
                continue
            }
            // An unspillable temporary (a spill load or store) evicts spillable ones.
            var evicted = false
            for r in target.allocatable(t.bank) {
                let fixed = ranges[indexer.index(.reg(r))]
                guard !fixed.overlaps(ranges[i]) else { continue }
                let victims = holders[Self.slot(r)].filter { ranges[$0].overlaps(ranges[i]) }
                guard victims.allSatisfy({ !unspillable.contains(indexer.tmp($0)) }) else { continue }
                evict(victims, from: r, spilled: &spilled, spilledSet: &spilledSet)
                assign(i, r)
                evicted = true
                break
            }
            precondition(evicted, "register allocation failed: too many values live at one instruction")
        }
        return spilled
    }

    func preferred(_ i: Int) -> [Reg] {
        hints[i].compactMap { h in
            switch h {
            case .reg(let r): r
            case .virtual: assignment[indexer.index(h)]
            }
        }
    }

    /// Takes temporaries off a register, to be spilled.
    mutating func evict(_ victims: [Int], from r: Reg, spilled: inout [Tmp], spilledSet: inout Set<Int>) {
        for victim in victims {
            spilled.append(indexer.tmp(victim))
            spilledSet.insert(victim)
            assignment[victim] = nil
        }
        let k = Self.slot(r)
        holders[k] = holders[k].filter { !victims.contains($0) }
        var rebuilt = ranges[indexer.index(.reg(r))]
        for h in holders[k] { rebuilt.merge(ranges[h]) }
        occupied[k] = rebuilt
    }

    mutating func assign(_ i: Int, _ r: Reg) {
        assignment[i] = r
        occupied[Self.slot(r)].merge(ranges[i])
        holders[Self.slot(r)].append(i)
    }

    func apply(to code: inout Code) {
        var used = Set<Reg>()
        for b in code.blocks.indices {
            for k in code.blocks[b].insts.indices {
                code.blocks[b].insts[k].mapTmps { t in
                    guard case .virtual = t else { return t }
                    let r = assignment[indexer.index(t)]!
                    used.insert(r)
                    return .reg(r)
                }
            }
        }
        code.usedCalleeSaved = target.calleeSaved.filter { used.contains($0) }
    }
}

/// Gives each spilled temporary the next stack slot and rewrites the code to use the slots.
func spill(_ spilled: [Tmp], in code: inout Code, slots: inout Int, target: any TargetRegisters.Type, unspillable: inout Set<Tmp>) {
    var slotOf: [Tmp: Int] = [:]
    for t in spilled {
        slotOf[t] = slots
        slots += 1
    }
    insertSpillCode(slotOf, in: &code, target: target, unspillable: &unspillable)
}

/// Rewrites every use of a spilled temporary as a load from its slot into a fresh temporary
/// just before the instruction, and every definition as a store from one just after. One pass
/// over the code for all of them.
func insertSpillCode(
    _ slotOf: [Tmp: Int], in code: inout Code, target: any TargetRegisters.Type, unspillable: inout Set<Tmp>
) {
    // Slots by bank and temporary number (-1: not spilled): looked up for every temporary of
    // every instruction, so an array rather than the dictionary.
    var slots: [[Int]] = [Array(repeating: -1, count: Int(code.tmpCount[.gp])), Array(repeating: -1, count: Int(code.tmpCount[.fp]))]
    for (t, slot) in slotOf {
        if case .virtual(let bank, let n) = t { slots[Int(bank.rawValue)][Int(n)] = slot }
    }
    func slot(_ t: Tmp) -> Int? {
        guard case .virtual(let bank, let n) = t, Int(n) < slots[Int(bank.rawValue)].count else { return nil }
        let s = slots[Int(bank.rawValue)][Int(n)]
        return s >= 0 ? s : nil
    }
    for b in code.blocks.indices {
        var out: [Inst] = []
        out.reserveCapacity(code.blocks[b].insts.count)
        for var inst in code.blocks[b].insts {
            // The spilled temporaries this instruction mentions, with how it uses them.
            var mentioned: [(tmp: Tmp, used: Bool, defined: Bool)] = []
            inst.forEachTmp { u, role, _, _ in
                guard slot(u) != nil else { return }
                let isUse = role.isUse
                if let k = mentioned.firstIndex(where: { $0.tmp == u }) {
                    mentioned[k].used = mentioned[k].used || isUse
                    mentioned[k].defined = mentioned[k].defined || role.isDef
                } else {
                    mentioned.append((u, isUse, role.isDef))
                }
            }
            guard !mentioned.isEmpty else {
                out.append(inst)
                continue
            }
            var after: [Inst] = []
            var replacement: [Tmp: Tmp] = [:]
            for m in mentioned {
                let fresh = code.newTmp(m.tmp.bank)
                unspillable.insert(fresh)
                replacement[m.tmp] = fresh
                let address = Arg.addr(Address(base: .reg(target.stackPointer), offset: Int32(slot(m.tmp)! * 8)))
                let move: Opcode = m.tmp.bank == .gp ? .move64 : .moveDouble
                if m.used { out.append(Inst(move, [address, .tmp(fresh)])) }
                if m.defined { after.append(Inst(move, [.tmp(fresh), address])) }
            }
            inst.mapTmps { replacement[$0] ?? $0 }
            out.append(inst)
            out.append(contentsOf: after)
        }
        code.blocks[b].insts = out
    }
}
