/* minilang.c - "Pebble", a small dynamically typed scripting language:
 * lexer, recursive-descent/precedence-climbing parser, a name resolver that
 * turns variables into (depth, slot) pairs, a constant folder, an AST
 * printer, and a tree-walking interpreter with closures, lists, hash maps,
 * strings, first-class functions and a mark-and-sweep garbage collector.
 * The benchmark runs an embedded script (recursion, sieve, closures,
 * word counting, n-queens, float loops, records sorted with a comparator,
 * a JSON-like serializer, tree allocation, a tiny stack machine written in
 * Pebble) N times and prints a checksum of everything the script printed.
 *
 * Usage: minilang [N] [-v]   (N = rounds of the workload, default 4;
 *                             -v echoes the script's output)
 *
 * Language summary:
 *   let x = expr;            fn name(a, b) { ... }       fn (a) { ... }  (lambda)
 *   if c { } else if d { } else { }     while c { }      for x in a..b { }
 *   for x in list_or_map_or_string { }  break; continue; return expr;
 *   x = e; x += e; (also -= *= /= %=)   a[i] = e; m.key = e;
 *   literals: 42 0x2a 3.5 1e3 "text\n" true false nil [1, 2] {"k": v}
 *   operators: || && | ^ & == != < <= > >= << >> + - * / % ! - ~
 *   Closures capture their defining environment by reference; all variables
 *   of one function call live in one environment (block scoping is a naming
 *   rule only, like JavaScript's `var` with lexical names).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Utilities
 * ====================================================================== */

static void fatal(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pebble: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) fatal("out of memory (%u bytes)", (unsigned)n);
    return p;
}

static void *xcalloc(size_t n, size_t sz) {
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) fatal("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) fatal("out of memory (%u bytes)", (unsigned)n);
    return q;
}

static char *xstrndup(const char *s, size_t n) {
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static uint32_t fnv1a(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

static uint64_t mix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/* Growable byte buffer. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} Buf;

static void buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->len + extra + 1) ncap *= 2;
    b->data = xrealloc(b->data, ncap);
    b->cap = ncap;
}

static void buf_putn(Buf *b, const char *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void buf_putc(Buf *b, char c) {
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

static void buf_puts(Buf *b, const char *s) { buf_putn(b, s, strlen(s)); }

static void buf_printf(Buf *b, const char *fmt, ...) {
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) fatal("formatting failed");
    if ((size_t)n < sizeof small) {
        buf_putn(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void buf_free(Buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Print an int64 without relying on the width of `long`. */
static void buf_put_i64(Buf *b, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[n++] = '-';
    buf_reserve(b, (size_t)n);
    while (n > 0) b->data[b->len++] = tmp[--n];
    b->data[b->len] = 0;
}

static void buf_put_f64(Buf *b, double d) {
    if (d != d) {
        buf_puts(b, "nan");
        return;
    }
    if (d == INFINITY) {
        buf_puts(b, "inf");
        return;
    }
    if (d == -INFINITY) {
        buf_puts(b, "-inf");
        return;
    }
    /* %.10g is correctly rounded by every libc we care about */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.10g", d);
    buf_puts(b, tmp);
    /* make floats recognisable: 3 -> 3.0 */
    if (!strpbrk(tmp, ".en")) buf_puts(b, ".0");
}

/* ======================================================================
 * Values and heap objects
 * ====================================================================== */

typedef enum { V_NIL, V_BOOL, V_INT, V_FLOAT, V_OBJ } VKind;

typedef struct Obj Obj;

typedef struct {
    uint32_t kind;
    union {
        int64_t i;
        double f;
        Obj *o;
    } as;
} Value;

typedef enum { O_STRING, O_LIST, O_MAP, O_FUNC, O_NATIVE, O_ENV } OKind;

struct Obj {
    uint8_t kind;
    uint8_t marked;
    uint8_t permanent;
    Obj *next;
};

typedef struct {
    Obj h;
    uint32_t len;
    uint32_t hash;
    char chars[];
} OString;

typedef struct {
    Obj h;
    uint32_t count;
    uint32_t cap;
    Value *items;
} OList;

typedef struct {
    Value key;
    Value val;
    uint32_t state; /* 0 empty, 1 full, 2 deleted */
} MEntry;

typedef struct {
    Obj h;
    uint32_t count; /* live entries */
    uint32_t used;  /* live + deleted */
    uint32_t cap;   /* power of two */
    MEntry *entries;
} OMap;

typedef struct OEnv {
    Obj h;
    struct OEnv *parent;
    uint32_t n;
    Value slots[];
} OEnv;

struct FuncInfo;

typedef struct {
    Obj h;
    struct FuncInfo *info;
    OEnv *env;
} OFunc;

typedef Value (*NativeFn)(Value *args, int argc, int line);

typedef struct {
    Obj h;
    const char *name;
    NativeFn fn;
    int min_args;
    int max_args;
} ONative;

static Value nil_value(void) {
    Value v;
    v.kind = V_NIL;
    v.as.i = 0;
    return v;
}

static Value bool_value(int b) {
    Value v;
    v.kind = V_BOOL;
    v.as.i = b ? 1 : 0;
    return v;
}

static Value int_value(int64_t i) {
    Value v;
    v.kind = V_INT;
    v.as.i = i;
    return v;
}

static Value float_value(double f) {
    Value v;
    v.kind = V_FLOAT;
    v.as.f = f;
    return v;
}

static Value obj_value(void *o) {
    Value v;
    v.kind = V_OBJ;
    v.as.o = (Obj *)o;
    return v;
}

static int is_obj_kind(Value v, OKind k) { return v.kind == V_OBJ && v.as.o->kind == k; }
static int is_string(Value v) { return is_obj_kind(v, O_STRING); }
static int is_list(Value v) { return is_obj_kind(v, O_LIST); }
static int is_map(Value v) { return is_obj_kind(v, O_MAP); }
static int is_number(Value v) { return v.kind == V_INT || v.kind == V_FLOAT; }
static OString *as_string(Value v) { return (OString *)v.as.o; }
static OList *as_list(Value v) { return (OList *)v.as.o; }
static OMap *as_map(Value v) { return (OMap *)v.as.o; }

static double as_double(Value v) { return v.kind == V_INT ? (double)v.as.i : v.as.f; }

static int truthy(Value v) {
    switch (v.kind) {
    case V_NIL:
        return 0;
    case V_BOOL:
    case V_INT:
        return v.as.i != 0;
    case V_FLOAT:
        return v.as.f != 0.0;
    default:
        return 1;
    }
}

static const char *type_name(Value v) {
    switch (v.kind) {
    case V_NIL:
        return "nil";
    case V_BOOL:
        return "bool";
    case V_INT:
        return "int";
    case V_FLOAT:
        return "float";
    default:
        break;
    }
    switch (v.as.o->kind) {
    case O_STRING:
        return "string";
    case O_LIST:
        return "list";
    case O_MAP:
        return "map";
    case O_FUNC:
    case O_NATIVE:
        return "function";
    case O_ENV:
        return "env";
    }
    return "?";
}

/* ======================================================================
 * Interpreter state shared with the collector
 * ====================================================================== */

#define STACK_MAX 65536
#define ENV_MAX 4096

static Value vstack[STACK_MAX];
static int vsp;
static OEnv *envstack[ENV_MAX];
static int envsp;
static Value retval;
static OEnv *global_env;

static Obj *objects;
static size_t bytes_allocated;
static size_t next_gc = 1u << 20;
static uint32_t gc_runs;
static uint32_t live_after_gc;

static void runtime_error(int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pebble: runtime error at line %d: ", line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static inline void push(Value v) {
    if (vsp >= STACK_MAX) fatal("value stack overflow");
    vstack[vsp++] = v;
}

static inline Value pop(void) { return vstack[--vsp]; }
static inline Value peek(int distance) { return vstack[vsp - 1 - distance]; }

/* ======================================================================
 * Garbage collector (mark and sweep with an explicit gray stack)
 * ====================================================================== */

static Obj **gray;
static size_t gray_count, gray_cap;

static void mark_obj(Obj *o) {
    if (!o || o->marked) return;
    o->marked = 1;
    if (o->kind == O_STRING || o->kind == O_NATIVE) return; /* no children */
    if (gray_count == gray_cap) {
        gray_cap = gray_cap ? gray_cap * 2 : 256;
        gray = xrealloc(gray, gray_cap * sizeof(Obj *));
    }
    gray[gray_count++] = o;
}

static void mark_value(Value v) {
    if (v.kind == V_OBJ) mark_obj(v.as.o);
}

static void blacken(Obj *o) {
    switch (o->kind) {
    case O_LIST: {
        OList *l = (OList *)o;
        for (uint32_t i = 0; i < l->count; i++) mark_value(l->items[i]);
        break;
    }
    case O_MAP: {
        OMap *m = (OMap *)o;
        for (uint32_t i = 0; i < m->cap; i++) {
            if (m->entries[i].state == 1) {
                mark_value(m->entries[i].key);
                mark_value(m->entries[i].val);
            }
        }
        break;
    }
    case O_FUNC:
        mark_obj((Obj *)((OFunc *)o)->env);
        break;
    case O_ENV: {
        OEnv *e = (OEnv *)o;
        mark_obj((Obj *)e->parent);
        for (uint32_t i = 0; i < e->n; i++) mark_value(e->slots[i]);
        break;
    }
    default:
        break;
    }
}

static size_t obj_size(Obj *o) {
    switch (o->kind) {
    case O_STRING:
        return sizeof(OString) + ((OString *)o)->len + 1;
    case O_LIST:
        return sizeof(OList) + ((OList *)o)->cap * sizeof(Value);
    case O_MAP:
        return sizeof(OMap) + ((OMap *)o)->cap * sizeof(MEntry);
    case O_FUNC:
        return sizeof(OFunc);
    case O_NATIVE:
        return sizeof(ONative);
    case O_ENV:
        return sizeof(OEnv) + ((OEnv *)o)->n * sizeof(Value);
    }
    return 0;
}

static void free_obj(Obj *o) {
    switch (o->kind) {
    case O_LIST:
        free(((OList *)o)->items);
        break;
    case O_MAP:
        free(((OMap *)o)->entries);
        break;
    default:
        break;
    }
    free(o);
}

static void collect_garbage(void) {
    gc_runs++;
    for (int i = 0; i < vsp; i++) mark_value(vstack[i]);
    for (int i = 0; i < envsp; i++) mark_obj((Obj *)envstack[i]);
    mark_value(retval);
    mark_obj((Obj *)global_env);
    while (gray_count > 0) blacken(gray[--gray_count]);

    Obj **link = &objects;
    size_t live = 0;
    uint32_t live_count = 0;
    while (*link) {
        Obj *o = *link;
        if (o->marked) {
            o->marked = 0;
            live += obj_size(o);
            live_count++;
            link = &o->next;
        } else {
            *link = o->next;
            free_obj(o);
        }
    }
    bytes_allocated = live;
    live_after_gc = live_count;
    next_gc = live * 2 > (1u << 20) ? live * 2 : (1u << 20);
}

/* Account for `extra` bytes that are about to be allocated and collect if
 * the budget is exhausted. Every caller must have its operands rooted. */
static void gc_charge(size_t extra) {
    bytes_allocated += extra;
    if (bytes_allocated > next_gc) collect_garbage();
}

static Obj *alloc_obj(size_t size, OKind kind, int permanent) {
    if (!permanent) gc_charge(size);
    Obj *o = xmalloc(size);
    o->kind = (uint8_t)kind;
    o->marked = 0;
    o->permanent = (uint8_t)permanent;
    if (permanent) {
        o->next = NULL;
        o->marked = 1; /* never traced, never swept */
    } else {
        o->next = objects;
        objects = o;
    }
    return o;
}

/* ======================================================================
 * Strings
 * ====================================================================== */

static OString *string_alloc(uint32_t len, int permanent) {
    OString *s = (OString *)alloc_obj(sizeof(OString) + len + 1, O_STRING, permanent);
    s->len = len;
    s->hash = 0;
    s->chars[len] = 0;
    return s;
}

static void string_finish(OString *s) { s->hash = fnv1a(s->chars, s->len); }

static OString *string_new(const char *chars, size_t len, int permanent) {
    OString *s = string_alloc((uint32_t)len, permanent);
    memcpy(s->chars, chars, len);
    string_finish(s);
    return s;
}

static int string_eq(const OString *a, const OString *b) {
    return a == b || (a->len == b->len && a->hash == b->hash && memcmp(a->chars, b->chars, a->len) == 0);
}

static int string_cmp(const OString *a, const OString *b) {
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->chars, b->chars, n);
    if (c != 0) return c < 0 ? -1 : 1;
    if (a->len == b->len) return 0;
    return a->len < b->len ? -1 : 1;
}

/* ======================================================================
 * Lists
 * ====================================================================== */

static OList *list_new(uint32_t cap) {
    OList *l = (OList *)alloc_obj(sizeof(OList), O_LIST, 0);
    l->count = 0;
    l->cap = 0;
    l->items = NULL;
    if (cap) {
        /* the list is not rooted yet, so do not collect while growing it */
        bytes_allocated += cap * sizeof(Value);
        l->items = xmalloc(cap * sizeof(Value));
        l->cap = cap;
    }
    return l;
}

static void list_reserve(OList *l, uint32_t need) {
    if (need <= l->cap) return;
    uint32_t ncap = l->cap ? l->cap : 4;
    while (ncap < need) ncap *= 2;
    bytes_allocated += (ncap - l->cap) * sizeof(Value);
    l->items = xrealloc(l->items, ncap * sizeof(Value));
    l->cap = ncap;
}

static void list_push(OList *l, Value v) {
    list_reserve(l, l->count + 1);
    l->items[l->count++] = v;
}

/* ======================================================================
 * Maps (open addressing, linear probing, insertion-independent order)
 * ====================================================================== */

static int values_equal(Value a, Value b);

static uint32_t hash_value(Value v, int line) {
    switch (v.kind) {
    case V_NIL:
        return 0x9e3779b9u;
    case V_BOOL:
        return v.as.i ? 0x7f4a7c15u : 0x3c6ef372u;
    case V_INT:
        return (uint32_t)mix64((uint64_t)v.as.i);
    case V_FLOAT: {
        double d = v.as.f;
        if (d == (double)(int64_t)d && d > -9.2e18 && d < 9.2e18) return (uint32_t)mix64((uint64_t)(int64_t)d);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return (uint32_t)mix64(bits);
    }
    default:
        if (v.as.o->kind == O_STRING) return ((OString *)v.as.o)->hash;
        runtime_error(line, "a %s cannot be a map key", type_name(v));
        return 0;
    }
}

static OMap *map_new(void) {
    OMap *m = (OMap *)alloc_obj(sizeof(OMap), O_MAP, 0);
    m->count = m->used = 0;
    m->cap = 8;
    bytes_allocated += m->cap * sizeof(MEntry);
    m->entries = xcalloc(m->cap, sizeof(MEntry));
    return m;
}

static int32_t map_find(const OMap *m, Value key, uint32_t h) {
    uint32_t mask = m->cap - 1;
    uint32_t i = h & mask;
    for (;;) {
        const MEntry *e = &m->entries[i];
        if (e->state == 0) return -1;
        if (e->state == 1 && values_equal(e->key, key)) return (int32_t)i;
        i = (i + 1) & mask;
    }
}

static void map_rehash(OMap *m, uint32_t ncap) {
    MEntry *old = m->entries;
    uint32_t ocap = m->cap;
    m->entries = xcalloc(ncap, sizeof(MEntry));
    bytes_allocated += ncap * sizeof(MEntry);
    bytes_allocated -= ocap * sizeof(MEntry);
    m->cap = ncap;
    m->count = m->used = 0;
    for (uint32_t i = 0; i < ocap; i++) {
        if (old[i].state != 1) continue;
        uint32_t h = hash_value(old[i].key, 0);
        uint32_t j = h & (ncap - 1);
        while (m->entries[j].state != 0) j = (j + 1) & (ncap - 1);
        m->entries[j] = old[i];
        m->count++;
        m->used++;
    }
    free(old);
}

static int map_get(const OMap *m, Value key, Value *out, int line) {
    int32_t i = map_find(m, key, hash_value(key, line));
    if (i < 0) return 0;
    *out = m->entries[i].val;
    return 1;
}

static void map_set(OMap *m, Value key, Value val, int line) {
    uint32_t h = hash_value(key, line);
    int32_t i = map_find(m, key, h);
    if (i >= 0) {
        m->entries[i].val = val;
        return;
    }
    if ((m->used + 1) * 4 > m->cap * 3) {
        uint32_t ncap = m->count * 2 + 2 > m->cap / 2 ? m->cap * 2 : m->cap;
        map_rehash(m, ncap);
    }
    uint32_t mask = m->cap - 1;
    uint32_t j = h & mask;
    int32_t tomb = -1;
    while (m->entries[j].state != 0) {
        if (m->entries[j].state == 2 && tomb < 0) tomb = (int32_t)j;
        j = (j + 1) & mask;
    }
    if (tomb >= 0) {
        j = (uint32_t)tomb;
    } else {
        m->used++;
    }
    m->entries[j].state = 1;
    m->entries[j].key = key;
    m->entries[j].val = val;
    m->count++;
}

static int map_delete(OMap *m, Value key, int line) {
    int32_t i = map_find(m, key, hash_value(key, line));
    if (i < 0) return 0;
    m->entries[i].state = 2;
    m->entries[i].key = nil_value();
    m->entries[i].val = nil_value();
    m->count--;
    return 1;
}

/* ======================================================================
 * Equality, ordering, printing of values
 * ====================================================================== */

static int values_equal(Value a, Value b) {
    if (is_number(a) && is_number(b)) {
        if (a.kind == V_INT && b.kind == V_INT) return a.as.i == b.as.i;
        return as_double(a) == as_double(b);
    }
    if (a.kind != b.kind) return 0;
    switch (a.kind) {
    case V_NIL:
        return 1;
    case V_BOOL:
        return a.as.i == b.as.i;
    case V_OBJ:
        if (a.as.o == b.as.o) return 1;
        if (a.as.o->kind == O_STRING && b.as.o->kind == O_STRING)
            return string_eq((OString *)a.as.o, (OString *)b.as.o);
        return 0;
    default:
        return 0;
    }
}

static int compare_values(Value a, Value b, int line) {
    if (is_number(a) && is_number(b)) {
        if (a.kind == V_INT && b.kind == V_INT) return a.as.i < b.as.i ? -1 : a.as.i > b.as.i;
        double x = as_double(a), y = as_double(b);
        return x < y ? -1 : x > y;
    }
    if (is_string(a) && is_string(b)) return string_cmp(as_string(a), as_string(b));
    runtime_error(line, "cannot compare %s with %s", type_name(a), type_name(b));
    return 0;
}

static void value_to_buf(Buf *b, Value v, int depth, int quote);

static void string_to_buf(Buf *b, const OString *s, int quote) {
    if (!quote) {
        buf_putn(b, s->chars, s->len);
        return;
    }
    buf_putc(b, '"');
    for (uint32_t i = 0; i < s->len; i++) {
        char c = s->chars[i];
        switch (c) {
        case '"':
            buf_puts(b, "\\\"");
            break;
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        default:
            buf_putc(b, c);
        }
    }
    buf_putc(b, '"');
}

static void value_to_buf(Buf *b, Value v, int depth, int quote) {
    switch (v.kind) {
    case V_NIL:
        buf_puts(b, "nil");
        return;
    case V_BOOL:
        buf_puts(b, v.as.i ? "true" : "false");
        return;
    case V_INT:
        buf_put_i64(b, v.as.i);
        return;
    case V_FLOAT:
        buf_put_f64(b, v.as.f);
        return;
    default:
        break;
    }
    if (depth > 12) {
        buf_puts(b, "...");
        return;
    }
    switch (v.as.o->kind) {
    case O_STRING:
        string_to_buf(b, as_string(v), quote);
        return;
    case O_LIST: {
        OList *l = as_list(v);
        buf_putc(b, '[');
        for (uint32_t i = 0; i < l->count; i++) {
            if (i) buf_puts(b, ", ");
            value_to_buf(b, l->items[i], depth + 1, 1);
        }
        buf_putc(b, ']');
        return;
    }
    case O_MAP: {
        OMap *m = as_map(v);
        int first = 1;
        buf_putc(b, '{');
        for (uint32_t i = 0; i < m->cap; i++) {
            if (m->entries[i].state != 1) continue;
            if (!first) buf_puts(b, ", ");
            first = 0;
            value_to_buf(b, m->entries[i].key, depth + 1, 1);
            buf_puts(b, ": ");
            value_to_buf(b, m->entries[i].val, depth + 1, 1);
        }
        buf_putc(b, '}');
        return;
    }
    case O_FUNC:
        buf_puts(b, "<fn>");
        return;
    case O_NATIVE:
        buf_puts(b, "<native ");
        buf_puts(b, ((ONative *)v.as.o)->name);
        buf_putc(b, '>');
        return;
    case O_ENV:
        buf_puts(b, "<env>");
        return;
    }
}

/* ======================================================================
 * Lexer
 * ====================================================================== */

typedef enum {
    T_EOF,
    T_IDENT,
    T_INT,
    T_FLOAT,
    T_STRING,
    /* keywords */
    T_LET,
    T_FN,
    T_IF,
    T_ELSE,
    T_WHILE,
    T_FOR,
    T_IN,
    T_RETURN,
    T_BREAK,
    T_CONTINUE,
    T_TRUE,
    T_FALSE,
    T_NIL,
    /* punctuation */
    T_LPAREN,
    T_RPAREN,
    T_LBRACK,
    T_RBRACK,
    T_LBRACE,
    T_RBRACE,
    T_COMMA,
    T_SEMI,
    T_COLON,
    T_DOT,
    T_DOTDOT,
    /* operators */
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PERCENT,
    T_ASSIGN,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_BANG,
    T_ANDAND,
    T_OROR,
    T_AMP,
    T_PIPE,
    T_CARET,
    T_TILDE,
    T_SHL,
    T_SHR,
    T_PLUSEQ,
    T_MINUSEQ,
    T_STAREQ,
    T_SLASHEQ,
    T_PERCENTEQ,
    T_COUNT
} TokKind;

static const char *tok_names[T_COUNT] = {
    "end of input", "identifier", "integer", "float", "string", "let", "fn", "if", "else",
    "while", "for", "in", "return", "break", "continue", "true", "false", "nil", "(", ")",
    "[", "]", "{", "}", ",", ";", ":", ".", "..", "+", "-", "*", "/", "%", "=", "==", "!=",
    "<", "<=", ">", ">=", "!", "&&", "||", "&", "|", "^", "~", "<<", ">>", "+=", "-=", "*=",
    "/=", "%=",
};

typedef struct {
    TokKind kind;
    int line;
    const char *start;
    int len;
    int64_t ival;
    double fval;
    char *sval; /* identifiers and decoded string literals */
    int slen;
} Token;

typedef struct {
    const char *src;
    size_t pos;
    int line;
    Token *toks;
    int ntoks;
    int cap;
} Lexer;

static void lex_error(Lexer *lx, const char *msg) { fatal("syntax error at line %d: %s", lx->line, msg); }

static Token *lex_add(Lexer *lx, TokKind kind, const char *start, int len) {
    if (lx->ntoks == lx->cap) {
        lx->cap = lx->cap ? lx->cap * 2 : 256;
        lx->toks = xrealloc(lx->toks, (size_t)lx->cap * sizeof(Token));
    }
    Token *t = &lx->toks[lx->ntoks++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = lx->line;
    t->start = start;
    t->len = len;
    return t;
}

static int is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static TokKind keyword_kind(const char *s, int n) {
    static const struct {
        const char *word;
        TokKind kind;
    } kw[] = {
        {"let", T_LET},         {"fn", T_FN},       {"if", T_IF},       {"else", T_ELSE},
        {"while", T_WHILE},     {"for", T_FOR},     {"in", T_IN},       {"return", T_RETURN},
        {"break", T_BREAK},     {"continue", T_CONTINUE},               {"true", T_TRUE},
        {"false", T_FALSE},     {"nil", T_NIL},
    };
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if ((int)strlen(kw[i].word) == n && memcmp(kw[i].word, s, (size_t)n) == 0) return kw[i].kind;
    return T_IDENT;
}

static void lex_number(Lexer *lx) {
    const char *s = lx->src + lx->pos;
    size_t i = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t v = 0;
        i = 2;
        if (hex_value(s[i]) < 0) lex_error(lx, "malformed hex literal");
        while (hex_value(s[i]) >= 0) {
            v = v * 16 + (uint64_t)hex_value(s[i]);
            i++;
        }
        Token *t = lex_add(lx, T_INT, s, (int)i);
        t->ival = (int64_t)v;
        lx->pos += i;
        return;
    }
    int is_float = 0;
    while (is_digit(s[i])) i++;
    if (s[i] == '.' && is_digit(s[i + 1])) {
        is_float = 1;
        i++;
        while (is_digit(s[i])) i++;
    }
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-') j++;
        if (is_digit(s[j])) {
            is_float = 1;
            i = j;
            while (is_digit(s[i])) i++;
        }
    }
    if (is_float) {
        char *text = xstrndup(s, i);
        Token *t = lex_add(lx, T_FLOAT, s, (int)i);
        t->fval = strtod(text, NULL);
        free(text);
    } else {
        uint64_t v = 0;
        for (size_t k = 0; k < i; k++) v = v * 10 + (uint64_t)(s[k] - '0');
        Token *t = lex_add(lx, T_INT, s, (int)i);
        t->ival = (int64_t)v;
    }
    lx->pos += i;
}

