import Decoder
import Testing
import TextFormat
import WasmCore
@testable import Validator

/// Typing rules, checked on small modules written in the text format.
@Suite struct ValidatorTests {
    func validate(_ wat: String) throws -> ValidatedModule {
        try ModuleValidator().validate(bytes: TextFormat.wat2wasm(wat))
    }

    /// The validation message, or nil if the module is valid.
    func rejection(_ wat: String) throws -> String? {
        let bytes = try TextFormat.wat2wasm(wat)
        do {
            _ = try ModuleValidator().validate(bytes: bytes)
            return nil
        } catch let e as ValidationError {
            return e.message
        } catch let e as DecodeError {
            return "malformed: " + e.message
        }
    }

    @Test func acceptsAValidFunctionAndRecordsItsShape() throws {
        let v = try validate("""
            (module (func (param i32 i32) (result i32) (local i64 f32)
              (block (result i32)
                (local.get 0) (local.get 1) (i32.add)
                (br_if 0 (i32.const 1))
              )))
            """)
        let f = try #require(v.functions.first)
        #expect(f.localTypes == [.i32, .i32, .i64, .f32])
        #expect(f.maxOperandHeight == 2)
        #expect(f.maxControlDepth == 2)
        #expect(f.blocks.count == 1)
        let block = f.blocks[0]
        #expect(block.kind == .block && block.elseOffset == .max)
        #expect(v.module.bytes[Int(block.start)] == 0x02)
        #expect(v.module.bytes[Int(block.end)] == 0x0B)
    }

    @Test func recordsElseOffsets() throws {
        let v = try validate("(module (func (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))))")
        let b = try #require(v.functions.first?.blocks.first)
        #expect(b.kind == .if)
        #expect(v.module.bytes[Int(b.elseOffset)] == 0x05)
    }

    @Test func typeMismatch() throws {
        #expect(try rejection("(module (func (result i32) (i64.const 1)))")?.hasPrefix("type mismatch") == true)
        #expect(try rejection("(module (func (i32.add (i32.const 1) (f32.const 1)) (drop)))")?.hasPrefix("type mismatch") == true)
        #expect(try rejection("(module (func (i32.const 1)))")?.hasPrefix("type mismatch") == true)
    }

    @Test func unreachableCodeIsPolymorphic() throws {
        #expect(try rejection("(module (func (result i32) (unreachable) (i32.add)))") == nil)
        #expect(try rejection("(module (func (result i32) (return (i32.const 1)) (select)))") == nil)
        #expect(try rejection("(module (func (result i32) (unreachable) (i64.const 0) (i32.add)))")?.hasPrefix("type mismatch") == true)
    }

    @Test func unknownIndices() throws {
        // The text format cannot name a missing local, so this one is written in binary:
        // (func (local.get 0) drop) with no locals.
        let bytes: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                              0x03, 0x02, 0x01, 0x00, 0x0A, 0x07, 0x01, 0x05, 0x00, 0x20, 0x00, 0x1A, 0x0B]
        #expect(throws: ValidationError("unknown local 0", offset: 23)) { try ModuleValidator().validate(bytes: bytes) }
        #expect(try rejection("(module (func (i32.load (i32.const 0)) (drop)))") == "unknown memory 0")
    }

    @Test func brTableTargetsMustAgree() throws {
        let wat = "(module (func (result i32) (block (result i32) (block (br_table 0 1 (i32.const 0) (i32.const 0))))))"
        #expect(try rejection(wat)?.hasPrefix("type mismatch") == true)
    }

    @Test func memoryRules() throws {
        #expect(try rejection("(module (memory 1) (func (i32.load align=8 (i32.const 0)) (drop)))") == "alignment must not be larger than natural")
        #expect(try rejection("(module (memory 65537))") == "memory size must be at most 65536 pages (4GiB)")
        #expect(try rejection("(module (memory 2 1))") == "size minimum must not be greater than maximum")
    }

    @Test func globalsAndConstantExpressions() throws {
        #expect(try rejection("(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))") == "global is immutable")
        #expect(try rejection("(module (global i32 (i32.add (i32.const 0) (i32.const 1))))") == "constant expression required")
        #expect(try rejection("(module (global i32 (i32.const 0)) (global i32 (global.get 0)))") == "unknown global 0")
        #expect(try rejection("(module (global i32 (f32.const 0)))")?.hasPrefix("type mismatch") == true)
    }

    @Test func functionReferencesMustBeDeclared() throws {
        #expect(try rejection("(module (func $f) (func (ref.func $f) (drop)))") == "undeclared function reference")
        #expect(try rejection("(module (func $f) (elem declare func $f) (func (ref.func $f) (drop)))") == nil)
    }

    @Test func exportNamesAreUnique() throws {
        #expect(try rejection(#"(module (func) (export "a" (func 0)) (export "a" (func 0)))"#)?.hasPrefix("duplicate export name") == true)
        // Canonically equivalent but different code points: distinct names.
        #expect(try rejection("(module (func) (export \"\u{C5}\" (func 0)) (export \"A\u{30A}\" (func 0)))") == nil)
    }

    @Test func simdLanesAndShuffles() throws {
        #expect(try rejection("(module (func (result i32) (i8x16.extract_lane_s 16 (v128.const i64x2 0 0))))") == "invalid lane index")
        #expect(try rejection("(module (func (result i32) (i32x4.extract_lane 3 (v128.const i64x2 0 0))))") == nil)
    }

    @Test func selectNeedsATypeForReferences() throws {
        #expect(try rejection("(module (func (param externref externref i32) (select (local.get 0) (local.get 1) (local.get 2)) (drop)))")?.hasPrefix("type mismatch") == true)
        #expect(try rejection("(module (func (param externref externref i32) (select (result externref) (local.get 0) (local.get 1) (local.get 2)) (drop)))") == nil)
    }

    @Test func multiValueBlocks() throws {
        let wat = """
            (module (type $t (func (param i32 i32) (result i32 i32)))
              (func (result i32) (i32.const 1) (i32.const 2) (block (type $t)) (i32.add)))
            """
        #expect(try rejection(wat) == nil)
    }

    @Test func startFunctionType() throws {
        #expect(try rejection("(module (func (param i32)) (start 0))")?.hasPrefix("start function") == true)
    }

    @Test func multipleMemoriesAreRejected() throws {
        #expect(try rejection(#"(module (import "m" "a" (memory 1)) (memory 1))"#) == "multiple memories")
    }
}
