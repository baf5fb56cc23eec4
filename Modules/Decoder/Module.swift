import WasmCore

/// A decoded (not yet validated) module. Function bodies, constant expressions, data segment
/// contents and custom section payloads are ranges into `bytes`, never copies.
public struct Module: Sendable {
    /// The module's binary, shared with every range below.
    public let bytes: [UInt8]
    public var types: [FunctionType] = []
    public var imports: [Import] = []
    /// The type index of each function defined in the module (the function section).
    public var functionTypeIndices: [UInt32] = []
    public var tables: [TableType] = []
    public var memories: [MemoryType] = []
    public var globals: [Global] = []
    public var exports: [Export] = []
    public var start: UInt32?
    public var elements: [ElementSegment] = []
    public var dataCount: UInt32?
    public var functionBodies: [FunctionBody] = []
    public var data: [DataSegment] = []
    public var customSections: [CustomSection] = []
    /// File offset of each non-custom section's id byte, by section id (for error locations).
    public var sectionOffsets: [UInt8: Int] = [:]
    /// The `name` custom section, when present and well-formed (a broken one is ignored).
    public var names: NameSection?

    // Index spaces: imports come first.
    public var importedFunctionCount = 0
    public var importedTableCount = 0
    public var importedMemoryCount = 0
    public var importedGlobalCount = 0

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var functionCount: Int { importedFunctionCount + functionTypeIndices.count }
    public var tableCount: Int { importedTableCount + tables.count }
    public var memoryCount: Int { importedMemoryCount + memories.count }
    public var globalCount: Int { importedGlobalCount + globals.count }

    /// The type index of function `index` in the function index space (imports first), if any.
    public func typeIndex(ofFunction index: UInt32) -> UInt32? {
        let i = Int(index)
        if i < importedFunctionCount {
            var seen = 0
            for imp in imports {
                if case .function(let t) = imp.descriptor {
                    if seen == i { return t }
                    seen += 1
                }
            }
            return nil
        }
        let d = i - importedFunctionCount
        return d < functionTypeIndices.count ? functionTypeIndices[d] : nil
    }

    /// The type of function `index`, if the index and its type index are in range.
    public func functionType(ofFunction index: UInt32) -> FunctionType? {
        guard let t = typeIndex(ofFunction: index), Int(t) < types.count else { return nil }
        return types[Int(t)]
    }

    /// The bytes of a range of the module (for custom section payloads and data segments).
    public func slice(_ range: Range<Int>) -> ArraySlice<UInt8> { bytes[range] }

    /// Custom sections with a given name, in module order (`WebAssembly.Module.customSections`).
    public func customSections(named name: String) -> [ArraySlice<UInt8>] {
        customSections.filter { $0.name == name }.map { bytes[$0.payload] }
    }
}

public struct Import: Hashable, Sendable {
    public var module: String
    public var name: String
    public var descriptor: ImportDescriptor
    /// File offset of the import entry.
    public var offset: Int

    public init(module: String, name: String, descriptor: ImportDescriptor, offset: Int = 0) {
        self.module = module
        self.name = name
        self.descriptor = descriptor
        self.offset = offset
    }

    public var kind: ExternalKind {
        switch descriptor {
        case .function: .function
        case .table: .table
        case .memory: .memory
        case .global: .global
        }
    }
}

public enum ImportDescriptor: Hashable, Sendable {
    case function(typeIndex: UInt32)
    case table(TableType)
    case memory(MemoryType)
    case global(GlobalType)
}

public struct Export: Hashable, Sendable {
    public var name: String
    public var kind: ExternalKind
    public var index: UInt32
    /// File offset of the export entry.
    public var offset: Int

    public init(name: String, kind: ExternalKind, index: UInt32, offset: Int = 0) {
        self.name = name
        self.kind = kind
        self.index = index
        self.offset = offset
    }
}

/// A constant expression (global initializer, segment offset, element item): the range of its
/// instructions in the module, final `end` included. The validator checks that it is constant.
public struct ConstantExpression: Hashable, Sendable {
    public var range: Range<Int>

    public init(range: Range<Int>) { self.range = range }
}

public struct Global: Hashable, Sendable {
    public var type: GlobalType
    public var initializer: ConstantExpression
}

public struct ElementSegment: Hashable, Sendable {
    public enum Mode: Hashable, Sendable {
        case active(table: UInt32, offset: ConstantExpression)
        case passive
        case declarative
    }

    public enum Items: Hashable, Sendable {
        /// Function indices (the segment forms without expressions).
        case functions([UInt32])
        /// One constant expression per element.
        case expressions([ConstantExpression])
    }

    public var mode: Mode
    /// `funcref` or `externref`.
    public var type: ValueType
    public var items: Items
    /// File offset of the segment, for error messages.
    public var offset: Int

    public var count: Int {
        switch items {
        case .functions(let f): f.count
        case .expressions(let e): e.count
        }
    }
}

public struct DataSegment: Hashable, Sendable {
    public enum Mode: Hashable, Sendable {
        case active(memory: UInt32, offset: ConstantExpression)
        case passive
    }

    public var mode: Mode
    /// The initialization bytes, as a range of the module.
    public var bytes: Range<Int>
    public var offset: Int
}

/// One run of locals of the same type, as declared in the code section.
public struct LocalRun: Hashable, Sendable {
    public var count: UInt32
    public var type: ValueType
}

public struct FunctionBody: Hashable, Sendable {
    /// The local declarations (parameters not included).
    public var locals: [LocalRun]
    /// Number of locals declared (parameters not included).
    public var localCount: Int
    /// The instructions, from the first one to the final `end` included.
    public var code: Range<Int>
    /// File offset of the body's size field.
    public var offset: Int
}

public struct CustomSection: Hashable, Sendable {
    public var name: String
    public var payload: Range<Int>
    /// File offset of the section id byte.
    public var offset: Int
}

/// The contents of the `name` custom section that tools show: module, function and local names.
public struct NameSection: Hashable, Sendable {
    public var moduleName: String?
    public var functionNames: [UInt32: String] = [:]
    public var localNames: [UInt32: [UInt32: String]] = [:]
}