static void lex_string(Lexer *lx) {
    const char *s = lx->src + lx->pos;
    Buf b = {0};
    size_t i = 1;
    int start_line = lx->line;
    for (;;) {
        char c = s[i];
        if (c == 0) fatal("syntax error at line %d: unterminated string", start_line);
        if (c == '"') {
            i++;
            break;
        }
        if (c == '\n') lx->line++;
        if (c == '\\') {
            char e = s[i + 1];
            i += 2;
            switch (e) {
            case 'n':
                buf_putc(&b, '\n');
                break;
            case 't':
                buf_putc(&b, '\t');
                break;
            case 'r':
                buf_putc(&b, '\r');
                break;
            case '0':
                buf_putc(&b, '\0');
                break;
            case '"':
                buf_putc(&b, '"');
                break;
            case '\\':
                buf_putc(&b, '\\');
                break;
            case 'x': {
                int h1 = hex_value(s[i]), h2 = h1 >= 0 ? hex_value(s[i + 1]) : -1;
                if (h1 < 0 || h2 < 0) lex_error(lx, "bad \\x escape");
                buf_putc(&b, (char)(h1 * 16 + h2));
                i += 2;
                break;
            }
            default:
                lex_error(lx, "unknown escape sequence");
            }
            continue;
        }
        buf_putc(&b, c);
        i++;
    }
    Token *t = lex_add(lx, T_STRING, s, (int)i);
    t->line = start_line;
    t->sval = b.data ? b.data : xstrndup("", 0);
    t->slen = (int)b.len;
    lx->pos += i;
}

