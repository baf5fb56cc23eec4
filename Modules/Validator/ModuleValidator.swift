import Decoder
import Foundation
import WasmCore

/// Checks a decoded module against the typing rules of Wasm 2.0 (the spec's validation algorithm),
/// module-level rules first, then every function body.
public struct ModuleValidator {
    public init() {}

    /// Decodes and validates in one step.
    public func validate(bytes: [UInt8]) throws -> ValidatedModule {
        try validate(ModuleDecoder().decode(bytes))
    }

    /// Validates a decoded module. Throws `ValidationError`, or `DecodeError` for a malformed
    /// instruction found while walking a function body.
    public func validate(_ module: Module) throws -> ValidatedModule {
        let context = try ModuleContext(module)
        try context.validateModuleFields()
        let infos = try validateBodies(module, context: context)
        return ValidatedModule(module: module, functions: infos, functionTypeIndices: context.functionTypeIndices,
                               globalTypes: context.globalTypes)
    }
}

extension ModuleValidator {
    /// Function bodies are independent, so large modules are validated on every core: the
    /// bodies are split into contiguous chunks, one validator each. The error reported is the
    /// one of the lowest function index, as a sequential walk would report it.
    func validateBodies(_ module: Module, context: ModuleContext) throws -> [FunctionInfo] {
        let bodies = module.functionBodies
        let codeBytes = bodies.reduce(0) { $0 + $1.code.count }
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let chunkCount = codeBytes < 1 << 20 || workers < 2 ? 1 : min(workers * 4, bodies.count)
        var chunkBounds = [0]
        if chunkCount > 1 {
            // Chunks of about equal code size.
            let target = codeBytes / chunkCount + 1
            var acc = 0
            for (i, b) in bodies.enumerated() {
                acc += b.code.count
                if acc >= target && chunkBounds.count < chunkCount { chunkBounds.append(i + 1); acc = 0 }
            }
        }
        if chunkBounds.last != bodies.count { chunkBounds.append(bodies.count) }
        let bounds = chunkBounds

        let results = ChunkResults(count: chunkBounds.count - 1)
        module.bytes.withUnsafeBytes { raw in
            // The buffer outlives the workers: concurrentPerform returns when all are done.
            nonisolated(unsafe) let raw = raw
            DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { chunk in
                var validator = FunctionValidator(context: context)
                defer { validator.deallocate() }
                var infos = [FunctionInfo]()
                infos.reserveCapacity(bounds[chunk + 1] - bounds[chunk])
                do {
                    for i in bounds[chunk]..<bounds[chunk + 1] {
                        infos.append(try validator.validate(body: bodies[i], typeIndex: module.functionTypeIndices[i], bytes: raw))
                    }
                    results.set(chunk, .success(infos))
                } catch {
                    results.set(chunk, .failure(error))
                }
            }
        }
        var all = [FunctionInfo]()
        all.reserveCapacity(bodies.count)
        for r in results.take() { all += try r.get() }
        return all
    }
}

/// Per-chunk results written by concurrent workers, each to its own slot.
final class ChunkResults: @unchecked Sendable {
    private var slots: [Result<[FunctionInfo], any Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: Result<[FunctionInfo], any Error>) {
        lock.lock()
        slots[i] = r
        lock.unlock()
    }

    func take() -> [Result<[FunctionInfo], any Error>] { slots.map { $0! } }
}

/// The module-wide facts the typing rules consult (the spec's context C), in flat arrays.
final class ModuleContext: @unchecked Sendable {
    let module: Module
    let types: [FunctionType]
    let functionTypeIndices: [UInt32]
    let tableTypes: [ValueType]
    let memoryCount: Int
    let globalTypes: [GlobalType]
    let importedGlobalCount: Int
    let elementTypes: [ValueType]
    let dataCount: Int?
    /// Functions that may be named by `ref.func` in function bodies (the spec's C.refs).
    let declaredReferences: [Bool]

    init(_ m: Module) throws {
        module = m
        types = m.types
        var functions = [UInt32]()
        var tables = [ValueType]()
        var globals = [GlobalType]()
        var memories = 0
        functions.reserveCapacity(m.functionCount)
        for imp in m.imports {
            switch imp.descriptor {
            case .function(let t): functions.append(t)
            case .table(let t): tables.append(t.elementType)
            case .memory: memories += 1
            case .global(let g): globals.append(g)
            }
        }
        functions += m.functionTypeIndices
        tables += m.tables.map(\.elementType)
        globals += m.globals.map(\.type)
        functionTypeIndices = functions
        tableTypes = tables
        globalTypes = globals
        memoryCount = memories + m.memories.count
        importedGlobalCount = m.importedGlobalCount
        elementTypes = m.elements.map(\.type)
        dataCount = m.dataCount.map(Int.init)

        // C.refs: function indices in element segments, global initializers and exports.
        var refs = [Bool](repeating: false, count: functions.count)
        func mark(_ f: UInt32) { if Int(f) < refs.count { refs[Int(f)] = true } }
        for e in m.elements {
            switch e.items {
            case .functions(let fs): fs.forEach(mark)
            case .expressions(let es): for x in es { ModuleContext.refFuncs(in: x, of: m).forEach(mark) }
            }
        }
        for g in m.globals { ModuleContext.refFuncs(in: g.initializer, of: m).forEach(mark) }
        for x in m.exports where x.kind == .function { mark(x.index) }
        declaredReferences = refs
    }

