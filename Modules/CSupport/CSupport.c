// Small pieces of C the engine needs and Swift cannot reach: thread stack bounds (a GNU
// extension) and the signal handler of guard-page bounds checks.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
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

// MARK: Code registry
//
// Chunks of slots, linked and never freed, so the signal handler can walk them without a lock
// (atomic loads only). Writers take a mutex. A free slot has start 0.

#define SLOTS_PER_CHUNK 1024

struct code_slot { _Atomic uintptr_t start, end; };
struct code_chunk { struct code_slot slots[SLOTS_PER_CHUNK]; struct code_chunk *_Atomic next; };

static struct code_chunk first_chunk;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

int wasm_tier_register_code(uintptr_t start, uintptr_t size) {
    pthread_mutex_lock(&registry_lock);
    struct code_chunk *chunk = &first_chunk;
    for (;;) {
        for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
            if (atomic_load(&chunk->slots[i].start) == 0) {
                // end first: a reader that sees the start sees a whole range.
                atomic_store(&chunk->slots[i].end, start + size);
                atomic_store(&chunk->slots[i].start, start);
                pthread_mutex_unlock(&registry_lock);
                return 0;
            }
        }
        struct code_chunk *next = atomic_load(&chunk->next);
        if (!next) {
            next = calloc(1, sizeof(struct code_chunk));
            if (!next) {
                pthread_mutex_unlock(&registry_lock);
                return -1;
            }
            atomic_store(&chunk->next, next);
        }
        chunk = next;
    }
}

void wasm_tier_unregister_code(uintptr_t start) {
    pthread_mutex_lock(&registry_lock);
    for (struct code_chunk *chunk = &first_chunk; chunk; chunk = atomic_load(&chunk->next)) {
        for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
            if (atomic_load(&chunk->slots[i].start) == start) {
                atomic_store(&chunk->slots[i].start, 0);
                atomic_store(&chunk->slots[i].end, 0);
                pthread_mutex_unlock(&registry_lock);
                return;
            }
        }
    }
    pthread_mutex_unlock(&registry_lock);
}

// A slot is read start, end, start again: if start changed in between, another thread
// unregistered (and perhaps reused) the slot, and the pair read may be torn; skip it.
static int is_registered_code(uintptr_t pc) {
    for (struct code_chunk *chunk = &first_chunk; chunk; chunk = atomic_load(&chunk->next)) {
        for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
            uintptr_t start = atomic_load(&chunk->slots[i].start);
            if (start == 0 || pc < start) continue;
            uintptr_t end = atomic_load(&chunk->slots[i].end);
            if (atomic_load(&chunk->slots[i].start) != start) continue;
            if (pc < end) return 1;
        }
    }
    return 0;
}

// MARK: Memory fault handler

#if defined(__linux__) && defined(__x86_64__)

static uintptr_t fault_landing, fault_base_offset, fault_reservation;
static struct sigaction previous_segv, previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int installed;

// Runs the previous handler as the kernel would have: with its mask added, and put back to the
// default action first if it was installed one-shot (SA_RESETHAND).
static void chain(int signal, siginfo_t *info, void *context) {
    struct sigaction *previous = signal == SIGBUS ? &previous_bus : &previous_segv;
    int calls = (previous->sa_flags & SA_SIGINFO) ? previous->sa_sigaction != 0
        : (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN);
    if (calls) {
        struct sigaction previous_copy = *previous;
        if (previous->sa_flags & SA_RESETHAND) {
            struct sigaction default_action;
            memset(&default_action, 0, sizeof default_action);
            default_action.sa_handler = SIG_DFL;
            sigaction(signal, &default_action, 0);
        }
        sigset_t old;
        pthread_sigmask(SIG_BLOCK, &previous_copy.sa_mask, &old);
        if (previous_copy.sa_flags & SA_SIGINFO) {
            previous_copy.sa_sigaction(signal, info, context);
        } else {
            previous_copy.sa_handler(signal);
        }
        pthread_sigmask(SIG_SETMASK, &old, 0);
        return;
    }
    // The default action: put it back; the faulting instruction runs again and ends the
    // process as it would have without us.
    sigaction(signal, previous, 0);
}

static void on_fault(int signal, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    // si_code > 0: raised by the hardware, not sent by kill() (whose si_addr is no address).
    if (info->si_code > 0 && is_registered_code(pc)) {
        uintptr_t instance_context = (uintptr_t)uc->uc_mcontext.gregs[REG_R14];
        uintptr_t base = *(uintptr_t *)(instance_context + fault_base_offset);
        uintptr_t address = (uintptr_t)info->si_addr;
        if (base != 0 && address >= base && address - base < fault_reservation) {
            uc->uc_mcontext.gregs[REG_RIP] = (greg_t)fault_landing;
            return;
        }
    }
    chain(signal, info, context);
}

static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &previous_segv) != 0) return;
    if (sigaction(SIGBUS, &action, &previous_bus) != 0) {
        sigaction(SIGSEGV, &previous_segv, 0);
        return;
    }
    installed = 1;
}

int wasm_tier_install_memory_fault_handler(uintptr_t landing, uintptr_t memory_base_offset, uintptr_t reservation) {
    if (!installed) {
        // Parameters first: the handler reads them once it is in place.
        fault_landing = landing;
        fault_base_offset = memory_base_offset;
        fault_reservation = reservation;
    }
    pthread_once(&install_once, install);
    return installed;
}

#else

int wasm_tier_install_memory_fault_handler(uintptr_t landing, uintptr_t memory_base_offset, uintptr_t reservation) {
    (void)landing; (void)memory_base_offset; (void)reservation;
    return 0;
}

#endif