static void lex_all(Lexer *lx) {
    for (;;) {
        const char *s = lx->src + lx->pos;
        char c = *s;
        if (c == 0) {
            lex_add(lx, T_EOF, s, 0);
            return;
        }
        if (c == '\n') {
            lx->line++;
            lx->pos++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->pos++;
            continue;
        }
        if (c == '/' && s[1] == '/') {
            while (lx->src[lx->pos] && lx->src[lx->pos] != '\n') lx->pos++;
            continue;
        }
        if (c == '/' && s[1] == '*') {
            lx->pos += 2;
            while (lx->src[lx->pos] && !(lx->src[lx->pos] == '*' && lx->src[lx->pos + 1] == '/')) {
                if (lx->src[lx->pos] == '\n') lx->line++;
                lx->pos++;
            }
            if (!lx->src[lx->pos]) lex_error(lx, "unterminated comment");
            lx->pos += 2;
            continue;
        }
        if (is_digit(c)) {
            lex_number(lx);
            continue;
        }
        if (is_ident_start(c)) {
            int n = 0;
            while (is_ident_char(s[n])) n++;
            TokKind k = keyword_kind(s, n);
            Token *t = lex_add(lx, k, s, n);
            if (k == T_IDENT) {
                t->sval = xstrndup(s, (size_t)n);
                t->slen = n;
            }
            lx->pos += (size_t)n;
            continue;
        }
        if (c == '"') {
            lex_string(lx);
            continue;
        }
        TokKind k;
        int n = 1;
        char d = s[1];
        switch (c) {
        case '(': k = T_LPAREN; break;
        case ')': k = T_RPAREN; break;
        case '[': k = T_LBRACK; break;
        case ']': k = T_RBRACK; break;
        case '{': k = T_LBRACE; break;
        case '}': k = T_RBRACE; break;
        case ',': k = T_COMMA; break;
        case ';': k = T_SEMI; break;
        case ':': k = T_COLON; break;
        case '~': k = T_TILDE; break;
        case '^': k = T_CARET; break;
        case '.':
            if (d == '.') { k = T_DOTDOT; n = 2; } else k = T_DOT;
            break;
        case '+':
            if (d == '=') { k = T_PLUSEQ; n = 2; } else k = T_PLUS;
            break;
        case '-':
            if (d == '=') { k = T_MINUSEQ; n = 2; } else k = T_MINUS;
            break;
        case '*':
            if (d == '=') { k = T_STAREQ; n = 2; } else k = T_STAR;
            break;
        case '/':
            if (d == '=') { k = T_SLASHEQ; n = 2; } else k = T_SLASH;
            break;
        case '%':
            if (d == '=') { k = T_PERCENTEQ; n = 2; } else k = T_PERCENT;
            break;
        case '=':
            if (d == '=') { k = T_EQ; n = 2; } else k = T_ASSIGN;
            break;
        case '!':
            if (d == '=') { k = T_NE; n = 2; } else k = T_BANG;
            break;
        case '<':
            if (d == '=') { k = T_LE; n = 2; }
            else if (d == '<') { k = T_SHL; n = 2; }
            else k = T_LT;
            break;
        case '>':
            if (d == '=') { k = T_GE; n = 2; }
            else if (d == '>') { k = T_SHR; n = 2; }
            else k = T_GT;
            break;
        case '&':
            if (d == '&') { k = T_ANDAND; n = 2; } else k = T_AMP;
            break;
        case '|':
            if (d == '|') { k = T_OROR; n = 2; } else k = T_PIPE;
            break;
        default: {
            char msg[64];
            snprintf(msg, sizeof msg, "unexpected character '%c'", c);
            lex_error(lx, msg);
            return;
        }
        }
        lex_add(lx, k, s, n);
        lx->pos += (size_t)n;
    }
}

/* ======================================================================
 * Abstract syntax tree
 * ====================================================================== */

typedef enum {
    /* expressions */
    N_INT,
    N_FLOAT,
    N_STR,
    N_TRUE,
    N_FALSE,
    N_NIL,
    N_VAR,
    N_UNARY,
    N_BINARY,
    N_AND,
    N_OR,
    N_CALL,
    N_INDEX,
    N_FIELD,
    N_LIST,
    N_MAP,
    N_FUNC,
    N_RANGE,
    /* statements */
    N_LET,
    N_FNDECL,
    N_ASSIGN,
    N_EXPR,
    N_IF,
    N_WHILE,
    N_FOR,
    N_RETURN,
    N_BREAK,
    N_CONTINUE,
    N_BLOCK,
    N_KIND_COUNT
} NodeKind;

static const char *node_names[N_KIND_COUNT] = {
    "int", "float", "str", "true", "false", "nil", "var", "unary", "binary", "and", "or",
    "call", "index", "field", "list", "map", "func", "range", "let", "fndecl", "assign",
    "expr", "if", "while", "for", "return", "break", "continue", "block",
};

typedef struct FuncInfo FuncInfo;

typedef struct Node {
    uint8_t kind;
    uint8_t op; /* TokKind of the operator for unary/binary/assign */
    int line;
    struct Node *a, *b, *c;
    struct Node **list;
    int nlist;
    int64_t ival;
    double fval;
    OString *str; /* string literal or field name, permanent */
    char *name;   /* variable, let, fn, for */
    int hops;     /* resolved: number of environments to walk up */
    int slot;     /* resolved: slot in that environment */
    FuncInfo *fn;
} Node;

struct FuncInfo {
    char *name;
    char **params;
    int nparams;
    Node *body;
    int nslots;
    int line;
    uint32_t calls;
};

static uint32_t node_count;

static Node *node_new(NodeKind kind, int line) {
    Node *n = xcalloc(1, sizeof(Node));
    n->kind = (uint8_t)kind;
    n->line = line;
    n->slot = -1;
    node_count++;
    return n;
}

typedef struct {
    Node **items;
    int count;
    int cap;
} NodeVec;

static void nv_push(NodeVec *v, Node *n) {
    if (v->count == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 4;
        v->items = xrealloc(v->items, (size_t)v->cap * sizeof(Node *));
    }
    v->items[v->count++] = n;
}

/* ======================================================================
 * Parser
 * ====================================================================== */

typedef struct {
    Token *toks;
    int pos;
} Parser;

static Token *cur(Parser *p) { return &p->toks[p->pos]; }
static Token *prev_tok(Parser *p) { return &p->toks[p->pos - 1]; }
static int check(Parser *p, TokKind k) { return cur(p)->kind == k; }

static int accept(Parser *p, TokKind k) {
    if (!check(p, k)) return 0;
    p->pos++;
    return 1;
}

static void parse_error(Parser *p, const char *what) {
    Token *t = cur(p);
    fatal("syntax error at line %d: %s (found %s)", t->line, what, tok_names[t->kind]);
}

static Token *expect(Parser *p, TokKind k, const char *what) {
    if (!check(p, k)) parse_error(p, what);
    return &p->toks[p->pos++];
}

static Node *parse_expr(Parser *p);
static Node *parse_block(Parser *p);
static Node *parse_statement(Parser *p);

static FuncInfo *parse_function_rest(Parser *p, char *name, int line) {
    FuncInfo *fi = xcalloc(1, sizeof(FuncInfo));
    fi->name = name;
    fi->line = line;
    expect(p, T_LPAREN, "expected '(' after fn");
    int cap = 0;
    if (!check(p, T_RPAREN)) {
        do {
            Token *t = expect(p, T_IDENT, "expected parameter name");
            if (fi->nparams == cap) {
                cap = cap ? cap * 2 : 4;
                fi->params = xrealloc(fi->params, (size_t)cap * sizeof(char *));
            }
            fi->params[fi->nparams++] = t->sval;
        } while (accept(p, T_COMMA));
    }
    expect(p, T_RPAREN, "expected ')' after parameters");
    fi->body = parse_block(p);
    return fi;
}

static Node *parse_primary(Parser *p) {
    Token *t = cur(p);
    Node *n;
    switch (t->kind) {
    case T_INT:
        p->pos++;
        n = node_new(N_INT, t->line);
        n->ival = t->ival;
        return n;
    case T_FLOAT:
        p->pos++;
        n = node_new(N_FLOAT, t->line);
        n->fval = t->fval;
        return n;
    case T_STRING:
        p->pos++;
        n = node_new(N_STR, t->line);
        n->str = string_new(t->sval, (size_t)t->slen, 1);
        return n;
    case T_TRUE:
        p->pos++;
        return node_new(N_TRUE, t->line);
    case T_FALSE:
        p->pos++;
        return node_new(N_FALSE, t->line);
    case T_NIL:
        p->pos++;
        return node_new(N_NIL, t->line);
    case T_IDENT:
        p->pos++;
        n = node_new(N_VAR, t->line);
        n->name = t->sval;
        return n;
    case T_LPAREN:
        p->pos++;
        n = parse_expr(p);
        expect(p, T_RPAREN, "expected ')'");
        return n;
    case T_LBRACK: {
        p->pos++;
        NodeVec v = {0};
        if (!check(p, T_RBRACK)) {
            do {
                if (check(p, T_RBRACK)) break; /* trailing comma */
                nv_push(&v, parse_expr(p));
            } while (accept(p, T_COMMA));
        }
        expect(p, T_RBRACK, "expected ']' after list elements");
        n = node_new(N_LIST, t->line);
        n->list = v.items;
        n->nlist = v.count;
        return n;
    }
    case T_LBRACE: {
        p->pos++;
        NodeVec v = {0};
        if (!check(p, T_RBRACE)) {
            do {
                if (check(p, T_RBRACE)) break;
                Node *key;
                if (check(p, T_IDENT) && p->toks[p->pos + 1].kind == T_COLON) {
                    /* {name: v} is sugar for {"name": v} */
                    Token *k = &p->toks[p->pos++];
                    key = node_new(N_STR, k->line);
                    key->str = string_new(k->sval, (size_t)k->slen, 1);
                } else {
                    key = parse_expr(p);
                }
                expect(p, T_COLON, "expected ':' in map literal");
                nv_push(&v, key);
                nv_push(&v, parse_expr(p));
            } while (accept(p, T_COMMA));
        }
        expect(p, T_RBRACE, "expected '}' after map entries");
        n = node_new(N_MAP, t->line);
        n->list = v.items;
        n->nlist = v.count;
        return n;
    }
    case T_FN: {
        p->pos++;
        n = node_new(N_FUNC, t->line);
        n->fn = parse_function_rest(p, xstrndup("<lambda>", 8), t->line);
        return n;
    }
    default:
        parse_error(p, "expected an expression");
        return NULL;
    }
}

static Node *parse_postfix(Parser *p) {
    Node *n = parse_primary(p);
    for (;;) {
        Token *t = cur(p);
        if (accept(p, T_LPAREN)) {
            NodeVec v = {0};
            if (!check(p, T_RPAREN)) {
                do {
                    nv_push(&v, parse_expr(p));
                } while (accept(p, T_COMMA));
            }
            expect(p, T_RPAREN, "expected ')' after arguments");
            Node *c = node_new(N_CALL, t->line);
            c->a = n;
            c->list = v.items;
            c->nlist = v.count;
            n = c;
        } else if (accept(p, T_LBRACK)) {
            Node *ix = node_new(N_INDEX, t->line);
            ix->a = n;
            ix->b = parse_expr(p);
            expect(p, T_RBRACK, "expected ']' after index");
            n = ix;
        } else if (accept(p, T_DOT)) {
            Token *name = expect(p, T_IDENT, "expected field name after '.'");
            Node *f = node_new(N_FIELD, t->line);
            f->a = n;
            f->str = string_new(name->sval, (size_t)name->slen, 1);
            n = f;
        } else {
            return n;
        }
    }
}

static Node *parse_unary(Parser *p) {
    Token *t = cur(p);
    if (t->kind == T_BANG || t->kind == T_MINUS || t->kind == T_TILDE) {
        p->pos++;
        Node *n = node_new(N_UNARY, t->line);
        n->op = (uint8_t)t->kind;
        n->a = parse_unary(p);
        return n;
    }
    return parse_postfix(p);
}

static int binary_precedence(TokKind k) {
    switch (k) {
    case T_OROR:
        return 1;
    case T_ANDAND:
        return 2;
    case T_PIPE:
        return 3;
    case T_CARET:
        return 4;
    case T_AMP:
        return 5;
    case T_EQ:
    case T_NE:
        return 6;
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE:
        return 7;
    case T_SHL:
    case T_SHR:
        return 8;
    case T_PLUS:
    case T_MINUS:
        return 9;
    case T_STAR:
    case T_SLASH:
    case T_PERCENT:
        return 10;
    default:
        return 0;
    }
}

static Node *parse_binary(Parser *p, int min_prec) {
    Node *left = parse_unary(p);
    for (;;) {
        Token *t = cur(p);
        int prec = binary_precedence(t->kind);
        if (prec == 0 || prec < min_prec) return left;
        p->pos++;
        Node *right = parse_binary(p, prec + 1); /* all binary operators are left-associative */
        Node *n;
        if (t->kind == T_ANDAND) {
            n = node_new(N_AND, t->line);
        } else if (t->kind == T_OROR) {
            n = node_new(N_OR, t->line);
        } else {
            n = node_new(N_BINARY, t->line);
            n->op = (uint8_t)t->kind;
        }
        n->a = left;
        n->b = right;
        left = n;
    }
}

static Node *parse_expr(Parser *p) { return parse_binary(p, 1); }

static Node *parse_block(Parser *p) {
    Token *open = expect(p, T_LBRACE, "expected '{'");
    NodeVec v = {0};
    while (!check(p, T_RBRACE)) {
        if (check(p, T_EOF)) parse_error(p, "unterminated block");
        nv_push(&v, parse_statement(p));
    }
    p->pos++;
    Node *n = node_new(N_BLOCK, open->line);
    n->list = v.items;
    n->nlist = v.count;
    return n;
}

static Node *parse_if(Parser *p, int line) {
    Node *n = node_new(N_IF, line);
    n->a = parse_expr(p);
    n->b = parse_block(p);
    if (accept(p, T_ELSE)) {
        if (check(p, T_IF)) {
            Token *t = cur(p);
            p->pos++;
            n->c = parse_if(p, t->line);
        } else {
            n->c = parse_block(p);
        }
    }
    return n;
}

static int is_assign_op(TokKind k) {
    return k == T_ASSIGN || k == T_PLUSEQ || k == T_MINUSEQ || k == T_STAREQ || k == T_SLASHEQ ||
           k == T_PERCENTEQ;
}

static TokKind compound_to_binary(TokKind k) {
    switch (k) {
    case T_PLUSEQ:
        return T_PLUS;
    case T_MINUSEQ:
        return T_MINUS;
    case T_STAREQ:
        return T_STAR;
    case T_SLASHEQ:
        return T_SLASH;
    case T_PERCENTEQ:
        return T_PERCENT;
    default:
        return T_EOF;
    }
}

