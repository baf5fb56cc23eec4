/* bintrees.c - allocation-heavy binary trees: build and free many perfect
 * trees with malloc/free, keep one long-lived tree, and build an unbalanced
 * binary search tree of PRNG keys with in-order traversal and deletion.
 * Usage: bintrees [DEPTH]   (default 16)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct Node {
    struct Node *left, *right;
    int32_t item;
} Node;

static Node *make(int32_t item, int depth) {
    Node *n = malloc(sizeof(Node));
    n->item = item;
    if (depth > 0) {
        n->left = make(2 * item - 1, depth - 1);
        n->right = make(2 * item, depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static int32_t check(const Node *n) {
    if (!n->left) return n->item;
    return n->item + check(n->left) - check(n->right);
}

static uint32_t count_nodes(const Node *n) {
    return n ? 1 + count_nodes(n->left) + count_nodes(n->right) : 0;
}

static void release(Node *n) {
    if (!n) return;
    release(n->left);
    release(n->right);
    free(n);
}

/* ---- binary search tree ---- */
typedef struct BNode {
    struct BNode *l, *r;
    uint32_t key;
    uint32_t payload_len;
    uint8_t *payload; /* variable-size allocation */
} BNode;

static BNode *bst_insert(BNode *root, uint32_t key) {
    BNode **p = &root;
    while (*p) {
        if (key == (*p)->key) return root;
        p = key < (*p)->key ? &(*p)->l : &(*p)->r;
    }
    BNode *n = malloc(sizeof(BNode));
    n->l = n->r = NULL;
    n->key = key;
    n->payload_len = 1 + key % 61;
    n->payload = malloc(n->payload_len);
    for (uint32_t i = 0; i < n->payload_len; i++) n->payload[i] = (uint8_t)(key + i);
    *p = n;
    return root;
}

static BNode *bst_delete(BNode *root, uint32_t key) {
    BNode **p = &root;
    while (*p && (*p)->key != key) p = key < (*p)->key ? &(*p)->l : &(*p)->r;
    BNode *n = *p;
    if (!n) return root;
    if (!n->l) *p = n->r;
    else if (!n->r) *p = n->l;
    else {
        BNode **s = &n->r;
        while ((*s)->l) s = &(*s)->l;
        BNode *succ = *s;
        *s = succ->r;
        succ->l = n->l;
        succ->r = n->r;
        *p = succ;
    }
    free(n->payload);
    free(n);
    return root;
}

static uint64_t bst_walk(const BNode *n, uint64_t acc) {
    while (n) {
        acc = bst_walk(n->l, acc);
        uint32_t s = 0;
        for (uint32_t i = 0; i < n->payload_len; i++) s += n->payload[i];
        acc = acc * 1000003u + n->key + s;
        n = n->r;
    }
    return acc;
}

static void bst_free(BNode *n) {
    while (n) {
        bst_free(n->l);
        BNode *r = n->r;
        free(n->payload);
        free(n);
        n = r;
    }
}

int main(int argc, char **argv) {
    int maxd = argc > 1 ? atoi(argv[1]) : 16;
    if (maxd < 6) maxd = 6;
    uint64_t sum = 0;
    Node *stretch = make(0, maxd + 1);
    sum += (uint32_t)check(stretch) + count_nodes(stretch);
    release(stretch);
    Node *longlived = make(0, maxd);
    for (int d = 4; d <= maxd; d += 2) {
        int iters = 1 << (maxd - d + 4);
        int32_t c = 0;
        for (int i = 1; i <= iters; i++) {
            Node *a = make(i, d), *b = make(-i, d);
            c += check(a) + check(b);
            release(a);
            release(b);
        }
        printf("%d trees of depth %d check %d\n", iters * 2, d, c);
        sum = sum * 31u + (uint32_t)c;
    }
    sum += (uint32_t)check(longlived) + count_nodes(longlived);
    release(longlived);

    uint32_t x = 2463534242u;
    BNode *root = NULL;
    uint32_t nkeys = 1u << (maxd - 2);
    for (uint32_t i = 0; i < nkeys; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        root = bst_insert(root, x % (nkeys * 4));
    }
    for (uint32_t i = 0; i < nkeys / 2; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        root = bst_delete(root, x % (nkeys * 4));
    }
    uint64_t w = bst_walk(root, 7);
    bst_free(root);
    printf("checksum: %llu\n", (unsigned long long)(sum ^ w));
    return 0;
}
