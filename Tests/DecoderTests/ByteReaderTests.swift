import Testing
@testable import Decoder

/// LEB128 and fixed-width reads, with the spec's length and range rules.
@Suite struct ByteReaderTests {
    func read<T>(_ bytes: [UInt8], _ body: (inout ByteReader) throws(DecodeError) -> T) -> Result<T, DecodeError> {
        bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            do throws(DecodeError) { return .success(try body(&r)) } catch { return .failure(error) }
        }
    }

    func message<T>(_ r: Result<T, DecodeError>) -> String? {
        if case .failure(let e) = r { return e.message }
        return nil
    }

    @Test(arguments: [
        ([0x00], 0), ([0x7F], 127), ([0x80, 0x01], 128), ([0xE5, 0x8E, 0x26], 624_485),
        ([0x80, 0x80, 0x80, 0x80, 0x00], 0), ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 4_294_967_295),
    ] as [([UInt8], UInt32)])
    func unsigned32(bytes: [UInt8], value: UInt32) throws {
        #expect(try read(bytes) { r throws(DecodeError) in try r.readVarUInt32() }.get() == value)
    }

    @Test func unsigned32RejectsSixBytes() {
        let r = read([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]) { r throws(DecodeError) in try r.readVarUInt32() }
        #expect(message(r) == "integer representation too long")
    }

    @Test func unsigned32RejectsUnusedBitsInLastByte() {
        let r = read([0x80, 0x80, 0x80, 0x80, 0x10]) { r throws(DecodeError) in try r.readVarUInt32() }
        #expect(message(r) == "integer too large")
    }

    @Test func truncatedNumberIsUnexpectedEnd() {
        let r = read([0x80, 0x80]) { r throws(DecodeError) in try r.readVarUInt32() }
        #expect(message(r) == "unexpected end")
    }

    @Test(arguments: [
        ([0x7F], -1), ([0x3F], 63), ([0x40], -64), ([0x80, 0x7F], -128),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0x07], Int32.max), ([0x80, 0x80, 0x80, 0x80, 0x78], Int32.min),
    ] as [([UInt8], Int32)])
    func signed32(bytes: [UInt8], value: Int32) throws {
        #expect(try read(bytes) { r throws(DecodeError) in try r.readVarInt32() }.get() == value)
    }

    @Test(arguments: [[0xFF, 0xFF, 0xFF, 0xFF, 0x4F], [0x80, 0x80, 0x80, 0x80, 0x70], [0x80, 0x80, 0x80, 0x80, 0x08]] as [[UInt8]])
    func signed32RejectsBadSignBits(bytes: [UInt8]) {
        #expect(message(read(bytes) { r throws(DecodeError) in try r.readVarInt32() }) == "integer too large")
    }

    @Test func signed64Limits() throws {
        let min: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F]
        let max: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]
        #expect(try read(min) { r throws(DecodeError) in try r.readVarInt64() }.get() == Int64.min)
        #expect(try read(max) { r throws(DecodeError) in try r.readVarInt64() }.get() == Int64.max)
        let tooLarge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(message(read(tooLarge) { r throws(DecodeError) in try r.readVarInt64() }) == "integer too large")
    }

    @Test func fixedWidthIsLittleEndian() throws {
        let v = try read([0x00, 0x00, 0x80, 0x3F]) { r throws(DecodeError) in try r.readFixedUInt32() }.get()
        #expect(Float(bitPattern: v) == 1.0)
    }

    @Test func namesMustBeUTF8() throws {
        #expect(try read([0x02, 0xC3, 0xA9]) { r throws(DecodeError) in try r.readName() }.get() == "é")
        #expect(message(read([0x02, 0xC0, 0x80]) { r throws(DecodeError) in try r.readName() }) == "malformed UTF-8 encoding")
        #expect(message(read([0x03, 0xED, 0xA0, 0x80]) { r throws(DecodeError) in try r.readName() }) == "malformed UTF-8 encoding")
    }

    @Test func hugeVectorCountFailsBeforeAllocating() {
        // 2^32-1 elements in a 3-byte remainder: rejected from the count alone.
        let r = read([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x00]) { r throws(DecodeError) in try r.readVectorCount() }
        #expect(message(r) == "unexpected end")
    }
}
