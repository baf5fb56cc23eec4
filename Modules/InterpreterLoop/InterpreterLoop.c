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

_Static_assert(WT_OP_COUNT <= 1024, "operations are 10 bits of the header word");

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

#ifdef WT_PROFILE_DISPATCH
// Dispatch profile, for choosing fused and accumulator forms (a developer build only:
// `swift build -c release -Xcc -DWT_PROFILE_DISPATCH`). Counts each dispatched operation and
// each pair of consecutive ones within a run of the loop, and at exit writes them to the file
// named by WT_PROFILE_OUT as lines `count op` and `count op next`.
#include <stdio.h>
#include <stdlib.h>
static uint64_t wt_profile_ops[1024], wt_profile_pairs[1024][1024];
static _Thread_local uint32_t wt_profile_last = 1024;
static void wt_profile_note(uint32_t op) {
    wt_profile_ops[op]++;
    if (wt_profile_last < 1024) wt_profile_pairs[wt_profile_last][op]++;
    wt_profile_last = op;
}
__attribute__((destructor)) static void wt_profile_write(void) {
    const char *path = getenv("WT_PROFILE_OUT");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) return;
    for (int a = 0; a < 1024; a++) {
        if (wt_profile_ops[a]) fprintf(f, "%llu %d\n", (unsigned long long)wt_profile_ops[a], a);
        for (int b = 0; b < 1024; b++)
            if (wt_profile_pairs[a][b]) fprintf(f, "%llu %d %d\n", (unsigned long long)wt_profile_pairs[a][b], a, b);
    }
    fclose(f);
}
#endif

