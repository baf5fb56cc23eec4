#ifndef WASM_TIER_INTERPRETER_LOOP_H
#define WASM_TIER_INTERPRETER_LOOP_H

#include <stdint.h>

/// The interpreter's code is a sequence of 32-bit words: per instruction a header word,
/// `op | a << 10`, then the operand words its operation's layout names (InterpreterOps.h,
/// generated from the same table as Interpreter's `OpLayout`).

/// A translated function, as the dispatch loop sees it (Interpreter's `CompiledFunction` owns
/// one; the function's code cell points at it once translated).
typedef struct wt_function {
    const uint32_t *code;
    /// `br_table` targets, as word positions in `code`.
    const uint32_t *branch_targets;
    /// Written into the slots after the locals on entry.
    const uint64_t *constants;
    uint32_t constant_count;
    /// Slots of the parameters; one past the declared locals zeroed on entry (from
    /// `parameter_slots`, the ones that may be read before written); of parameters and all
    /// declared locals (the constants follow); of the whole frame.
    uint32_t parameter_slots, zero_end, local_slots, frame_size;
    /// Nonzero once the function has machine code: calls to it go through Swift.
    uint32_t native;
    /// The function's index in its module.
    int64_t function_index;
    /// The owning `CompiledFunction`, unretained.
    void *owner;
} wt_function;

/// A function slot of an instance, laid out as Runtime's `FunctionSlot` (checked by a test).
typedef struct wt_function_slot {
    /// The cell holding the callee's installed code (a `wt_function *` once translated).
    void *const *code;
    /// The callee's instance (unretained), NULL for host functions.
    const void *instance;
    const void *function;
    int64_t type_id;
    int64_t index;
    _Bool is_host;
} wt_function_slot;

/// A table as the interpreter's `call_indirect` sees it (Runtime's `TableInstance.slotView`):
/// the function slot of each element (NULL for null), and the element count, 0 while stale.
typedef struct wt_table_view {
    const wt_function_slot *const *slots;
    int64_t count;
} wt_table_view;

/// A suspended caller on the activation's call stack.
typedef struct wt_frame {
    const wt_function *function;
    /// Its instance (unretained).
    const void *instance;
    /// Where it resumes, and its frame.
    const uint32_t *return_ip;
    uint64_t *base;
} wt_frame;

/// What the dispatch loop runs with: the running function's code and frame, and the current
/// instance's memory 0 and global cells. The Swift side keeps it current across calls, returns
/// and memory growth.
typedef struct wt_interp_regs {
    /// The next instruction (in and out).
    const uint32_t *ip;
    /// The frame: slot 0 of the running function.
    uint64_t *sp;
    /// Memory 0's base and byte size (size 0 without a memory).
    uint8_t *memory_base;
    uint64_t memory_size;
    /// The instance's global cells.
    uint64_t *const *globals;
    /// The running function and its instance (unretained); the instance's function slots.
    const wt_function *function;
    const void *instance;
    const wt_function_slot *function_slots;
    /// The instance's tables and its type numbers (what `call_indirect` compares).
    const wt_table_view *const *tables;
    const uint64_t *type_ids;
    /// The call stack: `frames_top` is the next free record; calls that would pass
    /// `frames_limit` (the call-depth limit) or put a frame past `stack_end` go to Swift, which
    /// reports the exhaustion. A return with `frames_top == frames` goes to Swift too.
    wt_frame *frames;
    wt_frame *frames_top;
    wt_frame *frames_limit;
    uint64_t *stack_end;
} wt_interp_regs;

/// Why `wt_interp_run` stopped. On every exit `ip`, `sp`, `function`, `frames_top` describe
/// where it stopped.
enum wt_interp_exit {
    /// `ip` is an instruction the loop leaves to Swift (calls, returns, tables, bulk memory,
    /// SIMD, ...); it has not run.
    WT_EXIT_SLOW = 0,
    /// A trap; `ip` is the instruction that trapped.
    WT_EXIT_DIVIDE_BY_ZERO = 1,
    WT_EXIT_INTEGER_OVERFLOW = 2,
    WT_EXIT_INVALID_CONVERSION = 3,
    WT_EXIT_OUT_OF_BOUNDS = 4,
};

/// Runs instructions from `regs->ip` until one it leaves to Swift, or a trap. Numeric,
/// conversion, load, store, copy, select, global and branch instructions run here, and calls
/// and returns between translated functions of the same instance; they are dispatched
/// by a computed goto at the end of every handler (Docs/INTERPRETER.md, "Dispatch loop").
/// With `regs->ip` NULL, writes instead one byte per operation (`WT_OP_COUNT` of them) to
/// `regs->sp`: 1 for the operations this loop runs, 0 for those it leaves to Swift.
int32_t wt_interp_run(wt_interp_regs *regs);

#endif
