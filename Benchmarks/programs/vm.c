/* vm.c - a small stack-based bytecode interpreter. A hand-assembled program
 * (nested loops, a call/return subroutine, locals, memory array, conditional
 * branches) computes Collatz chain lengths and a prime count; the dispatch
 * loop is a plain switch.
 * Usage: vm [N]   (upper bound of the Collatz loop, default 200000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_OVER,
    OP_ADD, OP_SUB, OP_MUL, OP_DIVU, OP_REMU, OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHRU,
    OP_EQ, OP_LT, OP_GT, OP_NOT,
    OP_JMP, OP_JZ, OP_JNZ,
    OP_LOAD, OP_STORE,      /* locals: operand is the slot */
    OP_MLOAD, OP_MSTORE,    /* memory: address on the stack */
    OP_CALL, OP_RET, OP_INC
};

typedef struct { uint8_t op; int32_t arg; } Insn;

#define MAXCODE 512
static Insn code[MAXCODE];
static int ncode;
static int emit(uint8_t op, int32_t arg) { code[ncode].op = op; code[ncode].arg = arg; return ncode++; }
static void patch(int at, int32_t target) { code[at].arg = target; }

typedef struct { int ret; int64_t locals[8]; } Frame;

static int64_t run(int64_t *mem, uint32_t memsize, int64_t arg0) {
    int64_t stack[256];
    Frame frames[64];
    int sp = 0, fp = 0, pc = 0;
    frames[0].ret = -1;
    memset(frames[0].locals, 0, sizeof frames[0].locals);
    frames[0].locals[0] = arg0;
    for (;;) {
        Insn in = code[pc++];
        switch (in.op) {
        case OP_HALT: return sp > 0 ? stack[sp - 1] : 0;
        case OP_PUSH: stack[sp++] = in.arg; break;
        case OP_POP: sp--; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case OP_OVER: stack[sp] = stack[sp - 2]; sp++; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] * (uint64_t)stack[sp]); break;
        case OP_DIVU: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] / (uint64_t)stack[sp]); break;
        case OP_REMU: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] % (uint64_t)stack[sp]); break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_OR: sp--; stack[sp - 1] |= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_SHL: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] << (stack[sp] & 63)); break;
        case OP_SHRU: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> (stack[sp] & 63)); break;
        case OP_EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_GT: sp--; stack[sp - 1] = stack[sp - 1] > stack[sp]; break;
        case OP_NOT: stack[sp - 1] = !stack[sp - 1]; break;
        case OP_JMP: pc = in.arg; break;
        case OP_JZ: if (stack[--sp] == 0) pc = in.arg; break;
        case OP_JNZ: if (stack[--sp] != 0) pc = in.arg; break;
        case OP_LOAD: stack[sp++] = frames[fp].locals[in.arg]; break;
        case OP_STORE: frames[fp].locals[in.arg] = stack[--sp]; break;
        case OP_INC: frames[fp].locals[in.arg]++; break;
        case OP_MLOAD: stack[sp - 1] = mem[(uint64_t)stack[sp - 1] % memsize]; break;
        case OP_MSTORE: sp -= 2; mem[(uint64_t)stack[sp] % memsize] = stack[sp + 1]; break;
        case OP_CALL:
            fp++;
            frames[fp].ret = pc;
            memset(frames[fp].locals, 0, sizeof frames[fp].locals);
            frames[fp].locals[0] = stack[--sp]; /* one argument */
            pc = in.arg;
            break;
        case OP_RET:
            pc = frames[fp].ret;
            fp--;
            break;
        default:
            printf("bad opcode %d\n", in.op);
            exit(2);
        }
    }
}

/* Assemble:
 *   main(n): total=0; best=0; i=1
 *     while i < n: len = collatz(i); total += len; if len > best: best = len
 *                  mem[i % 1024] += len; i++
 *     primes = count of p < n/8 with isprime(p)   (trial division in bytecode)
 *     return total * 1000003 + best * 1009 + primes + mem[7]
 *   collatz(x): steps=0; while x != 1: if x&1: x=3x+1 else x>>=1; steps++ ; return steps
 */
