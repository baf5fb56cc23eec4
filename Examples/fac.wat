;; A small module for trying the CLI: an imported logger, an exported memory, a recursive
;; factorial and a custom section.
(module
  (import "env" "log" (func $log (param i64)))
  (memory (export "memory") 1 16)
  (global $calls (export "calls") (mut i32) (i32.const 0))
  (func $fac (export "fac") (param $n i64) (result i64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (result i64) (i64.le_u (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1)))))))
  (func (export "fac_and_log") (param $n i64)
    (call $log (call $fac (local.get $n))))
  (@custom "producers" "wasm-tier example"))
