#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MachineCode
import WasmCore

/// A linear memory. Its address space is reserved once (the whole 32-bit range plus a guard
/// region, `PROT_NONE`) and pages are committed on growth, so `base` never moves: compiled code
/// and the interpreter may keep it across calls. Accesses are bounds-checked against `byteCount`.
public final class MemoryInstance: @unchecked Sendable {
    /// The Wasm page size in bytes.
    public static let pageSize = 65_536
    /// 4 GiB of addressable range plus an 8 GiB guard beyond it (an offset can add up to 4 GiB).
    package static let reservation = 12 << 30

    /// The first byte of the memory; it never moves, even when the memory grows.
    public let base: UnsafeMutableRawPointer
    /// Current size in bytes, in a cell that never moves so execution tiers can read it
    /// through a pointer after calls (any of which may grow the memory).
    public let sizeCell: UnsafeMutablePointer<Int> = .allocate(capacity: 1)
    /// The current size in bytes (a multiple of `pageSize`).
    public private(set) var byteCount: Int {
        get { sizeCell.pointee }
        set { sizeCell.pointee = newValue }
    }
    /// The memory's declared limits, in pages.
    public let type: MemoryType
    let reserved: Int
    /// Whether the whole reservation is in place: then nothing an access computes (a 32-bit
    /// index plus a 32-bit offset) leaves it, and compiled code may leave bounds to the
    /// guard pages. A memory that fell back to a smaller reservation needs explicit checks.
    package var hasGuardRegion: Bool { reserved >= MemoryInstance.reservation }

    /// The current size in pages.
    public var pageCount: Int { byteCount / MemoryInstance.pageSize }
    /// The most pages the memory can grow to: its declared maximum, or 65,536 (4 GiB).
    public var maximumPages: Int { Int(type.limits.maximum ?? 65_536) }

    /// Reserves the address space and commits the initial pages.
    /// - Throws: `Trap` when the reservation or the commit fails.
    public init(type: MemoryType) throws {
        self.type = type
        let initial = Int(type.limits.minimum) * MemoryInstance.pageSize
        var size = MemoryInstance.reservation
        var p = mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        if p == MAP_FAILED {
            // Address space is short: reserve only what the maximum needs.
            size = Swift.max(Int(type.limits.maximum ?? type.limits.minimum) * MemoryInstance.pageSize, MemoryInstance.pageSize)
            p = mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        }
        sizeCell.initialize(to: 0)
        guard let p, p != MAP_FAILED else {
            sizeCell.deallocate()
            throw Trap(.hostError, detail: "cannot reserve memory")
        }
        base = p
        reserved = size
        byteCount = 0
        if initial > 0 && mprotect(base, initial, PROT_READ | PROT_WRITE) != 0 {
            munmap(base, size)
            sizeCell.deallocate()
            throw Trap(.hostError, detail: "cannot commit \(initial) bytes of memory")
        }
        byteCount = initial
    }

    deinit {
        munmap(base, reserved)
        sizeCell.deallocate()
    }

    /// Grows by `delta` pages; returns the old page count, or -1 (the spec's failure result).
    public func grow(by delta: Int) -> Int {
        let old = pageCount
        guard delta >= 0, old + delta <= maximumPages, (old + delta) * MemoryInstance.pageSize <= reserved else { return -1 }
        if delta == 0 { return old }
        let newSize = (old + delta) * MemoryInstance.pageSize
        guard mprotect(base + byteCount, newSize - byteCount, PROT_READ | PROT_WRITE) == 0 else { return -1 }
        byteCount = newSize
        return old
    }

    /// Copies bytes out of memory, or nil if the range is out of bounds.
    public func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= byteCount - count else { return nil }
        return Array(UnsafeRawBufferPointer(start: base + offset, count: count))
    }

    /// Copies bytes into memory; false if the range is out of bounds.
    @discardableResult
    public func write(_ bytes: some Collection<UInt8>, at offset: Int) -> Bool {
        guard offset >= 0, offset <= byteCount - bytes.count else { return false }
        var i = offset
        for b in bytes {
            base.storeBytes(of: b, toByteOffset: i, as: UInt8.self)
            i += 1
        }
        return true
    }
}

