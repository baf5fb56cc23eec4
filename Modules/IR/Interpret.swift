/// What running a procedure gave: its results, or the code of the check or trap that left it.
public enum RunResult: Equatable, CustomStringConvertible {
    case returned([UInt64])
    case trapped(UInt64)

    public var description: String {
        switch self {
        case .returned(let r): "returned \(r)"
        case .trapped(let c): "trapped with code \(c)"
        }
    }
}

/// Runs a procedure on the IR's own semantics (`Evaluate`, with the hardware's NaNs), as the
/// oracle for native code in `test run` file tests. Memory and calls are outside what it can
/// run; it returns nil for them, for undefined operations (a `div` by zero that no check
/// guards) and when `fuel` values have been evaluated (an endless loop).
public func interpret(_ proc: Procedure, arguments: [UInt64], fuel: Int = 10_000_000) -> RunResult? {
    var values = Array(repeating: UInt64(0), count: proc.values.count)
    var shadows = Array(repeating: UInt64(0), count: proc.values.count)
    var block = proc.entry
    var fuel = fuel
    while true {
        for v in proc[block].values {
            fuel -= 1
            if fuel < 0 { return nil }
            let value = proc[v]
            let c = value.children
            switch value.opcode {
            case .const: values[v.int] = value.immediate
            case .arg: values[v.int] = arguments[Int(value.immediate)]
            case .identity: values[v.int] = values[c[0].int]
            case .nop: break
            case .phi: values[v.int] = shadows[v.int]
            case .upsilon: shadows[Int(value.immediate)] = values[c[0].int]
            case .select: values[v.int] = values[c[0].int] & 0xFFFF_FFFF != 0 ? values[c[1].int] : values[c[2].int]
            case .check:
                if values[c[0].int] & 0xFFFF_FFFF != 0 { return .trapped(value.immediate) }
            case .trap: return .trapped(value.immediate)
            case .return: return .returned(c.map { values[$0.int] })
            case .jump: block = proc[block].successors[0]
            case .branch:
                block = proc[block].successors[values[c[0].int] & 0xFFFF_FFFF != 0 ? 0 : 1]
            case .switch:
                let x = proc[c[0]].type == .i64 ? Int64(bitPattern: values[c[0].int]) : Int64(Int32(truncatingIfNeeded: values[c[0].int]))
                let b = proc[block]
                block = b.successors[b.switchCases.firstIndex(of: x) ?? b.switchCases.count]
            default:
                guard !value.info.reads && !value.info.writes && c.count <= 2 && !c.isEmpty else { return nil }
                guard let bits = Evaluate.evaluate(
                    value.opcode, value.type, proc[c[0]].type, values[c[0].int], c.count == 2 ? values[c[1].int] : 0, nans: true)
                else { return nil }
                values[v.int] = bits
            }
            if value.info.terminal { break }
        }
    }
}
