/* graph.c - sieve and graph search: a sieve of Eratosthenes (byte array and
 * bitset variants), then a random sparse directed graph in CSR form searched
 * with breadth-first search and Dijkstra's algorithm on a binary heap, plus
 * connected-component labelling with union-find.
 * Usage: graph [N]   (sieve limit = 40*N, graph vertices = N, default 100000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s64 = 0x106689D45497FDB5ull;
static uint32_t rnd(void) {
    s64 = s64 * 0x5851F42D4C957F2Dull + 0x14057B7EF767814Full;
    return (uint32_t)(s64 >> 33);
}

static uint32_t sieve_bytes(uint32_t limit, uint64_t *sum) {
    uint8_t *comp = calloc(limit + 1, 1);
    uint32_t count = 0;
    *sum = 0;
    for (uint32_t i = 2; i <= limit; i++) {
        if (comp[i]) continue;
        count++;
        *sum += i;
        for (uint64_t j = (uint64_t)i * i; j <= limit; j += i) comp[j] = 1;
    }
    free(comp);
    return count;
}

static uint32_t sieve_bits(uint32_t limit) { /* odd numbers only */
    uint32_t words = (limit / 2) / 32 + 1;
    uint32_t *bits = calloc(words, 4);
    uint32_t count = limit >= 2 ? 1 : 0;
    for (uint32_t i = 3; i <= limit; i += 2) {
        uint32_t idx = i / 2;
        if (bits[idx >> 5] & (1u << (idx & 31))) continue;
        count++;
        for (uint64_t j = (uint64_t)i * i; j <= limit; j += 2 * i) {
            uint32_t k = (uint32_t)(j / 2);
            bits[k >> 5] |= 1u << (k & 31);
        }
    }
    free(bits);
    return count;
}

typedef struct { uint32_t n, m; uint32_t *off, *dst, *w; } Graph;

static void build_graph(Graph *g, uint32_t n, uint32_t deg) {
    g->n = n;
    g->m = n * deg;
    uint32_t *src = malloc(sizeof(uint32_t) * g->m), *dst = malloc(sizeof(uint32_t) * g->m);
    uint32_t *wt = malloc(sizeof(uint32_t) * g->m);
    for (uint32_t e = 0; e < g->m; e++) {
        uint32_t u = e / deg;
        uint32_t r = rnd();
        /* mostly local edges with some long jumps */
        uint32_t v = (r & 3) ? (u + 1 + (r >> 8) % 64) % n : (r >> 4) % n;
        src[e] = u;
        dst[e] = v;
        wt[e] = 1 + (rnd() >> 8) % 1000;
    }
    g->off = calloc(n + 1, sizeof(uint32_t));
    for (uint32_t e = 0; e < g->m; e++) g->off[src[e] + 1]++;
    for (uint32_t i = 0; i < n; i++) g->off[i + 1] += g->off[i];
    g->dst = malloc(sizeof(uint32_t) * g->m);
    g->w = malloc(sizeof(uint32_t) * g->m);
    uint32_t *fill = malloc(sizeof(uint32_t) * n);
    memcpy(fill, g->off, sizeof(uint32_t) * n);
    for (uint32_t e = 0; e < g->m; e++) {
        uint32_t p = fill[src[e]]++;
        g->dst[p] = dst[e];
        g->w[p] = wt[e];
    }
    free(fill); free(src); free(dst); free(wt);
}

static uint64_t bfs(const Graph *g, uint32_t start, uint32_t *reached) {
    int32_t *dist = malloc(sizeof(int32_t) * g->n);
    uint32_t *queue = malloc(sizeof(uint32_t) * g->n);
    for (uint32_t i = 0; i < g->n; i++) dist[i] = -1;
    uint32_t head = 0, tail = 0;
    dist[start] = 0;
    queue[tail++] = start;
    uint64_t sum = 0;
    while (head < tail) {
        uint32_t u = queue[head++];
        sum += (uint64_t)dist[u] * (u & 15);
        for (uint32_t e = g->off[u]; e < g->off[u + 1]; e++) {
            uint32_t v = g->dst[e];
            if (dist[v] < 0) { dist[v] = dist[u] + 1; queue[tail++] = v; }
        }
    }
    *reached = tail;
    free(dist); free(queue);
    return sum;
}

typedef struct { uint64_t d; uint32_t v; } HeapItem;

static void heap_push(HeapItem *h, uint32_t *n, HeapItem it) {
    uint32_t i = (*n)++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (h[p].d <= it.d) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = it;
}
static HeapItem heap_pop(HeapItem *h, uint32_t *n) {
    HeapItem top = h[0], last = h[--(*n)];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1].d < h[c].d) c++;
        if (h[c].d >= last.d) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

static uint64_t dijkstra(const Graph *g, uint32_t start) {
    uint64_t *dist = malloc(sizeof(uint64_t) * g->n);
    HeapItem *heap = malloc(sizeof(HeapItem) * (g->m + 1));
    uint32_t hn = 0;
    for (uint32_t i = 0; i < g->n; i++) dist[i] = UINT64_MAX;
    dist[start] = 0;
    heap_push(heap, &hn, (HeapItem){0, start});
    while (hn > 0) {
        HeapItem it = heap_pop(heap, &hn);
        if (it.d != dist[it.v]) continue;
        for (uint32_t e = g->off[it.v]; e < g->off[it.v + 1]; e++) {
            uint32_t v = g->dst[e];
            uint64_t nd = it.d + g->w[e];
            if (nd < dist[v]) { dist[v] = nd; heap_push(heap, &hn, (HeapItem){nd, v}); }
        }
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < g->n; i++) if (dist[i] != UINT64_MAX) sum += dist[i] ^ i;
    free(dist); free(heap);
    return sum;
}

static uint32_t find(uint32_t *parent, uint32_t x) {
    while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
    return x;
}

static uint32_t components(const Graph *g) {
    uint32_t *parent = malloc(sizeof(uint32_t) * g->n);
    for (uint32_t i = 0; i < g->n; i++) parent[i] = i;
    uint32_t comps = g->n;
    for (uint32_t u = 0; u < g->n; u++)
        for (uint32_t e = g->off[u]; e < g->off[u + 1]; e++) {
            /* only light edges, so the graph splits into several components */
            if (g->w[e] > 150) continue;
            uint32_t a = find(parent, u), b = find(parent, g->dst[e]);
            if (a != b) { parent[a < b ? b : a] = a < b ? a : b; comps--; }
        }
    free(parent);
    return comps;
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000;
    uint64_t psum;
    uint32_t pc = sieve_bytes(n * 40, &psum);
    uint32_t pc2 = sieve_bits(n * 40);
    Graph g;
    build_graph(&g, n, 6);
    uint32_t reached;
    uint64_t b = bfs(&g, 0, &reached);
    uint64_t d = dijkstra(&g, 0) + dijkstra(&g, n / 2);
    uint32_t comps = components(&g);
    printf("primes %u (%s) sum %llu reached %u components %u\n", pc, pc == pc2 ? "ok" : "BAD",
           (unsigned long long)psum, reached, comps);
    printf("checksum: %llu\n", (unsigned long long)(psum + pc * 7ull + b * 31ull + d + comps));
    free(g.off); free(g.dst); free(g.w);
    return pc == pc2 ? 0 : 1;
}
