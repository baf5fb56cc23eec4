// The interpreter's dispatch loop for the operations that need nothing from the runtime:
// numeric, conversion, load, store, copy, select, global and branch instructions. Every
// handler ends in its own indirect jump (`goto *handlers[op]`), so the branch predictor sees
// one jump per operation instead of one for all, and clang keeps the loop's state (instruction
// pointer, frame, code base, memory base and size) in registers. Anything else returns to the
// Swift loop in Interpreter/Machine.swift, which runs it and calls back in.
//
// Semantics follow the Wasm 2.0 spec: integer arithmetic wraps, shift counts are masked,
// division and float-to-integer truncation trap, float min/max propagate NaN and order -0 below
// +0, abs/neg/copysign are bit operations.

#include "InterpreterLoop.h"
#include "InterpreterOps.h"

#include <math.h>
#include <string.h>

_Static_assert(sizeof(wt_instr) == 24, "wt_instr must match Interpreter's Instr");
_Static_assert(__builtin_offsetof(wt_instr, imm) == 16, "wt_instr must match Interpreter's Instr");

static inline float f32(uint64_t x) { uint32_t b = (uint32_t)x; float f; memcpy(&f, &b, 4); return f; }
static inline double f64(uint64_t x) { double d; memcpy(&d, &x, 8); return d; }
static inline uint64_t b32(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static inline uint64_t b64(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

static inline float fminf_wasm(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float fmaxf_wasm(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double fmin_wasm(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double fmax_wasm(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

// Saturating truncation (the f32 forms widen to double first, which is exact).
static inline uint64_t sat_s32(double x) {
    if (x != x) return 0;
    if (x <= -2147483648.0) return (uint32_t)INT32_MIN;
    if (x >= 2147483648.0) return (uint32_t)INT32_MAX;
    return (uint32_t)(int32_t)x;
}
static inline uint64_t sat_u32(double x) {
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static inline uint64_t sat_s64(double x) {
    if (x != x) return 0;
    if (x <= -9223372036854775808.0) return (uint64_t)INT64_MIN;
    if (x >= 9223372036854775808.0) return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)x;
}
static inline uint64_t sat_u64(double x) {
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

int32_t wt_interp_run(wt_interp_regs *regs) {
    // Every operation not listed here goes back to Swift.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
    static const void *const handlers[WT_OP_COUNT] = {
        [0 ... WT_OP_COUNT - 1] = &&slow,
        [WT_OP_call] = &&op_call,
        [WT_OP_callIndirect] = &&op_callIndirect,
        [WT_OP_return] = &&op_return,
        [WT_OP_copy] = &&op_copy,
        [WT_OP_copy128] = &&op_copy128,
        [WT_OP_const64] = &&op_const64,
        [WT_OP_select] = &&op_select,
        [WT_OP_select128] = &&op_select128,
        [WT_OP_globalGet] = &&op_globalGet,
        [WT_OP_globalSet] = &&op_globalSet,
        [WT_OP_globalGet128] = &&op_globalGet128,
        [WT_OP_globalSet128] = &&op_globalSet128,
        [WT_OP_jump] = &&op_jump,
        [WT_OP_branchIf] = &&op_branchIf,
        [WT_OP_branchUnless] = &&op_branchUnless,
        [WT_OP_branchTable] = &&op_branchTable,
        [WT_OP_branchI32Eqz] = &&op_branchI32Eqz,
        [WT_OP_branchI32Nez] = &&op_branchI32Nez,
        [WT_OP_branchI32Eq] = &&op_branchI32Eq,
        [WT_OP_branchI32Ne] = &&op_branchI32Ne,
        [WT_OP_branchI32LtS] = &&op_branchI32LtS,
        [WT_OP_branchI32LtU] = &&op_branchI32LtU,
        [WT_OP_branchI32GtS] = &&op_branchI32GtS,
        [WT_OP_branchI32GtU] = &&op_branchI32GtU,
        [WT_OP_branchI32LeS] = &&op_branchI32LeS,
        [WT_OP_branchI32LeU] = &&op_branchI32LeU,
        [WT_OP_branchI32GeS] = &&op_branchI32GeS,
        [WT_OP_branchI32GeU] = &&op_branchI32GeU,
        [WT_OP_branchI64Eqz] = &&op_branchI64Eqz,
        [WT_OP_branchI64Nez] = &&op_branchI64Nez,
        [WT_OP_branchI64Eq] = &&op_branchI64Eq,
        [WT_OP_branchI64Ne] = &&op_branchI64Ne,
        [WT_OP_branchI64LtS] = &&op_branchI64LtS,
        [WT_OP_branchI64LtU] = &&op_branchI64LtU,
        [WT_OP_branchI64GtS] = &&op_branchI64GtS,
        [WT_OP_branchI64GtU] = &&op_branchI64GtU,
        [WT_OP_branchI64LeS] = &&op_branchI64LeS,
        [WT_OP_branchI64LeU] = &&op_branchI64LeU,
        [WT_OP_branchI64GeS] = &&op_branchI64GeS,
        [WT_OP_branchI64GeU] = &&op_branchI64GeU,
        [WT_OP_i32Load] = &&op_i32Load,
        [WT_OP_f32Load] = &&op_f32Load,
        [WT_OP_i64Load] = &&op_i64Load,
        [WT_OP_f64Load] = &&op_f64Load,
        [WT_OP_i32Load8S] = &&op_i32Load8S,
        [WT_OP_i32Load8U] = &&op_i32Load8U,
        [WT_OP_i32Load16S] = &&op_i32Load16S,
        [WT_OP_i32Load16U] = &&op_i32Load16U,
        [WT_OP_i64Load8S] = &&op_i64Load8S,
        [WT_OP_i64Load8U] = &&op_i64Load8U,
        [WT_OP_i64Load16S] = &&op_i64Load16S,
        [WT_OP_i64Load16U] = &&op_i64Load16U,
        [WT_OP_i64Load32S] = &&op_i64Load32S,
        [WT_OP_i64Load32U] = &&op_i64Load32U,
        [WT_OP_i32Store] = &&op_i32Store,
        [WT_OP_f32Store] = &&op_f32Store,
        [WT_OP_i64Store] = &&op_i64Store,
        [WT_OP_f64Store] = &&op_f64Store,
        [WT_OP_i32Store8] = &&op_i32Store8,
        [WT_OP_i64Store8] = &&op_i64Store8,
        [WT_OP_i32Store16] = &&op_i32Store16,
        [WT_OP_i64Store16] = &&op_i64Store16,
        [WT_OP_i64Store32] = &&op_i64Store32,
        [WT_OP_i32Eqz] = &&op_i32Eqz,
        [WT_OP_i32Eq] = &&op_i32Eq,
        [WT_OP_i32Ne] = &&op_i32Ne,
        [WT_OP_i32LtS] = &&op_i32LtS,
        [WT_OP_i32LtU] = &&op_i32LtU,
        [WT_OP_i32GtS] = &&op_i32GtS,
        [WT_OP_i32GtU] = &&op_i32GtU,
        [WT_OP_i32LeS] = &&op_i32LeS,
        [WT_OP_i32LeU] = &&op_i32LeU,
        [WT_OP_i32GeS] = &&op_i32GeS,
        [WT_OP_i32GeU] = &&op_i32GeU,
        [WT_OP_i64Eqz] = &&op_i64Eqz,
        [WT_OP_i64Eq] = &&op_i64Eq,
        [WT_OP_i64Ne] = &&op_i64Ne,
        [WT_OP_i64LtS] = &&op_i64LtS,
        [WT_OP_i64LtU] = &&op_i64LtU,
        [WT_OP_i64GtS] = &&op_i64GtS,
        [WT_OP_i64GtU] = &&op_i64GtU,
        [WT_OP_i64LeS] = &&op_i64LeS,
        [WT_OP_i64LeU] = &&op_i64LeU,
        [WT_OP_i64GeS] = &&op_i64GeS,
        [WT_OP_i64GeU] = &&op_i64GeU,
        [WT_OP_f32Eq] = &&op_f32Eq,
        [WT_OP_f32Ne] = &&op_f32Ne,
        [WT_OP_f32Lt] = &&op_f32Lt,
        [WT_OP_f32Gt] = &&op_f32Gt,
        [WT_OP_f32Le] = &&op_f32Le,
        [WT_OP_f32Ge] = &&op_f32Ge,
        [WT_OP_f64Eq] = &&op_f64Eq,
        [WT_OP_f64Ne] = &&op_f64Ne,
        [WT_OP_f64Lt] = &&op_f64Lt,
        [WT_OP_f64Gt] = &&op_f64Gt,
        [WT_OP_f64Le] = &&op_f64Le,
        [WT_OP_f64Ge] = &&op_f64Ge,
        [WT_OP_i32Clz] = &&op_i32Clz,
        [WT_OP_i32Ctz] = &&op_i32Ctz,
        [WT_OP_i32Popcnt] = &&op_i32Popcnt,
        [WT_OP_i32Add] = &&op_i32Add,
        [WT_OP_i32Sub] = &&op_i32Sub,
        [WT_OP_i32Mul] = &&op_i32Mul,
        [WT_OP_i32DivS] = &&op_i32DivS,
        [WT_OP_i32DivU] = &&op_i32DivU,
        [WT_OP_i32RemS] = &&op_i32RemS,
        [WT_OP_i32RemU] = &&op_i32RemU,
        [WT_OP_i32And] = &&op_i32And,
        [WT_OP_i32Or] = &&op_i32Or,
        [WT_OP_i32Xor] = &&op_i32Xor,
        [WT_OP_i32Shl] = &&op_i32Shl,
        [WT_OP_i32ShrS] = &&op_i32ShrS,
        [WT_OP_i32ShrU] = &&op_i32ShrU,
        [WT_OP_i32Rotl] = &&op_i32Rotl,
        [WT_OP_i32Rotr] = &&op_i32Rotr,
        [WT_OP_i64Clz] = &&op_i64Clz,
        [WT_OP_i64Ctz] = &&op_i64Ctz,
        [WT_OP_i64Popcnt] = &&op_i64Popcnt,
        [WT_OP_i64Add] = &&op_i64Add,
        [WT_OP_i64Sub] = &&op_i64Sub,
        [WT_OP_i64Mul] = &&op_i64Mul,
        [WT_OP_i64DivS] = &&op_i64DivS,
        [WT_OP_i64DivU] = &&op_i64DivU,
        [WT_OP_i64RemS] = &&op_i64RemS,
        [WT_OP_i64RemU] = &&op_i64RemU,
        [WT_OP_i64And] = &&op_i64And,
        [WT_OP_i64Or] = &&op_i64Or,
        [WT_OP_i64Xor] = &&op_i64Xor,
        [WT_OP_i64Shl] = &&op_i64Shl,
        [WT_OP_i64ShrS] = &&op_i64ShrS,
        [WT_OP_i64ShrU] = &&op_i64ShrU,
        [WT_OP_i64Rotl] = &&op_i64Rotl,
        [WT_OP_i64Rotr] = &&op_i64Rotr,
        [WT_OP_f32Abs] = &&op_f32Abs,
        [WT_OP_f32Neg] = &&op_f32Neg,
        [WT_OP_f32Ceil] = &&op_f32Ceil,
        [WT_OP_f32Floor] = &&op_f32Floor,
        [WT_OP_f32Trunc] = &&op_f32Trunc,
        [WT_OP_f32Nearest] = &&op_f32Nearest,
        [WT_OP_f32Sqrt] = &&op_f32Sqrt,
        [WT_OP_f32Add] = &&op_f32Add,
        [WT_OP_f32Sub] = &&op_f32Sub,
        [WT_OP_f32Mul] = &&op_f32Mul,
        [WT_OP_f32Div] = &&op_f32Div,
        [WT_OP_f32Min] = &&op_f32Min,
        [WT_OP_f32Max] = &&op_f32Max,
        [WT_OP_f32Copysign] = &&op_f32Copysign,
        [WT_OP_f64Abs] = &&op_f64Abs,
        [WT_OP_f64Neg] = &&op_f64Neg,
        [WT_OP_f64Ceil] = &&op_f64Ceil,
        [WT_OP_f64Floor] = &&op_f64Floor,
        [WT_OP_f64Trunc] = &&op_f64Trunc,
        [WT_OP_f64Nearest] = &&op_f64Nearest,
        [WT_OP_f64Sqrt] = &&op_f64Sqrt,
        [WT_OP_f64Add] = &&op_f64Add,
        [WT_OP_f64Sub] = &&op_f64Sub,
        [WT_OP_f64Mul] = &&op_f64Mul,
        [WT_OP_f64Div] = &&op_f64Div,
        [WT_OP_f64Min] = &&op_f64Min,
        [WT_OP_f64Max] = &&op_f64Max,
        [WT_OP_f64Copysign] = &&op_f64Copysign,
        [WT_OP_i32WrapI64] = &&op_i32WrapI64,
        [WT_OP_i32TruncF32S] = &&op_i32TruncF32S,
        [WT_OP_i32TruncF32U] = &&op_i32TruncF32U,
        [WT_OP_i32TruncF64S] = &&op_i32TruncF64S,
        [WT_OP_i32TruncF64U] = &&op_i32TruncF64U,
        [WT_OP_i64TruncF32S] = &&op_i64TruncF32S,
        [WT_OP_i64TruncF32U] = &&op_i64TruncF32U,
        [WT_OP_i64TruncF64S] = &&op_i64TruncF64S,
        [WT_OP_i64TruncF64U] = &&op_i64TruncF64U,
        [WT_OP_i64ExtendI32S] = &&op_i64ExtendI32S,
        [WT_OP_i64ExtendI32U] = &&op_i64ExtendI32U,
        [WT_OP_f32ConvertI32S] = &&op_f32ConvertI32S,
        [WT_OP_f32ConvertI32U] = &&op_f32ConvertI32U,
        [WT_OP_f32ConvertI64S] = &&op_f32ConvertI64S,
        [WT_OP_f32ConvertI64U] = &&op_f32ConvertI64U,
        [WT_OP_f32DemoteF64] = &&op_f32DemoteF64,
        [WT_OP_f64ConvertI32S] = &&op_f64ConvertI32S,
        [WT_OP_f64ConvertI32U] = &&op_f64ConvertI32U,
        [WT_OP_f64ConvertI64S] = &&op_f64ConvertI64S,
        [WT_OP_f64ConvertI64U] = &&op_f64ConvertI64U,
        [WT_OP_f64PromoteF32] = &&op_f64PromoteF32,
        [WT_OP_i32ReinterpretF32] = &&op_i32ReinterpretF32,
        [WT_OP_f32ReinterpretI32] = &&op_f32ReinterpretI32,
        [WT_OP_i64ReinterpretF64] = &&op_i64ReinterpretF64,
        [WT_OP_f64ReinterpretI64] = &&op_f64ReinterpretI64,
        [WT_OP_i32Extend8S] = &&op_i32Extend8S,
        [WT_OP_i32Extend16S] = &&op_i32Extend16S,
        [WT_OP_i64Extend8S] = &&op_i64Extend8S,
        [WT_OP_i64Extend16S] = &&op_i64Extend16S,
        [WT_OP_i64Extend32S] = &&op_i64Extend32S,
        [WT_OP_i32TruncSatF32S] = &&op_i32TruncSatF32S,
        [WT_OP_i32TruncSatF32U] = &&op_i32TruncSatF32U,
        [WT_OP_i32TruncSatF64S] = &&op_i32TruncSatF64S,
        [WT_OP_i32TruncSatF64U] = &&op_i32TruncSatF64U,
        [WT_OP_i64TruncSatF32S] = &&op_i64TruncSatF32S,
        [WT_OP_i64TruncSatF32U] = &&op_i64TruncSatF32U,
        [WT_OP_i64TruncSatF64S] = &&op_i64TruncSatF64S,
        [WT_OP_i64TruncSatF64U] = &&op_i64TruncSatF64U,
    };
#pragma clang diagnostic pop

    const wt_instr *ip = (const wt_instr *)regs->ip;
    uint64_t *sp = regs->sp;
    const wt_function *function = regs->function;
    const wt_instr *code = function->code;
    wt_frame *frames_top = regs->frames_top;
    uint8_t *const mem = regs->memory_base;
    const uint64_t mem_size = regs->memory_size;
    uint64_t *const *const globals = regs->globals;
    int32_t exit_code;

#define NEXT() goto *handlers[ip->op]
#define A (ip->a)
#define X (sp[ip->b])
#define Y (sp[ip->c])
#define U32(v) ((uint32_t)(v))
#define S32(v) ((int32_t)(uint32_t)(v))
#define S64(v) ((int64_t)(v))
#define SET(v) do { sp[A] = (uint64_t)(v); ip++; NEXT(); } while (0)
#define TRAP(code_) do { exit_code = (code_); ip++; goto out; } while (0)
#define JUMP_IF(cond) do { if (cond) { ip = code + ip->imm; } else { ip++; } NEXT(); } while (0)
// Effective address of an access of `size` bytes, or an out-of-bounds trap.
#define EA(size, var) \
    uint64_t var = (uint64_t)U32(X) + ip->imm; \
    if (__builtin_expect(var + (size) > mem_size, 0)) TRAP(WT_EXIT_OUT_OF_BOUNDS);
#define LOAD(type, result) do { EA(sizeof(type), ea_); type v_; memcpy(&v_, mem + ea_, sizeof(type)); SET(result); } while (0)
#define STORE(type, value) do { EA(sizeof(type), ea_); type v_ = (type)(value); memcpy(mem + ea_, &v_, sizeof(type)); ip++; NEXT(); } while (0)

    NEXT();

slow:
    exit_code = WT_EXIT_SLOW;
out:
    regs->ip = ip;
    regs->sp = sp;
    regs->function = function;
    regs->frames_top = frames_top;
    return exit_code;

    // Calls and returns within the instance, to and from translated code. The callee's frame
    // starts at the caller's argument slots (slot a), so arguments and results need no moves.
    const wt_function_slot *slot;
op_callIndirect: {
    // A null element, a type mismatch, an index past the view (out of bounds, or a stale view)
    // and the cases `call` leaves to Swift go to Swift, which traps or calls.
    const wt_table_view *view = regs->tables[ip->c];
    uint32_t index = U32(X);
    if ((int64_t)index >= view->count) goto slow;
    slot = view->slots[index];
    if (slot == NULL || (uint64_t)slot->type_id != regs->type_ids[ip->imm]) goto slow;
    goto call;
}
op_call:
    slot = &regs->function_slots[ip->imm];
call: {
    if (slot->is_host || slot->instance != regs->instance) goto slow;
    const wt_function *callee = (const wt_function *)*slot->code;
    if (callee == NULL || callee->native) goto slow;
    uint64_t *base = sp + ip->a;
    if (frames_top == regs->frames_limit || base + callee->frame_size > regs->stack_end) goto slow;
    frames_top->function = function;
    frames_top->instance = regs->instance;
    frames_top->return_ip = ip + 1;
    frames_top->base = sp;
    frames_top++;
    for (uint32_t k = callee->parameter_slots; k < callee->local_slots; k++) base[k] = 0;
    for (uint32_t k = 0; k < callee->constant_count; k++) base[callee->local_slots + k] = callee->constants[k];
    sp = base;
    function = callee;
    code = ip = callee->code;
    NEXT();
}
op_return: {
    if (frames_top == regs->frames || frames_top[-1].instance != regs->instance) goto slow;
    frames_top--;
    function = frames_top->function;
    sp = frames_top->base;
    ip = frames_top->return_ip;
    code = function->code;
    NEXT();
}

    // Moves, constants, globals, select
op_copy: SET(X);
op_copy128: {
    // Both words are read before either is written: source and destination may overlap.
    uint64_t lo = sp[ip->b], hi = sp[ip->b + 1];
    sp[A] = lo; sp[A + 1] = hi; ip++; NEXT();
}
op_const64: SET(ip->imm);
op_select: SET(U32(sp[ip->imm]) ? X : Y);
op_select128: {
    uint32_t from = U32(sp[ip->imm]) ? ip->b : ip->c;
    uint64_t lo = sp[from], hi = sp[from + 1];
    sp[A] = lo; sp[A + 1] = hi; ip++; NEXT();
}
op_globalGet: SET(*globals[ip->imm]);
op_globalSet: *globals[ip->imm] = X; ip++; NEXT();
op_globalGet128: {
    const uint64_t *cell = globals[ip->imm];
    sp[A] = cell[0]; sp[A + 1] = cell[1]; ip++; NEXT();
}
op_globalSet128: {
    uint64_t *cell = globals[ip->imm];
    cell[0] = sp[ip->b]; cell[1] = sp[ip->b + 1]; ip++; NEXT();
}

    // Branches
op_jump: ip = code + ip->imm; NEXT();
op_branchIf: JUMP_IF(U32(X) != 0);
op_branchUnless: JUMP_IF(U32(X) == 0);
op_branchTable: {
    uint32_t index = U32(X);
    if (index > ip->c) index = ip->c;
    ip = code + function->branch_targets[ip->imm + index];
    NEXT();
}
op_branchI32Eqz: JUMP_IF(U32(X) == 0);
op_branchI32Nez: JUMP_IF(U32(X) != 0);
op_branchI32Eq: JUMP_IF(U32(X) == U32(Y));
op_branchI32Ne: JUMP_IF(U32(X) != U32(Y));
op_branchI32LtS: JUMP_IF(S32(X) < S32(Y));
op_branchI32LtU: JUMP_IF(U32(X) < U32(Y));
op_branchI32GtS: JUMP_IF(S32(X) > S32(Y));
op_branchI32GtU: JUMP_IF(U32(X) > U32(Y));
op_branchI32LeS: JUMP_IF(S32(X) <= S32(Y));
op_branchI32LeU: JUMP_IF(U32(X) <= U32(Y));
op_branchI32GeS: JUMP_IF(S32(X) >= S32(Y));
op_branchI32GeU: JUMP_IF(U32(X) >= U32(Y));
op_branchI64Eqz: JUMP_IF(X == 0);
op_branchI64Nez: JUMP_IF(X != 0);
op_branchI64Eq: JUMP_IF(X == Y);
op_branchI64Ne: JUMP_IF(X != Y);
op_branchI64LtS: JUMP_IF(S64(X) < S64(Y));
op_branchI64LtU: JUMP_IF(X < Y);
op_branchI64GtS: JUMP_IF(S64(X) > S64(Y));
op_branchI64GtU: JUMP_IF(X > Y);
op_branchI64LeS: JUMP_IF(S64(X) <= S64(Y));
op_branchI64LeU: JUMP_IF(X <= Y);
op_branchI64GeS: JUMP_IF(S64(X) >= S64(Y));
op_branchI64GeU: JUMP_IF(X >= Y);

    // Loads and stores (memory 0, explicit bounds checks)
op_i32Load: LOAD(uint32_t, v_);
op_f32Load: LOAD(uint32_t, v_);
op_i64Load: LOAD(uint64_t, v_);
op_f64Load: LOAD(uint64_t, v_);
op_i32Load8S: LOAD(int8_t, (uint32_t)(int32_t)v_);
op_i32Load8U: LOAD(uint8_t, v_);
op_i32Load16S: LOAD(int16_t, (uint32_t)(int32_t)v_);
op_i32Load16U: LOAD(uint16_t, v_);
op_i64Load8S: LOAD(int8_t, (int64_t)v_);
op_i64Load8U: LOAD(uint8_t, v_);
op_i64Load16S: LOAD(int16_t, (int64_t)v_);
op_i64Load16U: LOAD(uint16_t, v_);
op_i64Load32S: LOAD(int32_t, (int64_t)v_);
op_i64Load32U: LOAD(uint32_t, v_);
op_i32Store: STORE(uint32_t, Y);
op_f32Store: STORE(uint32_t, Y);
op_i64Store: STORE(uint64_t, Y);
op_f64Store: STORE(uint64_t, Y);
op_i32Store8: STORE(uint8_t, Y);
op_i64Store8: STORE(uint8_t, Y);
op_i32Store16: STORE(uint16_t, Y);
op_i64Store16: STORE(uint16_t, Y);
op_i64Store32: STORE(uint32_t, Y);

    // i32 comparisons
op_i32Eqz: SET(U32(X) == 0);
op_i32Eq: SET(U32(X) == U32(Y));
op_i32Ne: SET(U32(X) != U32(Y));
op_i32LtS: SET(S32(X) < S32(Y));
op_i32LtU: SET(U32(X) < U32(Y));
op_i32GtS: SET(S32(X) > S32(Y));
op_i32GtU: SET(U32(X) > U32(Y));
op_i32LeS: SET(S32(X) <= S32(Y));
op_i32LeU: SET(U32(X) <= U32(Y));
op_i32GeS: SET(S32(X) >= S32(Y));
op_i32GeU: SET(U32(X) >= U32(Y));
    // i64 comparisons
op_i64Eqz: SET(X == 0);
op_i64Eq: SET(X == Y);
op_i64Ne: SET(X != Y);
op_i64LtS: SET(S64(X) < S64(Y));
op_i64LtU: SET(X < Y);
op_i64GtS: SET(S64(X) > S64(Y));
op_i64GtU: SET(X > Y);
op_i64LeS: SET(S64(X) <= S64(Y));
op_i64LeU: SET(X <= Y);
op_i64GeS: SET(S64(X) >= S64(Y));
op_i64GeU: SET(X >= Y);
    // float comparisons
op_f32Eq: SET(f32(X) == f32(Y));
op_f32Ne: SET(f32(X) != f32(Y));
op_f32Lt: SET(f32(X) < f32(Y));
op_f32Gt: SET(f32(X) > f32(Y));
op_f32Le: SET(f32(X) <= f32(Y));
op_f32Ge: SET(f32(X) >= f32(Y));
op_f64Eq: SET(f64(X) == f64(Y));
op_f64Ne: SET(f64(X) != f64(Y));
op_f64Lt: SET(f64(X) < f64(Y));
op_f64Gt: SET(f64(X) > f64(Y));
op_f64Le: SET(f64(X) <= f64(Y));
op_f64Ge: SET(f64(X) >= f64(Y));

    // i32 arithmetic
op_i32Clz: { uint32_t v = U32(X); SET(v ? (uint32_t)__builtin_clz(v) : 32u); }
op_i32Ctz: { uint32_t v = U32(X); SET(v ? (uint32_t)__builtin_ctz(v) : 32u); }
op_i32Popcnt: SET((uint32_t)__builtin_popcount(U32(X)));
op_i32Add: SET(U32(X) + U32(Y));
op_i32Sub: SET(U32(X) - U32(Y));
op_i32Mul: SET(U32(X) * U32(Y));
op_i32DivS: {
    int32_t l = S32(X), r = S32(Y);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    if (l == INT32_MIN && r == -1) TRAP(WT_EXIT_INTEGER_OVERFLOW);
    SET((uint32_t)(l / r));
}
op_i32DivU: {
    uint32_t r = U32(Y);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(U32(X) / r);
}
op_i32RemS: {
    int32_t l = S32(X), r = S32(Y);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(r == -1 ? 0u : (uint32_t)(l % r));
}
op_i32RemU: {
    uint32_t r = U32(Y);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(U32(X) % r);
}
op_i32And: SET(U32(X) & U32(Y));
op_i32Or: SET(U32(X) | U32(Y));
op_i32Xor: SET(U32(X) ^ U32(Y));
op_i32Shl: SET(U32(X) << (U32(Y) & 31));
op_i32ShrS: SET((uint32_t)(S32(X) >> (U32(Y) & 31)));
op_i32ShrU: SET(U32(X) >> (U32(Y) & 31));
op_i32Rotl: { uint32_t v = U32(X), k = U32(Y) & 31; SET((v << k) | (v >> ((32 - k) & 31))); }
op_i32Rotr: { uint32_t v = U32(X), k = U32(Y) & 31; SET((v >> k) | (v << ((32 - k) & 31))); }

    // i64 arithmetic
op_i64Clz: { uint64_t v = X; SET(v ? (uint64_t)__builtin_clzll(v) : 64u); }
op_i64Ctz: { uint64_t v = X; SET(v ? (uint64_t)__builtin_ctzll(v) : 64u); }
op_i64Popcnt: SET((uint64_t)__builtin_popcountll(X));
op_i64Add: SET(X + Y);
op_i64Sub: SET(X - Y);
op_i64Mul: SET(X * Y);
op_i64DivS: {
    int64_t l = S64(X), r = S64(Y);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    if (l == INT64_MIN && r == -1) TRAP(WT_EXIT_INTEGER_OVERFLOW);
    SET((uint64_t)(l / r));
}
op_i64DivU: {
    uint64_t r = Y;
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(X / r);
}
op_i64RemS: {
    int64_t l = S64(X), r = S64(Y);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(r == -1 ? 0u : (uint64_t)(l % r));
}
op_i64RemU: {
    uint64_t r = Y;
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(X % r);
}
op_i64And: SET(X & Y);
op_i64Or: SET(X | Y);
op_i64Xor: SET(X ^ Y);
op_i64Shl: SET(X << (Y & 63));
op_i64ShrS: SET((uint64_t)(S64(X) >> (Y & 63)));
op_i64ShrU: SET(X >> (Y & 63));
op_i64Rotl: { uint64_t v = X, k = Y & 63; SET((v << k) | (v >> ((64 - k) & 63))); }
op_i64Rotr: { uint64_t v = X, k = Y & 63; SET((v >> k) | (v << ((64 - k) & 63))); }

    // f32 arithmetic (abs, neg and copysign are bit operations: NaN payloads are kept)
op_f32Abs: SET(U32(X) & 0x7fffffffu);
op_f32Neg: SET(U32(X) ^ 0x80000000u);
op_f32Ceil: SET(b32(ceilf(f32(X))));
op_f32Floor: SET(b32(floorf(f32(X))));
op_f32Trunc: SET(b32(truncf(f32(X))));
op_f32Nearest: SET(b32(nearbyintf(f32(X))));
op_f32Sqrt: SET(b32(sqrtf(f32(X))));
op_f32Add: SET(b32(f32(X) + f32(Y)));
op_f32Sub: SET(b32(f32(X) - f32(Y)));
op_f32Mul: SET(b32(f32(X) * f32(Y)));
op_f32Div: SET(b32(f32(X) / f32(Y)));
op_f32Min: SET(b32(fminf_wasm(f32(X), f32(Y))));
op_f32Max: SET(b32(fmaxf_wasm(f32(X), f32(Y))));
op_f32Copysign: SET((U32(X) & 0x7fffffffu) | (U32(Y) & 0x80000000u));
    // f64 arithmetic
op_f64Abs: SET(X & 0x7fffffffffffffffull);
op_f64Neg: SET(X ^ 0x8000000000000000ull);
op_f64Ceil: SET(b64(ceil(f64(X))));
op_f64Floor: SET(b64(floor(f64(X))));
op_f64Trunc: SET(b64(trunc(f64(X))));
op_f64Nearest: SET(b64(nearbyint(f64(X))));
op_f64Sqrt: SET(b64(sqrt(f64(X))));
op_f64Add: SET(b64(f64(X) + f64(Y)));
op_f64Sub: SET(b64(f64(X) - f64(Y)));
op_f64Mul: SET(b64(f64(X) * f64(Y)));
op_f64Div: SET(b64(f64(X) / f64(Y)));
op_f64Min: SET(b64(fmin_wasm(f64(X), f64(Y))));
op_f64Max: SET(b64(fmax_wasm(f64(X), f64(Y))));
op_f64Copysign: SET((X & 0x7fffffffffffffffull) | (Y & 0x8000000000000000ull));

    // Conversions. A trapping truncation is valid exactly when the operand lies strictly
    // between the bounds (f32 operands widen to double, exactly).
#define TRUNC(x, lower, upper, cast) do { \
        double v_ = (x); \
        if (v_ != v_) TRAP(WT_EXIT_INVALID_CONVERSION); \
        if (!(v_ > (lower) && v_ < (upper))) TRAP(WT_EXIT_INTEGER_OVERFLOW); \
        SET(cast v_); \
    } while (0)
op_i32WrapI64: SET(U32(X));
op_i32TruncF32S: TRUNC(f32(X), -2147483649.0, 2147483648.0, (uint32_t)(int32_t));
op_i32TruncF32U: TRUNC(f32(X), -1.0, 4294967296.0, (uint32_t));
op_i32TruncF64S: TRUNC(f64(X), -2147483649.0, 2147483648.0, (uint32_t)(int32_t));
op_i32TruncF64U: TRUNC(f64(X), -1.0, 4294967296.0, (uint32_t));
op_i64TruncF32S: TRUNC(f32(X), -9223372036854777856.0, 9223372036854775808.0, (uint64_t)(int64_t));
op_i64TruncF32U: TRUNC(f32(X), -1.0, 18446744073709551616.0, (uint64_t));
op_i64TruncF64S: TRUNC(f64(X), -9223372036854777856.0, 9223372036854775808.0, (uint64_t)(int64_t));
op_i64TruncF64U: TRUNC(f64(X), -1.0, 18446744073709551616.0, (uint64_t));
op_i64ExtendI32S: SET((int64_t)S32(X));
op_i64ExtendI32U: SET(U32(X));
op_f32ConvertI32S: SET(b32((float)S32(X)));
op_f32ConvertI32U: SET(b32((float)U32(X)));
op_f32ConvertI64S: SET(b32((float)S64(X)));
op_f32ConvertI64U: SET(b32((float)X));
op_f32DemoteF64: SET(b32((float)f64(X)));
op_f64ConvertI32S: SET(b64((double)S32(X)));
op_f64ConvertI32U: SET(b64((double)U32(X)));
op_f64ConvertI64S: SET(b64((double)S64(X)));
op_f64ConvertI64U: SET(b64((double)X));
op_f64PromoteF32: SET(b64((double)f32(X)));
op_i32ReinterpretF32: SET(U32(X));
op_f32ReinterpretI32: SET(U32(X));
op_i64ReinterpretF64: SET(X);
op_f64ReinterpretI64: SET(X);
op_i32Extend8S: SET((uint32_t)(int32_t)(int8_t)X);
op_i32Extend16S: SET((uint32_t)(int32_t)(int16_t)X);
op_i64Extend8S: SET((int64_t)(int8_t)X);
op_i64Extend16S: SET((int64_t)(int16_t)X);
op_i64Extend32S: SET((int64_t)(int32_t)X);
op_i32TruncSatF32S: SET(sat_s32(f32(X)));
op_i32TruncSatF32U: SET(sat_u32(f32(X)));
op_i32TruncSatF64S: SET(sat_s32(f64(X)));
op_i32TruncSatF64U: SET(sat_u32(f64(X)));
op_i64TruncSatF32S: SET(sat_s64(f32(X)));
op_i64TruncSatF32U: SET(sat_u64(f32(X)));
op_i64TruncSatF64S: SET(sat_s64(f64(X)));
op_i64TruncSatF64U: SET(sat_u64(f64(X)));
}