static int build(void) {
    enum { N = 0, TOTAL = 1, BEST = 2, I = 3, LEN = 4, PRIMES = 5, D = 6, ISP = 7 };
    ncode = 0;
    int jmain = emit(OP_JMP, 0);
    /* collatz subroutine: locals[0]=x, locals[1]=steps */
    int collatz = ncode;
    int ctop = emit(OP_LOAD, 0);
    emit(OP_PUSH, 1);
    emit(OP_EQ, 0);
    int cexit = emit(OP_JNZ, 0);
    emit(OP_LOAD, 0);
    emit(OP_PUSH, 1);
    emit(OP_AND, 0);
    int ceven = emit(OP_JZ, 0);
    emit(OP_LOAD, 0); emit(OP_PUSH, 3); emit(OP_MUL, 0); emit(OP_PUSH, 1); emit(OP_ADD, 0);
    emit(OP_STORE, 0);
    int cjoin = emit(OP_JMP, 0);
    patch(ceven, ncode);
    emit(OP_LOAD, 0); emit(OP_PUSH, 1); emit(OP_SHRU, 0); emit(OP_STORE, 0);
    patch(cjoin, ncode);
    emit(OP_INC, 1);
    emit(OP_JMP, ctop);
    patch(cexit, ncode);
    emit(OP_LOAD, 1);
    emit(OP_RET, 0);

    patch(jmain, ncode);
    emit(OP_PUSH, 1); emit(OP_STORE, I);
    int ltop = ncode;
    emit(OP_LOAD, I); emit(OP_LOAD, N); emit(OP_LT, 0);
    int lexit = emit(OP_JZ, 0);
    emit(OP_LOAD, I); emit(OP_CALL, collatz); emit(OP_STORE, LEN);
    emit(OP_LOAD, TOTAL); emit(OP_LOAD, LEN); emit(OP_ADD, 0); emit(OP_STORE, TOTAL);
    emit(OP_LOAD, LEN); emit(OP_LOAD, BEST); emit(OP_GT, 0);
    int nobest = emit(OP_JZ, 0);
    emit(OP_LOAD, LEN); emit(OP_STORE, BEST);
    patch(nobest, ncode);
    /* mem[i] += len  (address reduced mod memsize by the VM) */
    emit(OP_LOAD, I); emit(OP_LOAD, I); emit(OP_MLOAD, 0); emit(OP_LOAD, LEN); emit(OP_ADD, 0); emit(OP_MSTORE, 0);
    emit(OP_INC, I);
    emit(OP_JMP, ltop);
    patch(lexit, ncode);

    /* prime counting: for i = 2; i < n/8; i++ */
    emit(OP_PUSH, 2); emit(OP_STORE, I);
    int ptop = ncode;
    emit(OP_LOAD, I); emit(OP_LOAD, N); emit(OP_PUSH, 3); emit(OP_SHRU, 0); emit(OP_LT, 0);
    int pexit = emit(OP_JZ, 0);
    emit(OP_PUSH, 1); emit(OP_STORE, ISP);
    emit(OP_PUSH, 2); emit(OP_STORE, D);
    int dtop = ncode;
    emit(OP_LOAD, D); emit(OP_DUP, 0); emit(OP_MUL, 0); emit(OP_LOAD, I); emit(OP_GT, 0);
    int dexit = emit(OP_JNZ, 0);
    emit(OP_LOAD, I); emit(OP_LOAD, D); emit(OP_REMU, 0);
    int notdiv = emit(OP_JNZ, 0);
    emit(OP_PUSH, 0); emit(OP_STORE, ISP);
    int dexit2 = emit(OP_JMP, 0);
    patch(notdiv, ncode);
    emit(OP_INC, D);
    emit(OP_JMP, dtop);
    patch(dexit, ncode);
    patch(dexit2, ncode);
    emit(OP_LOAD, PRIMES); emit(OP_LOAD, ISP); emit(OP_ADD, 0); emit(OP_STORE, PRIMES);
    emit(OP_INC, I);
    emit(OP_JMP, ptop);
    patch(pexit, ncode);

    emit(OP_LOAD, TOTAL); emit(OP_PUSH, 1000003); emit(OP_MUL, 0);
    emit(OP_LOAD, BEST); emit(OP_PUSH, 1009); emit(OP_MUL, 0); emit(OP_ADD, 0);
    emit(OP_LOAD, PRIMES); emit(OP_ADD, 0);
    emit(OP_PUSH, 7); emit(OP_MLOAD, 0); emit(OP_ADD, 0);
    emit(OP_HALT, 0);
    return ncode;
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 200000;
    build();
    int64_t *mem = calloc(1024, sizeof(int64_t));
    int64_t r = run(mem, 1024, n);
    uint64_t mh = 0;
    for (int i = 0; i < 1024; i++) mh = mh * 31u + (uint64_t)mem[i];
    printf("program of %d instructions, result %lld\n", ncode, (long long)r);
    printf("checksum: %llu\n", (unsigned long long)((uint64_t)r ^ mh));
    return 0;
}
