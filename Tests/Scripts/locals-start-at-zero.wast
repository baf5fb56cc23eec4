;; Declared locals start at zero, however the engine avoids zeroing the ones it can prove are
;; written before they are read (the interpreter zeroes only locals that straight-line code from
;; the entry does not write first). Each test first runs $dirty, whose frame fills the same
;; stack slots with non-zero values, so a local that was not zeroed would show them.
(module
  (func $dirty (result i32) (local i32 i32 i32 i32 i64 f64 i32)
    (local.set 0 (i32.const -1))
    (local.set 1 (i32.const -1))
    (local.set 2 (i32.const -1))
    (local.set 3 (i32.const -1))
    (local.set 4 (i64.const -1))
    (local.set 5 (f64.const -1))
    (local.set 6 (i32.const -1))
    (i32.const 0))

  ;; Written before any read: 7.
  (func $written_first (result i32) (local i32)
    (local.set 0 (i32.const 7))
    (local.get 0))
  (func (export "written_first") (result i32) (drop (call $dirty)) (call $written_first))

  ;; Read by its own assignment: 0 + 3.
  (func $reads_itself (result i32) (local i32)
    (local.set 0 (i32.add (local.get 0) (i32.const 3)))
    (local.get 0))
  (func (export "reads_itself") (result i32) (drop (call $dirty)) (call $reads_itself))

  ;; In a loop, read on the first iteration before the write below it: 0, then 5.
  (func $loop_reads_first (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.const 5))
      (br_if $l (i32.lt_u (local.get 1) (i32.const 5))))
    (local.get 1))
  (func (export "loop_reads_first") (result i32) (drop (call $dirty)) (call $loop_reads_first))

  ;; Written in one arm of an `if` only.
  (func $one_arm (param i32) (result i64) (local i64)
    (if (local.get 0) (then (local.set 1 (i64.const 9))))
    (local.get 1))
  (func (export "one_arm") (param i32) (result i64) (drop (call $dirty)) (call $one_arm (local.get 0)))

  ;; Written after a conditional branch that can skip it, in the same block.
  (func $after_branch (param i32) (result f64) (local f64)
    (block $b
      (br_if $b (local.get 0))
      (local.set 1 (f64.const 2.5)))
    (local.get 1))
  (func (export "after_branch") (param i32) (result f64) (drop (call $dirty)) (call $after_branch (local.get 0)))

  ;; One local written by local.tee first, one read before it is written.
  (func $tee_first (result i32) (local i32 i32)
    (drop (local.tee 1 (i32.const 40)))
    (i32.add (local.get 0) (local.get 1)))
  (func (export "tee_first") (result i32) (drop (call $dirty)) (call $tee_first))

  ;; Written in straight-line code after a call (calls return to the next instruction).
  (func $after_call (result i32) (local i32 i32)
    (local.set 1 (call $dirty))
    (local.set 0 (i32.const 12))
    (i32.add (local.get 0) (local.get 1)))
  (func (export "after_call") (result i32) (drop (call $dirty)) (call $after_call))

  ;; Never written at all.
  (func $never (result i32) (local i32 i32 i32 i32) (i32.or (local.get 3) (local.get 0)))
  (func (export "never") (result i32) (drop (call $dirty)) (call $never))
)
(assert_return (invoke "written_first") (i32.const 7))
(assert_return (invoke "reads_itself") (i32.const 3))
(assert_return (invoke "loop_reads_first") (i32.const 5))
(assert_return (invoke "one_arm" (i32.const 0)) (i64.const 0))
(assert_return (invoke "one_arm" (i32.const 1)) (i64.const 9))
(assert_return (invoke "after_branch" (i32.const 1)) (f64.const 0))
(assert_return (invoke "after_branch" (i32.const 0)) (f64.const 2.5))
(assert_return (invoke "tee_first") (i32.const 40))
(assert_return (invoke "after_call") (i32.const 12))
(assert_return (invoke "never") (i32.const 0))
