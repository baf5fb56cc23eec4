#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The table, bulk-memory and reference operations, with the spec's bounds rules, shared by
/// every tier: the interpreter calls them from its loop, native code through runtime functions.
/// Arguments are the Wasm i32 operands (unsigned); sums are taken in `Int`, so they cannot wrap.
extension Instance {
    /// `memory.init`: copies bytes of data segment `segment` into memory 0.
    package func memoryInit(segment: Int, destination d: UInt32, source s: UInt32, count n: UInt32) throws {
        let seg = dataSegments[segment]
        let memory = memories[0]
        guard Int(s) + Int(n) <= seg.count, Int(d) + Int(n) <= memory.byteCount else { throw Trap(.outOfBoundsMemoryAccess) }
        module.module.bytes.withUnsafeBytes { raw in
            (memory.base + Int(d)).copyMemory(from: raw.baseAddress! + seg.lowerBound + Int(s), byteCount: Int(n))
        }
    }

    /// `data.drop`.
    package func dataDrop(segment: Int) { dataSegments[segment] = 0..<0 }

    /// `memory.copy` (the ranges may overlap).
    package func memoryCopy(destination d: UInt32, source s: UInt32, count n: UInt32) throws {
        let memory = memories[0]
        guard Int(s) + Int(n) <= memory.byteCount, Int(d) + Int(n) <= memory.byteCount else { throw Trap(.outOfBoundsMemoryAccess) }
        if n > 0 { memmove(memory.base + Int(d), memory.base + Int(s), Int(n)) }
    }

    /// `memory.fill` with the low byte of `value`.
    package func memoryFill(destination d: UInt32, value: UInt32, count n: UInt32) throws {
        let memory = memories[0]
        guard Int(d) + Int(n) <= memory.byteCount else { throw Trap(.outOfBoundsMemoryAccess) }
        if n > 0 { memset(memory.base + Int(d), Int32(value & 0xFF), Int(n)) }
    }

    /// `table.init`: copies references of element segment `segment` into a table.
    package func tableInit(table t: Int, segment: Int, destination d: UInt32, source s: UInt32, count n: UInt32) throws {
        let seg = elementSegments[segment]
        let table = tables[t]
        guard Int(s) + Int(n) <= seg.count, Int(d) + Int(n) <= table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
        if n > 0 { table.elements.replaceSubrange(Int(d)..<(Int(d) + Int(n)), with: seg[Int(s)..<(Int(s) + Int(n))]) }
    }

    /// `elem.drop`.
    package func elemDrop(segment: Int) { elementSegments[segment] = [] }

    /// `table.copy` (the ranges may overlap, the tables may be the same).
    package func tableCopy(destinationTable: Int, sourceTable: Int, destination d: UInt32, source s: UInt32, count n: UInt32) throws {
        let dst = tables[destinationTable], src = tables[sourceTable]
        guard Int(s) + Int(n) <= src.elements.count, Int(d) + Int(n) <= dst.elements.count else { throw Trap(.outOfBoundsTableAccess) }
        if n > 0 {
            let items = Array(src.elements[Int(s)..<(Int(s) + Int(n))])
            dst.elements.replaceSubrange(Int(d)..<(Int(d) + Int(n)), with: items)
        }
    }

    /// `table.fill`.
    package func tableFill(table t: Int, destination d: UInt32, value: UInt64, count n: UInt32) throws {
        let table = tables[t]
        guard Int(d) + Int(n) <= table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
        for k in Int(d)..<(Int(d) + Int(n)) { table.elements[k] = value }
    }

    /// `table.get`.
    package func tableGet(table t: Int, index: UInt32) throws -> UInt64 {
        let table = tables[t]
        guard Int(index) < table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
        return table.elements[Int(index)]
    }

    /// `table.set`.
    package func tableSet(table t: Int, index: UInt32, value: UInt64) throws {
        let table = tables[t]
        guard Int(index) < table.elements.count else { throw Trap(.outOfBoundsTableAccess) }
        table.elements[Int(index)] = value
    }

    /// `table.grow`: the old size, or -1 (as an i32's bits).
    package func tableGrow(table t: Int, delta: UInt32, value: UInt64) -> UInt32 {
        UInt32(bitPattern: Int32(truncatingIfNeeded: tables[t].grow(by: Int(delta), value: value)))
    }

    /// `memory.grow`: the old size in pages, or -1 (as an i32's bits).
    package func memoryGrow(delta: UInt32) -> UInt32 {
        UInt32(bitPattern: Int32(truncatingIfNeeded: memories[0].grow(by: Int(delta))))
    }

    /// The function `call_indirect` calls: element `index` of table `t`, which must be there,
    /// not null, and of the type the instruction names (`typeIndex` in this module).
    package func indirectCallee(table t: Int, index: UInt32, typeIndex: Int) throws -> FunctionInstance {
        let table = tables[t]
        guard Int(index) < table.elements.count else { throw Trap(.undefinedElement) }
        let raw = table.elements[Int(index)]
        guard raw != 0 else { throw Trap(.uninitializedElement) }
        let f = store.functions[Int(raw - 1)]
        guard f.typeID == typeIDs[typeIndex] else { throw Trap(.indirectCallTypeMismatch) }
        return f
    }

    /// `ref.func`: the reference to function `index` of the index space.
    package func functionReference(_ index: Int) -> UInt64 { UInt64(functionAddresses[index].rawValue) + 1 }
}
