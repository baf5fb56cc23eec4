;; Small functions called directly are inlined by the optimizing tier (Docs/OPTIMIZING-TIER.md,
;; "Inlining"), and calls of a function to itself go straight to its entry. Inlined bodies keep
;; the semantics of a call: their locals start at zero on every call, `return` and a branch to
;; the body's outermost label continue after the call, several results come back in order, a
;; trap inside reports the callee's trap, and the callee may call the caller. Every tier runs
;; this script.
(module
  (memory 1)
  (global $counter (mut i32) (i32.const 0))

  ;; A wrapper (malloc -> dlmalloc).
  (func $inner (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $wrapper (param i32) (result i32) (call $inner (local.get 0)))
  (func (export "wrapped") (param i32) (result i32) (i32.add (call $wrapper (local.get 0)) (i32.const 1)))

  ;; A local the callee sets after reading it: zero again at each call, even in a loop.
  (func $fresh (param i32) (result i32) (local i32)
    (local.set 1 (i32.add (local.get 1) (local.get 0)))
    (local.get 1))
  (func (export "fresh_locals") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (call $fresh (local.get 1))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 2))

  ;; `return` in the middle and a branch to the outermost label.
  (func $clamp (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 0)) (then (return (i32.const 0))))
    (drop (br_if 0 (i32.const 100) (i32.gt_s (local.get 0) (i32.const 100))))
    (local.get 0))
  (func (export "clamp_sum") (param i32 i32 i32) (result i32)
    (i32.add (i32.add (call $clamp (local.get 0)) (call $clamp (local.get 1))) (call $clamp (local.get 2))))

  ;; Two results, in order.
  (func $swap (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "swap") (param i32 i64) (result i64)
    (call $swap (local.get 0) (local.get 1))
    (i64.extend_i32_u)
    (i64.sub))

  ;; Effects in order: a store and a global in the callee, between the caller's own.
  (func $bump (param i32) (global.set $counter (i32.add (global.get $counter) (local.get 0)))
    (i32.store (i32.const 16) (global.get $counter)))
  (func (export "effects") (result i32)
    (global.set $counter (i32.const 5))
    (call $bump (i32.const 2))
    (call $bump (i32.const 10))
    (i32.add (i32.load (i32.const 16)) (i32.mul (global.get $counter) (i32.const 1000))))

  ;; A trap inside an inlined body.
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.add (call $div (local.get 0) (local.get 1)) (i32.const 1)))
  (func $oob (param i32) (result i32) (i32.load offset=65532 (local.get 0)))
  (func (export "oob") (param i32) (result i32) (call $oob (local.get 0)))
  (func $never (result i32) (unreachable))
  (func (export "never") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (call $never)) (else (i32.const 7))))

  ;; The callee calls the caller: recursion through an inlined body.
  (func $down (param i32) (result i32) (call $count (i32.sub (local.get 0) (i32.const 1))))
  (func $count (export "count") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $down (local.get 0)) (i32.const 1)))))

  ;; Direct recursion (a call to the function itself), with an f64 and an i64 argument.
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $mix (export "mix") (param i64 f64 i32) (result f64)
    (if (result f64) (i32.eqz (local.get 2)) (then (f64.add (local.get 1) (f64.convert_i64_s (local.get 0))))
      (else (call $mix (i64.add (local.get 0) (i64.const 3)) (f64.mul (local.get 1) (f64.const 1.5)) (i32.sub (local.get 2) (i32.const 1))))))
)

(assert_return (invoke "wrapped" (i32.const 5)) (i32.const 16))
(assert_return (invoke "wrapped" (i32.const -1)) (i32.const -2))
(assert_return (invoke "fresh_locals" (i32.const 5)) (i32.const 10))
(assert_return (invoke "clamp_sum" (i32.const -5) (i32.const 50) (i32.const 500)) (i32.const 150))
(assert_return (invoke "clamp_sum" (i32.const 100) (i32.const 101) (i32.const 0)) (i32.const 200))
(assert_return (invoke "swap" (i32.const -1) (i64.const 10)) (i64.const -4294967285))
(assert_return (invoke "effects") (i32.const 17017))
(assert_return (invoke "div" (i32.const 7) (i32.const 2)) (i32.const 4))
(assert_trap (invoke "div" (i32.const 7) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_return (invoke "oob" (i32.const 0)) (i32.const 0))
(assert_trap (invoke "oob" (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "never" (i32.const 0)) (i32.const 7))
(assert_trap (invoke "never" (i32.const 1)) "unreachable")
(assert_return (invoke "count" (i32.const 1000)) (i32.const 1000))
(assert_return (invoke "fib" (i32.const 20)) (i32.const 6765))
(assert_return (invoke "mix" (i64.const 1) (f64.const 2.0) (i32.const 3)) (f64.const 16.75))
