/* sort.c - sorting PRNG data: quicksort (median of three + insertion sort),
 * bottom-up merge sort, heapsort and an LSD radix sort on uint32 keys, plus a
 * quicksort of f64 values. All results are verified and folded into a checksum.
 * Usage: sort [N]   (number of elements, default 300000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t st = 0x853c49e6748fea9bull;
static uint32_t pcg32(void) {
    uint64_t old = st;
    st = old * 6364136223846793005ull + 0xda3e39cb94b95bdbull;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

static void insertion(uint32_t *a, int lo, int hi) {
    for (int i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void swap32(uint32_t *a, int i, int j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; }

static void quicksort(uint32_t *a, int lo, int hi) {
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap32(a, mid, lo);
        if (a[hi] < a[lo]) swap32(a, hi, lo);
        if (a[hi] < a[mid]) swap32(a, hi, mid);
        uint32_t p = a[mid];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { swap32(a, i, j); i++; j--; }
        }
        /* recurse on the smaller side */
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
    insertion(a, lo, hi);
}

static void mergesort_bu(uint32_t *a, uint32_t *tmp, int n) {
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n;
            int hi = lo + 2 * w < n ? lo + 2 * w : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        uint32_t *t = a; a = tmp; tmp = t;
        memcpy(tmp, a, sizeof(uint32_t) * (size_t)n); /* keep both buffers equal */
    }
}

static void sift_down(uint32_t *a, int start, int end) {
    int root = start;
    while (2 * root + 1 <= end) {
        int child = 2 * root + 1, sw = root;
        if (a[sw] < a[child]) sw = child;
        if (child + 1 <= end && a[sw] < a[child + 1]) sw = child + 1;
        if (sw == root) return;
        swap32(a, root, sw);
        root = sw;
    }
}
static void heapsort32(uint32_t *a, int n) {
    for (int s = (n - 2) / 2; s >= 0; s--) sift_down(a, s, n - 1);
    for (int end = n - 1; end > 0; end--) { swap32(a, 0, end); sift_down(a, 0, end - 1); }
}

static void radix_sort(uint32_t *a, uint32_t *tmp, int n) {
    for (int shift = 0; shift < 32; shift += 8) {
        uint32_t count[257];
        memset(count, 0, sizeof count);
        for (int i = 0; i < n; i++) count[((a[i] >> shift) & 0xFF) + 1]++;
        for (int i = 0; i < 256; i++) count[i + 1] += count[i];
        for (int i = 0; i < n; i++) tmp[count[(a[i] >> shift) & 0xFF]++] = a[i];
        memcpy(a, tmp, sizeof(uint32_t) * (size_t)n);
    }
}

static void qsort_f64(double *a, int lo, int hi) {
    while (lo < hi) {
        double p = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { double t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { qsort_f64(a, lo, j); lo = i; }
        else { qsort_f64(a, i, hi); hi = j; }
    }
}

static uint64_t digest(const uint32_t *a, int n) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++) h = (h ^ a[i]) * 1099511628211ull;
    return h;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300000;
    uint32_t *src = malloc(sizeof(uint32_t) * (size_t)n);
    uint32_t *a = malloc(sizeof(uint32_t) * (size_t)n), *tmp = malloc(sizeof(uint32_t) * (size_t)n);
    double *d = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) src[i] = pcg32() % (uint32_t)(n * 4 + 1);
    int ok = 1;

    memcpy(a, src, sizeof(uint32_t) * (size_t)n);
    quicksort(a, 0, n - 1);
    uint64_t hq = digest(a, n);
    for (int i = 1; i < n; i++) if (a[i - 1] > a[i]) ok = 0;

    memcpy(a, src, sizeof(uint32_t) * (size_t)n);
    mergesort_bu(a, tmp, n);
    uint64_t hm = digest(a, n);

    memcpy(a, src, sizeof(uint32_t) * (size_t)n);
    heapsort32(a, n);
    uint64_t hh = digest(a, n);

    memcpy(a, src, sizeof(uint32_t) * (size_t)n);
    radix_sort(a, tmp, n);
    uint64_t hr = digest(a, n);
    if (hq != hm || hq != hh || hq != hr) ok = 0;

    for (int i = 0; i < n; i++) d[i] = (double)(pcg32() >> 8) / 65536.0 - 100.0;
    qsort_f64(d, 0, n - 1);
    double wsum = 0.0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && d[i - 1] > d[i]) ok = 0;
        wsum += d[i] * (double)(i % 100);
    }
    uint32_t median = a[n / 2];
    printf("sorted %d keys: %s, median %u, f64 weighted %.6f\n", n, ok ? "ok" : "MISMATCH", median, wsum);
    printf("checksum: %llu/%.6f\n", (unsigned long long)(hq ^ median), wsum);
    free(src); free(a); free(tmp); free(d);
    return ok ? 0 : 1;
}
