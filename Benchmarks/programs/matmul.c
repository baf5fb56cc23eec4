/* matmul.c - dense matrix kernels: blocked f64 C = A*B, an i32 product
 * with wrap-around, and a transpose, on N x N matrices filled by a PRNG.
 * Usage: matmul [N]   (default 200)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rs = 12345u;
static uint32_t rnd(void) { /* xorshift32 */
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

#define BS 32

static void matmul_f64(int n, const double *a, const double *b, double *c) {
    memset(c, 0, sizeof(double) * (size_t)n * (size_t)n);
    for (int ii = 0; ii < n; ii += BS)
        for (int kk = 0; kk < n; kk += BS)
            for (int jj = 0; jj < n; jj += BS) {
                int imax = ii + BS < n ? ii + BS : n;
                int kmax = kk + BS < n ? kk + BS : n;
                int jmax = jj + BS < n ? jj + BS : n;
                for (int i = ii; i < imax; i++)
                    for (int k = kk; k < kmax; k++) {
                        double aik = a[i * n + k];
                        const double *brow = b + k * n;
                        double *crow = c + i * n;
                        for (int j = jj; j < jmax; j++) crow[j] += aik * brow[j];
                    }
            }
}

static void matmul_i32(int n, const int32_t *a, const int32_t *bt, int32_t *c) {
    /* bt is B transposed: dot products of rows */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            uint32_t s = 0;
            const int32_t *ar = a + i * n, *br = bt + j * n;
            for (int k = 0; k < n; k++) s += (uint32_t)ar[k] * (uint32_t)br[k];
            c[i * n + j] = (int32_t)s;
        }
}

static void transpose_i32(int n, const int32_t *src, int32_t *dst) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) dst[j * n + i] = src[i * n + j];
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    size_t nn = (size_t)n * (size_t)n;
    double *a = malloc(nn * sizeof(double)), *b = malloc(nn * sizeof(double)), *c = malloc(nn * sizeof(double));
    int32_t *ia = malloc(nn * 4), *ib = malloc(nn * 4), *ibt = malloc(nn * 4), *ic = malloc(nn * 4);
    for (size_t i = 0; i < nn; i++) {
        a[i] = (double)(rnd() % 2001) / 1000.0 - 1.0;
        b[i] = (double)(rnd() % 2001) / 1000.0 - 1.0;
        ia[i] = (int32_t)(rnd() % 2001) - 1000;
        ib[i] = (int32_t)rnd();
    }
    matmul_f64(n, a, b, c);
    /* square it once more to make the result depend on every entry */
    matmul_f64(n, c, a, b);
    double fsum = 0.0;
    for (size_t i = 0; i < nn; i++) fsum += b[i] * (double)((i % 7) + 1);
    transpose_i32(n, ib, ibt);
    matmul_i32(n, ia, ibt, ic);
    uint32_t isum = 0;
    for (size_t i = 0; i < nn; i++) isum = isum * 31u + (uint32_t)ic[i];
    printf("f64 sum %.6f i32 hash %u\n", fsum, isum);
    printf("checksum: %.6f/%u\n", fsum, isum);
    free(a); free(b); free(c); free(ia); free(ib); free(ibt); free(ic);
    return 0;
}
