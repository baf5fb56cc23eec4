import Engine
import Foundation
import Testing
import TextFormat

/// v128 values through every path of the embedding API: parameters and results, locals,
/// globals, multi-value blocks and calls, `select`, host functions and memory.
@Suite struct SIMDTests {
    let engine = Engine()

    func instance(_ wat: String, imports: [String: [String: Extern]] = [:]) throws -> ModuleInstance {
        try engine.instantiate(engine.compile(TextFormat.wat2wasm(wat)), imports: imports)
    }

    static func v(_ lanes: UInt32...) -> Value {
        // i32x4 lanes, lane 0 in the lowest bits.
        .v128(V128(low: UInt64(lanes[0]) | UInt64(lanes[1]) << 32, high: UInt64(lanes[2]) | UInt64(lanes[3]) << 32))
    }

    @Test func vectorsAreArgumentsAndResults() throws {
        let m = try instance("""
            (module (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1))))
            """)
        #expect(try m.function("add")!.call(Self.v(1, 2, 3, 4), Self.v(10, 20, 30, 0xFFFF_FFFF)) == [Self.v(11, 22, 33, 3)])
    }

    @Test func mixedWidthsKeepTheirSlots() throws {
        // Scalars and vectors interleaved in parameters, locals, a multi-value block and a call.
        let m = try instance("""
            (module
              (func $pair (param i32 v128 i64) (result v128 i64 i32)
                (local.get 1) (local.get 2) (local.get 0))
              (func (export "f") (param i32 v128 f64) (result f64 v128 i32 i64)
                (local v128 i64)
                (local.set 3 (f32x4.splat (f32.const 1.5)))
                (local.get 2)
                (block (param f64) (result f64 v128 i32 i64)
                  (call $pair (local.get 0) (v128.or (local.get 1) (local.get 3)) (i64.const -9))
                  (i32.add (i32.const 1))
                  (local.set 0)
                  (local.set 4)
                  (local.get 0)
                  (local.get 4))))
            """)
        let r = try m.function("f")!.call(.i32(41), Self.v(0, 0, 0, 1), .double(2.5))
        #expect(r == [.double(2.5), Self.v(0x3FC0_0000, 0x3FC0_0000, 0x3FC0_0000, 0x3FC0_0001), .i32(42), .int64(-9)])
    }

    @Test func globalsAndSelectHoldVectors() throws {
        let m = try instance("""
            (module
              (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
              (func (export "swap") (param v128) (result v128) (global.get $g) (global.set $g (local.get 0)))
              (func (export "pick") (param v128 v128 i32) (result v128) (select (local.get 0) (local.get 1) (local.get 2))))
            """)
        #expect(try m.function("swap")!.call(Self.v(5, 6, 7, 8)) == [Self.v(1, 2, 3, 4)])
        #expect(m.global("g")!.value == Self.v(5, 6, 7, 8))
        #expect(try m.function("pick")!.call(Self.v(1, 1, 1, 1), Self.v(2, 2, 2, 2), .i32(0)) == [Self.v(2, 2, 2, 2)])
        #expect(try m.function("pick")!.call(Self.v(1, 1, 1, 1), Self.v(2, 2, 2, 2), .i32(7)) == [Self.v(1, 1, 1, 1)])
    }

    @Test func hostFunctionsTakeAndReturnVectors() throws {
        let reverse = engine.hostFunction(parameters: [.i32, .v128], results: [.v128, .i32]) { _, args in
            guard case .v128(let x) = args[1] else { return [] }
            return [.v128(V128(low: x.high, high: x.low)), args[0]]
        }
        let m = try instance("""
            (module
              (import "env" "reverse" (func $r (param i32 v128) (result v128 i32)))
              (func (export "f") (param v128) (result i32 v128) (local i32)
                (call $r (i32.const 3) (local.get 0))
                (i32.mul (i32.const 2))
                (local.set 1)
                (local.set 0)
                (local.get 1)
                (local.get 0)))
            """, imports: ["env": ["reverse": reverse]])
        // The host returned (swapped halves, 3); the caller doubled the i32 and returned both.
        #expect(try m.function("f")!.call(Self.v(1, 2, 3, 4)) == [.i32(6), Self.v(3, 4, 1, 2)])
    }

    @Test func vectorMemoryAccessIsBoundsChecked() throws {
        let m = try instance("""
            (module (memory (export "mem") 1)
              (func (export "load") (param i32) (result v128) (v128.load (local.get 0)))
              (func (export "store") (param i32 v128) (v128.store offset=8 (local.get 0) (local.get 1))))
            """)
        _ = try m.function("store")!.call(.i32(0), Self.v(0xA, 0xB, 0xC, 0xD))
        #expect(try m.function("load")!.call(.i32(8)) == [Self.v(0xA, 0xB, 0xC, 0xD)])
        #expect(try m.function("load")!.call(.i32(65520)).count == 1)
        #expect(throws: Trap.self) { try m.function("load")!.call(.i32(65521)) }
        #expect(throws: Trap.self) { try m.function("store")!.call(.i32(65513), Self.v(1, 1, 1, 1)) }
        #expect(m.memory("mem")!.load(UInt32.self, at: 65524) == 0)
    }
}