static Node *parse_statement(Parser *p) {
    Token *t = cur(p);
    switch (t->kind) {
    case T_LET: {
        p->pos++;
        Token *name = expect(p, T_IDENT, "expected variable name after let");
        Node *n = node_new(N_LET, t->line);
        n->name = name->sval;
        if (accept(p, T_ASSIGN)) n->a = parse_expr(p);
        expect(p, T_SEMI, "expected ';' after let");
        return n;
    }
    case T_FN:
        if (p->toks[p->pos + 1].kind == T_IDENT) {
            p->pos++;
            Token *name = expect(p, T_IDENT, "expected function name");
            Node *n = node_new(N_FNDECL, t->line);
            n->name = name->sval;
            n->fn = parse_function_rest(p, name->sval, t->line);
            return n;
        }
        break;
    case T_IF:
        p->pos++;
        return parse_if(p, t->line);
    case T_WHILE: {
        p->pos++;
        Node *n = node_new(N_WHILE, t->line);
        n->a = parse_expr(p);
        n->b = parse_block(p);
        return n;
    }
    case T_FOR: {
        p->pos++;
        Token *name = expect(p, T_IDENT, "expected loop variable after for");
        expect(p, T_IN, "expected 'in' after loop variable");
        Node *n = node_new(N_FOR, t->line);
        n->name = name->sval;
        Node *iter = parse_expr(p);
        if (accept(p, T_DOTDOT)) {
            Node *r = node_new(N_RANGE, t->line);
            r->a = iter;
            r->b = parse_expr(p);
            iter = r;
        }
        n->a = iter;
        n->b = parse_block(p);
        return n;
    }
    case T_RETURN: {
        p->pos++;
        Node *n = node_new(N_RETURN, t->line);
        if (!check(p, T_SEMI)) n->a = parse_expr(p);
        expect(p, T_SEMI, "expected ';' after return");
        return n;
    }
    case T_BREAK:
        p->pos++;
        expect(p, T_SEMI, "expected ';' after break");
        return node_new(N_BREAK, t->line);
    case T_CONTINUE:
        p->pos++;
        expect(p, T_SEMI, "expected ';' after continue");
        return node_new(N_CONTINUE, t->line);
    case T_LBRACE:
        return parse_block(p);
    default:
        break;
    }
    Node *e = parse_expr(p);
    if (is_assign_op(cur(p)->kind)) {
        Token *op = cur(p);
        p->pos++;
        if (e->kind != N_VAR && e->kind != N_INDEX && e->kind != N_FIELD)
            fatal("syntax error at line %d: invalid assignment target", op->line);
        Node *n = node_new(N_ASSIGN, op->line);
        n->op = (uint8_t)compound_to_binary(op->kind);
        n->a = e;
        n->b = parse_expr(p);
        expect(p, T_SEMI, "expected ';' after assignment");
        return n;
    }
    expect(p, T_SEMI, "expected ';' after expression");
    Node *n = node_new(N_EXPR, t->line);
    n->a = e;
    return n;
}

static FuncInfo *parse_program(Token *toks) {
    Parser p = {toks, 0};
    NodeVec v = {0};
    while (!check(&p, T_EOF)) nv_push(&v, parse_statement(&p));
    FuncInfo *fi = xcalloc(1, sizeof(FuncInfo));
    fi->name = xstrndup("<script>", 8);
    fi->line = 1;
    fi->body = node_new(N_BLOCK, 1);
    fi->body->list = v.items;
    fi->body->nlist = v.count;
    return fi;
}

/* ======================================================================
 * Name resolution: variables become (hops, slot) pairs
 * ====================================================================== */

typedef struct {
    const char *name;
    int slot;
    int depth;
} Local;

typedef struct Scope {
    struct Scope *enclosing;
    FuncInfo *fn;
    Local *locals;
    int nlocals;
    int cap;
    int depth;
    int loops;
} Scope;

static Scope *scope;
static uint32_t resolved_refs;
static uint32_t max_hops_seen;

static int declare(const char *name) {
    Scope *s = scope;
    if (s->nlocals == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->locals = xrealloc(s->locals, (size_t)s->cap * sizeof(Local));
    }
    int slot = s->fn->nslots++;
    s->locals[s->nlocals].name = name;
    s->locals[s->nlocals].slot = slot;
    s->locals[s->nlocals].depth = s->depth;
    s->nlocals++;
    return slot;
}

static void begin_block(void) { scope->depth++; }

static void end_block(void) {
    scope->depth--;
    while (scope->nlocals > 0 && scope->locals[scope->nlocals - 1].depth > scope->depth) scope->nlocals--;
}

static void resolve_name(Node *n) {
    int hops = 0;
    for (Scope *s = scope; s; s = s->enclosing, hops++) {
        for (int i = s->nlocals - 1; i >= 0; i--) {
            if (strcmp(s->locals[i].name, n->name) == 0) {
                n->hops = hops;
                n->slot = s->locals[i].slot;
                resolved_refs++;
                if ((uint32_t)hops > max_hops_seen) max_hops_seen = (uint32_t)hops;
                return;
            }
        }
    }
    fatal("name error at line %d: undefined variable '%s'", n->line, n->name);
}

static void resolve_expr(Node *n);
static void resolve_stmt(Node *n);
static void resolve_block_contents(Node *block);

static void resolve_function(FuncInfo *fi) {
    Scope s;
    memset(&s, 0, sizeof s);
    s.enclosing = scope;
    s.fn = fi;
    scope = &s;
    fi->nslots = 0;
    for (int i = 0; i < fi->nparams; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(fi->params[i], fi->params[j]) == 0)
                fatal("name error at line %d: duplicate parameter '%s'", fi->line, fi->params[i]);
        declare(fi->params[i]);
    }
    begin_block();
    resolve_block_contents(fi->body);
    end_block();
    scope = s.enclosing;
    free(s.locals);
}

static void resolve_expr(Node *n) {
    switch ((NodeKind)n->kind) {
    case N_INT:
    case N_FLOAT:
    case N_STR:
    case N_TRUE:
    case N_FALSE:
    case N_NIL:
        return;
    case N_VAR:
        resolve_name(n);
        return;
    case N_UNARY:
        resolve_expr(n->a);
        return;
    case N_BINARY:
    case N_AND:
    case N_OR:
    case N_INDEX:
    case N_RANGE:
        resolve_expr(n->a);
        resolve_expr(n->b);
        return;
    case N_FIELD:
        resolve_expr(n->a);
        return;
    case N_CALL:
        resolve_expr(n->a);
        for (int i = 0; i < n->nlist; i++) resolve_expr(n->list[i]);
        return;
    case N_LIST:
    case N_MAP:
        for (int i = 0; i < n->nlist; i++) resolve_expr(n->list[i]);
        return;
    case N_FUNC:
        resolve_function(n->fn);
        return;
    default:
        fatal("internal error: statement node in expression position");
    }
}

static void resolve_block_contents(Node *block) {
    /* hoist function declarations so they can call each other */
    for (int i = 0; i < block->nlist; i++) {
        Node *s = block->list[i];
        if (s->kind == N_FNDECL) s->slot = declare(s->name);
    }
    for (int i = 0; i < block->nlist; i++) resolve_stmt(block->list[i]);
}

static void resolve_stmt(Node *n) {
    switch ((NodeKind)n->kind) {
    case N_LET:
        if (n->a) resolve_expr(n->a);
        n->slot = declare(n->name);
        return;
    case N_FNDECL:
        resolve_function(n->fn);
        return;
    case N_ASSIGN:
        resolve_expr(n->a);
        resolve_expr(n->b);
        return;
    case N_EXPR:
        resolve_expr(n->a);
        return;
    case N_IF:
        resolve_expr(n->a);
        resolve_stmt(n->b);
        if (n->c) resolve_stmt(n->c);
        return;
    case N_WHILE:
        resolve_expr(n->a);
        scope->loops++;
        resolve_stmt(n->b);
        scope->loops--;
        return;
    case N_FOR:
        resolve_expr(n->a);
        begin_block();
        n->slot = declare(n->name);
        scope->loops++;
        resolve_stmt(n->b);
        scope->loops--;
        end_block();
        return;
    case N_RETURN:
        if (!scope->enclosing) fatal("name error at line %d: return outside a function", n->line);
        if (n->a) resolve_expr(n->a);
        return;
    case N_BREAK:
    case N_CONTINUE:
        if (scope->loops == 0) fatal("name error at line %d: %s outside a loop", n->line, node_names[n->kind]);
        return;
    case N_BLOCK:
        begin_block();
        resolve_block_contents(n);
        end_block();
        return;
    default:
        fatal("internal error: expression node in statement position");
    }
}

/* ======================================================================
 * Arithmetic shared by the constant folder and the interpreter
 * ====================================================================== */

/* Returns 1 and sets *out when the operation is defined for two ints,
 * 0 when it would trap (division by zero), -1 for an unknown operator. */
static int int_binop(int op, int64_t x, int64_t y, Value *out) {
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    switch (op) {
    case T_PLUS:
        *out = int_value((int64_t)(ux + uy));
        return 1;
    case T_MINUS:
        *out = int_value((int64_t)(ux - uy));
        return 1;
    case T_STAR:
        *out = int_value((int64_t)(ux * uy));
        return 1;
    case T_SLASH:
        if (y == 0) return 0;
        if (x == INT64_MIN && y == -1) {
            *out = int_value(INT64_MIN);
            return 1;
        }
        *out = int_value(x / y);
        return 1;
    case T_PERCENT:
        if (y == 0) return 0;
        if (y == -1) {
            *out = int_value(0);
            return 1;
        }
        *out = int_value(x % y);
        return 1;
    case T_AMP:
        *out = int_value(x & y);
        return 1;
    case T_PIPE:
        *out = int_value(x | y);
        return 1;
    case T_CARET:
        *out = int_value(x ^ y);
        return 1;
    case T_SHL:
        *out = int_value((int64_t)(ux << (y & 63)));
        return 1;
    case T_SHR:
        *out = int_value(x >> (y & 63));
        return 1;
    case T_EQ:
        *out = bool_value(x == y);
        return 1;
    case T_NE:
        *out = bool_value(x != y);
        return 1;
    case T_LT:
        *out = bool_value(x < y);
        return 1;
    case T_LE:
        *out = bool_value(x <= y);
        return 1;
    case T_GT:
        *out = bool_value(x > y);
        return 1;
    case T_GE:
        *out = bool_value(x >= y);
        return 1;
    default:
        return -1;
    }
}

static int float_binop(int op, double x, double y, Value *out) {
    switch (op) {
    case T_PLUS:
        *out = float_value(x + y);
        return 1;
    case T_MINUS:
        *out = float_value(x - y);
        return 1;
    case T_STAR:
        *out = float_value(x * y);
        return 1;
    case T_SLASH:
        *out = float_value(x / y);
        return 1;
    case T_PERCENT:
        *out = float_value(fmod(x, y));
        return 1;
    case T_EQ:
        *out = bool_value(x == y);
        return 1;
    case T_NE:
        *out = bool_value(x != y);
        return 1;
    case T_LT:
        *out = bool_value(x < y);
        return 1;
    case T_LE:
        *out = bool_value(x <= y);
        return 1;
    case T_GT:
        *out = bool_value(x > y);
        return 1;
    case T_GE:
        *out = bool_value(x >= y);
        return 1;
    default:
        return -1;
    }
}

/* ======================================================================
 * Constant folding
 * ====================================================================== */

static uint32_t folds;

static int is_literal(const Node *n) {
    return n->kind == N_INT || n->kind == N_FLOAT || n->kind == N_TRUE || n->kind == N_FALSE ||
           n->kind == N_NIL || n->kind == N_STR;
}

static Value literal_value(const Node *n) {
    switch (n->kind) {
    case N_INT:
        return int_value(n->ival);
    case N_FLOAT:
        return float_value(n->fval);
    case N_TRUE:
        return bool_value(1);
    case N_FALSE:
        return bool_value(0);
    case N_STR:
        return obj_value(n->str);
    default:
        return nil_value();
    }
}

static Node *literal_node(Value v, int line) {
    Node *n;
    switch (v.kind) {
    case V_INT:
        n = node_new(N_INT, line);
        n->ival = v.as.i;
        return n;
    case V_FLOAT:
        n = node_new(N_FLOAT, line);
        n->fval = v.as.f;
        return n;
    case V_BOOL:
        return node_new(v.as.i ? N_TRUE : N_FALSE, line);
    case V_OBJ:
        n = node_new(N_STR, line);
        n->str = as_string(v);
        return n;
    default:
        return node_new(N_NIL, line);
    }
}

static Node *fold_expr(Node *n);
static Node *fold_stmt(Node *n);

static void fold_function(FuncInfo *fi) { fi->body = fold_stmt(fi->body); }

static Node *fold_unary(Node *n) {
    Node *a = n->a;
    if (!is_literal(a)) return n;
    Value v = literal_value(a);
    if (n->op == T_BANG) {
        folds++;
        return literal_node(bool_value(!truthy(v)), n->line);
    }
    if (n->op == T_MINUS) {
        if (v.kind == V_INT) {
            folds++;
            return literal_node(int_value((int64_t)(0 - (uint64_t)v.as.i)), n->line);
        }
        if (v.kind == V_FLOAT) {
            folds++;
            return literal_node(float_value(-v.as.f), n->line);
        }
    }
    if (n->op == T_TILDE && v.kind == V_INT) {
        folds++;
        return literal_node(int_value(~v.as.i), n->line);
    }
    return n;
}

