/* simd.c - data-parallel image and vector kernels, written as plain C loops
 * that clang -O2 vectorizes (SSE2 natively, Wasm SIMD with -msimd128; the
 * same source builds without -msimd128 to a scalar twin).
 *
 * Each frame runs on 258 x 128 planes: RGB -> luma (u8, integer weights),
 * a 3x3 binomial blur (u8 -> u16 sums -> u8), Sobel gradients (i16) and a
 * saturated edge magnitude (u8), reductions (edge count, min/max, sums, two
 * i16 x i16 -> i32 dot products), an f32 leaky integrator with a
 * float -> int conversion, and a feedback step that writes the colour
 * planes back with saturating adds/subtracts, a rounding average and an
 * alpha blend, plus noise from a rotating window so the image never settles.
 * All integer arithmetic is unsigned or provably in range; the f32 stage
 * only uses * and + elementwise (no reductions in float), which round the
 * same on every IEEE-754 target without FMA contraction.
 * Usage: simd [FRAMES]   (default 100)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* 256 x 126 interior pixels plus a one-pixel border left and right and a
 * border row top and bottom: rows of 258, and 258 * 128 is a multiple of 16. */
#define W 258
#define H 128
#define NPIX (W * H)

static uint32_t rs = 0x2545F491u;
static uint32_t rnd(void) { /* xorshift32 */
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

static uint8_t red[NPIX], green[NPIX], blue[NPIX];
static uint8_t luma[NPIX], blurred[NPIX], edge[NPIX], level[NPIX];
static uint8_t noise[2 * NPIX];
static int16_t gx[NPIX], gy[NPIX], wx[NPIX], wy[NPIX];
static float integ[NPIX];

/* BT.601-style luma with 8-bit integer weights; the weights sum to 220, so the
 * result is at most 219 and fits in u8 without clamping. */
static void to_luma(const uint8_t *restrict r, const uint8_t *restrict g, const uint8_t *restrict b,
                    uint8_t *restrict y, int n) {
    for (int i = 0; i < n; i++)
        y[i] = (uint8_t)((66u * r[i] + 129u * g[i] + 25u * b[i] + 128u) >> 8);
}

/* 3x3 binomial blur [1 2 1; 2 4 2; 1 2 1] / 16 on the interior; the border is copied. */
static void blur3x3(const uint8_t *restrict src, uint8_t *restrict dst) {
    for (int x = 0; x < W; x++) {
        dst[x] = src[x];
        dst[(H - 1) * W + x] = src[(H - 1) * W + x];
    }
    for (int y = 1; y < H - 1; y++) {
        const uint8_t *up = src + (y - 1) * W, *mid = src + y * W, *dn = src + (y + 1) * W;
        uint8_t *out = dst + y * W;
        out[0] = mid[0];
        out[W - 1] = mid[W - 1];
        for (int x = 1; x < W - 1; x++) {
            uint16_t s = (uint16_t)(up[x - 1] + 2 * up[x] + up[x + 1]
                                    + 2 * mid[x - 1] + 4 * mid[x] + 2 * mid[x + 1]
                                    + dn[x - 1] + 2 * dn[x] + dn[x + 1] + 8);
            out[x] = (uint8_t)(s >> 4);
        }
    }
}

/* Sobel gradients (i16) and |gx| + |gy| saturated to u8, on the interior. */
static void sobel(const uint8_t *restrict src, int16_t *restrict ox, int16_t *restrict oy,
                  uint8_t *restrict mag) {
    for (int i = 0; i < W; i++) {
        ox[i] = oy[i] = 0;
        mag[i] = 0;
        ox[(H - 1) * W + i] = oy[(H - 1) * W + i] = 0;
        mag[(H - 1) * W + i] = 0;
    }
    for (int y = 1; y < H - 1; y++) {
        const uint8_t *up = src + (y - 1) * W, *mid = src + y * W, *dn = src + (y + 1) * W;
        int16_t *rx = ox + y * W, *ry = oy + y * W;
        uint8_t *m = mag + y * W;
        rx[0] = ry[0] = rx[W - 1] = ry[W - 1] = 0;
        m[0] = m[W - 1] = 0;
        for (int x = 1; x < W - 1; x++) {
            int16_t h = (int16_t)((up[x + 1] + 2 * mid[x + 1] + dn[x + 1]) - (up[x - 1] + 2 * mid[x - 1] + dn[x - 1]));
            int16_t v = (int16_t)((dn[x - 1] + 2 * dn[x] + dn[x + 1]) - (up[x - 1] + 2 * up[x] + up[x + 1]));
            rx[x] = h;
            ry[x] = v;
            int16_t ah = h < 0 ? (int16_t)-h : h, av = v < 0 ? (int16_t)-v : v;
            int16_t s = (int16_t)(ah + av); /* at most 2040 */
            m[x] = (uint8_t)(s > 255 ? 255 : s);
        }
    }
}

/* i16 x i16 dot product accumulated in i32 lanes. |a| <= 1020, |b| < 2048, so a
 * product fits in i32; the sum wraps, hence the unsigned accumulator. */
static uint32_t dot_i16(const int16_t *restrict a, const int16_t *restrict b, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += (uint32_t)((int32_t)a[i] * (int32_t)b[i]);
    return s;
}

static uint32_t count_above(const uint8_t *p, int n, uint8_t t) {
    uint32_t c = 0;
    for (int i = 0; i < n; i++) c += p[i] > t;
    return c;
}

static uint32_t sum_u8(const uint8_t *p, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += p[i];
    return s;
}

static uint8_t min_u8(const uint8_t *p, int n) {
    uint8_t m = 255;
    for (int i = 0; i < n; i++) m = p[i] < m ? p[i] : m;
    return m;
}

static uint8_t max_u8(const uint8_t *p, int n) {
    uint8_t m = 0;
    for (int i = 0; i < n; i++) m = p[i] > m ? p[i] : m;
    return m;
}

/* f32 leaky integrator, then truncation to an integer level (0..255). */
static void integrate(float *restrict acc, const uint8_t *restrict in, uint8_t *restrict out, int n,
                      float keep, float gain) {
    for (int i = 0; i < n; i++) {
        float v = acc[i] * keep + (float)in[i] * gain;
        acc[i] = v;
        int q = (int)v;
        out[i] = (uint8_t)(q > 255 ? 255 : q);
    }
}

/* Feedback into the colour planes. */
static void feedback(uint8_t *restrict r, uint8_t *restrict g, uint8_t *restrict b,
                     const uint8_t *restrict blur, const uint8_t *restrict mag,
                     const uint8_t *restrict lev, const uint8_t *restrict nz, int n, uint8_t alpha) {
    uint16_t beta = (uint16_t)(256 - alpha);
    for (int i = 0; i < n; i++) {
        /* alpha blend of red with the blurred luma (at most 255 * 256 + 128: u16 is enough),
         * then a saturating add of noise */
        unsigned mix = (uint16_t)(r[i] * alpha + blur[i] * beta + 128u) >> 8;
        unsigned rr = mix + (nz[i] & 31u);
        r[i] = (uint8_t)(rr > 255u ? 255u : rr);
        /* saturating subtract of the edge strength, saturating add of noise */
        int gg = (int)g[i] - (mag[i] >> 2);
        gg = gg < 0 ? 0 : gg;
        unsigned g2 = (unsigned)gg + (nz[i] >> 3);
        g[i] = (uint8_t)(g2 > 255u ? 255u : g2);
        /* rounding average with the integrator level, xor with the noise */
        b[i] = (uint8_t)(((unsigned)b[i] + lev[i] + 1u) >> 1) ^ (nz[i] & 0x0Fu);
    }
}

/* Position-weighted sum of a plane (odd multipliers from a Weyl sequence). */
static uint32_t weigh_u8(const uint8_t *p, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += (uint32_t)p[i] * ((uint32_t)i * 2654435769u | 1u);
    return s;
}

static uint32_t weigh_i16(const int16_t *p, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += (uint32_t)(int32_t)p[i] * ((uint32_t)i * 2246822519u | 1u);
    return s;
}

static uint64_t mix64(uint64_t h, uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0xFF51AFD7ED558CCDull;
}

int main(int argc, char **argv) {
    int frames = argc > 1 ? atoi(argv[1]) : 100;
    for (int i = 0; i < NPIX; i++) {
        /* a smooth pattern plus PRNG detail, so blur and Sobel see both edges and gradients */
        int x = i % W, y = i / W;
        uint32_t r = rnd();
        red[i] = (uint8_t)((x * 3 + y) ^ (r & 63u));
        green[i] = (uint8_t)((y * 5 - x) ^ ((r >> 8) & 63u));
        blue[i] = (uint8_t)(((x ^ y) * 7) ^ ((r >> 16) & 63u));
        wx[i] = (int16_t)((int32_t)(rnd() % 4095u) - 2047);
        wy[i] = (int16_t)((int32_t)(rnd() % 4095u) - 2047);
        integ[i] = 0.0f;
    }
    for (int i = 0; i < 2 * NPIX; i++) noise[i] = (uint8_t)(rnd() >> 24);

    uint64_t h = 0x243F6A8885A308D3ull;
    uint64_t edges_total = 0;
    for (int f = 0; f < frames; f++) {
        to_luma(red, green, blue, luma, NPIX);
        blur3x3(luma, blurred);
        sobel(blurred, gx, gy, edge);
        uint32_t d1 = dot_i16(gx, wx, NPIX);
        uint32_t d2 = dot_i16(gy, wy, NPIX);
        uint32_t cnt = count_above(edge, NPIX, (uint8_t)(32 + (f & 63)));
        uint32_t esum = sum_u8(edge, NPIX);
        uint8_t lo = min_u8(blurred, NPIX), hi = max_u8(blurred, NPIX);
        integrate(integ, edge, level, NPIX, 0.875f, 0.5f);
        /* the noise window moves by an odd number of bytes each frame */
        int off = (int)(((uint32_t)f * 7919u) % (uint32_t)NPIX);
        feedback(red, green, blue, blurred, edge, level, noise + off, NPIX, (uint8_t)(96 + f % 128));
        edges_total += cnt;
        h = mix64(h, d1);
        h = mix64(h, d2);
        h = mix64(h, ((uint64_t)cnt << 32) | esum);
        h = mix64(h, ((uint64_t)lo << 8) | hi);
    }
    uint32_t wr = weigh_u8(red, NPIX), wg = weigh_u8(green, NPIX), wb = weigh_u8(blue, NPIX);
    uint32_t wl = weigh_u8(level, NPIX), wgx = weigh_i16(gx, NPIX), wgy = weigh_i16(gy, NPIX);
    h = mix64(h, ((uint64_t)wr << 32) | wg);
    h = mix64(h, ((uint64_t)wb << 32) | wl);
    h = mix64(h, ((uint64_t)wgx << 32) | wgy);
    h = mix64(h, edges_total);
    printf("frames %d edges %llu planes %u %u %u level %u gradients %u %u\n", frames,
           (unsigned long long)edges_total, wr, wg, wb, wl, wgx, wgy);
    printf("checksum: %llu\n", (unsigned long long)h);
    return 0;
}
