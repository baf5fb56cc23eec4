#ifndef WASM_TIER_CSUPPORT_H
#define WASM_TIER_CSUPPORT_H

#include <stdint.h>

/// The lowest address native code may push to on the calling thread: the bottom of the
/// thread's stack plus `margin` bytes. Computed once per thread (glibc reads /proc/self/maps
/// for the main thread) and cached in thread-local storage. 0 when the stack is unknown.
uintptr_t wasm_tier_stack_limit(uintptr_t margin);

#endif