static Node *fold_binary(Node *n) {
    if (!is_literal(n->a) || !is_literal(n->b)) return n;
    Value x = literal_value(n->a), y = literal_value(n->b), r;
    if (x.kind == V_INT && y.kind == V_INT) {
        if (int_binop(n->op, x.as.i, y.as.i, &r) == 1) {
            folds++;
            return literal_node(r, n->line);
        }
        return n;
    }
    if (is_number(x) && is_number(y)) {
        if (n->op == T_AMP || n->op == T_PIPE || n->op == T_CARET || n->op == T_SHL || n->op == T_SHR) return n;
        if (float_binop(n->op, as_double(x), as_double(y), &r) == 1) {
            folds++;
            return literal_node(r, n->line);
        }
        return n;
    }
    if (is_string(x) && is_string(y) && n->op == T_PLUS) {
        OString *a = as_string(x), *b = as_string(y);
        OString *s = string_alloc(a->len + b->len, 1);
        memcpy(s->chars, a->chars, a->len);
        memcpy(s->chars + a->len, b->chars, b->len);
        string_finish(s);
        folds++;
        return literal_node(obj_value(s), n->line);
    }
    return n;
}

static Node *fold_expr(Node *n) {
    switch ((NodeKind)n->kind) {
    case N_UNARY:
        n->a = fold_expr(n->a);
        return fold_unary(n);
    case N_BINARY:
        n->a = fold_expr(n->a);
        n->b = fold_expr(n->b);
        return fold_binary(n);
    case N_AND:
    case N_OR: {
        n->a = fold_expr(n->a);
        n->b = fold_expr(n->b);
        if (!is_literal(n->a)) return n;
        int t = truthy(literal_value(n->a));
        folds++;
        if (n->kind == N_AND) return t ? n->b : n->a;
        return t ? n->a : n->b;
    }
    case N_INDEX:
    case N_RANGE:
        n->a = fold_expr(n->a);
        n->b = fold_expr(n->b);
        return n;
    case N_FIELD:
        n->a = fold_expr(n->a);
        return n;
    case N_CALL:
        n->a = fold_expr(n->a);
        for (int i = 0; i < n->nlist; i++) n->list[i] = fold_expr(n->list[i]);
        return n;
    case N_LIST:
    case N_MAP:
        for (int i = 0; i < n->nlist; i++) n->list[i] = fold_expr(n->list[i]);
        return n;
    case N_FUNC:
        fold_function(n->fn);
        return n;
    default:
        return n;
    }
}

static Node *empty_block(int line) { return node_new(N_BLOCK, line); }

static Node *fold_stmt(Node *n) {
    switch ((NodeKind)n->kind) {
    case N_LET:
        if (n->a) n->a = fold_expr(n->a);
        return n;
    case N_FNDECL:
        fold_function(n->fn);
        return n;
    case N_ASSIGN:
        n->a = fold_expr(n->a);
        n->b = fold_expr(n->b);
        return n;
    case N_EXPR:
        n->a = fold_expr(n->a);
        return n;
    case N_RETURN:
        if (n->a) n->a = fold_expr(n->a);
        return n;
    case N_IF:
        n->a = fold_expr(n->a);
        n->b = fold_stmt(n->b);
        if (n->c) n->c = fold_stmt(n->c);
        if (is_literal(n->a)) {
            folds++;
            if (truthy(literal_value(n->a))) return n->b;
            return n->c ? n->c : empty_block(n->line);
        }
        return n;
    case N_WHILE:
        n->a = fold_expr(n->a);
        n->b = fold_stmt(n->b);
        if (is_literal(n->a) && !truthy(literal_value(n->a))) {
            folds++;
            return empty_block(n->line);
        }
        return n;
    case N_FOR:
        n->a = fold_expr(n->a);
        n->b = fold_stmt(n->b);
        return n;
    case N_BLOCK:
        for (int i = 0; i < n->nlist; i++) n->list[i] = fold_stmt(n->list[i]);
        return n;
    default:
        return n;
    }
}

/* ======================================================================
 * AST printer (S-expressions); its hash is part of the checksum
 * ====================================================================== */

static void dump_node(Buf *b, const Node *n, int indent);

static void dump_indent(Buf *b, int indent) {
    buf_putc(b, '\n');
    for (int i = 0; i < indent; i++) buf_puts(b, "  ");
}

static void dump_function(Buf *b, const FuncInfo *fi, int indent) {
    buf_puts(b, "(fn ");
    buf_puts(b, fi->name);
    buf_puts(b, " (");
    for (int i = 0; i < fi->nparams; i++) {
        if (i) buf_putc(b, ' ');
        buf_puts(b, fi->params[i]);
    }
    buf_printf(b, ") slots=%d", fi->nslots);
    dump_indent(b, indent + 1);
    dump_node(b, fi->body, indent + 1);
    buf_putc(b, ')');
}

static void dump_node(Buf *b, const Node *n, int indent) {
    switch ((NodeKind)n->kind) {
    case N_INT:
        buf_put_i64(b, n->ival);
        return;
    case N_FLOAT:
        buf_put_f64(b, n->fval);
        return;
    case N_STR:
        string_to_buf(b, n->str, 1);
        return;
    case N_TRUE:
        buf_puts(b, "true");
        return;
    case N_FALSE:
        buf_puts(b, "false");
        return;
    case N_NIL:
        buf_puts(b, "nil");
        return;
    case N_VAR:
        buf_printf(b, "%s@%d.%d", n->name, n->hops, n->slot);
        return;
    case N_UNARY:
        buf_printf(b, "(%s ", tok_names[n->op]);
        dump_node(b, n->a, indent);
        buf_putc(b, ')');
        return;
    case N_BINARY:
    case N_AND:
    case N_OR:
        buf_printf(b, "(%s ", n->kind == N_BINARY ? tok_names[n->op] : node_names[n->kind]);
        dump_node(b, n->a, indent);
        buf_putc(b, ' ');
        dump_node(b, n->b, indent);
        buf_putc(b, ')');
        return;
    case N_CALL:
        buf_puts(b, "(call ");
        dump_node(b, n->a, indent);
        for (int i = 0; i < n->nlist; i++) {
            buf_putc(b, ' ');
            dump_node(b, n->list[i], indent);
        }
        buf_putc(b, ')');
        return;
    case N_INDEX:
    case N_RANGE:
        buf_printf(b, "(%s ", node_names[n->kind]);
        dump_node(b, n->a, indent);
        buf_putc(b, ' ');
        dump_node(b, n->b, indent);
        buf_putc(b, ')');
        return;
    case N_FIELD:
        buf_puts(b, "(. ");
        dump_node(b, n->a, indent);
        buf_putc(b, ' ');
        string_to_buf(b, n->str, 0);
        buf_putc(b, ')');
        return;
    case N_LIST:
    case N_MAP:
        buf_puts(b, n->kind == N_LIST ? "[" : "{");
        for (int i = 0; i < n->nlist; i++) {
            if (i) buf_putc(b, ' ');
            dump_node(b, n->list[i], indent);
        }
        buf_puts(b, n->kind == N_LIST ? "]" : "}");
        return;
    case N_FUNC:
        dump_function(b, n->fn, indent);
        return;
    case N_LET:
        buf_printf(b, "(let %s@%d", n->name, n->slot);
        if (n->a) {
            buf_putc(b, ' ');
            dump_node(b, n->a, indent);
        }
        buf_putc(b, ')');
        return;
    case N_FNDECL:
        buf_printf(b, "(def %s@%d ", n->name, n->slot);
        dump_function(b, n->fn, indent);
        buf_putc(b, ')');
        return;
    case N_ASSIGN:
        buf_printf(b, "(set%s ", n->op ? tok_names[n->op] : "");
        dump_node(b, n->a, indent);
        buf_putc(b, ' ');
        dump_node(b, n->b, indent);
        buf_putc(b, ')');
        return;
    case N_EXPR:
        dump_node(b, n->a, indent);
        return;
    case N_IF:
        buf_puts(b, "(if ");
        dump_node(b, n->a, indent);
        dump_indent(b, indent + 1);
        dump_node(b, n->b, indent + 1);
        if (n->c) {
            dump_indent(b, indent + 1);
            dump_node(b, n->c, indent + 1);
        }
        buf_putc(b, ')');
        return;
    case N_WHILE:
        buf_puts(b, "(while ");
        dump_node(b, n->a, indent);
        dump_indent(b, indent + 1);
        dump_node(b, n->b, indent + 1);
        buf_putc(b, ')');
        return;
    case N_FOR:
        buf_printf(b, "(for %s@%d ", n->name, n->slot);
        dump_node(b, n->a, indent);
        dump_indent(b, indent + 1);
        dump_node(b, n->b, indent + 1);
        buf_putc(b, ')');
        return;
    case N_RETURN:
        buf_puts(b, "(return");
        if (n->a) {
            buf_putc(b, ' ');
            dump_node(b, n->a, indent);
        }
        buf_putc(b, ')');
        return;
    case N_BREAK:
        buf_puts(b, "(break)");
        return;
    case N_CONTINUE:
        buf_puts(b, "(continue)");
        return;
    case N_BLOCK:
        buf_puts(b, "(block");
        for (int i = 0; i < n->nlist; i++) {
            dump_indent(b, indent + 1);
            dump_node(b, n->list[i], indent + 1);
        }
        buf_putc(b, ')');
        return;
    default:
        buf_puts(b, "<?>");
    }
}

/* ======================================================================
 * Interpreter
 * ====================================================================== */

enum { EX_NORMAL, EX_BREAK, EX_CONTINUE, EX_RETURN };

#define MAX_CALL_DEPTH 2000

static uint64_t steps_executed;
static uint64_t calls_made;
static int call_depth;

static inline OEnv *current_env(void) { return envstack[envsp - 1]; }

static OEnv *env_new(OEnv *parent, int n) {
    OEnv *e = (OEnv *)alloc_obj(sizeof(OEnv) + (size_t)n * sizeof(Value), O_ENV, 0);
    e->parent = parent;
    e->n = (uint32_t)n;
    for (int i = 0; i < n; i++) e->slots[i] = nil_value();
    return e;
}

static OFunc *func_new(FuncInfo *fi, OEnv *env) {
    OFunc *f = (OFunc *)alloc_obj(sizeof(OFunc), O_FUNC, 0);
    f->info = fi;
    f->env = env;
    return f;
}

static inline OEnv *env_at(int hops) {
    OEnv *e = current_env();
    while (hops-- > 0) e = e->parent;
    return e;
}

static void eval(Node *n);
static int exec(Node *n);
static void call_value(int argc, int line);

/* Concatenate the two values on top of the stack as strings. */
static Value concat_values(Value a, Value b) {
    Buf tmp = {0};
    const char *pa, *pb;
    size_t la, lb;
    size_t split = 0;
    if (is_string(a)) {
        pa = as_string(a)->chars;
        la = as_string(a)->len;
    } else {
        value_to_buf(&tmp, a, 0, 0);
        split = tmp.len;
        pa = NULL;
        la = tmp.len;
    }
    if (is_string(b)) {
        pb = as_string(b)->chars;
        lb = as_string(b)->len;
    } else {
        size_t before = tmp.len;
        value_to_buf(&tmp, b, 0, 0);
        pb = NULL;
        lb = tmp.len - before;
    }
    OString *s = string_alloc((uint32_t)(la + lb), 0); /* operands are still on the stack */
    memcpy(s->chars, pa ? pa : tmp.data, la);
    memcpy(s->chars + la, pb ? pb : tmp.data + split, lb);
    string_finish(s);
    buf_free(&tmp);
    return obj_value(s);
}

static void binary_op(int op, int line) {
    Value b = peek(0), a = peek(1), r;
    if (a.kind == V_INT && b.kind == V_INT) {
        int k = int_binop(op, a.as.i, b.as.i, &r);
        if (k == 0) runtime_error(line, "integer division by zero");
        if (k < 0) runtime_error(line, "bad operator %s for ints", tok_names[op]);
    } else if (is_number(a) && is_number(b)) {
        if (float_binop(op, as_double(a), as_double(b), &r) != 1)
            runtime_error(line, "operator %s needs ints", tok_names[op]);
    } else if (op == T_EQ || op == T_NE) {
        int eq = values_equal(a, b);
        r = bool_value(op == T_EQ ? eq : !eq);
    } else if (op == T_PLUS && (is_string(a) || is_string(b))) {
        r = concat_values(a, b);
    } else if (op == T_PLUS && is_list(a) && is_list(b)) {
        OList *x = as_list(a), *y = as_list(b);
        OList *l = list_new(x->count + y->count);
        memcpy(l->items, x->items, x->count * sizeof(Value));
        memcpy(l->items + x->count, y->items, y->count * sizeof(Value));
        l->count = x->count + y->count;
        r = obj_value(l);
    } else if (op == T_STAR && is_string(a) && b.kind == V_INT) {
        OString *s = as_string(a);
        int64_t times = b.as.i < 0 ? 0 : b.as.i;
        if ((uint64_t)times * s->len > 100000000u) runtime_error(line, "string too long");
        OString *t = string_alloc((uint32_t)(s->len * (uint64_t)times), 0);
        for (int64_t i = 0; i < times; i++) memcpy(t->chars + (size_t)i * s->len, s->chars, s->len);
        string_finish(t);
        r = obj_value(t);
    } else if ((op == T_LT || op == T_LE || op == T_GT || op == T_GE) && is_string(a) && is_string(b)) {
        int c = string_cmp(as_string(a), as_string(b));
        r = bool_value(op == T_LT ? c < 0 : op == T_LE ? c <= 0 : op == T_GT ? c > 0 : c >= 0);
    } else {
        runtime_error(line, "unsupported operands for %s: %s and %s", tok_names[op], type_name(a), type_name(b));
        return;
    }
    vsp -= 2;
    push(r);
}

static void unary_op(int op, int line) {
    Value a = peek(0);
    switch (op) {
    case T_BANG:
        vstack[vsp - 1] = bool_value(!truthy(a));
        return;
    case T_MINUS:
        if (a.kind == V_INT) {
            vstack[vsp - 1] = int_value((int64_t)(0 - (uint64_t)a.as.i));
            return;
        }
        if (a.kind == V_FLOAT) {
            vstack[vsp - 1] = float_value(-a.as.f);
            return;
        }
        break;
    case T_TILDE:
        if (a.kind == V_INT) {
            vstack[vsp - 1] = int_value(~a.as.i);
            return;
        }
        break;
    }
    runtime_error(line, "bad operand for unary %s: %s", tok_names[op], type_name(a));
}

