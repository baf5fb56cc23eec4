import WasmCore

/// A cursor over a module's bytes with the binary format's primitive readers (LEB128 with the
/// spec's exact length and range rules, fixed-width values, names, vectors).
///
/// `position` is always an offset from the start of the module, so errors carry file offsets.
/// The reader does not own the bytes: it lives inside a `withUnsafeBytes` scope of its caller.
/// `limit` is the end of the current section or function body; reads never pass it.
public struct ByteReader {
    @usableFromInline let base: UnsafePointer<UInt8>
    /// End of the whole module.
    public let count: Int
    /// Offset of the next byte to read.
    public var position: Int
    /// Reads stop here: the end of the current section or function body (or of the module).
    public var limit: Int

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, position: Int = 0, limit: Int? = nil) {
        // An empty buffer may have a nil base address; point at a dummy byte (never read).
        self.base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? ByteReader.emptyBase
        self.count = bytes.count
        self.position = position
        self.limit = limit ?? bytes.count
    }

    @usableFromInline nonisolated(unsafe) static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    @inlinable public var isAtEnd: Bool { position >= limit }
    @inlinable public var remaining: Int { limit - position }

    /// The error for a read past `limit`: the spec says "unexpected end" at the end of the module
    /// and "unexpected end of section or function" inside one.
    @usableFromInline
    func unexpectedEnd() -> DecodeError {
        DecodeError(limit >= count ? "unexpected end" : "unexpected end of section or function", offset: position)
    }

    @inlinable @inline(__always)
    public mutating func readByte() throws(DecodeError) -> UInt8 {
        guard position < limit else { throw unexpectedEnd() }
        let b = base[position]
        position &+= 1
        return b
    }

    @inlinable
    public func peekByte() throws(DecodeError) -> UInt8 {
        guard position < limit else { throw unexpectedEnd() }
        return base[position]
    }

    /// The byte at an absolute offset (for callers that keep offsets, such as printers).
    @inlinable public func byte(at offset: Int) -> UInt8 { base[offset] }

    // MARK: LEB128

    /// Unsigned LEB128 of at most `bits` bits: at most ceil(bits/7) bytes, and the unused bits of
    /// the last byte must be zero.
    @inlinable @inline(__always)
    public mutating func readVarUInt32() throws(DecodeError) -> UInt32 {
        // Fast path: five bytes available, so no bounds checks inside.
        if limit &- position >= 5 {
            var p = position
            var result: UInt32 = 0
            var shift: UInt32 = 0
            while shift < 28 {
                let b = base[p]
                p &+= 1
                result |= UInt32(b & 0x7F) << shift
                if b < 0x80 {
                    position = p
                    return result
                }
                shift &+= 7
            }
            let b = base[p]
            if b < 0x10 {
                position = p &+ 1
                return result | UInt32(b) << 28
            }
        }
        return UInt32(truncatingIfNeeded: try readUnsignedLEB(bits: 32))
    }

    @inlinable
    public mutating func readVarUInt64() throws(DecodeError) -> UInt64 {
        try readUnsignedLEB(bits: 64)
    }

    /// LEB128 length and range rules come first: like the reference interpreter, a number that
    /// runs past the end of its section is reported as too long or too large when it is, and as
    /// an unexpected end only when it is well-formed.
    @usableFromInline
    mutating func readUnsignedLEB(bits: Int) throws(DecodeError) -> UInt64 {
        try readingPastLimit { r throws(DecodeError) in try r.readUnsignedLEBUnbounded(bits: bits) }
    }

    /// Runs a read with the limit lifted to the module's end, then reports an unexpected end if
    /// it went past the section: so a read's own errors take precedence over the section's end.
    @usableFromInline
    mutating func readingPastLimit<T>(_ read: (inout ByteReader) throws(DecodeError) -> T) throws(DecodeError) -> T {
        let sectionLimit = limit
        limit = count
        defer { limit = sectionLimit }
        let value = try read(&self)
        if position > sectionLimit {
            position = sectionLimit
            limit = sectionLimit
            throw unexpectedEnd()
        }
        return value
    }

    @usableFromInline
    mutating func readUnsignedLEBUnbounded(bits: Int) throws(DecodeError) -> UInt64 {
        let start = position
        let maxBytes = (bits + 6) / 7
        var result: UInt64 = 0
        var shift = 0
        for i in 0..<maxBytes {
            let b = try readByte()
            let payload = UInt64(b & 0x7F)
            if i == maxBytes - 1 {
                if b & 0x80 != 0 { throw DecodeError("integer representation too long", offset: start) }
                // Bits above `bits` in the last byte must be zero.
                let usable = bits - shift
                if usable < 7 && (payload >> UInt64(usable)) != 0 {
                    throw DecodeError("integer too large", offset: start)
                }
            }
            result |= payload << UInt64(shift)
            if b & 0x80 == 0 { return result }
            shift += 7
        }
        throw DecodeError("integer representation too long", offset: start)
    }

    @inlinable @inline(__always)
    public mutating func readVarInt32() throws(DecodeError) -> Int32 {
        // Fast path: up to four bytes (28 bits), five bytes available.
        if limit &- position >= 5 {
            var p = position
            var result: UInt32 = 0
            var shift: UInt32 = 0
            while shift < 28 {
                let b = base[p]
                p &+= 1
                result |= UInt32(b & 0x7F) << shift
                shift &+= 7
                if b < 0x80 {
                    position = p
                    // Sign-extend from bit `shift - 1`.
                    let unused = 32 &- shift
                    return Int32(bitPattern: result << unused) >> unused
                }
            }
        }
        return Int32(truncatingIfNeeded: try readSignedLEB(bits: 32))
    }

    @inlinable
    public mutating func readVarInt64() throws(DecodeError) -> Int64 {
        try readSignedLEB(bits: 64)
    }

    /// Signed LEB128: in the last byte, the unused bits must all equal the sign bit.
    @usableFromInline
    mutating func readSignedLEB(bits: Int) throws(DecodeError) -> Int64 {
        try readingPastLimit { r throws(DecodeError) in try r.readSignedLEBUnbounded(bits: bits) }
    }

    @usableFromInline
    mutating func readSignedLEBUnbounded(bits: Int) throws(DecodeError) -> Int64 {
        let start = position
        let maxBytes = (bits + 6) / 7
        var result: Int64 = 0
        var shift = 0
        for i in 0..<maxBytes {
            let b = try readByte()
            let payload = Int64(b & 0x7F)
            if i == maxBytes - 1 {
                if b & 0x80 != 0 { throw DecodeError("integer representation too long", offset: start) }
                let usable = bits - shift  // value bits in this byte, sign bit included
                if usable < 7 {
                    // Bits usable-1 ... 6 must all be copies of the sign bit.
                    let mask: UInt8 = (0x7F >> UInt8(usable - 1)) << UInt8(usable - 1)
                    let extra = b & mask
                    if extra != 0 && extra != mask { throw DecodeError("integer too large", offset: start) }
                }
            }
            result |= payload << Int64(shift)
            shift += 7
            if b & 0x80 == 0 {
                if shift < 64 && (b & 0x40) != 0 { result |= -1 << Int64(shift) }
                return result
            }
        }
        throw DecodeError("integer representation too long", offset: start)
    }

    // MARK: Fixed width

    @inlinable
    public mutating func readFixedUInt32() throws(DecodeError) -> UInt32 {
        guard limit - position >= 4 else { position = limit; throw unexpectedEnd() }
        let v = UnsafeRawPointer(base + position).loadUnaligned(as: UInt32.self)
        position &+= 4
        return UInt32(littleEndian: v)
    }

    @inlinable
    public mutating func readFixedUInt64() throws(DecodeError) -> UInt64 {
        guard limit - position >= 8 else { position = limit; throw unexpectedEnd() }
        let v = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
        position &+= 8
        return UInt64(littleEndian: v)
    }

    @inlinable
    public mutating func readV128() throws(DecodeError) -> V128 {
        let lo = try readFixedUInt64()
        let hi = try readFixedUInt64()
        return V128(low: lo, high: hi)
    }

    // MARK: Vectors and names

    /// Reads a vector length and checks it against the bytes left, given the smallest encoding of
    /// one element, so a hostile count fails here instead of driving an allocation.
    @inlinable
    public mutating func readVectorCount(minimumElementSize: Int = 1) throws(DecodeError) -> Int {
        let start = position
        let n = Int(try readVarUInt32())
        if n > remaining / max(minimumElementSize, 1) {
            throw DecodeError(limit >= count ? "unexpected end" : "length out of bounds", offset: start)
        }
        return n
    }

    /// Reads a byte-vector length and returns the range of its bytes (not copied).
    @inlinable
    public mutating func readByteRange() throws(DecodeError) -> Range<Int> {
        let start = position
        let n = Int(try readVarUInt32())
        guard n <= remaining else {
            throw DecodeError(limit >= count && n > count - position ? "unexpected end" : "length out of bounds", offset: start)
        }
        defer { position += n }
        return position..<(position + n)
    }

    /// Copies a range of the underlying bytes.
    public func bytes(in range: Range<Int>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    /// A name: a byte vector that must be well-formed UTF-8.
    public mutating func readName() throws(DecodeError) -> String {
        let range = try readByteRange()
        let buffer = UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
        guard let s = ByteReader.decodeUTF8(buffer) else {
            throw DecodeError("malformed UTF-8 encoding", offset: range.lowerBound)
        }
        return s
    }

    /// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), as the spec requires.
    static func decodeUTF8(_ buffer: UnsafeBufferPointer<UInt8>) -> String? {
        var iterator = buffer.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): scalars.append(s)
            case .emptyInput: return String(scalars)
            case .error: return nil
            }
        }
    }

    // MARK: Types and immediates

    @inlinable
    public mutating func readValueType() throws(DecodeError) -> ValueType {
        let start = position
        let b = try readByte()
        guard let t = ValueType(rawValue: b) else {
            // Types are encoded as one-byte signed LEB128 numbers.
            if b & 0x80 != 0 { throw DecodeError("integer representation too long", offset: start) }
            throw DecodeError("malformed value type", offset: start)
        }
        return t
    }

    /// A reference type (`funcref` or `externref`).
    @inlinable
    public mutating func readReferenceType() throws(DecodeError) -> ValueType {
        let start = position
        let b = try readByte()
        guard b == ValueType.funcref.rawValue || b == ValueType.externref.rawValue else {
            throw DecodeError("malformed reference type", offset: start)
        }
        return ValueType(rawValue: b)!
    }

    /// The heap type of `ref.null`, given in Wasm 2.0 as a reference type byte.
    @inlinable
    public mutating func readHeapType() throws(DecodeError) -> ValueType {
        try readReferenceType()
    }

    @inlinable @inline(__always)
    public mutating func readBlockType() throws(DecodeError) -> BlockType {
        let start = position
        let b = try peekByte()
        if b == 0x40 {
            position &+= 1
            return .empty
        }
        if let t = ValueType(rawValue: b) {
            position &+= 1
            return .value(t)
        }
        // A type index: a positive s33.
        let index = try readSignedLEB(bits: 33)
        guard index >= 0 else { throw DecodeError("malformed value type", offset: start) }
        guard index <= Int64(UInt32.max) else { throw DecodeError("integer too large", offset: start) }
        return .typeIndex(UInt32(index))
    }

    @inlinable @inline(__always)
    public mutating func readMemArg() throws(DecodeError) -> MemArg {
        let start = position
        let align = try readVarUInt32()
        // Wasm 2.0 has one memory; flags of 32 or more (a memory index bit in later versions)
        // are malformed.
        guard align < 32 else { throw DecodeError("malformed memop flags", offset: start) }
        let offset = try readVarUInt32()
        return MemArg(alignment: align, offset: UInt64(offset))
    }

    /// The reserved memory index of `memory.size`, `memory.grow` and the bulk memory
    /// instructions: in Wasm 2.0 a single zero byte (not a LEB128 zero of another length).
    @inlinable
    public mutating func readZeroByte() throws(DecodeError) -> UInt32 {
        let start = position
        guard try readByte() == 0 else { throw DecodeError("zero byte expected", offset: start) }
        return 0
    }

    @inlinable
    public mutating func readBrTable() throws(DecodeError) -> BrTable {
        let n = try readVectorCount()
        var targets = [UInt32]()
        targets.reserveCapacity(n)
        for _ in 0..<n { targets.append(try readVarUInt32()) }
        let defaultTarget = try readVarUInt32()
        return BrTable(targets: targets, defaultTarget: defaultTarget)
    }

    @inlinable
    public mutating func readSelectTypes() throws(DecodeError) -> [ValueType] {
        let n = try readVectorCount()
        var types = [ValueType]()
        types.reserveCapacity(n)
        for _ in 0..<n { types.append(try readValueType()) }
        return types
    }
}

/// The type of a `block`, `loop` or `if`.
public enum BlockType: Hashable, Sendable {
    case empty
    case value(ValueType)
    case typeIndex(UInt32)
}

/// The immediate of a load or store: log2 of the promised alignment and a constant offset.
public struct MemArg: Hashable, Sendable {
    public var alignment: UInt32
    public var offset: UInt64

    @inlinable
    public init(alignment: UInt32, offset: UInt64) {
        self.alignment = alignment
        self.offset = offset
    }
}

/// The immediate of `br_table`.
public struct BrTable: Hashable, Sendable {
    public var targets: [UInt32]
    public var defaultTarget: UInt32

    @inlinable
    public init(targets: [UInt32], defaultTarget: UInt32) {
        self.targets = targets
        self.defaultTarget = defaultTarget
    }
}
