import Engine
import Foundation
import Testing
import TextFormat

/// The embedding API, used the way a Swift program would use it.
@Suite struct EngineTests {
    let engine = Engine()

    func compile(_ wat: String) throws -> CompiledModule {
        try engine.compile(TextFormat.wat2wasm(wat))
    }

    @Test func callsAnExportWithTypedValues() throws {
        let module = try compile("(module (func (export \"add\") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))")
        let instance = try engine.instantiate(module)
        let add = try #require(instance.function("add"))
        #expect(add.type == FunctionType(parameters: [.i32, .i32], results: [.i32]))
        #expect(try add.call(.int32(-2), .i32(5)) == [.i32(3)])
    }

    @Test func errorsAreTyped() throws {
        #expect(throws: DecodeError.self) { try engine.compile([0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00]) }
        #expect(throws: ValidationError.self) { try compile("(module (func (result i32) (i64.const 0)))") }
        let importing = try compile(#"(module (import "env" "f" (func)))"#)
        #expect(throws: LinkError.self) { try engine.instantiate(importing) }
        let trapping = try compile("(module (func (export \"f\") unreachable))")
        let instance = try engine.instantiate(trapping)
        #expect(throws: Trap.self) { try instance.function("f")!.call() }
    }

    @Test func wrongArgumentsAreRejectedNotRead() throws {
        let module = try compile("(module (func (export \"id\") (param i64) (result i64) (local.get 0)))")
        let id = try #require(try engine.instantiate(module).function("id"))
        #expect(throws: Trap.self) { try id.call() }
        #expect(throws: Trap.self) { try id.call(.i32(1)) }
    }

    @Test func describesImportsExportsAndCustomSections() throws {
        let module = try compile("""
            (module
              (import "env" "log" (func (param i32)))
              (memory (export "mem") 1 4)
              (global (export "g") (mut f64) (f64.const 1))
              (func $f (export "f") (result i32) (i32.const 0)))
            """)
        #expect(module.imports == [.init(module: "env", name: "log", kind: .function, type: "(i32) -> ()")])
        #expect(module.exports.map(\.name) == ["mem", "g", "f"])
        #expect(module.exports[0].type == "1 4" && module.exports[1].type == "(mut f64)")
        #expect(module.customSections(named: "name").count == 1)
        #expect(module.customSections(named: "absent").isEmpty)
    }

    @Test func hostFunctionsReachTheCallersMemory() throws {
        let module = try compile("""
            (module
              (import "env" "fill" (func $fill (param i32 i32)))
              (memory (export "memory") 1)
              (func (export "run") (result i32)
                (call $fill (i32.const 16) (i32.const 4))
                (i32.load (i32.const 16))))
            """)
        let fill = engine.hostFunction(parameters: [.i32, .i32], results: []) { caller, args in
            guard case .i32(let at) = args[0], case .i32(let n) = args[1], let memory = caller.memory else { return [] }
            memory.write([UInt8](repeating: 0xAB, count: Int(n)), at: Int(at))
            return []
        }
        let instance = try engine.instantiate(module, imports: ["env": ["fill": fill]])
        #expect(try instance.function("run")!.call() == [.i32(0xABAB_ABAB)])
        let memory = try #require(instance.memory("memory"))
        #expect(memory.load(UInt32.self, at: 16) == 0xABAB_ABAB)
        #expect(memory.store(UInt16(0x1234), at: 20))
        #expect(memory.load(UInt16.self, at: 20) == 0x1234)
        #expect(memory.load(UInt32.self, at: 65_534) == nil)
        memory.write(Array("hi".utf8), at: 100)
        #expect(memory.string(at: 100, count: 2) == "hi")
    }

    @Test func instancesLinkThroughTheEngine() throws {
        let provider = try engine.instantiate(compile("(module (func (export \"seven\") (result i32) (i32.const 7)))"))
        let consumer = try compile(#"(module (import "p" "seven" (func $s (result i32))) (func (export "call") (result i32) (call $s)))"#)
        var imports = Imports()
        imports.define(module: "p", exportsOf: provider.instance)
        let instance = try engine.instantiate(consumer, imports: imports)
        #expect(try instance.function("call")!.call() == [.i32(7)])
    }
}

/// The typed call path: types checked once at lookup, raw values per call.
@Suite struct TypedFunctionTests {
    let engine = Engine()

    @Test func callsWithSwiftTypes() throws {
        let module = try engine.compile(TextFormat.wat2wasm("""
            (module
              (func (export "mix") (param i32 i64 f32 f64) (result f64)
                (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
                         (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))
              (func (export "neg") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
              (func (export "boom") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))
            """))
        let instance = try engine.instantiate(module)
        let mix = try instance.function("mix")!.typed(Int32.self, Int64.self, Float.self, Double.self, returning: Double.self)
        #expect(try mix(-2, 40, 1.5, 0.25) == 39.75)
        let neg = try instance.function("neg")!.typed(UInt32.self, returning: Int32.self)
        #expect(try neg(5) == -5)
        let boom = try instance.function("boom")!.typed(Int32.self, returning: Int32.self)
        #expect(try boom(1) == 1)
        #expect(throws: Trap.self) { try boom(0) }
    }

    @Test func typesAreCheckedAtLookup() throws {
        let instance = try engine.instantiate(engine.compile(TextFormat.wat2wasm(
            "(module (func (export \"id\") (param i64) (result i64) (local.get 0)))")))
        let id = try #require(instance.function("id"))
        #expect(throws: Trap.self) { try id.typed(Int32.self, returning: Int64.self) }
        #expect(throws: Trap.self) { try id.typed(Int64.self, returning: Double.self) }
        let typed = try id.typed(UInt64.self, returning: UInt64.self)
        let result = try typed(UInt64.max)
        #expect(result == UInt64.max)
    }

    @Test func reExportedHostFunctions() throws {
        let twice = engine.hostFunction(parameters: [.i32], results: [.i32]) { _, args in
            guard case .i32(let x) = args[0] else { return [] }
            return [.i32(x &* 2)]
        }
        let instance = try engine.instantiate(engine.compile(TextFormat.wat2wasm(
            #"(module (import "env" "twice" (func $t (param i32) (result i32))) (export "twice" (func $t)))"#)),
            imports: ["env": ["twice": twice]])
        let typed = try instance.function("twice")!.typed(Int32.self, returning: Int32.self)
        let result = try typed(21)
        #expect(result == 42)
    }
}
