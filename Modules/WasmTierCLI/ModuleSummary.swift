import Decoder
import Foundation
import WasmCore

/// The imports, exports and custom sections of a module, described as the JS API describes them
/// (`WebAssembly.Module.imports/exports/customSections`), with types added.
public struct ModuleSummary {
    public struct Entry: Codable, Equatable {
        public var module: String?
        public var name: String
        public var kind: String
        public var type: String
    }

    public struct Custom: Codable, Equatable {
        public var name: String
        public var size: Int
    }

    public var imports: [Entry] = []
    public var exports: [Entry] = []
    public var customSections: [Custom] = []

    public init(_ m: Module) {
        for imp in m.imports {
            let type: String
            switch imp.descriptor {
            case .function(let t): type = Int(t) < m.types.count ? m.types[Int(t)].description : "type \(t)"
            case .table(let t): type = t.description
            case .memory(let mem): type = mem.description
            case .global(let g): type = g.description
            }
            imports.append(Entry(module: imp.module, name: imp.name, kind: imp.kind.description, type: type))
        }
        var tables: [TableType] = [], memories: [MemoryType] = [], globals: [GlobalType] = []
        for imp in m.imports {
            switch imp.descriptor {
            case .table(let t): tables.append(t)
            case .memory(let mem): memories.append(mem)
            case .global(let g): globals.append(g)
            case .function: break
            }
        }
        tables += m.tables
        memories += m.memories
        globals += m.globals.map(\.type)
        for x in m.exports {
            let i = Int(x.index)
            let type: String
            switch x.kind {
            case .function: type = m.functionType(ofFunction: x.index)?.description ?? "?"
            case .table: type = i < tables.count ? tables[i].description : "?"
            case .memory: type = i < memories.count ? memories[i].description : "?"
            case .global: type = i < globals.count ? globals[i].description : "?"
            }
            exports.append(Entry(module: nil, name: x.name, kind: x.kind.description, type: type))
        }
        customSections = m.customSections.map { Custom(name: $0.name, size: $0.payload.count) }
    }

    public func text() -> String {
        var out = "imports: \(imports.count)\n"
        for e in imports { out += "  \(quoted(e.module ?? "")) \(quoted(e.name)) \(e.kind) \(e.type)\n" }
        out += "exports: \(exports.count)\n"
        for e in exports { out += "  \(quoted(e.name)) \(e.kind) \(e.type)\n" }
        out += "custom sections: \(customSections.count)\n"
        for c in customSections { out += "  \(quoted(c.name)) \(c.size) bytes\n" }
        return out
    }

    public func json() -> String {
        struct Document: Codable {
            var imports: [Entry]
            var exports: [Entry]
            var customSections: [Custom]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(Document(imports: imports, exports: exports, customSections: customSections))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
