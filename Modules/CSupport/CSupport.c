// Small pieces of C the engine needs and Swift cannot reach: thread stack bounds (a GNU
// extension). Signal handling for guard-page bounds checks will live here too.
#define _GNU_SOURCE
#include <pthread.h>
#include "CSupport.h"

static __thread uintptr_t cached_bottom;
static __thread int cached;

uintptr_t wasm_tier_stack_limit(uintptr_t margin) {
    if (!cached) {
        pthread_attr_t attributes;
        void *base = 0;
        size_t size = 0;
        if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
            if (pthread_attr_getstack(&attributes, &base, &size) != 0) base = 0;
            pthread_attr_destroy(&attributes);
        }
        cached_bottom = (uintptr_t)base;
        cached = 1;
    }
    return cached_bottom ? cached_bottom + margin : 0;
}