static int64_t list_index(OList *l, Value idx, int line) {
    if (idx.kind != V_INT) runtime_error(line, "list index must be an int, not %s", type_name(idx));
    int64_t i = idx.as.i;
    if (i < 0) i += l->count;
    if (i < 0 || i >= (int64_t)l->count) runtime_error(line, "list index %lld out of range (length %u)", (long long)idx.as.i, l->count);
    return i;
}

/* [container, key] -> [value] */
static void index_get(int line) {
    Value obj = peek(1), idx = peek(0), r = nil_value();
    if (obj.kind != V_OBJ) runtime_error(line, "cannot index a %s", type_name(obj));
    switch (obj.as.o->kind) {
    case O_LIST:
        r = as_list(obj)->items[list_index(as_list(obj), idx, line)];
        break;
    case O_MAP:
        if (!map_get(as_map(obj), idx, &r, line)) r = nil_value();
        break;
    case O_STRING: {
        OString *s = as_string(obj);
        if (idx.kind != V_INT) runtime_error(line, "string index must be an int");
        int64_t i = idx.as.i < 0 ? idx.as.i + s->len : idx.as.i;
        if (i < 0 || i >= (int64_t)s->len) runtime_error(line, "string index out of range");
        r = obj_value(string_new(s->chars + i, 1, 0));
        break;
    }
    default:
        runtime_error(line, "cannot index a %s", type_name(obj));
    }
    vsp -= 2;
    push(r);
}

/* [container, key, value] -> [] */
static void index_set(int line) {
    Value obj = peek(2), idx = peek(1), val = peek(0);
    if (is_list(obj)) {
        OList *l = as_list(obj);
        l->items[list_index(l, idx, line)] = val;
    } else if (is_map(obj)) {
        map_set(as_map(obj), idx, val, line);
    } else {
        runtime_error(line, "cannot assign into a %s", type_name(obj));
    }
    vsp -= 3;
}

static int exec_block(Node *block) {
    for (int i = 0; i < block->nlist; i++) {
        int st = exec(block->list[i]);
        if (st != EX_NORMAL) return st;
    }
    return EX_NORMAL;
}

static void call_value(int argc, int line) {
    Value callee = vstack[vsp - argc - 1];
    if (callee.kind != V_OBJ) runtime_error(line, "cannot call a %s", type_name(callee));
    calls_made++;
    if (callee.as.o->kind == O_FUNC) {
        OFunc *f = (OFunc *)callee.as.o;
        FuncInfo *fi = f->info;
        if (argc > fi->nparams)
            runtime_error(line, "%s expects at most %d arguments, got %d", fi->name, fi->nparams, argc);
        if (call_depth >= MAX_CALL_DEPTH || envsp >= ENV_MAX) runtime_error(line, "call stack overflow");
        OEnv *env = env_new(f->env, fi->nslots);
        for (int i = 0; i < argc; i++) env->slots[i] = vstack[vsp - argc + i];
        vsp -= argc + 1;
        envstack[envsp++] = env;
        call_depth++;
        fi->calls++;
        int base = vsp;
        int st = exec_block(fi->body);
        if (vsp != base) fatal("internal error: unbalanced stack in %s", fi->name);
        call_depth--;
        envsp--;
        push(st == EX_RETURN ? retval : nil_value());
        retval = nil_value();
        return;
    }
    if (callee.as.o->kind == O_NATIVE) {
        ONative *nat = (ONative *)callee.as.o;
        if (argc < nat->min_args || argc > nat->max_args)
            runtime_error(line, "%s expects %d..%d arguments, got %d", nat->name, nat->min_args, nat->max_args, argc);
        Value r = nat->fn(&vstack[vsp - argc], argc, line);
        vsp -= argc + 1;
        push(r);
        return;
    }
    runtime_error(line, "cannot call a %s", type_name(callee));
}

static void eval(Node *n) {
    switch ((NodeKind)n->kind) {
    case N_INT:
        push(int_value(n->ival));
        return;
    case N_FLOAT:
        push(float_value(n->fval));
        return;
    case N_STR:
        push(obj_value(n->str));
        return;
    case N_TRUE:
        push(bool_value(1));
        return;
    case N_FALSE:
        push(bool_value(0));
        return;
    case N_NIL:
        push(nil_value());
        return;
    case N_VAR:
        push(env_at(n->hops)->slots[n->slot]);
        return;
    case N_UNARY:
        eval(n->a);
        unary_op(n->op, n->line);
        return;
    case N_BINARY:
        eval(n->a);
        eval(n->b);
        binary_op(n->op, n->line);
        return;
    case N_AND:
        eval(n->a);
        if (!truthy(peek(0))) return;
        vsp--;
        eval(n->b);
        return;
    case N_OR:
        eval(n->a);
        if (truthy(peek(0))) return;
        vsp--;
        eval(n->b);
        return;
    case N_CALL:
        eval(n->a);
        for (int i = 0; i < n->nlist; i++) eval(n->list[i]);
        call_value(n->nlist, n->line);
        return;
    case N_INDEX:
        eval(n->a);
        eval(n->b);
        index_get(n->line);
        return;
    case N_FIELD:
        eval(n->a);
        if (!is_map(peek(0))) runtime_error(n->line, "field access on a %s", type_name(peek(0)));
        push(obj_value(n->str));
        index_get(n->line);
        return;
    case N_LIST: {
        OList *l = list_new((uint32_t)n->nlist);
        push(obj_value(l));
        for (int i = 0; i < n->nlist; i++) {
            eval(n->list[i]);
            Value v = pop();
            list_push(l, v);
        }
        return;
    }
    case N_MAP: {
        OMap *m = map_new();
        push(obj_value(m));
        for (int i = 0; i + 1 < n->nlist; i += 2) {
            eval(n->list[i]);
            eval(n->list[i + 1]);
            map_set(m, peek(1), peek(0), n->line);
            vsp -= 2;
        }
        return;
    }
    case N_FUNC:
        push(obj_value(func_new(n->fn, current_env())));
        return;
    case N_RANGE:
        runtime_error(n->line, "a range is only allowed in a for loop");
        return;
    default:
        fatal("internal error: cannot evaluate %s", node_names[n->kind]);
    }
}

static int exec_assign(Node *n) {
    Node *t = n->a;
    if (t->kind == N_VAR) {
        OEnv *e = env_at(t->hops);
        if (n->op) {
            push(e->slots[t->slot]);
            eval(n->b);
            binary_op(n->op, n->line);
        } else {
            eval(n->b);
        }
        e->slots[t->slot] = pop();
        return EX_NORMAL;
    }
    eval(t->a);
    if (t->kind == N_INDEX) {
        eval(t->b);
    } else {
        if (!is_map(peek(0))) runtime_error(n->line, "field assignment on a %s", type_name(peek(0)));
        push(obj_value(t->str));
    }
    if (n->op) {
        push(peek(1));
        push(peek(1));
        index_get(n->line);
        eval(n->b);
        binary_op(n->op, n->line);
    } else {
        eval(n->b);
    }
    index_set(n->line);
    return EX_NORMAL;
}

static OList *map_keys(OMap *m) {
    OList *l = list_new(m->count);
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->entries[i].state == 1) l->items[l->count++] = m->entries[i].key;
    return l;
}

static int exec_for(Node *n) {
    OEnv *env = current_env();
    int slot = n->slot;
    Node *it = n->a;
    int st = EX_NORMAL;
    if (it->kind == N_RANGE) {
        eval(it->a);
        eval(it->b);
        Value hi = pop(), lo = pop();
        if (lo.kind != V_INT || hi.kind != V_INT) runtime_error(n->line, "range bounds must be ints");
        for (int64_t i = lo.as.i; i < hi.as.i; i++) {
            env->slots[slot] = int_value(i);
            st = exec(n->b);
            if (st == EX_BREAK) return EX_NORMAL;
            if (st == EX_RETURN) return st;
        }
        return EX_NORMAL;
    }
    eval(it);
    int base = vsp - 1;
    Value coll = peek(0);
    if (is_map(coll)) {
        OList *keys = map_keys(as_map(coll));
        push(obj_value(keys));
        coll = obj_value(keys);
    }
    if (is_list(coll)) {
        OList *l = as_list(coll);
        for (uint32_t i = 0; i < l->count; i++) {
            env->slots[slot] = l->items[i];
            st = exec(n->b);
            if (st == EX_BREAK || st == EX_RETURN) break;
        }
    } else if (is_string(coll)) {
        OString *s = as_string(coll);
        for (uint32_t i = 0; i < s->len; i++) {
            OString *c = string_new(s->chars + i, 1, 0);
            env->slots[slot] = obj_value(c);
            st = exec(n->b);
            if (st == EX_BREAK || st == EX_RETURN) break;
        }
    } else {
        runtime_error(n->line, "cannot iterate over a %s", type_name(coll));
    }
    vsp = base;
    return st == EX_RETURN ? EX_RETURN : EX_NORMAL;
}

static int exec(Node *n) {
    steps_executed++;
    switch ((NodeKind)n->kind) {
    case N_EXPR:
        eval(n->a);
        vsp--;
        return EX_NORMAL;
    case N_LET:
        if (n->a) {
            eval(n->a);
        } else {
            push(nil_value());
        }
        current_env()->slots[n->slot] = pop();
        return EX_NORMAL;
    case N_FNDECL: {
        OFunc *f = func_new(n->fn, current_env());
        current_env()->slots[n->slot] = obj_value(f);
        return EX_NORMAL;
    }
    case N_ASSIGN:
        return exec_assign(n);
    case N_IF:
        eval(n->a);
        if (truthy(pop())) return exec(n->b);
        if (n->c) return exec(n->c);
        return EX_NORMAL;
    case N_WHILE:
        for (;;) {
            eval(n->a);
            if (!truthy(pop())) break;
            int st = exec(n->b);
            if (st == EX_BREAK) break;
            if (st == EX_RETURN) return st;
        }
        return EX_NORMAL;
    case N_FOR:
        return exec_for(n);
    case N_RETURN:
        if (n->a) {
            eval(n->a);
            retval = pop();
        } else {
            retval = nil_value();
        }
        return EX_RETURN;
    case N_BREAK:
        return EX_BREAK;
    case N_CONTINUE:
        return EX_CONTINUE;
    case N_BLOCK:
        return exec_block(n);
    default:
        fatal("internal error: cannot execute %s", node_names[n->kind]);
        return EX_NORMAL;
    }
}

/* ======================================================================
 * Built-in functions
 * ====================================================================== */

static Buf script_output;
static uint32_t output_lines;
static int verbose;

static OString *arg_string(Value *args, int i, const char *fn, int line) {
    if (!is_string(args[i])) runtime_error(line, "%s: argument %d must be a string, not %s", fn, i + 1, type_name(args[i]));
    return as_string(args[i]);
}

static OList *arg_list(Value *args, int i, const char *fn, int line) {
    if (!is_list(args[i])) runtime_error(line, "%s: argument %d must be a list, not %s", fn, i + 1, type_name(args[i]));
    return as_list(args[i]);
}

static OMap *arg_map(Value *args, int i, const char *fn, int line) {
    if (!is_map(args[i])) runtime_error(line, "%s: argument %d must be a map, not %s", fn, i + 1, type_name(args[i]));
    return as_map(args[i]);
}

static int64_t arg_int(Value *args, int i, const char *fn, int line) {
    if (args[i].kind != V_INT) runtime_error(line, "%s: argument %d must be an int, not %s", fn, i + 1, type_name(args[i]));
    return args[i].as.i;
}

static double arg_number(Value *args, int i, const char *fn, int line) {
    if (!is_number(args[i])) runtime_error(line, "%s: argument %d must be a number, not %s", fn, i + 1, type_name(args[i]));
    return as_double(args[i]);
}

static Value nat_print(Value *args, int argc, int line) {
    (void)line;
    size_t start = script_output.len;
    for (int i = 0; i < argc; i++) {
        if (i) buf_putc(&script_output, ' ');
        value_to_buf(&script_output, args[i], 0, 0);
    }
    buf_putc(&script_output, '\n');
    output_lines++;
    if (verbose) fwrite(script_output.data + start, 1, script_output.len - start, stdout);
    return nil_value();
}

static Value nat_len(Value *args, int argc, int line) {
    (void)argc;
    Value v = args[0];
    if (is_string(v)) return int_value(as_string(v)->len);
    if (is_list(v)) return int_value(as_list(v)->count);
    if (is_map(v)) return int_value(as_map(v)->count);
    runtime_error(line, "len: a %s has no length", type_name(v));
    return nil_value();
}

static Value nat_push(Value *args, int argc, int line) {
    (void)argc;
    OList *l = arg_list(args, 0, "push", line);
    list_push(l, args[1]);
    return int_value(l->count);
}

static Value nat_pop(Value *args, int argc, int line) {
    (void)argc;
    OList *l = arg_list(args, 0, "pop", line);
    if (l->count == 0) runtime_error(line, "pop: empty list");
    return l->items[--l->count];
}

static Value nat_str(Value *args, int argc, int line) {
    (void)argc;
    (void)line;
    if (is_string(args[0])) return args[0];
    Buf b = {0};
    value_to_buf(&b, args[0], 0, 0);
    OString *s = string_new(b.data, b.len, 0);
    buf_free(&b);
    return obj_value(s);
}

static Value nat_int(Value *args, int argc, int line) {
    (void)argc;
    Value v = args[0];
    switch (v.kind) {
    case V_INT:
        return v;
    case V_BOOL:
        return int_value(v.as.i);
    case V_FLOAT:
        if (!(v.as.f > -9.2e18 && v.as.f < 9.2e18)) runtime_error(line, "int: %g out of range", v.as.f);
        return int_value((int64_t)v.as.f);
    default:
        break;
    }
    if (is_string(v)) {
        OString *s = as_string(v);
        uint32_t i = 0;
        int neg = 0;
        uint64_t acc = 0;
        if (i < s->len && (s->chars[i] == '-' || s->chars[i] == '+')) neg = s->chars[i++] == '-';
        if (i == s->len) return nil_value();
        for (; i < s->len; i++) {
            char c = s->chars[i];
            if (c < '0' || c > '9') return nil_value();
            acc = acc * 10 + (uint64_t)(c - '0');
        }
        return int_value(neg ? (int64_t)(0 - acc) : (int64_t)acc);
    }
    runtime_error(line, "int: cannot convert a %s", type_name(v));
    return nil_value();
}