// Aligned to a page so that its handlers keep their alignment (to cache lines, to the branch
// predictor's and the micro-op cache's windows) whatever code the linker places before it: a
// shift of 16 bytes moved single programs by up to 8% between otherwise identical builds.
__attribute__((aligned(4096)))
int32_t wt_interp_run(wt_interp_regs *regs) {
    // Every operation not listed here goes back to Swift.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
    static const void *const handlers[WT_OP_COUNT] = {
        [0 ... WT_OP_COUNT - 1] = &&slow,
        [WT_OP_callIndirect] = &&op_callIndirect,
        [WT_OP_call] = &&op_call,
        [WT_OP_return] = &&op_return,
        [WT_OP_copy] = &&op_copy,
        [WT_OP_copy128] = &&op_copy128,
        [WT_OP_const32] = &&op_const32,
        [WT_OP_const64] = &&op_const64,
#define WT_GENERATED_ENTRY(name) [WT_OP_##name] = &&op_##name,
        WT_FOR_EACH_FUSED_OP(WT_GENERATED_ENTRY)
#undef WT_GENERATED_ENTRY
        [WT_OP_select] = &&op_select,
        [WT_OP_select128] = &&op_select128,
        [WT_OP_globalGet] = &&op_globalGet,
        [WT_OP_globalSet] = &&op_globalSet,
        [WT_OP_globalGet128] = &&op_globalGet128,
        [WT_OP_globalSet128] = &&op_globalSet128,
        [WT_OP_jump] = &&op_jump,
        [WT_OP_branchIf] = &&op_branchIf,
        [WT_OP_branchIfAcc] = &&op_branchIfAcc,
        [WT_OP_branchUnless] = &&op_branchUnless,
        [WT_OP_branchUnlessAcc] = &&op_branchUnlessAcc,
        [WT_OP_branchTable] = &&op_branchTable,
        [WT_OP_branchI32Eqz] = &&op_branchI32Eqz,
        [WT_OP_branchI32EqzAcc] = &&op_branchI32EqzAcc,
        [WT_OP_branchI32Nez] = &&op_branchI32Nez,
        [WT_OP_branchI32NezAcc] = &&op_branchI32NezAcc,
        [WT_OP_branchI32Eq] = &&op_branchI32Eq,
        [WT_OP_branchI32EqAcc] = &&op_branchI32EqAcc,
        [WT_OP_branchI32Ne] = &&op_branchI32Ne,
        [WT_OP_branchI32NeAcc] = &&op_branchI32NeAcc,
        [WT_OP_branchI32LtS] = &&op_branchI32LtS,
        [WT_OP_branchI32LtSAcc] = &&op_branchI32LtSAcc,
        [WT_OP_branchI32LtU] = &&op_branchI32LtU,
        [WT_OP_branchI32LtUAcc] = &&op_branchI32LtUAcc,
        [WT_OP_branchI32GtS] = &&op_branchI32GtS,
        [WT_OP_branchI32GtSAcc] = &&op_branchI32GtSAcc,
        [WT_OP_branchI32GtU] = &&op_branchI32GtU,
        [WT_OP_branchI32GtUAcc] = &&op_branchI32GtUAcc,
        [WT_OP_branchI32LeS] = &&op_branchI32LeS,
        [WT_OP_branchI32LeSAcc] = &&op_branchI32LeSAcc,
        [WT_OP_branchI32LeU] = &&op_branchI32LeU,
        [WT_OP_branchI32LeUAcc] = &&op_branchI32LeUAcc,
        [WT_OP_branchI32GeS] = &&op_branchI32GeS,
        [WT_OP_branchI32GeSAcc] = &&op_branchI32GeSAcc,
        [WT_OP_branchI32GeU] = &&op_branchI32GeU,
        [WT_OP_branchI32GeUAcc] = &&op_branchI32GeUAcc,
        [WT_OP_branchI64Eqz] = &&op_branchI64Eqz,
        [WT_OP_branchI64EqzAcc] = &&op_branchI64EqzAcc,
        [WT_OP_branchI64Nez] = &&op_branchI64Nez,
        [WT_OP_branchI64NezAcc] = &&op_branchI64NezAcc,
        [WT_OP_branchI64Eq] = &&op_branchI64Eq,
        [WT_OP_branchI64EqAcc] = &&op_branchI64EqAcc,
        [WT_OP_branchI64Ne] = &&op_branchI64Ne,
        [WT_OP_branchI64NeAcc] = &&op_branchI64NeAcc,
        [WT_OP_branchI64LtS] = &&op_branchI64LtS,
        [WT_OP_branchI64LtSAcc] = &&op_branchI64LtSAcc,
        [WT_OP_branchI64LtU] = &&op_branchI64LtU,
        [WT_OP_branchI64LtUAcc] = &&op_branchI64LtUAcc,
        [WT_OP_branchI64GtS] = &&op_branchI64GtS,
        [WT_OP_branchI64GtSAcc] = &&op_branchI64GtSAcc,
        [WT_OP_branchI64GtU] = &&op_branchI64GtU,
        [WT_OP_branchI64GtUAcc] = &&op_branchI64GtUAcc,
        [WT_OP_branchI64LeS] = &&op_branchI64LeS,
        [WT_OP_branchI64LeSAcc] = &&op_branchI64LeSAcc,
        [WT_OP_branchI64LeU] = &&op_branchI64LeU,
        [WT_OP_branchI64LeUAcc] = &&op_branchI64LeUAcc,
        [WT_OP_branchI64GeS] = &&op_branchI64GeS,
        [WT_OP_branchI64GeSAcc] = &&op_branchI64GeSAcc,
        [WT_OP_branchI64GeU] = &&op_branchI64GeU,
        [WT_OP_branchI64GeUAcc] = &&op_branchI64GeUAcc,
        [WT_OP_i32Load] = &&op_i32Load,
        [WT_OP_i32LoadToAcc] = &&op_i32LoadToAcc,
        [WT_OP_i32LoadAcc] = &&op_i32LoadAcc,
        [WT_OP_i32LoadAccToAcc] = &&op_i32LoadAccToAcc,
        [WT_OP_f32Load] = &&op_f32Load,
        [WT_OP_i64Load] = &&op_i64Load,
        [WT_OP_i64LoadToAcc] = &&op_i64LoadToAcc,
        [WT_OP_i64LoadAcc] = &&op_i64LoadAcc,
        [WT_OP_i64LoadAccToAcc] = &&op_i64LoadAccToAcc,
        [WT_OP_f64Load] = &&op_f64Load,
        [WT_OP_f64LoadToAcc] = &&op_f64LoadToAcc,
        [WT_OP_f64LoadAcc] = &&op_f64LoadAcc,
        [WT_OP_f64LoadAccToAcc] = &&op_f64LoadAccToAcc,
        [WT_OP_i32Load8S] = &&op_i32Load8S,
        [WT_OP_i32Load8SToAcc] = &&op_i32Load8SToAcc,
        [WT_OP_i32Load8SAcc] = &&op_i32Load8SAcc,
        [WT_OP_i32Load8SAccToAcc] = &&op_i32Load8SAccToAcc,
        [WT_OP_i32Load8U] = &&op_i32Load8U,
        [WT_OP_i32Load8UToAcc] = &&op_i32Load8UToAcc,
        [WT_OP_i32Load8UAcc] = &&op_i32Load8UAcc,
        [WT_OP_i32Load8UAccToAcc] = &&op_i32Load8UAccToAcc,
        [WT_OP_i32Load16S] = &&op_i32Load16S,
        [WT_OP_i32Load16SToAcc] = &&op_i32Load16SToAcc,
        [WT_OP_i32Load16SAcc] = &&op_i32Load16SAcc,
        [WT_OP_i32Load16SAccToAcc] = &&op_i32Load16SAccToAcc,
        [WT_OP_i32Load16U] = &&op_i32Load16U,
        [WT_OP_i32Load16UToAcc] = &&op_i32Load16UToAcc,
        [WT_OP_i32Load16UAcc] = &&op_i32Load16UAcc,
        [WT_OP_i32Load16UAccToAcc] = &&op_i32Load16UAccToAcc,
        [WT_OP_i64Load8S] = &&op_i64Load8S,
        [WT_OP_i64Load8U] = &&op_i64Load8U,
        [WT_OP_i64Load16S] = &&op_i64Load16S,
        [WT_OP_i64Load16U] = &&op_i64Load16U,
        [WT_OP_i64Load32S] = &&op_i64Load32S,
        [WT_OP_i64Load32U] = &&op_i64Load32U,
        [WT_OP_i32Store] = &&op_i32Store,
        [WT_OP_i32StoreAcc] = &&op_i32StoreAcc,
        [WT_OP_f32Store] = &&op_f32Store,
        [WT_OP_i64Store] = &&op_i64Store,
        [WT_OP_i64StoreAcc] = &&op_i64StoreAcc,
        [WT_OP_f64Store] = &&op_f64Store,
        [WT_OP_f64StoreAcc] = &&op_f64StoreAcc,
        [WT_OP_i32Store8] = &&op_i32Store8,
        [WT_OP_i32Store8Acc] = &&op_i32Store8Acc,
        [WT_OP_i64Store8] = &&op_i64Store8,
        [WT_OP_i32Store16] = &&op_i32Store16,
        [WT_OP_i32Store16Acc] = &&op_i32Store16Acc,
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
        [WT_OP_i32AddToAcc] = &&op_i32AddToAcc,
        [WT_OP_i32AddAcc] = &&op_i32AddAcc,
        [WT_OP_i32AddAccToAcc] = &&op_i32AddAccToAcc,
        [WT_OP_i32Sub] = &&op_i32Sub,
        [WT_OP_i32SubToAcc] = &&op_i32SubToAcc,
        [WT_OP_i32SubAcc] = &&op_i32SubAcc,
        [WT_OP_i32SubAccToAcc] = &&op_i32SubAccToAcc,
        [WT_OP_i32Mul] = &&op_i32Mul,
        [WT_OP_i32MulToAcc] = &&op_i32MulToAcc,
        [WT_OP_i32MulAcc] = &&op_i32MulAcc,
        [WT_OP_i32MulAccToAcc] = &&op_i32MulAccToAcc,
        [WT_OP_i32DivS] = &&op_i32DivS,
        [WT_OP_i32DivU] = &&op_i32DivU,
        [WT_OP_i32RemS] = &&op_i32RemS,
        [WT_OP_i32RemU] = &&op_i32RemU,
        [WT_OP_i32And] = &&op_i32And,
        [WT_OP_i32AndToAcc] = &&op_i32AndToAcc,
        [WT_OP_i32AndAcc] = &&op_i32AndAcc,
        [WT_OP_i32AndAccToAcc] = &&op_i32AndAccToAcc,
        [WT_OP_i32Or] = &&op_i32Or,
        [WT_OP_i32OrToAcc] = &&op_i32OrToAcc,
        [WT_OP_i32OrAcc] = &&op_i32OrAcc,
        [WT_OP_i32OrAccToAcc] = &&op_i32OrAccToAcc,
        [WT_OP_i32Xor] = &&op_i32Xor,
        [WT_OP_i32XorToAcc] = &&op_i32XorToAcc,
        [WT_OP_i32XorAcc] = &&op_i32XorAcc,
        [WT_OP_i32XorAccToAcc] = &&op_i32XorAccToAcc,
        [WT_OP_i32Shl] = &&op_i32Shl,
        [WT_OP_i32ShlToAcc] = &&op_i32ShlToAcc,
        [WT_OP_i32ShlAcc] = &&op_i32ShlAcc,
        [WT_OP_i32ShlAccToAcc] = &&op_i32ShlAccToAcc,
        [WT_OP_i32ShrS] = &&op_i32ShrS,
        [WT_OP_i32ShrSToAcc] = &&op_i32ShrSToAcc,
        [WT_OP_i32ShrSAcc] = &&op_i32ShrSAcc,
        [WT_OP_i32ShrSAccToAcc] = &&op_i32ShrSAccToAcc,
        [WT_OP_i32ShrU] = &&op_i32ShrU,
        [WT_OP_i32ShrUToAcc] = &&op_i32ShrUToAcc,
        [WT_OP_i32ShrUAcc] = &&op_i32ShrUAcc,
        [WT_OP_i32ShrUAccToAcc] = &&op_i32ShrUAccToAcc,
        [WT_OP_i32Rotl] = &&op_i32Rotl,
        [WT_OP_i32Rotr] = &&op_i32Rotr,
        [WT_OP_i64Clz] = &&op_i64Clz,
        [WT_OP_i64Ctz] = &&op_i64Ctz,
        [WT_OP_i64Popcnt] = &&op_i64Popcnt,
        [WT_OP_i64Add] = &&op_i64Add,
        [WT_OP_i64AddToAcc] = &&op_i64AddToAcc,
        [WT_OP_i64AddAcc] = &&op_i64AddAcc,
        [WT_OP_i64AddAccToAcc] = &&op_i64AddAccToAcc,
        [WT_OP_i64Sub] = &&op_i64Sub,
        [WT_OP_i64SubToAcc] = &&op_i64SubToAcc,
        [WT_OP_i64SubAcc] = &&op_i64SubAcc,
        [WT_OP_i64SubAccToAcc] = &&op_i64SubAccToAcc,
        [WT_OP_i64Mul] = &&op_i64Mul,
        [WT_OP_i64MulToAcc] = &&op_i64MulToAcc,
        [WT_OP_i64MulAcc] = &&op_i64MulAcc,
        [WT_OP_i64MulAccToAcc] = &&op_i64MulAccToAcc,
        [WT_OP_i64DivS] = &&op_i64DivS,
        [WT_OP_i64DivU] = &&op_i64DivU,
        [WT_OP_i64RemS] = &&op_i64RemS,
        [WT_OP_i64RemU] = &&op_i64RemU,
        [WT_OP_i64And] = &&op_i64And,
        [WT_OP_i64AndToAcc] = &&op_i64AndToAcc,
        [WT_OP_i64AndAcc] = &&op_i64AndAcc,
        [WT_OP_i64AndAccToAcc] = &&op_i64AndAccToAcc,
        [WT_OP_i64Or] = &&op_i64Or,
        [WT_OP_i64OrToAcc] = &&op_i64OrToAcc,
        [WT_OP_i64OrAcc] = &&op_i64OrAcc,
        [WT_OP_i64OrAccToAcc] = &&op_i64OrAccToAcc,
        [WT_OP_i64Xor] = &&op_i64Xor,
        [WT_OP_i64XorToAcc] = &&op_i64XorToAcc,
        [WT_OP_i64XorAcc] = &&op_i64XorAcc,
        [WT_OP_i64XorAccToAcc] = &&op_i64XorAccToAcc,
        [WT_OP_i64Shl] = &&op_i64Shl,
        [WT_OP_i64ShlToAcc] = &&op_i64ShlToAcc,
        [WT_OP_i64ShlAcc] = &&op_i64ShlAcc,
        [WT_OP_i64ShlAccToAcc] = &&op_i64ShlAccToAcc,
        [WT_OP_i64ShrS] = &&op_i64ShrS,
        [WT_OP_i64ShrSToAcc] = &&op_i64ShrSToAcc,
        [WT_OP_i64ShrSAcc] = &&op_i64ShrSAcc,
        [WT_OP_i64ShrSAccToAcc] = &&op_i64ShrSAccToAcc,
        [WT_OP_i64ShrU] = &&op_i64ShrU,
        [WT_OP_i64ShrUToAcc] = &&op_i64ShrUToAcc,
        [WT_OP_i64ShrUAcc] = &&op_i64ShrUAcc,
        [WT_OP_i64ShrUAccToAcc] = &&op_i64ShrUAccToAcc,
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
        [WT_OP_f64SqrtToAcc] = &&op_f64SqrtToAcc,
        [WT_OP_f64SqrtAcc] = &&op_f64SqrtAcc,
        [WT_OP_f64SqrtAccToAcc] = &&op_f64SqrtAccToAcc,
        [WT_OP_f64Add] = &&op_f64Add,
        [WT_OP_f64AddToAcc] = &&op_f64AddToAcc,
        [WT_OP_f64AddAcc] = &&op_f64AddAcc,
        [WT_OP_f64AddAccToAcc] = &&op_f64AddAccToAcc,
        [WT_OP_f64Sub] = &&op_f64Sub,
        [WT_OP_f64SubToAcc] = &&op_f64SubToAcc,
        [WT_OP_f64SubAcc] = &&op_f64SubAcc,
        [WT_OP_f64SubAccToAcc] = &&op_f64SubAccToAcc,
        [WT_OP_f64Mul] = &&op_f64Mul,
        [WT_OP_f64MulToAcc] = &&op_f64MulToAcc,
        [WT_OP_f64MulAcc] = &&op_f64MulAcc,
        [WT_OP_f64MulAccToAcc] = &&op_f64MulAccToAcc,
        [WT_OP_f64Div] = &&op_f64Div,
        [WT_OP_f64DivToAcc] = &&op_f64DivToAcc,
        [WT_OP_f64DivAcc] = &&op_f64DivAcc,
        [WT_OP_f64DivAccToAcc] = &&op_f64DivAccToAcc,
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

    // Asked which operations this loop runs: one byte per operation into `sp`.
    if (__builtin_expect(regs->ip == NULL, 0)) {
        uint8_t *out = (uint8_t *)regs->sp;
        for (int k = 0; k < WT_OP_COUNT; k++) out[k] = handlers[k] != &&slow;
        return WT_EXIT_SLOW;
    }
    const uint32_t *ip = regs->ip;
#ifdef WT_PROFILE_DISPATCH
    wt_profile_last = 1024;
#endif
    uint64_t *sp = regs->sp;
    const wt_function *function = regs->function;
    const uint32_t *code = function->code;
    wt_frame *frames_top = regs->frames_top;
    uint8_t *const mem = regs->memory_base;
    const uint64_t mem_size = regs->memory_size;
    uint64_t *const *const globals = regs->globals;
    // The accumulators: a result passed to the next instruction without a slot (the
    // translator pairs `...ToAcc` with `...Acc` forms; never live across a label or an exit).
    uint64_t acc = 0;
    double facc = 0;
    int32_t exit_code;

    // Operands of operation `name` at the instruction `ip` points at (positions and lengths
    // from the generated layout table), and its destination slot from the header word.
#define A (ip[0] >> 10)
#define XB(name) (sp[ip[WT_B_##name]])
#define XC(name) (sp[ip[WT_C_##name]])
#define IMM(name) (ip[WT_IMM_##name])
// The constant operand of an immediate form (the c word, sign-extended from 32 bits).
#define KC(name) ((uint64_t)(int64_t)(int32_t)ip[WT_C_##name])
#ifdef WT_PROFILE_DISPATCH
#define NEXT() do { wt_profile_note(ip[0] & 0x3FF); goto *handlers[ip[0] & 0x3FF]; } while (0)
#else
#define NEXT() goto *handlers[ip[0] & 0x3FF]
#endif
#define ADVANCE(name) do { ip += WT_LEN_##name; NEXT(); } while (0)
#define SET(name, v) do { sp[A] = (uint64_t)(v); ADVANCE(name); } while (0)
// A trap leaves `ip` at the instruction, for the backtrace.
#define TRAP(code_) do { exit_code = (code_); goto out; } while (0)
#define U32(v) ((uint32_t)(v))
#define S32(v) ((int32_t)(uint32_t)(v))
#define S64(v) ((int64_t)(v))
#define UNARY(name, expr) op_##name: { uint64_t x = XB(name); SET(name, expr); }
#define BINARY(name, expr) op_##name: { uint64_t x = XB(name), y = XC(name); SET(name, expr); }
#define BRANCH1(name, cond) op_##name: { uint64_t x = XB(name); if (cond) { ip = code + IMM(name); NEXT(); } ADVANCE(name); }
#define BRANCH2(name, cond) op_##name: { uint64_t x = XB(name), y = XC(name); if (cond) { ip = code + IMM(name); NEXT(); } ADVANCE(name); }
// Memory 0, explicit bounds checks: effective address (u32 operand + offset) plus size within
// the memory's current byte size.
#define EA(name, size, var) \
    uint64_t var = (uint64_t)U32(XB(name)) + IMM(name); \
    if (__builtin_expect(var + (size) > mem_size, 0)) TRAP(WT_EXIT_OUT_OF_BOUNDS);
#define LOAD(name, type, result) op_##name: { EA(name, sizeof(type), ea); type v; memcpy(&v, mem + ea, sizeof(type)); SET(name, result); }
#define STORE(name, type) op_##name: { EA(name, sizeof(type), ea); type v = (type)XC(name); memcpy(mem + ea, &v, sizeof(type)); ADVANCE(name); }
// Trapping float-to-integer truncation: valid exactly when the operand lies strictly between
// the bounds (f32 operands widen to double, exactly).
#define TRUNC(name, operand, lower, upper, cast) op_##name: { \
        double v = (operand); \
        if (v != v) TRAP(WT_EXIT_INVALID_CONVERSION); \
        if (!(v > (lower) && v < (upper))) TRAP(WT_EXIT_INTEGER_OVERFLOW); \
        SET(name, cast v); \
    }

// Accumulator forms (see INTERPRETER_ACC_FAMILIES in Tools/opgen.py): `Acc` reads the operand
// from the accumulator, `ToAcc` writes the result there, `AccToAcc` both.
#define BINARY_ACC(name, expr) \
    BINARY(name, expr) \
    op_##name##ToAcc: { uint64_t x = XB(name), y = XC(name); acc = (uint64_t)(expr); ADVANCE(name##ToAcc); } \
    op_##name##Acc: { uint64_t x = acc, y = XC(name); SET(name##Acc, expr); } \
    op_##name##AccToAcc: { uint64_t x = acc, y = XC(name); acc = (uint64_t)(expr); ADVANCE(name##AccToAcc); }
// Integer families with accumulator forms also have immediate forms (`<name>Imm`, the right
// operand a constant in the instruction), with the same four accumulator variants.
#define BINARY_ACC_IMM(name, expr) \
    BINARY_ACC(name, expr) \
    op_##name##Imm: { uint64_t x = XB(name), y = KC(name); SET(name##Imm, expr); } \
    op_##name##ImmToAcc: { uint64_t x = XB(name), y = KC(name); acc = (uint64_t)(expr); ADVANCE(name##ImmToAcc); } \
    op_##name##ImmAcc: { uint64_t x = acc, y = KC(name); SET(name##ImmAcc, expr); } \
    op_##name##ImmAccToAcc: { uint64_t x = acc, y = KC(name); acc = (uint64_t)(expr); ADVANCE(name##ImmAccToAcc); }
#define BINARY_IMM(name, expr) \
    BINARY(name, expr) \
    op_##name##Imm: { uint64_t x = XB(name), y = KC(name); SET(name##Imm, expr); }
#define F64_BINARY_ACC(name, OP) \
    BINARY(name, b64(f64(x) OP f64(y))) \
    op_##name##ToAcc: { facc = f64(XB(name)) OP f64(XC(name)); ADVANCE(name##ToAcc); } \
    op_##name##Acc: { SET(name##Acc, b64(facc OP f64(XC(name)))); } \
    op_##name##AccToAcc: { facc = facc OP f64(XC(name)); ADVANCE(name##AccToAcc); }
#define ACC_EA(name, size, var) \
    uint64_t var = (uint64_t)U32(acc) + IMM(name); \
    if (__builtin_expect(var + (size) > mem_size, 0)) TRAP(WT_EXIT_OUT_OF_BOUNDS);
#define LOAD_ACC(name, type, result) \
    LOAD(name, type, result) \
    op_##name##ToAcc: { EA(name, sizeof(type), ea); type v; memcpy(&v, mem + ea, sizeof(type)); acc = (uint64_t)(result); ADVANCE(name##ToAcc); } \
    op_##name##Acc: { ACC_EA(name, sizeof(type), ea); type v; memcpy(&v, mem + ea, sizeof(type)); SET(name##Acc, result); } \
    op_##name##AccToAcc: { ACC_EA(name, sizeof(type), ea); type v; memcpy(&v, mem + ea, sizeof(type)); acc = (uint64_t)(result); ADVANCE(name##AccToAcc); }
// Address-add loads (INTERPRETER_ADD_LOADS in Tools/opgen.py): the address is the 32-bit sum of
// slot b and slot c (`Add`) or the constant c (`AddImm`), plus the offset.
#define ADD_EA(name, size, var, rhs) \
    uint64_t var = (uint64_t)U32(XB(name) + (rhs)) + IMM(name); \
    if (__builtin_expect(var + (size) > mem_size, 0)) TRAP(WT_EXIT_OUT_OF_BOUNDS);
#define LOAD_ADD_FORM(name, type, result, rhs, store) \
    op_##name: { ADD_EA(name, sizeof(type), ea, rhs); type v; memcpy(&v, mem + ea, sizeof(type)); SET(name, result); } \
    op_##name##ToAcc: { ADD_EA(name, sizeof(type), ea, rhs); type v; memcpy(&v, mem + ea, sizeof(type)); store; ADVANCE(name##ToAcc); }
#define LOAD_ADD(name, type, result) \
    LOAD_ADD_FORM(name##Add, type, result, XC(name##Add), acc = (uint64_t)(result)) \
    LOAD_ADD_FORM(name##AddImm, type, result, KC(name##AddImm), acc = (uint64_t)(result))
#define LOAD_ADD_SHL(name, type, result) \
    LOAD_ADD_FORM(name##AddShl, type, result, U32(XC(name##AddShl)) << (ip[WT_K_##name##AddShl] & 31), acc = (uint64_t)(result))
// f64 arithmetic whose right operand is the f64 at U32(slots[c]) + imm.
#define F64_LOAD_OPERAND(name, var) \
    uint64_t var##_ea = (uint64_t)U32(XC(name)) + IMM(name); \
    if (__builtin_expect(var##_ea + 8 > mem_size, 0)) TRAP(WT_EXIT_OUT_OF_BOUNDS); \
    uint64_t var##_bits; memcpy(&var##_bits, mem + var##_ea, 8); \
    double var = f64(var##_bits);
#define F64_LOAD_OP(name, OP) \
    op_##name##Load: { F64_LOAD_OPERAND(name##Load, y); SET(name##Load, b64(f64(XB(name##Load)) OP y)); } \
    op_##name##LoadToAcc: { F64_LOAD_OPERAND(name##Load, y); facc = f64(XB(name##Load)) OP y; ADVANCE(name##LoadToAcc); } \
    op_##name##LoadAcc: { F64_LOAD_OPERAND(name##Load, y); SET(name##LoadAcc, b64(facc OP y)); } \
    op_##name##LoadAccToAcc: { F64_LOAD_OPERAND(name##Load, y); facc = facc OP y; ADVANCE(name##LoadAccToAcc); }
#define STORE_ACC(name, type) \
    STORE(name, type) \
    op_##name##Acc: { EA(name, sizeof(type), ea); type v = (type)acc; memcpy(mem + ea, &v, sizeof(type)); ADVANCE(name##Acc); }
#define BRANCH1_ACC(name, cond) \
    BRANCH1(name, cond) \
    op_##name##Acc: { uint64_t x = acc; if (cond) { ip = code + IMM(name); NEXT(); } ADVANCE(name##Acc); }
// Increment-and-branch (INTERPRETER_INCREMENT_BRANCHES in Tools/opgen.py): slots[a] = slots[b] + k,
// then the comparison of the new value with slot c (`AddImm`) or the constant c (`ImmAddImm`).
#define INCREMENT_BRANCH(name, cond) \
    op_##name##AddImm: { \
        uint64_t x = (uint32_t)(U32(XB(name##AddImm)) + ip[WT_K_##name##AddImm]), y = XC(name##AddImm); \
        sp[A] = x; \
        if (cond) { ip = code + IMM(name##AddImm); NEXT(); } \
        ADVANCE(name##AddImm); \
    } \
    op_##name##ImmAddImm: { \
        uint64_t x = (uint32_t)(U32(XB(name##ImmAddImm)) + ip[WT_K_##name##ImmAddImm]), y = KC(name##ImmAddImm); \
        sp[A] = x; \
        if (cond) { ip = code + IMM(name##ImmAddImm); NEXT(); } \
        ADVANCE(name##ImmAddImm); \
    }
#define BRANCH2_ACC(name, cond) \
    BRANCH2(name, cond) \
    op_##name##Acc: { uint64_t x = acc, y = XC(name); if (cond) { ip = code + IMM(name); NEXT(); } ADVANCE(name##Acc); } \
    op_##name##Imm: { uint64_t x = XB(name), y = KC(name); if (cond) { ip = code + IMM(name); NEXT(); } ADVANCE(name##Imm); } \
    op_##name##ImmAcc: { uint64_t x = acc, y = KC(name); if (cond) { ip = code + IMM(name); NEXT(); } ADVANCE(name##ImmAcc); }

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
    const uint32_t *return_ip;
op_callIndirect: {
    // A null element, a type mismatch, an index past the view (out of bounds, or a stale view)
    // and the cases `call` leaves to Swift go to Swift, which traps or calls.
    const wt_table_view *view = regs->tables[ip[WT_C_callIndirect]];
    uint32_t index = U32(XB(callIndirect));
    if ((int64_t)index >= view->count) goto slow;
    slot = view->slots[index];
    if (slot == NULL || (uint64_t)slot->type_id != regs->type_ids[IMM(callIndirect)]) goto slow;
    return_ip = ip + WT_LEN_callIndirect;
    goto call;
}
op_call:
    slot = &regs->function_slots[IMM(call)];
    return_ip = ip + WT_LEN_call;
call: {
    if (slot->is_host || slot->instance != regs->instance) goto slow;
    const wt_function *callee = (const wt_function *)*slot->code;
    if (callee == NULL || callee->native) goto slow;
    uint64_t *base = sp + A;
    if (frames_top == regs->frames_limit || base + callee->frame_size > regs->stack_end) goto slow;
    frames_top->function = function;
    frames_top->instance = regs->instance;
    frames_top->return_ip = return_ip;
    frames_top->base = sp;
    frames_top++;
    for (uint32_t k = callee->parameter_slots; k < callee->zero_end; k++) base[k] = 0;
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
UNARY(copy, x)
op_copy128: {
    // Both words are read before either is written: source and destination may overlap.
    uint32_t from = ip[WT_B_copy128];
    uint64_t lo = sp[from], hi = sp[from + 1];
    sp[A] = lo; sp[A + 1] = hi;
    ADVANCE(copy128);
}
op_const32: SET(const32, ip[WT_IMM_const32]);
op_const64: SET(const64, (uint64_t)ip[WT_IMM_const64] | (uint64_t)ip[WT_IMM_const64 + 1] << 32);
op_select: SET(select, U32(sp[IMM(select)]) ? XB(select) : XC(select));
op_select128: {
    uint32_t from = U32(sp[IMM(select128)]) ? ip[WT_B_select128] : ip[WT_C_select128];
    uint64_t lo = sp[from], hi = sp[from + 1];
    sp[A] = lo; sp[A + 1] = hi;
    ADVANCE(select128);
}
op_globalGet: SET(globalGet, *globals[IMM(globalGet)]);
op_globalSet: *globals[IMM(globalSet)] = XB(globalSet); ADVANCE(globalSet);
op_globalGet128: {
    const uint64_t *cell = globals[IMM(globalGet128)];
    sp[A] = cell[0]; sp[A + 1] = cell[1];
    ADVANCE(globalGet128);
}
op_globalSet128: {
    uint64_t *cell = globals[IMM(globalSet128)];
    uint32_t from = ip[WT_B_globalSet128];
    cell[0] = sp[from]; cell[1] = sp[from + 1];
    ADVANCE(globalSet128);
}

    // Branches
op_jump: ip = code + IMM(jump); NEXT();
BRANCH1_ACC(branchIf, U32(x) != 0)
BRANCH1_ACC(branchUnless, U32(x) == 0)
op_branchTable: {
    uint32_t index = U32(XB(branchTable)), last = ip[WT_C_branchTable];
    if (index > last) index = last;
    ip = code + function->branch_targets[IMM(branchTable) + index];
    NEXT();
}
BRANCH1_ACC(branchI32Eqz, U32(x) == 0)
BRANCH1_ACC(branchI32Nez, U32(x) != 0)
BRANCH2_ACC(branchI32Eq, U32(x) == U32(y))
INCREMENT_BRANCH(branchI32Eq, U32(x) == U32(y))
BRANCH2_ACC(branchI32Ne, U32(x) != U32(y))
INCREMENT_BRANCH(branchI32Ne, U32(x) != U32(y))
BRANCH2_ACC(branchI32LtS, S32(x) < S32(y))
INCREMENT_BRANCH(branchI32LtS, S32(x) < S32(y))
BRANCH2_ACC(branchI32LtU, U32(x) < U32(y))
INCREMENT_BRANCH(branchI32LtU, U32(x) < U32(y))
BRANCH2_ACC(branchI32GtS, S32(x) > S32(y))
INCREMENT_BRANCH(branchI32GtS, S32(x) > S32(y))
BRANCH2_ACC(branchI32GtU, U32(x) > U32(y))
INCREMENT_BRANCH(branchI32GtU, U32(x) > U32(y))
BRANCH2_ACC(branchI32LeS, S32(x) <= S32(y))
INCREMENT_BRANCH(branchI32LeS, S32(x) <= S32(y))
BRANCH2_ACC(branchI32LeU, U32(x) <= U32(y))
INCREMENT_BRANCH(branchI32LeU, U32(x) <= U32(y))
BRANCH2_ACC(branchI32GeS, S32(x) >= S32(y))
INCREMENT_BRANCH(branchI32GeS, S32(x) >= S32(y))
BRANCH2_ACC(branchI32GeU, U32(x) >= U32(y))
INCREMENT_BRANCH(branchI32GeU, U32(x) >= U32(y))
BRANCH1_ACC(branchI64Eqz, x == 0)
BRANCH1_ACC(branchI64Nez, x != 0)
BRANCH2_ACC(branchI64Eq, x == y)
BRANCH2_ACC(branchI64Ne, x != y)
BRANCH2_ACC(branchI64LtS, S64(x) < S64(y))
BRANCH2_ACC(branchI64LtU, x < y)
BRANCH2_ACC(branchI64GtS, S64(x) > S64(y))
BRANCH2_ACC(branchI64GtU, x > y)
BRANCH2_ACC(branchI64LeS, S64(x) <= S64(y))
BRANCH2_ACC(branchI64LeU, x <= y)
BRANCH2_ACC(branchI64GeS, S64(x) >= S64(y))
BRANCH2_ACC(branchI64GeU, x >= y)

    // Loads and stores
LOAD_ACC(i32Load, uint32_t, v)
LOAD(f32Load, uint32_t, v)
LOAD_ACC(i64Load, uint64_t, v)
LOAD(f64Load, uint64_t, v)
op_f64LoadToAcc: { EA(f64LoadToAcc, 8, ea); uint64_t v; memcpy(&v, mem + ea, 8); facc = f64(v); ADVANCE(f64LoadToAcc); }
op_f64LoadAcc: { ACC_EA(f64LoadAcc, 8, ea); uint64_t v; memcpy(&v, mem + ea, 8); SET(f64LoadAcc, v); }
op_f64LoadAccToAcc: { ACC_EA(f64LoadAccToAcc, 8, ea); uint64_t v; memcpy(&v, mem + ea, 8); facc = f64(v); ADVANCE(f64LoadAccToAcc); }
LOAD_ADD(i32Load, uint32_t, v)
LOAD_ADD(i64Load, uint64_t, v)
LOAD_ADD(i32Load8S, int8_t, (uint32_t)(int32_t)v)
LOAD_ADD(i32Load8U, uint8_t, v)
LOAD_ADD(i32Load16S, int16_t, (uint32_t)(int32_t)v)
LOAD_ADD(i32Load16U, uint16_t, v)
LOAD_ADD_FORM(f64LoadAdd, uint64_t, v, XC(f64LoadAdd), facc = f64(v))
LOAD_ADD_FORM(f64LoadAddImm, uint64_t, v, KC(f64LoadAddImm), facc = f64(v))
LOAD_ADD_SHL(i32Load, uint32_t, v)
LOAD_ADD_SHL(i64Load, uint64_t, v)
LOAD_ADD_SHL(i32Load8S, int8_t, (uint32_t)(int32_t)v)
LOAD_ADD_SHL(i32Load8U, uint8_t, v)
LOAD_ADD_SHL(i32Load16S, int16_t, (uint32_t)(int32_t)v)
LOAD_ADD_SHL(i32Load16U, uint16_t, v)
LOAD_ADD_FORM(f64LoadAddShl, uint64_t, v, U32(XC(f64LoadAddShl)) << (ip[WT_K_f64LoadAddShl] & 31), facc = f64(v))
LOAD_ACC(i32Load8S, int8_t, (uint32_t)(int32_t)v)
LOAD_ACC(i32Load8U, uint8_t, v)
LOAD_ACC(i32Load16S, int16_t, (uint32_t)(int32_t)v)
LOAD_ACC(i32Load16U, uint16_t, v)
LOAD(i64Load8S, int8_t, (int64_t)v)
LOAD(i64Load8U, uint8_t, v)
LOAD(i64Load16S, int16_t, (int64_t)v)
LOAD(i64Load16U, uint16_t, v)
LOAD(i64Load32S, int32_t, (int64_t)v)
LOAD(i64Load32U, uint32_t, v)
STORE_ACC(i32Store, uint32_t)
STORE(f32Store, uint32_t)
STORE_ACC(i64Store, uint64_t)
STORE(f64Store, uint64_t)
op_f64StoreAcc: { EA(f64StoreAcc, 8, ea); uint64_t v = b64(facc); memcpy(mem + ea, &v, 8); ADVANCE(f64StoreAcc); }
STORE_ACC(i32Store8, uint8_t)
STORE(i64Store8, uint8_t)
STORE_ACC(i32Store16, uint16_t)
STORE(i64Store16, uint16_t)
STORE(i64Store32, uint32_t)

    // i32 comparisons
UNARY(i32Eqz, U32(x) == 0)
BINARY_IMM(i32Eq, U32(x) == U32(y))
BINARY_IMM(i32Ne, U32(x) != U32(y))
BINARY_IMM(i32LtS, S32(x) < S32(y))
BINARY_IMM(i32LtU, U32(x) < U32(y))
BINARY_IMM(i32GtS, S32(x) > S32(y))
BINARY_IMM(i32GtU, U32(x) > U32(y))
BINARY_IMM(i32LeS, S32(x) <= S32(y))
BINARY_IMM(i32LeU, U32(x) <= U32(y))
BINARY_IMM(i32GeS, S32(x) >= S32(y))
BINARY_IMM(i32GeU, U32(x) >= U32(y))
    // i64 comparisons
UNARY(i64Eqz, x == 0)
BINARY_IMM(i64Eq, x == y)
BINARY_IMM(i64Ne, x != y)
BINARY_IMM(i64LtS, S64(x) < S64(y))
BINARY_IMM(i64LtU, x < y)
BINARY_IMM(i64GtS, S64(x) > S64(y))
BINARY_IMM(i64GtU, x > y)
BINARY_IMM(i64LeS, S64(x) <= S64(y))
BINARY_IMM(i64LeU, x <= y)
BINARY_IMM(i64GeS, S64(x) >= S64(y))
BINARY_IMM(i64GeU, x >= y)
    // float comparisons
BINARY(f32Eq, f32(x) == f32(y))
BINARY(f32Ne, f32(x) != f32(y))
BINARY(f32Lt, f32(x) < f32(y))
BINARY(f32Gt, f32(x) > f32(y))
BINARY(f32Le, f32(x) <= f32(y))
BINARY(f32Ge, f32(x) >= f32(y))
BINARY(f64Eq, f64(x) == f64(y))
BINARY(f64Ne, f64(x) != f64(y))
BINARY(f64Lt, f64(x) < f64(y))
BINARY(f64Gt, f64(x) > f64(y))
BINARY(f64Le, f64(x) <= f64(y))
BINARY(f64Ge, f64(x) >= f64(y))

    // i32 arithmetic
UNARY(i32Clz, U32(x) ? (uint32_t)__builtin_clz(U32(x)) : 32u)
UNARY(i32Ctz, U32(x) ? (uint32_t)__builtin_ctz(U32(x)) : 32u)
UNARY(i32Popcnt, (uint32_t)__builtin_popcount(U32(x)))
BINARY_ACC_IMM(i32Add, U32(x) + U32(y))
op_i32AddShl: { uint64_t x = XB(i32AddShl), y = XC(i32AddShl); SET(i32AddShl, (uint32_t)(U32(x) + (U32(y) << (ip[WT_K_i32AddShl] & 31)))); }
op_i32AddShlToAcc: { uint64_t x = XB(i32AddShl), y = XC(i32AddShl); acc = (uint32_t)(U32(x) + (U32(y) << (ip[WT_K_i32AddShl] & 31))); ADVANCE(i32AddShlToAcc); }
BINARY_ACC_IMM(i32Sub, U32(x) - U32(y))
BINARY_ACC_IMM(i32Mul, U32(x) * U32(y))
op_i32DivS: {
    int32_t l = S32(XB(i32DivS)), r = S32(XC(i32DivS));
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    if (l == INT32_MIN && r == -1) TRAP(WT_EXIT_INTEGER_OVERFLOW);
    SET(i32DivS, (uint32_t)(l / r));
}
op_i32DivU: {
    uint32_t r = U32(XC(i32DivU));
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(i32DivU, U32(XB(i32DivU)) / r);
}
op_i32RemS: {
    int32_t l = S32(XB(i32RemS)), r = S32(XC(i32RemS));
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(i32RemS, r == -1 ? 0u : (uint32_t)(l % r));
}
op_i32RemU: {
    uint32_t r = U32(XC(i32RemU));
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(i32RemU, U32(XB(i32RemU)) % r);
}
BINARY_ACC_IMM(i32And, U32(x) & U32(y))
BINARY_ACC_IMM(i32Or, U32(x) | U32(y))
BINARY_ACC_IMM(i32Xor, U32(x) ^ U32(y))
BINARY_ACC_IMM(i32Shl, U32(x) << (U32(y) & 31))
BINARY_ACC_IMM(i32ShrS, (uint32_t)(S32(x) >> (U32(y) & 31)))
BINARY_ACC_IMM(i32ShrU, U32(x) >> (U32(y) & 31))
BINARY(i32Rotl, (U32(x) << (U32(y) & 31)) | (U32(x) >> ((32 - (U32(y) & 31)) & 31)))
BINARY(i32Rotr, (U32(x) >> (U32(y) & 31)) | (U32(x) << ((32 - (U32(y) & 31)) & 31)))

    // i64 arithmetic
UNARY(i64Clz, x ? (uint64_t)__builtin_clzll(x) : 64u)
UNARY(i64Ctz, x ? (uint64_t)__builtin_ctzll(x) : 64u)
UNARY(i64Popcnt, (uint64_t)__builtin_popcountll(x))
BINARY_ACC_IMM(i64Add, x + y)
BINARY_ACC_IMM(i64Sub, x - y)
BINARY_ACC_IMM(i64Mul, x * y)
op_i64DivS: {
    int64_t l = S64(XB(i64DivS)), r = S64(XC(i64DivS));
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    if (l == INT64_MIN && r == -1) TRAP(WT_EXIT_INTEGER_OVERFLOW);
    SET(i64DivS, (uint64_t)(l / r));
}
op_i64DivU: {
    uint64_t r = XC(i64DivU);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(i64DivU, XB(i64DivU) / r);
}
op_i64RemS: {
    int64_t l = S64(XB(i64RemS)), r = S64(XC(i64RemS));
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(i64RemS, r == -1 ? 0u : (uint64_t)(l % r));
}
op_i64RemU: {
    uint64_t r = XC(i64RemU);
    if (r == 0) TRAP(WT_EXIT_DIVIDE_BY_ZERO);
    SET(i64RemU, XB(i64RemU) % r);
}
BINARY_ACC_IMM(i64And, x & y)
BINARY_ACC_IMM(i64Or, x | y)
BINARY_ACC_IMM(i64Xor, x ^ y)
BINARY_ACC_IMM(i64Shl, x << (y & 63))
BINARY_ACC_IMM(i64ShrS, (uint64_t)(S64(x) >> (y & 63)))
BINARY_ACC_IMM(i64ShrU, x >> (y & 63))
BINARY(i64Rotl, (x << (y & 63)) | (x >> ((64 - (y & 63)) & 63)))
BINARY(i64Rotr, (x >> (y & 63)) | (x << ((64 - (y & 63)) & 63)))

    // f32 arithmetic (abs, neg and copysign are bit operations: NaN payloads are kept)
UNARY(f32Abs, U32(x) & 0x7fffffffu)
UNARY(f32Neg, U32(x) ^ 0x80000000u)
UNARY(f32Ceil, b32(ceilf(f32(x))))
UNARY(f32Floor, b32(floorf(f32(x))))
UNARY(f32Trunc, b32(truncf(f32(x))))
UNARY(f32Nearest, b32(nearbyintf(f32(x))))
UNARY(f32Sqrt, b32(sqrtf(f32(x))))
BINARY(f32Add, b32(f32(x) + f32(y)))
BINARY(f32Sub, b32(f32(x) - f32(y)))
BINARY(f32Mul, b32(f32(x) * f32(y)))
BINARY(f32Div, b32(f32(x) / f32(y)))
BINARY(f32Min, b32(fminf_wasm(f32(x), f32(y))))
BINARY(f32Max, b32(fmaxf_wasm(f32(x), f32(y))))
BINARY(f32Copysign, (U32(x) & 0x7fffffffu) | (U32(y) & 0x80000000u))
    // f64 arithmetic
UNARY(f64Abs, x & 0x7fffffffffffffffull)
UNARY(f64Neg, x ^ 0x8000000000000000ull)
UNARY(f64Ceil, b64(ceil(f64(x))))
UNARY(f64Floor, b64(floor(f64(x))))
UNARY(f64Trunc, b64(trunc(f64(x))))
UNARY(f64Nearest, b64(nearbyint(f64(x))))
UNARY(f64Sqrt, b64(sqrt(f64(x))))
op_f64SqrtToAcc: facc = sqrt(f64(XB(f64SqrtToAcc))); ADVANCE(f64SqrtToAcc);
op_f64SqrtAcc: SET(f64SqrtAcc, b64(sqrt(facc)));
op_f64SqrtAccToAcc: facc = sqrt(facc); ADVANCE(f64SqrtAccToAcc);
F64_BINARY_ACC(f64Add, +)
F64_BINARY_ACC(f64Sub, -)
F64_BINARY_ACC(f64Mul, *)
F64_BINARY_ACC(f64Div, /)
F64_LOAD_OP(f64Add, +)
F64_LOAD_OP(f64Sub, -)
F64_LOAD_OP(f64Mul, *)
F64_LOAD_OP(f64Div, /)
BINARY(f64Min, b64(fmin_wasm(f64(x), f64(y))))
BINARY(f64Max, b64(fmax_wasm(f64(x), f64(y))))
BINARY(f64Copysign, (x & 0x7fffffffffffffffull) | (y & 0x8000000000000000ull))

    // Conversions
UNARY(i32WrapI64, U32(x))
TRUNC(i32TruncF32S, f32(XB(i32TruncF32S)), -2147483649.0, 2147483648.0, (uint32_t)(int32_t))
TRUNC(i32TruncF32U, f32(XB(i32TruncF32U)), -1.0, 4294967296.0, (uint32_t))
TRUNC(i32TruncF64S, f64(XB(i32TruncF64S)), -2147483649.0, 2147483648.0, (uint32_t)(int32_t))
TRUNC(i32TruncF64U, f64(XB(i32TruncF64U)), -1.0, 4294967296.0, (uint32_t))
TRUNC(i64TruncF32S, f32(XB(i64TruncF32S)), -9223372036854777856.0, 9223372036854775808.0, (uint64_t)(int64_t))
TRUNC(i64TruncF32U, f32(XB(i64TruncF32U)), -1.0, 18446744073709551616.0, (uint64_t))
TRUNC(i64TruncF64S, f64(XB(i64TruncF64S)), -9223372036854777856.0, 9223372036854775808.0, (uint64_t)(int64_t))
TRUNC(i64TruncF64U, f64(XB(i64TruncF64U)), -1.0, 18446744073709551616.0, (uint64_t))
UNARY(i64ExtendI32S, (int64_t)S32(x))
UNARY(i64ExtendI32U, U32(x))
UNARY(f32ConvertI32S, b32((float)S32(x)))
UNARY(f32ConvertI32U, b32((float)U32(x)))
UNARY(f32ConvertI64S, b32((float)S64(x)))
UNARY(f32ConvertI64U, b32((float)x))
UNARY(f32DemoteF64, b32((float)f64(x)))
UNARY(f64ConvertI32S, b64((double)S32(x)))
UNARY(f64ConvertI32U, b64((double)U32(x)))
UNARY(f64ConvertI64S, b64((double)S64(x)))
UNARY(f64ConvertI64U, b64((double)x))
UNARY(f64PromoteF32, b64((double)f32(x)))
UNARY(i32ReinterpretF32, U32(x))
UNARY(f32ReinterpretI32, U32(x))
UNARY(i64ReinterpretF64, x)
UNARY(f64ReinterpretI64, x)
UNARY(i32Extend8S, (uint32_t)(int32_t)(int8_t)x)
UNARY(i32Extend16S, (uint32_t)(int32_t)(int16_t)x)
UNARY(i64Extend8S, (int64_t)(int8_t)x)
UNARY(i64Extend16S, (int64_t)(int16_t)x)
UNARY(i64Extend32S, (int64_t)(int32_t)x)
UNARY(i32TruncSatF32S, sat_s32(f32(x)))
UNARY(i32TruncSatF32U, sat_u32(f32(x)))
UNARY(i32TruncSatF64S, sat_s32(f64(x)))
UNARY(i32TruncSatF64U, sat_u32(f64(x)))
UNARY(i64TruncSatF32S, sat_s64(f32(x)))
UNARY(i64TruncSatF32U, sat_u64(f32(x)))
UNARY(i64TruncSatF64S, sat_s64(f64(x)))
UNARY(i64TruncSatF64U, sat_u64(f64(x)))
}
