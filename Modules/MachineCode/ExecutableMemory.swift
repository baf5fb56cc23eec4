#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSupport

/// Machine code in memory that is never writable and executable at once (W^X): mapped
/// read-write, filled, then switched to read-execute. Unmapped when released. A function body
/// is registered with CSupport while it lives, so that the guard-page fault handler knows it.
package final class ExecutableMemory: @unchecked Sendable {
    package let base: UnsafeMutableRawPointer
    package let size: Int

    package enum Failure: Error, CustomStringConvertible {
        case map(Int32), protect(Int32)
        package var description: String {
            switch self {
            case .map(let e): "cannot map executable memory (errno \(e))"
            case .protect(let e): "cannot make code executable (errno \(e))"
            }
        }
    }

    /// The first bytes registered with CSupport as function bodies (0: none).
    let registered: Int

    /// Copies `bytes` into fresh pages and makes them executable. The first `functionBytes`
    /// are registered as a function body, where a fault may be a guest access past its memory
    /// (trampolines and stubs are not: they do not run with a context in r14).
    package init(_ bytes: [UInt8], functionBytes: Int = 0) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        size = max((bytes.count + page - 1) / page * page, page)
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            throw Failure.map(errno)
        }
        bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        guard mprotect(p, size, PROT_READ | PROT_EXEC) == 0 else {
            let e = errno
            munmap(p, size)
            throw Failure.protect(e)
        }
        if functionBytes > 0 {
            guard wasm_tier_register_code(UInt(bitPattern: p), UInt(functionBytes)) == 0 else {
                munmap(p, size)
                throw Failure.map(ENOMEM)
            }
        }
        registered = functionBytes
        base = p
    }

    deinit {
        if registered > 0 { wasm_tier_unregister_code(UInt(bitPattern: base)) }
        munmap(base, size)
    }

    /// The address `offset` bytes into the code.
    package func address(_ offset: Int) -> UnsafeRawPointer { UnsafeRawPointer(base + offset) }
}