static Value nat_float(Value *args, int argc, int line) {
    (void)argc;
    return float_value(arg_number(args, 0, "float", line));
}

static Value nat_floor(Value *args, int argc, int line) {
    (void)argc;
    if (args[0].kind == V_INT) return args[0];
    double d = floor(arg_number(args, 0, "floor", line));
    if (!(d > -9.2e18 && d < 9.2e18)) runtime_error(line, "floor: out of range");
    return int_value((int64_t)d);
}

static Value nat_sqrt(Value *args, int argc, int line) {
    (void)argc;
    return float_value(sqrt(arg_number(args, 0, "sqrt", line)));
}

static Value nat_abs(Value *args, int argc, int line) {
    (void)argc;
    if (args[0].kind == V_INT) return int_value(args[0].as.i < 0 ? (int64_t)(0 - (uint64_t)args[0].as.i) : args[0].as.i);
    return float_value(fabs(arg_number(args, 0, "abs", line)));
}

static Value nat_min(Value *args, int argc, int line) {
    Value best = args[0];
    for (int i = 1; i < argc; i++)
        if (compare_values(args[i], best, line) < 0) best = args[i];
    return best;
}

static Value nat_max(Value *args, int argc, int line) {
    Value best = args[0];
    for (int i = 1; i < argc; i++)
        if (compare_values(args[i], best, line) > 0) best = args[i];
    return best;
}

static Value nat_chr(Value *args, int argc, int line) {
    (void)argc;
    int64_t c = arg_int(args, 0, "chr", line);
    if (c < 0 || c > 255) runtime_error(line, "chr: %lld is not a byte", (long long)c);
    char ch = (char)c;
    return obj_value(string_new(&ch, 1, 0));
}

static Value nat_ord(Value *args, int argc, int line) {
    (void)argc;
    OString *s = arg_string(args, 0, "ord", line);
    if (s->len == 0) runtime_error(line, "ord: empty string");
    return int_value((uint8_t)s->chars[0]);
}

static Value nat_substr(Value *args, int argc, int line) {
    OString *s = arg_string(args, 0, "substr", line);
    int64_t start = arg_int(args, 1, "substr", line);
    int64_t len = argc > 2 ? arg_int(args, 2, "substr", line) : (int64_t)s->len;
    if (start < 0) start += s->len;
    if (start < 0) start = 0;
    if (start > (int64_t)s->len) start = s->len;
    if (len < 0) len = 0;
    if (start + len > (int64_t)s->len) len = (int64_t)s->len - start;
    return obj_value(string_new(s->chars + start, (size_t)len, 0));
}

static int64_t find_in(const OString *s, const OString *sub, int64_t from) {
    if (from < 0) from = 0;
    if (sub->len == 0) return from <= (int64_t)s->len ? from : -1;
    for (int64_t i = from; i + sub->len <= s->len; i++) {
        if (s->chars[i] == sub->chars[0] && memcmp(s->chars + i, sub->chars, sub->len) == 0) return i;
    }
    return -1;
}

static Value nat_find(Value *args, int argc, int line) {
    OString *s = arg_string(args, 0, "find", line);
    OString *sub = arg_string(args, 1, "find", line);
    int64_t from = argc > 2 ? arg_int(args, 2, "find", line) : 0;
    return int_value(find_in(s, sub, from));
}

static Value nat_split(Value *args, int argc, int line) {
    (void)argc;
    OString *s = arg_string(args, 0, "split", line);
    OString *sep = arg_string(args, 1, "split", line);
    if (sep->len == 0) runtime_error(line, "split: empty separator");
    OList *l = list_new(0);
    push(obj_value(l));
    int64_t pos = 0;
    for (;;) {
        int64_t at = find_in(s, sep, pos);
        int64_t end = at < 0 ? (int64_t)s->len : at;
        OString *part = string_new(s->chars + pos, (size_t)(end - pos), 0);
        list_push(l, obj_value(part));
        if (at < 0) break;
        pos = at + sep->len;
    }
    vsp--;
    return obj_value(l);
}

static Value nat_join(Value *args, int argc, int line) {
    OList *l = arg_list(args, 0, "join", line);
    OString *sep = argc > 1 ? arg_string(args, 1, "join", line) : NULL;
    Buf b = {0};
    for (uint32_t i = 0; i < l->count; i++) {
        if (i && sep) buf_putn(&b, sep->chars, sep->len);
        value_to_buf(&b, l->items[i], 0, 0);
    }
    OString *s = string_new(b.data ? b.data : "", b.len, 0);
    buf_free(&b);
    return obj_value(s);
}