/// A mirror of a table's elements that compiled code or the interpreter's C loop reads: a
/// header block that never moves (`MachineCode.NativeTableLayout`: a pointer to one entry
/// pointer per element, and the element count, 0 while stale). A table change makes it stale;
/// the slow path of `call_indirect` rebuilds it once the slow calls since then add up to a 32nd
/// of the table, so that a program alternating table writes and calls does not pay a rebuild
/// per call.
package final class TableView {
    package let header: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: NativeTableLayout.size, alignment: 8)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: NativeTableLayout.size)
        return p
    }()
    private var entries: UnsafeMutablePointer<UnsafeRawPointer?> = .allocate(capacity: 1)
    private var capacity = 1
    /// Slow-path calls since the view went stale.
    private var staleCalls = 0

    deinit {
        header.deallocate()
        entries.deallocate()
    }

    func invalidate() { header.storeBytes(of: 0, toByteOffset: Int(NativeTableLayout.count), as: Int.self) }

    /// Whether the view covers `count` elements (an empty table has no current view).
    package func isCurrent(count: Int) -> Bool {
        header.load(fromByteOffset: Int(NativeTableLayout.count), as: Int.self) == count && count > 0
    }

    /// Counts a slow call on a stale view; true once it is time to rebuild.
    package func noteSlowCall(tableSize: Int) -> Bool {
        staleCalls += 1
        return staleCalls >= 1 + tableSize / 32
    }

    /// Rebuilds the view: each element's entry from `entry` (given the raw reference).
    package func rebuild(_ elements: [UInt64], _ entry: (UInt64) -> UnsafeRawPointer?) {
        if capacity < elements.count {
            entries.deallocate()
            capacity = elements.count
            entries = .allocate(capacity: capacity)
        }
        for (k, raw) in elements.enumerated() { entries[k] = entry(raw) }
        header.storeBytes(of: UnsafeRawPointer(entries), toByteOffset: Int(NativeTableLayout.entries), as: UnsafeRawPointer.self)
        header.storeBytes(of: elements.count, toByteOffset: Int(NativeTableLayout.count), as: Int.self)
        staleCalls = 0
    }
}

/// A table of references, stored as raw slots (0 = null, otherwise address + 1).
public final class TableInstance: @unchecked Sendable {
    /// The table's element type and limits.
    public let type: TableType
    /// The elements as raw references: 0 for null, otherwise store address + 1. Any change
    /// makes the views stale.
    public var elements: [UInt64] {
        didSet {
            nativeView.invalidate()
            slotView.invalidate()
        }
    }

    /// What compiled `call_indirect` reads: a function table entry per element
    /// (`FunctionTableEntryLayout`, `unmatchable` for null elements and host functions).
    /// Contexts point at its header.
    package let nativeView = TableView()
    /// What the interpreter's `call_indirect` reads (C's `wt_table_view`): a `FunctionSlot`
    /// per element, nil for null. Built only for tables up to `maxSlotViewCount` elements.
    package let slotView = TableView()
    /// Tables larger than this get no slot view (8 bytes an element).
    package static let maxSlotViewCount = 1 << 20
    /// A table at its minimum size, every element `initial` (a raw reference).
    public init(type: TableType, initial: UInt64 = 0) {
        self.type = type
        elements = Array(repeating: initial, count: Int(type.limits.minimum))
    }

    /// The most elements the table can grow to: its declared maximum, capped at 10 million.
    public var maximum: Int { Int(min(type.limits.maximum ?? UInt64(UInt32.max), UInt64(10_000_000))) }

    /// Grows by `delta` slots filled with `value`; returns the old size or -1.
    public func grow(by delta: Int, value: UInt64) -> Int {
        let old = elements.count
        guard delta >= 0, old + delta <= maximum else { return -1 }
        elements.append(contentsOf: repeatElement(value, count: delta))
        return old
    }
}

/// A global variable. Its value lives in a heap cell that never moves (two words, for v128), so
/// execution tiers read and write it through a raw pointer without touching the object.
public final class GlobalInstance: @unchecked Sendable {
    /// The global's value type and mutability.
    public let type: GlobalType
    /// The value cell: the raw bits in word 0, the high half of a v128 in word 1.
    public let cell: UnsafeMutablePointer<UInt64>

    /// The raw value (the low half of a v128).
    public var bits: UInt64 {
        get { cell[0] }
        set { cell[0] = newValue }
    }

    /// The high half of a v128 value (0 for other types).
    public var high: UInt64 {
        get { cell[1] }
        set { cell[1] = newValue }
    }

    /// The current value.
    public var value: Value { Value(bits: bits, high: high, type: type.valueType) }

    /// A global holding the given raw value.
    public init(type: GlobalType, bits: UInt64, high: UInt64 = 0) {
        self.type = type
        cell = .allocate(capacity: 2)
        cell[0] = bits
        cell[1] = high
    }

    deinit { cell.deallocate() }
}
