;; Values that leave a loop or block through an operand stack whose phis SSA construction finds
;; trivial (one input) and removes: the operations after them must still see their types.
(module
  (func (export "trunc") (param f32) (result i32) (loop (result f32) (local.get 0)) i32.trunc_f32_s)
  (func (export "eqz") (param i32) (result i32) (loop (result i32) (local.get 0)) i32.eqz)
  (func (export "select") (param i64 i64 i32) (result i64)
    (select (loop (result i64) (local.get 0)) (block (result i64) (local.get 1)) (local.get 2)))
  (func (export "widen") (param i32) (result i64) (i64.extend_i32_u (loop (result i32) (local.get 0))))
  (func (export "float") (param i32) (result f64) (f64.convert_i32_u (loop (result i32) (local.get 0))))
  ;; A counter through nested loops whose inner phis become trivial only after outer ones do.
  (func (export "nested") (param i32) (result i32) (local i32 i32)
    (block $out
      (loop $a
        (br_if $out (i32.ge_u (local.get 1) (local.get 0)))
        (local.set 2 (i32.add (local.get 2) (loop (result i32) (block (result i32) (local.get 1)))))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br $a)))
    (local.get 2))
)
(assert_return (invoke "trunc" (f32.const 3.5)) (i32.const 3))
(assert_trap (invoke "trunc" (f32.const 3e10)) "integer overflow")
(assert_trap (invoke "trunc" (f32.const nan)) "invalid conversion to integer")
(assert_return (invoke "eqz" (i32.const 0)) (i32.const 1))
(assert_return (invoke "eqz" (i32.const 7)) (i32.const 0))
(assert_return (invoke "select" (i64.const 1) (i64.const 2) (i32.const 1)) (i64.const 1))
(assert_return (invoke "select" (i64.const 1) (i64.const 2) (i32.const 0)) (i64.const 2))
(assert_return (invoke "widen" (i32.const -1)) (i64.const 4294967295))
(assert_return (invoke "float" (i32.const -1)) (f64.const 4294967295))
(assert_return (invoke "nested" (i32.const 10)) (i32.const 45))
(assert_return (invoke "nested" (i32.const 0)) (i32.const 0))
