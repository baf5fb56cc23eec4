import Engine
import Foundation

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

    /// Built from the embedding API's descriptors (`CompiledModule.imports/exports`), so the
    /// CLI and the API describe modules the same way.
    public init(_ module: CompiledModule) {
        imports = module.imports.map { Entry(module: $0.module, name: $0.name, kind: $0.kind.description, type: $0.type) }
        exports = module.exports.map { Entry(module: nil, name: $0.name, kind: $0.kind.description, type: $0.type) }
        customSections = module.validated.module.customSections.map { Custom(name: $0.name, size: $0.payload.count) }
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
