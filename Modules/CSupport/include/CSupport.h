#ifndef WASM_TIER_CSUPPORT_H
#define WASM_TIER_CSUPPORT_H

#include <stdint.h>

/// The lowest address native code may push to on the calling thread: the bottom of the
/// thread's stack plus `margin` bytes. Computed once per thread (glibc reads /proc/self/maps
/// for the main thread) and cached in thread-local storage. 0 when the stack is unknown.
uintptr_t wasm_tier_stack_limit(uintptr_t margin);

/// Records [start, start + size) as machine code of the engine: a fault there may be a guest
/// memory access past its memory's end (guard-page bounds checks). Returns 0, or -1 when
/// out of memory.
int wasm_tier_register_code(uintptr_t start, uintptr_t size);

/// Forgets the code registered at `start` (before it is unmapped).
void wasm_tier_unregister_code(uintptr_t start);

/// Installs, once per process, the SIGSEGV/SIGBUS handler of guard-page mode
/// (Docs/OPTIMIZING-TIER.md, "Guard pages"). A fault whose program counter is in registered
/// code and whose address lies in [base, base + reservation), where base is the 64-bit word
/// at `context_register + memory_base_offset` (the instance's memory base, read through the
/// pinned context register), resumes at `landing`, which reports the trap and unwinds. Any
/// other fault goes to the handler installed before (Swift's backtracer, or the default
/// action). Returns 1 when the handler is in place (now or before), 0 when this platform has
/// none (then compiled code must check bounds explicitly).
int wasm_tier_install_memory_fault_handler(uintptr_t landing, uintptr_t memory_base_offset, uintptr_t reservation);

#endif