    /// The `ref.func` operands of a constant expression (decoding already succeeded once).
    static func refFuncs(in expr: ConstantExpression, of m: Module) -> [UInt32] {
        var collector = RefFuncCollector()
        m.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, position: expr.range.lowerBound, limit: expr.range.upperBound)
            while !r.isAtEnd { if (try? r.decodeInstruction(&collector)) == nil { break } }
        }
        return collector.functions
    }

    func functionType(_ index: UInt32, at offset: Int) throws -> FunctionType {
        guard Int(index) < functionTypeIndices.count else { throw ValidationError("unknown function \(index)", offset: offset) }
        let t = Int(functionTypeIndices[Int(index)])
        guard t < types.count else { throw ValidationError("unknown type \(t)", offset: offset) }
        return types[t]
    }

    func type(_ index: UInt32, at offset: Int) throws -> FunctionType {
        guard Int(index) < types.count else { throw ValidationError("unknown type \(index)", offset: offset) }
        return types[Int(index)]
    }

    func checkMemory(_ index: UInt32, at offset: Int) throws {
        if Int(index) >= memoryCount { throw ValidationError("unknown memory \(index)", offset: offset) }
    }

    func tableType(_ index: UInt32, at offset: Int) throws -> ValueType {
        guard Int(index) < tableTypes.count else { throw ValidationError("unknown table \(index)", offset: offset) }
        return tableTypes[Int(index)]
    }

    // MARK: Module fields

    func validateModuleFields() throws {
        let m = module
        for (i, t) in m.functionTypeIndices.enumerated() where Int(t) >= types.count {
            throw ValidationError("unknown type \(t)", offset: m.functionBodies.indices.contains(i) ? m.functionBodies[i].offset : 0)
        }
        for imp in m.imports {
            switch imp.descriptor {
            case .function(let t): _ = try type(t, at: imp.offset)
            case .table(let t): try checkTableLimits(t.limits, at: imp.offset)
            case .memory(let mem): try checkMemoryLimits(mem.limits, at: imp.offset)
            case .global: break
            }
        }
        for t in m.tables { try checkTableLimits(t.limits, at: m.sectionOffsets[4] ?? 0) }
        for mem in m.memories { try checkMemoryLimits(mem.limits, at: m.sectionOffsets[5] ?? 0) }
        if memoryCount > 1 { throw ValidationError("multiple memories", offset: m.sectionOffsets[5] ?? 0) }

        for g in m.globals {
            try validateConstant(g.initializer, type: g.type.valueType)
        }

        // Names are compared as code points: Swift's String equality would merge canonically
        // equivalent names ("\u{C5}" and "A\u{30A}"), which Wasm keeps distinct.
        var names = Set<[UInt8]>()
        for x in m.exports {
            guard names.insert(Array(x.name.utf8)).inserted else { throw ValidationError("duplicate export name \"\(x.name)\"", offset: x.offset) }
            switch x.kind {
            case .function: _ = try functionType(x.index, at: x.offset)
            case .table: _ = try tableType(x.index, at: x.offset)
            case .memory: try checkMemory(x.index, at: x.offset)
            case .global:
                if Int(x.index) >= globalTypes.count { throw ValidationError("unknown global \(x.index)", offset: x.offset) }
            }
        }

        if let start = m.start {
            let at = m.sectionOffsets[8] ?? 0
            let t = try functionType(start, at: at)
            if !t.parameters.isEmpty || !t.results.isEmpty {
                throw ValidationError("start function must have type [] -> []", offset: at)
            }
        }

        for e in m.elements {
            if case .active(let table, let offset) = e.mode {
                let tableElement = try tableType(table, at: e.offset)
                try validateConstant(offset, type: .i32)
                if tableElement != e.type { throw ValidationError("type mismatch: element segment of \(e.type) for a table of \(tableElement)", offset: e.offset) }
            }
            switch e.items {
            case .functions(let fs):
                for f in fs { _ = try functionType(f, at: e.offset) }
            case .expressions(let es):
                for x in es { try validateConstant(x, type: e.type) }
            }
        }

        for d in m.data {
            if case .active(let memory, let offset) = d.mode {
                try checkMemory(memory, at: d.offset)
                try validateConstant(offset, type: .i32)
            }
        }
    }

    func checkTableLimits(_ l: Limits, at offset: Int) throws {
        if let max = l.maximum, l.minimum > max {
            throw ValidationError("size minimum must not be greater than maximum", offset: offset)
        }
    }

    func checkMemoryLimits(_ l: Limits, at offset: Int) throws {
        if l.minimum > 65536 || (l.maximum ?? 0) > 65536 {
            throw ValidationError("memory size must be at most 65536 pages (4GiB)", offset: offset)
        }
        if let max = l.maximum, l.minimum > max {
            throw ValidationError("size minimum must not be greater than maximum", offset: offset)
        }
    }

    /// A constant expression: only constants, `ref.null`, `ref.func` and `global.get` of an
    /// imported immutable global, leaving exactly one value of `type`.
    func validateConstant(_ expr: ConstantExpression, type: ValueType) throws {
        var v = ConstantExpressionValidator(context: self)
        try module.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, position: expr.range.lowerBound, limit: expr.range.upperBound)
            while !v.finished { try r.decodeInstruction(&v) }
        }
        if v.stack.count != 1 || v.stack[0] != type {
            throw ValidationError("type mismatch: constant expression must leave one \(type)", offset: expr.range.lowerBound)
        }
    }
}