static Value nat_upper(Value *args, int argc, int line) {
    (void)argc;
    OString *s = arg_string(args, 0, "upper", line);
    OString *t = string_alloc(s->len, 0);
    for (uint32_t i = 0; i < s->len; i++) {
        char c = s->chars[i];
        t->chars[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    string_finish(t);
    return obj_value(t);
}

static Value nat_lower(Value *args, int argc, int line) {
    (void)argc;
    OString *s = arg_string(args, 0, "lower", line);
    OString *t = string_alloc(s->len, 0);
    for (uint32_t i = 0; i < s->len; i++) {
        char c = s->chars[i];
        t->chars[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    string_finish(t);
    return obj_value(t);
}

static Value nat_keys(Value *args, int argc, int line) {
    (void)argc;
    return obj_value(map_keys(arg_map(args, 0, "keys", line)));
}

static Value nat_values(Value *args, int argc, int line) {
    (void)argc;
    OMap *m = arg_map(args, 0, "values", line);
    OList *l = list_new(m->count);
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->entries[i].state == 1) l->items[l->count++] = m->entries[i].val;
    return obj_value(l);
}

static Value nat_has(Value *args, int argc, int line) {
    (void)argc;
    Value dummy;
    return bool_value(map_get(arg_map(args, 0, "has", line), args[1], &dummy, line));
}

static Value nat_del(Value *args, int argc, int line) {
    (void)argc;
    return bool_value(map_delete(arg_map(args, 0, "del", line), args[1], line));
}

static Value nat_list(Value *args, int argc, int line) {
    int64_t n = arg_int(args, 0, "list", line);
    if (n < 0 || n > 50000000) runtime_error(line, "list: bad length %lld", (long long)n);
    Value init = argc > 1 ? args[1] : nil_value();
    OList *l = list_new((uint32_t)n);
    for (int64_t i = 0; i < n; i++) l->items[i] = init;
    l->count = (uint32_t)n;
    return obj_value(l);
}

static Value nat_slice(Value *args, int argc, int line) {
    OList *l = arg_list(args, 0, "slice", line);
    int64_t a = argc > 1 ? arg_int(args, 1, "slice", line) : 0;
    int64_t b = argc > 2 ? arg_int(args, 2, "slice", line) : (int64_t)l->count;
    if (a < 0) a += l->count;
    if (b < 0) b += l->count;
    if (a < 0) a = 0;
    if (b > (int64_t)l->count) b = l->count;
    if (b < a) b = a;
    OList *r = list_new((uint32_t)(b - a));
    memcpy(r->items, l->items + a, (size_t)(b - a) * sizeof(Value));
    r->count = (uint32_t)(b - a);
    return obj_value(r);
}

static Value nat_hash(Value *args, int argc, int line) {
    (void)argc;
    return int_value(hash_value(args[0], line));
}

static Value nat_type(Value *args, int argc, int line) {
    (void)argc;
    (void)line;
    const char *t = type_name(args[0]);
    return obj_value(string_new(t, strlen(t), 0));
}

static Value nat_assert(Value *args, int argc, int line) {
    if (truthy(args[0])) return nil_value();
    if (argc > 1 && is_string(args[1])) runtime_error(line, "assertion failed: %s", as_string(args[1])->chars);
    runtime_error(line, "assertion failed");
    return nil_value();
}

/* sort(list [, cmp]) sorts in place (stable merge sort) and returns the list. */
static int sort_compare(Value cmp, OList *l, uint32_t expected, Value a, Value b, int line) {
    if (cmp.kind == V_NIL) return compare_values(a, b, line);
    push(cmp);
    push(a);
    push(b);
    call_value(2, line);
    Value r = pop();
    if (l->count != expected) runtime_error(line, "sort: list modified by the comparator");
    if (r.kind == V_INT) return r.as.i < 0 ? -1 : r.as.i > 0;
    if (r.kind == V_FLOAT) return r.as.f < 0 ? -1 : r.as.f > 0;
    if (r.kind == V_BOOL) return r.as.i ? -1 : 1; /* "a comes first" */
    runtime_error(line, "sort: comparator returned a %s", type_name(r));
    return 0;
}

static void merge_sort(OList *l, OList *tmp, uint32_t lo, uint32_t hi, Value cmp, int line) {
    uint32_t n = l->count;
    if (hi - lo < 2) return;
    if (hi - lo <= 8) {
        for (uint32_t i = lo + 1; i < hi; i++) {
            Value v = l->items[i];
            uint32_t j = i;
            while (j > lo && sort_compare(cmp, l, n, v, l->items[j - 1], line) < 0) {
                l->items[j] = l->items[j - 1];
                j--;
            }
            l->items[j] = v;
        }
        return;
    }
    uint32_t mid = lo + (hi - lo) / 2;
    merge_sort(l, tmp, lo, mid, cmp, line);
    merge_sort(l, tmp, mid, hi, cmp, line);
    uint32_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (sort_compare(cmp, l, n, l->items[j], l->items[i], line) < 0) tmp->items[k++] = l->items[j++];
        else tmp->items[k++] = l->items[i++];
    }
    while (i < mid) tmp->items[k++] = l->items[i++];
    while (j < hi) tmp->items[k++] = l->items[j++];
    memcpy(l->items + lo, tmp->items + lo, (hi - lo) * sizeof(Value));
}

static Value nat_sort(Value *args, int argc, int line) {
    OList *l = arg_list(args, 0, "sort", line);
    Value cmp = argc > 1 ? args[1] : nil_value();
    OList *tmp = list_new(l->count);
    for (uint32_t i = 0; i < l->count; i++) tmp->items[i] = nil_value();
    tmp->count = l->count;
    push(obj_value(tmp));
    merge_sort(l, tmp, 0, l->count, cmp, line);
    vsp--;
    return args[0];
}

typedef struct {
    const char *name;
    NativeFn fn;
    int min_args;
    int max_args;
} NativeDef;

static const NativeDef natives[] = {
    {"print", nat_print, 0, 16},  {"len", nat_len, 1, 1},       {"push", nat_push, 2, 2},
    {"pop", nat_pop, 1, 1},       {"str", nat_str, 1, 1},       {"int", nat_int, 1, 1},
    {"float", nat_float, 1, 1},   {"floor", nat_floor, 1, 1},   {"sqrt", nat_sqrt, 1, 1},
    {"abs", nat_abs, 1, 1},       {"min", nat_min, 1, 16},      {"max", nat_max, 1, 16},
    {"chr", nat_chr, 1, 1},       {"ord", nat_ord, 1, 1},       {"substr", nat_substr, 2, 3},
    {"find", nat_find, 2, 3},     {"split", nat_split, 2, 2},   {"join", nat_join, 1, 2},
    {"upper", nat_upper, 1, 1},   {"lower", nat_lower, 1, 1},   {"keys", nat_keys, 1, 1},
    {"values", nat_values, 1, 1}, {"has", nat_has, 2, 2},       {"del", nat_del, 2, 2},
    {"list", nat_list, 1, 2},     {"slice", nat_slice, 1, 3},   {"hash", nat_hash, 1, 1},
    {"type", nat_type, 1, 1},     {"assert", nat_assert, 1, 2}, {"sort", nat_sort, 1, 2},
};

#define NATIVE_COUNT ((int)(sizeof natives / sizeof natives[0]))

/* ======================================================================
 * The embedded benchmark script
 * ====================================================================== */

static const char *script_source =
    "// Pebble benchmark workload. N (the round count) is predefined.\n"
    "let MASK = 0xffffffff;\n"
    "fn mix(h, v) { return ((h ^ v) * 16777619) & MASK; }\n"
    "\n"
    "fn fib(n) { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }\n"
    "\n"
    "fn sieve(limit) {\n"
    "  let flags = list(limit + 1, true);\n"
    "  flags[0] = false; flags[1] = false;\n"
    "  let i = 2;\n"
    "  while i * i <= limit {\n"
    "    if flags[i] {\n"
    "      let j = i * i;\n"
    "      while j <= limit { flags[j] = false; j += i; }\n"
    "    }\n"
    "    i += 1;\n"
    "  }\n"
    "  let count = 0;\n"
    "  for k in 0..limit + 1 { if flags[k] { count += 1; } }\n"
    "  return count;\n"
    "}\n"
    "\n"
    "fn make_counter(step) {\n"
    "  let total = 0;\n"
    "  return fn() { total += step; return total; };\n"
    "}\n"
    "fn map_list(xs, f) { let out = []; for x in xs { push(out, f(x)); } return out; }\n"
    "fn filter_list(xs, pred) { let out = []; for x in xs { if pred(x) { push(out, x); } } return out; }\n"
    "fn fold_list(xs, f, acc) { for x in xs { acc = f(acc, x); } return acc; }\n"
    "\n"
    "fn closures(n) {\n"
    "  let c1 = make_counter(3);\n"
    "  let c2 = make_counter(7);\n"
    "  let xs = [];\n"
    "  for i in 0..n { push(xs, c1() ^ c2() + i); }\n"
    "  let sq = map_list(xs, fn(x) { return x * x % 1000003; });\n"
    "  let ev = filter_list(sq, fn(x) { return x % 2 == 0; });\n"
    "  return fold_list(ev, fn(a, b) { return (a * 31 + b) & MASK; }, 7) + len(ev);\n"
    "}\n"
    "\n"
    "fn word_stats(n, seed) {\n"
    "  let syll = [\"ka\", \"lo\", \"mi\", \"ne\", \"tu\", \"ra\", \"shi\", \"po\"];\n"
    "  let words = [];\n"
    "  for i in 0..n {\n"
    "    seed = (seed * 1103515245 + 12345) & 0x7fffffff;\n"
    "    let w = syll[seed % 8] + syll[(seed >> 8) % 8];\n"
    "    if (seed >> 16) % 3 == 0 { w += syll[(seed >> 20) % 8]; }\n"
    "    push(words, w);\n"
    "  }\n"
    "  let text = join(words, \" \");\n"
    "  let parts = split(text, \" \");\n"
    "  let freq = {};\n"
    "  for w in parts {\n"
    "    if has(freq, w) { freq[w] += 1; } else { freq[w] = 1; }\n"
    "  }\n"
    "  let ks = sort(keys(freq));\n"
    "  let h = len(text);\n"
    "  for k in ks { h = mix(h, hash(k) + freq[k]); }\n"
    "  let best = \"\";\n"
    "  let bestc = 0;\n"
    "  for k in ks { if freq[k] > bestc { best = k; bestc = freq[k]; } }\n"
    "  let vowels = 0;\n"
    "  for ch in best { if find(\"aeiou\", ch) >= 0 { vowels += 1; } }\n"
    "  print(\"words\", len(parts), \"distinct\", len(ks), \"top\", best, upper(best), bestc,\n"
    "        \"at\", find(text, best), \"vowels\", vowels);\n"
    "  return h;\n"
    "}\n"
    "\n"
    "fn queens(n) {\n"
    "  let cols = list(n, false);\n"
    "  let d1 = list(2 * n, false);\n"
    "  let d2 = list(2 * n, false);\n"
    "  fn place(r) {\n"
    "    if r == n { return 1; }\n"
    "    let total = 0;\n"
    "    for c in 0..n {\n"
    "      if !cols[c] && !d1[r + c] && !d2[r - c + n] {\n"
    "        cols[c] = true; d1[r + c] = true; d2[r - c + n] = true;\n"
    "        total += place(r + 1);\n"
    "        cols[c] = false; d1[r + c] = false; d2[r - c + n] = false;\n"
    "      }\n"
    "    }\n"
    "    return total;\n"
    "  }\n"
    "  return place(0);\n"
    "}\n"
    "\n"
    "fn mandel(w, h, maxit) {\n"
    "  let total = 0;\n"
    "  let area = 0.0;\n"
    "  for py in 0..h {\n"
    "    let y0 = py * 2.0 / h - 1.0;\n"
    "    for px in 0..w {\n"
    "      let x0 = px * 3.0 / w - 2.0;\n"
    "      let x = 0.0; let y = 0.0; let it = 0;\n"
    "      while it < maxit && x * x + y * y <= 4.0 {\n"
    "        let xt = x * x - y * y + x0;\n"
    "        y = 2.0 * x * y + y0;\n"
    "        x = xt;\n"
    "        it += 1;\n"
    "      }\n"
    "      if it == maxit { area += 6.0 / (w * h); }\n"
    "      total += it;\n"
    "    }\n"
    "  }\n"
    "  print(\"mandel area\", area, \"sqrt\", sqrt(area), \"floor\", floor(area * 1000.0));\n"
    "  return total;\n"
    "}\n"
    "\n"
    "fn records(n) {\n"
    "  let rs = [];\n"
    "  for i in 0..n {\n"
    "    push(rs, {id: i, score: (i * 7919) % 1013, name: \"r\" + str(i)});\n"
    "  }\n"
    "  sort(rs, fn(a, b) {\n"
    "    if a.score != b.score { return a.score - b.score; }\n"
    "    return b.id - a.id;\n"
    "  });\n"
    "  let h = 0;\n"
    "  for r in rs { h = mix(h, r.id * 3 + r.score); r.rank = h % 100; }\n"
    "  print(\"first\", rs[0].name, rs[0].score, \"last\", rs[-1].name, rs[-1].score, rs[-1].rank);\n"
    "  return h;\n"
    "}\n"
    "\n"
    "fn to_json(v) {\n"
    "  let t = type(v);\n"
    "  if t == \"list\" {\n"
    "    let parts = [];\n"
    "    for x in v { push(parts, to_json(x)); }\n"
    "    return \"[\" + join(parts, \",\") + \"]\";\n"
    "  }\n"
    "  if t == \"map\" {\n"
    "    let parts = [];\n"
    "    for k in sort(keys(v)) { push(parts, to_json(k) + \":\" + to_json(v[k])); }\n"
    "    return \"{\" + join(parts, \",\") + \"}\";\n"
    "  }\n"
    "  if t == \"string\" { return \"\\\"\" + v + \"\\\"\"; }\n"
    "  return str(v);\n"
    "}\n"
    "\n"
    "fn json_test(depth) {\n"
    "  fn build(d) {\n"
    "    if d == 0 { return [d, 1.5, \"leaf\", nil, true]; }\n"
    "    return {left: build(d - 1), right: [build(d - 1), d * 10], tag: \"n\" + str(d)};\n"
    "  }\n"
    "  let s = to_json(build(depth));\n"
    "  return [len(s), hash(s), substr(s, 0, 24)];\n"
    "}\n"
    "\n"
    "fn trees(depth) {\n"
    "  fn make(d) { if d == 0 { return [nil, nil]; } return [make(d - 1), make(d - 1)]; }\n"
    "  fn count(t) { if t[0] == nil { return 1; } return 1 + count(t[0]) + count(t[1]); }\n"
    "  let total = 0;\n"
    "  for i in 0..6 { total += count(make(depth)); }\n"
    "  return total;\n"
    "}\n"
    "\n"
    "// A stack machine interpreted by the interpreter.\n"
    "// ops: 0 halt, 1 const, 2 load, 3 store, 4 add, 5 mulmod, 6 less, 7 jump-if, 8 jump\n"
    "fn run_vm(code, arg) {\n"
    "  let stack = [];\n"
    "  let pc = 0;\n"
    "  let steps = 0;\n"
    "  let locals = [arg, 0, 0];\n"
    "  while true {\n"
    "    let op = code[pc];\n"
    "    pc += 1;\n"
    "    steps += 1;\n"
    "    if op == 0 { break; }\n"
    "    else if op == 1 { push(stack, code[pc]); pc += 1; }\n"
    "    else if op == 2 { push(stack, locals[code[pc]]); pc += 1; }\n"
    "    else if op == 3 { locals[code[pc]] = pop(stack); pc += 1; }\n"
    "    else if op == 4 { let b = pop(stack); let a = pop(stack); push(stack, a + b); }\n"
    "    else if op == 5 { let b = pop(stack); let a = pop(stack); push(stack, a * b % 1000003); }\n"
    "    else if op == 6 { let b = pop(stack); let a = pop(stack); push(stack, a < b); }\n"
    "    else if op == 7 { if pop(stack) { pc = code[pc]; } else { pc += 1; } }\n"
    "    else if op == 8 { pc = code[pc]; }\n"
    "    else { assert(false, \"bad opcode\"); }\n"
    "  }\n"
    "  return [locals[1], steps];\n"
    "}\n"
    "\n"
    "let prog = [\n"
    "  1, 1, 3, 1,                      // acc = 1\n"
    "  1, 0, 3, 2,                      // i = 0\n"
    "  2, 2, 2, 0, 6,                   // 8: i < n\n"
    "  7, 17,                           // if so goto 17\n"
    "  0, 0,                            // halt\n"
    "  2, 1, 2, 2, 4, 1, 3, 5, 3, 1,    // 17: acc = (acc + i) * 3 % 1000003\n"
    "  2, 2, 1, 1, 4, 3, 2,             // i = i + 1\n"
    "  8, 8                             // goto 8\n"
    "];\n"
    "\n"
    "fn round(k) {\n"
    "  let h = 17;\n"
    "  h = mix(h, fib(16 + k % 3));\n"
    "  h = mix(h, sieve(15000 + k));\n"
    "  h = mix(h, closures(400));\n"
    "  h = mix(h, word_stats(600, k + 1));\n"
    "  h = mix(h, queens(6));\n"
    "  h = mix(h, mandel(32, 24, 50));\n"
    "  h = mix(h, records(250));\n"
    "  let j = json_test(4);\n"
    "  h = mix(mix(h, j[0]), j[1]);\n"
    "  h = mix(h, trees(7));\n"
    "  let r = run_vm(prog, 1500 + k);\n"
    "  h = mix(mix(h, r[0]), r[1]);\n"
    "  print(\"round\", k, \"hash\", h, \"json\", j[2]);\n"
    "  return h;\n"
    "}\n"
    "\n"
    "// language checks (several of these are folded at parse time)\n"
    "assert(10 / 3 == 3, \"int division\");\n"
    "assert(-7 % 3 == -1, \"remainder sign\");\n"
    "assert(7.5 % 2 == 1.5, \"float remainder\");\n"
    "assert(str(1.5) == \"1.5\" && str(2.0) == \"2.0\", \"float format\");\n"
    "assert(substr(\"hello\", 1, 3) == \"ell\", \"substr\");\n"
    "assert(len(slice([1, 2, 3, 4], 1, 3)) == 2, \"slice\");\n"
    "assert(chr(ord(\"A\") + 1) == \"B\", \"chr/ord\");\n"
    "assert(\"ab\" * 3 == \"ababab\", \"string repeat\");\n"
    "assert([1, 2] + [3] == [1, 2, 3] || true, \"list concat\");\n"
    "assert(int(\"-42\") == -42 && int(3.9) == 3, \"int()\");\n"
    "assert(1 << 40 >> 38 == 4 && (~0 & 0xff) == 255, \"bit ops\");\n"
    "assert(min(3, 1, 2) == 1 && max(\"a\", \"c\", \"b\") == \"c\", \"min/max\");\n"
    "assert(lower(\"MiXeD\") == \"mixed\" && abs(-5) == 5, \"lower/abs\");\n"
    "let m = {\"a\": 1, 2: \"two\", 3.0: \"three\"};\n"
    "assert(m[3] == \"three\" && m.a == 1 && len(values(m)) == 3, \"map keys\");\n"
    "del(m, \"a\");\n"
    "assert(!has(m, \"a\") && len(m) == 2, \"del\");\n"
    "let fs = [];\n"
    "for i in 0..3 { push(fs, fn(x) { return x * 2; }); }\n"
    "assert(fs[2](21) == 42, \"lambda in list\");\n"
    "let skipped = 0;\n"
    "for i in 0..20 { if i % 3 == 0 { continue; } if i > 15 { break; } skipped += i; }\n"
    "assert(skipped == 75, \"break/continue\");\n"
    "if 1 > 2 { print(\"never\"); } else if false { print(\"never\"); }\n"
    "\n"
    "let total = 0;\n"
    "for k in 0..N { total = mix(total, round(k)); }\n"
    "print(\"total\", total, \"type\", type(total), type(1.0), type(nil), type(print));\n";

/* ======================================================================
 * Driver
 * ====================================================================== */

static FuncInfo *compile_script(const char *src, const char **predeclared, int npre) {
    Lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.src = src;
    lx.line = 1;
    lex_all(&lx);
    FuncInfo *script = parse_program(lx.toks);

    Scope top;
    memset(&top, 0, sizeof top);
    top.fn = script;
    scope = &top;
    for (int i = 0; i < npre; i++) declare(predeclared[i]);
    resolve_block_contents(script->body);
    scope = NULL;
    free(top.locals);

    fold_function(script);
    free(lx.toks); /* identifier and string texts stay referenced by the AST */
    return script;
}

int main(int argc, char **argv) {
    int64_t rounds = 4;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) verbose = 1;
        else rounds = atoll(argv[i]);
    }

    const char *names[NATIVE_COUNT + 1];
    for (int i = 0; i < NATIVE_COUNT; i++) names[i] = natives[i].name;
    names[NATIVE_COUNT] = "N";
    FuncInfo *script = compile_script(script_source, names, NATIVE_COUNT + 1);

    Buf ast = {0};
    dump_function(&ast, script, 0);
    uint32_t ast_hash = fnv1a(ast.data, ast.len);
    if (verbose) printf("AST is %u bytes, %u nodes, %u folds\n", (unsigned)ast.len, node_count, folds);
    buf_free(&ast);

    global_env = env_new(NULL, script->nslots);
    for (int i = 0; i < NATIVE_COUNT; i++) {
        ONative *nat = (ONative *)alloc_obj(sizeof(ONative), O_NATIVE, 1);
        nat->name = natives[i].name;
        nat->fn = natives[i].fn;
        nat->min_args = natives[i].min_args;
        nat->max_args = natives[i].max_args;
        global_env->slots[i] = obj_value(nat);
    }
    global_env->slots[NATIVE_COUNT] = int_value(rounds);
    envstack[envsp++] = global_env;
    retval = nil_value();

    int st = exec_block(script->body);
    if (st != EX_NORMAL) fatal("script ended abnormally");
    if (vsp != 0) fatal("internal error: %d values left on the stack", vsp);

    uint32_t out_hash = fnv1a(script_output.data ? script_output.data : "", script_output.len);
    printf("rounds %lld: %u output lines, %u bytes, output hash %08x\n", (long long)rounds, output_lines,
           (unsigned)script_output.len, out_hash);
    printf("ast %08x nodes %u folds %u refs %u, %llu statements, %llu calls\n", ast_hash, node_count, folds,
           resolved_refs, (unsigned long long)steps_executed, (unsigned long long)calls_made);
    if (verbose) printf("gc runs %u, live objects after last gc %u\n", gc_runs, live_after_gc);
    uint64_t sum = ((uint64_t)out_hash << 32 | ast_hash) ^ (steps_executed * 0x9E3779B97F4A7C15ull) ^ calls_made;
    printf("checksum: %llu\n", (unsigned long long)sum);
    return 0;
}
