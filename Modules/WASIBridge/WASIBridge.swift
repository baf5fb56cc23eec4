import Runtime
import WASI
import WasmCore
import WasmTypes

/// WASI preview 1 for our runtime, through WasmKit's engine-agnostic `WASI` library: its host
/// functions are generic over a guest-memory protocol, which `GuestMemoryView` implements over a
/// `MemoryInstance`, and their values are converted at the boundary.
public final class WASIHost {
    let bridge: WASIBridgeToHost

    public struct Preopen {
        public var hostPath: String
        public var guestPath: String
        public init(hostPath: String, guestPath: String) {
            self.hostPath = hostPath
            self.guestPath = guestPath
        }
    }

    public init(arguments: [String], environment: [String: String], preopens: [Preopen]) throws {
        bridge = try WASIBridgeToHost(
            args: arguments, environment: environment,
            preopens: preopens.map { WASIBridgeToHost.Preopen(guestPath: $0.guestPath, hostPath: $0.hostPath) })
    }

    deinit { try? bridge.close() }

    /// Defines every `wasi_snapshot_preview1` function in `imports`.
    public func define(in imports: inout Imports, store: Store) {
        for (moduleName, module) in bridge.wasiHostModules(GuestMemoryView.self) {
            for (name, function) in module.functions {
                guard let type = WASIHost.convert(function.type) else { continue }
                let implementation = function.implementation
                let host = HostFunction(type: type) { caller, arguments in
                    guard let memory = caller.instance?.export("memory"), case .memory(let m) = memory else {
                        throw Trap(.hostError, detail: "WASI needs the module to export its memory as \"memory\"")
                    }
                    let view = GuestMemoryView(memory: m)
                    let results = try implementation(view, arguments.map(WASIHost.convert))
                    if view.fault.value { throw Trap(.outOfBoundsMemoryAccess, detail: "in WASI function \(name)") }
                    return results.map(WASIHost.convert)
                }
                imports.define(module: moduleName, name: name, .function(store.addHostFunction(host)))
            }
        }
    }

    static func convert(_ t: WasmTypes.FunctionType) -> WasmCore.FunctionType? {
        func c(_ v: WasmTypes.ValueType) -> WasmCore.ValueType? {
            switch v {
            case .i32: .i32
            case .i64: .i64
            case .f32: .f32
            case .f64: .f64
            case .v128: .v128
            default: nil
            }
        }
        let p = t.parameters.compactMap(c), r = t.results.compactMap(c)
        guard p.count == t.parameters.count, r.count == t.results.count else { return nil }
        return WasmCore.FunctionType(parameters: p, results: r)
    }

    static func convert(_ v: Runtime.Value) -> WasmTypes.Value {
        switch v {
        case .i32(let x): .i32(x)
        case .i64(let x): .i64(x)
        case .f32(let x): .f32(x)
        case .f64(let x): .f64(x)
        default: .i32(0)
        }
    }

    static func convert(_ v: WasmTypes.Value) -> Runtime.Value {
        switch v {
        case .i32(let x): .i32(x)
        case .i64(let x): .i64(x)
        case .f32(let x): .f32(x)
        case .f64(let x): .f64(x)
        default: .i32(0)
        }
    }
}

/// A guest memory view over a `MemoryInstance` for the WASI library. The library expects
/// in-bounds ranges (WasmKit's own memory stops the process otherwise); an out-of-bounds range
/// from a hostile guest gets a scratch buffer instead and is reported as a trap when the call
/// returns, so the host never crashes.
struct GuestMemoryView: GuestMemory, SendableMetatype {
    final class Flag: @unchecked Sendable { var value = false }
    let memory: MemoryInstance
    let fault = Flag()

    static let scratchLimit = 1 << 24

    func withUnsafeMutableBufferPointer<T>(offset: UInt, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> T) rethrows -> T {
        if count >= 0, offset <= UInt(memory.byteCount), count <= memory.byteCount - Int(offset) {
            return try body(UnsafeMutableRawBufferPointer(start: memory.base + Int(offset), count: count))
        }
        fault.value = true
        let n = max(0, min(count, GuestMemoryView.scratchLimit))
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: 16)
        defer { scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        return try body(UnsafeMutableRawBufferPointer(start: scratch.baseAddress, count: n))
    }
}

/// `proc_exit` ends the program with a code: the WASI library signals it with this error.
public func wasiExitCode(_ error: any Error) -> UInt32? {
    (error as? WASIExitCode)?.code
}
