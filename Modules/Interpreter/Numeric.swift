// The numeric, load and store instructions are executed inline in `Machine.run`
// (Machine.swift): as a separate function they cost a call per instruction.
