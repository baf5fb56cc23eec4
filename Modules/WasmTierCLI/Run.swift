import ArgumentParser
import Decoder
import Engine
import Foundation
import Interpreter
import IRGen
import Runtime
import Validator
import WASIBridge
import WasmCore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a WASI program, or call one exported function.",
        discussion: """
            Without --invoke, runs the module's `_start` with WASI preview 1 (arguments, \
            environment, standard streams, preopened directories); `proc_exit`'s code becomes the \
            exit code. With --invoke, calls the named export with ARGS parsed by its parameter \
            types and prints the results, one per line. A trap prints `trap: <message>` and a Wasm \
            backtrace on standard error and exits with 134.

            Examples:
              wasm-tier run hello.wasm
              wasm-tier run --dir . --env HOME=/ app.wasm input.txt
              wasm-tier run --invoke fac Examples/fac.wat 10
              wasm-tier run --invoke add math.wasm -1 -inf
            """)

    enum Tier: String, ExpressibleByArgument, CaseIterable { case interp, opt, auto }

    @Option(help: "The tier that runs the code: interp (the interpreter), opt (machine code from the optimizing tier for every function it takes, the interpreter for the rest) or auto (not yet).")
    var tier: Tier = .interp

    @Option(help: "How --tier opt code keeps memory accesses in bounds: guard-pages (a fault past the memory is the trap; falls back to explicit where the platform or the memory's reservation does not allow it) or explicit (a compare before each access).")
    var boundsChecks: BoundsChecks = .guardPages

    @Flag(inversion: .prefixedNo, help: "With --tier opt, compile functions ahead of their first call on a second thread.")
    var compileAhead = true

    @Option(name: .customLong("dir"), help: ArgumentHelp("Preopen a host directory, as GUEST inside the sandbox (default: the same path).", valueName: "HOST[::GUEST]"))
    var directories: [String] = []

    @Option(name: .customLong("env"), help: ArgumentHelp("Set an environment variable for the program.", valueName: "KEY=VALUE"))
    var environment: [String] = []

    @Option(help: "Call this export instead of `_start`.")
    var invoke: String?

    @Argument(help: "The module (.wasm or .wat).")
    var file: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the program or the invoked function.")
    var arguments: [String] = []

    func run() throws {
        // Checked here rather than in validate(): one `error:` line, not a usage dump.
        for e in environment where !e.contains("=") || e.hasPrefix("=") {
            printError("--env takes KEY=VALUE, got '\(e)'")
            throw ExitCode(2)
        }
        for d in directories where d.isEmpty || d.hasPrefix("::") {
            printError("--dir takes HOST[::GUEST], got '\(d)'")
            throw ExitCode(2)
        }
        guard tier != .auto else {
            printError("the auto tier (tiering up hot functions) is not available yet; use --tier interp or --tier opt")
            throw ExitCode(2)
        }
        let validated = try loadValidModule(file)
        let store = Store()
        let interpreter = Interpreter()
        store.executor = interpreter
        // opt: every function the optimizing tier takes runs as machine code from its first call.
        let compiler = tier == .opt ? OptimizingCompiler(boundsChecks: boundsChecks, ahead: compileAhead) : nil
        store.nativeCompiler = compiler
        defer { withExtendedLifetime(compiler) {} }

        var imports = Imports()
        var env: [String: String] = [:]
        for e in environment {
            let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            env[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        var preopens: [WASIHost.Preopen] = []
        for d in directories {
            let parts = d.components(separatedBy: "::")
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parts[0], isDirectory: &isDir), isDir.boolValue else {
                printError("--dir \(d): \(parts[0]) is not a directory")
                throw ExitCode(2)
            }
            preopens.append(WASIHost.Preopen(hostPath: parts[0], guestPath: parts.count > 1 ? parts[1] : parts[0]))
        }
        let wasi: WASIHost
        do {
            wasi = try WASIHost(arguments: [file] + (invoke == nil ? arguments : []), environment: env, preopens: preopens)
        } catch {
            printError("cannot set up WASI: \(error)")
            throw ExitCode(2)
        }
        wasi.define(in: &imports, store: store)

        let instance: Instance
        do {
            instance = try store.instantiate(validated, imports: imports)
        } catch let e as LinkError {
            printError(e.message)
            throw ExitCode(1)
        } catch {
            try report(error)
        }

        if let name = invoke {
            guard case .function(let f)? = instance.export(name) else {
                printError("no exported function \"\(name)\"")
                throw ExitCode(1)
            }
            let type = store.function(f).type
            guard arguments.count == type.parameters.count else {
                printError("\(name) takes \(type.parameters.count) argument(s) \(type), got \(arguments.count)")
                throw ExitCode(2)
            }
            var values: [Value] = []
            for (text, t) in zip(arguments, type.parameters) {
                guard let v = Run.parse(text, as: t) else {
                    printError("cannot read '\(text)' as \(t)")
                    throw ExitCode(2)
                }
                values.append(v)
            }
            do {
                for r in try store.invoke(f, arguments: values) { print(Run.format(r)) }
            } catch {
                try report(error)
            }
            return
        }

        guard case .function(let start)? = instance.export("_start") else {
            printError("the module exports no _start function; use --invoke NAME to call an export")
            throw ExitCode(1)
        }
        do {
            _ = try store.invoke(start, arguments: [])
        } catch {
            if let code = wasiExitCode(error) {
                FileHandle.standardOutput.synchronizeFile()
                throw ExitCode(Int32(bitPattern: code))
            }
            try report(error)
        }
    }

    func report(_ error: any Error) throws -> Never {
        if let code = wasiExitCode(error) { throw ExitCode(Int32(bitPattern: code)) }
        if let trap = error as? Trap {
            var text = "trap: \(trap.message)\n"
            for frame in trap.backtrace { text += frame.description + "\n" }
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(134)
        }
        printError("\(error)")
        throw ExitCode(1)
    }

    /// Parses an argument for a parameter type: signed or unsigned decimal integers; floats as
    /// decimal, `nan`, `inf` or `-inf`; v128 as `0x` and 1 to 32 hex digits.
    static func parse(_ text: String, as type: ValueType) -> Value? {
        switch type {
        case .i32:
            if let v = Int32(text) { return .int32(v) }
            return UInt32(text).map(Value.i32)
        case .i64:
            if let v = Int64(text) { return .int64(v) }
            return UInt64(text).map(Value.i64)
        case .f32: return Float(text).map(Value.float)
        case .f64: return Double(text).map(Value.double)
        case .v128:
            // 0x and up to 32 hex digits: the vector as one 128-bit number, lane 0 lowest.
            let digits = text.dropFirst(2)
            guard text.hasPrefix("0x"), (1...32).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
            let padded = String(repeating: "0", count: 32 - digits.count) + digits
            guard let hi = UInt64(padded.prefix(16), radix: 16), let lo = UInt64(padded.suffix(16), radix: 16) else { return nil }
            return .v128(V128(low: lo, high: hi))
        case .funcref: return text == "null" ? .funcref(nil) : nil
        case .externref:
            if text == "null" { return .externref(nil) }
            return UInt64(text).map { .externref(ExternAddress(rawValue: $0)) }
        }
    }

    /// Formats a result: integers as signed decimal, floats as the shortest round-tripping
    /// decimal (`1.5`, `-0.0`, `inf`, `nan`), v128 as 0x and 32 hex digits, null as `null`.
    static func format(_ v: Value) -> String {
        switch v {
        case .i32(let x): String(Int32(bitPattern: x))
        case .i64(let x): String(Int64(bitPattern: x))
        case .f32(let x): Float(bitPattern: x).description
        case .f64(let x): Double(bitPattern: x).description
        case .v128(let x):
            "0x" + String(repeating: "0", count: 16 - String(x.high, radix: 16).count) + String(x.high, radix: 16)
                + String(repeating: "0", count: 16 - String(x.low, radix: 16).count) + String(x.low, radix: 16)
        case .funcref(let f): f.map { "funcref:\($0.rawValue)" } ?? "null"
        case .externref(let e): e.map { "externref:\($0.rawValue)" } ?? "null"
        }
    }
}

extension BoundsChecks: ExpressibleByArgument {}
