import Testing
import WasmCore
@testable import Decoder

/// Modules built byte by byte, one section kind at a time.
@Suite struct ModuleDecoderTests {
    static let preamble: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]

    func section(_ id: UInt8, _ content: [UInt8]) -> [UInt8] {
        precondition(content.count < 128)
        return [id, UInt8(content.count)] + content
    }

    func decode(_ sections: [UInt8]...) throws(DecodeError) -> Module {
        try ModuleDecoder().decode(ModuleDecoderTests.preamble + sections.flatMap { $0 })
    }

    func error(_ bytes: [UInt8]) -> DecodeError? {
        do { _ = try ModuleDecoder().decode(bytes); return nil } catch { return error }
    }

    @Test func emptyModule() throws {
        let m = try decode()
        #expect(m.types.isEmpty && m.functionBodies.isEmpty && m.customSections.isEmpty)
    }

    @Test func preambleErrors() {
        #expect(error([])?.message == "unexpected end")
        #expect(error([0x00, 0x61, 0x73])?.message == "unexpected end")
        #expect(error([0x00, 0x61, 0x73, 0x6E, 1, 0, 0, 0])?.message == "magic header not detected")
        #expect(error([0x00, 0x61, 0x73, 0x6D, 2, 0, 0, 0])?.message == "unknown binary version")
        #expect(error([0x00, 0x61, 0x73, 0x6D, 2, 0, 0, 0])?.offset == 4)
    }

    @Test func typeSection() throws {
        // (func (param i32 i64) (result f32)) and (func)
        let m = try decode(section(1, [0x02, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D, 0x60, 0x00, 0x00]))
        #expect(m.types == [FunctionType(parameters: [.i32, .i64], results: [.f32]), FunctionType(parameters: [], results: [])])
    }

    @Test func importSection() throws {
        // (import "m" "f" (func (type 0))) (import "m" "g" (global (mut i32)))
        let m = try decode(
            section(1, [0x01, 0x60, 0x00, 0x00]),
            section(2, [0x02, 0x01, 0x6D, 0x01, 0x66, 0x00, 0x00, 0x01, 0x6D, 0x01, 0x67, 0x03, 0x7F, 0x01]))
        #expect(m.imports.map(\.name) == ["f", "g"])
        #expect(m.imports[1].descriptor == .global(GlobalType(valueType: .i32, isMutable: true)))
        #expect(m.importedFunctionCount == 1 && m.importedGlobalCount == 1)
    }

    @Test func malformedImportKindAndMutability() {
        let kind = ModuleDecoderTests.preamble + section(2, [0x01, 0x01, 0x6D, 0x01, 0x66, 0x04, 0x00])
        #expect(error(kind)?.message == "malformed import kind")
        let mutability = ModuleDecoderTests.preamble + section(6, [0x01, 0x7F, 0x02, 0x41, 0x00, 0x0B])
        #expect(error(mutability)?.message == "malformed mutability")
    }

    @Test func customSectionsKeepTheirPayload() throws {
        let m = try decode(section(0, [0x03, 0x61, 0x62, 0x63, 0xDE, 0xAD]), section(0, [0x01, 0x78]))
        #expect(m.customSections.map(\.name) == ["abc", "x"])
        #expect(Array(m.customSections(named: "abc")[0]) == [0xDE, 0xAD])
        #expect(m.customSections(named: "x")[0].isEmpty)
    }

    @Test func nameSectionIsParsed() throws {
        // name section: function names subsection {0: "main"}
        let payload: [UInt8] = [0x04] + Array("name".utf8) + [0x01, 0x07, 0x01, 0x00, 0x04] + Array("main".utf8)
        let m = try decode(section(0, payload))
        #expect(m.names?.functionNames[0] == "main")
    }

    @Test func brokenNameSectionIsIgnored() throws {
        // Subsection size runs past the section: the module is still accepted.
        let payload: [UInt8] = [0x04] + Array("name".utf8) + [0x01, 0x7F, 0x01]
        let m = try decode(section(0, payload))
        #expect(m.names == nil)
        #expect(m.customSections.count == 1)
    }

    @Test func sectionOrderAndIds() {
        let twice = ModuleDecoderTests.preamble + section(1, [0x00]) + section(1, [0x00])
        #expect(error(twice)?.message == "unexpected content after last section")
        let badId = ModuleDecoderTests.preamble + section(13, [])
        #expect(error(badId)?.message == "malformed section id")
        let sizeMismatch = ModuleDecoderTests.preamble + section(1, [0x00, 0x00])
        #expect(error(sizeMismatch)?.message == "section size mismatch")
    }

    @Test func functionBodiesAreRangesOfTheModule() throws {
        let m = try decode(
            section(1, [0x01, 0x60, 0x00, 0x00]), section(3, [0x01, 0x00]),
            section(10, [0x01, 0x06, 0x01, 0x02, 0x7F, 0x41, 0x07, 0x0B]))
        let body = m.functionBodies[0]
        #expect(body.locals == [LocalRun(count: 2, type: .i32)])
        #expect(Array(m.bytes[body.code]) == [0x41, 0x07, 0x0B])
    }

    @Test func functionAndCodeCountsMustAgree() {
        let bytes = ModuleDecoderTests.preamble + section(1, [0x01, 0x60, 0x00, 0x00]) + section(3, [0x01, 0x00])
        #expect(error(bytes)?.message == "function and code section have inconsistent lengths")
    }

    @Test func tooManyLocals() {
        let bytes = ModuleDecoderTests.preamble + section(1, [0x01, 0x60, 0x00, 0x00]) + section(3, [0x01, 0x00])
            + section(10, [0x01, 0x0E, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7E, 0x0B])
        #expect(error(bytes)?.message == "too many locals")
    }

    @Test func hostileCountsFailFast() {
        // A type section claiming 2^32-1 types, a function section claiming 2^28 functions, and a
        // data segment claiming 2^32-1 bytes: each fails on the count, before any allocation.
        let types = ModuleDecoderTests.preamble + section(1, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x60])
        #expect(error(types) != nil)
        let functions = ModuleDecoderTests.preamble + section(3, [0x80, 0x80, 0x80, 0x80, 0x01])
        #expect(error(functions) != nil)
        let data = ModuleDecoderTests.preamble + section(11, [0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(error(data) != nil)
        // A section whose size runs past the end of the module.
        let size = ModuleDecoderTests.preamble + [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        #expect(error(size)?.message == "length out of bounds")
    }

    @Test func everyOpcodeRoundTripsThroughTheTable() {
        // The generated decoder and the table agree: each opcode's encoding decodes back to it.
        struct Recorder: PartialInstructionVisitor {
            var seen: Opcode?
            mutating func visitOther(_ opcode: Opcode) { seen = opcode }
        }
        for op in Opcode.allCases {
            let (prefix, code) = op.binaryEncoding
            var bytes: [UInt8] = prefix.map { [$0] } ?? []
            var v = code
            repeat {
                var b = UInt8(v & 0x7F)
                v >>= 7
                if v != 0 || (prefix == nil && false) { b |= 0x80 }
                bytes.append(b)
            } while v != 0
            if prefix == nil { bytes = [UInt8(code)] }
            bytes += [UInt8](repeating: 0, count: 40)  // room for any immediate
            if op == .brTable || op == .typedSelect { bytes[bytes.count - 40] = 0 }
            if op == .refNull { bytes[bytes.count - 40] = 0x70 }
            let seen: Opcode? = bytes.withUnsafeBytes { raw in
                var r = ByteReader(raw)
                var rec = Recorder()
                try? r.decodeInstruction(&rec)
                return rec.seen
            }
            #expect(seen == op, "\(op.name)")
        }
    }
}

/// The text printer, driven by the same table and decoder.
@Suite struct InstructionPrinterTests {
    @Test func printsNestedCodeWithImmediates() throws {
        // (func (param i32) (result i32) (block (result i32) (i32.load offset=8 (local.get 0)))
        //   (br_table 0 0) ...
        let code: [UInt8] = [
            0x02, 0x7F, 0x20, 0x00, 0x28, 0x02, 0x08, 0x0B,  // block (result i32) local.get 0 i32.load offset=8 end
            0x41, 0x7F, 0x6A,                                // i32.const -1 i32.add
            0x0B,
        ]
        let bytes: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
                              0x01, 0x06, 0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F,
                              0x03, 0x02, 0x01, 0x00,
                              0x05, 0x03, 0x01, 0x00, 0x01,
                              0x0A, UInt8(code.count + 3), 0x01, UInt8(code.count + 1), 0x00] + code
        let m = try ModuleDecoder().decode(bytes)
        let lines = try InstructionPrinter.print(m, range: m.functionBodies[0].code)
        #expect(lines == [
            "  block (result i32)",
            "    local.get 0",
            "    i32.load offset=8",
            "  end",
            "  i32.const -1",
            "  i32.add",
            "end",
        ])
    }
}
