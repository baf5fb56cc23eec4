/* nbody.c - f64 arithmetic: a softened gravitational N-body simulation with
 * leapfrog integration on bodies placed by a deterministic PRNG. Only + - * /
 * and sqrt are used, so results are bit-identical on every IEEE-754 target.
 * Usage: nbody [STEPS]   (default 2000)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NB 24

typedef struct {
    double x, y, z;
    double vx, vy, vz;
    double m;
} Body;

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint64_t rng_next(void) {
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}
static double rng_unit(void) { /* [0,1) with 53 bits */
    return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static Body bodies[NB];

static void init_bodies(void) {
    double px = 0, py = 0, pz = 0, mt = 0;
    bodies[0].m = 1000.0;
    for (int i = 1; i < NB; i++) {
        double r = 5.0 + 40.0 * rng_unit();
        double ang = rng_unit();
        /* place on a rough ring without trig: use a rational parametrisation */
        double t = 2.0 * ang - 1.0;
        double cx = (1 - t * t) / (1 + t * t), cy = 2 * t / (1 + t * t);
        if (i & 1) { cx = -cx; }
        bodies[i].x = r * cx;
        bodies[i].y = r * cy;
        bodies[i].z = (rng_unit() - 0.5) * 2.0;
        double v = sqrt(1000.0 / r);
        bodies[i].vx = -v * cy;
        bodies[i].vy = v * cx;
        bodies[i].vz = (rng_unit() - 0.5) * 0.1;
        bodies[i].m = 0.01 + rng_unit();
    }
    for (int i = 0; i < NB; i++) {
        px += bodies[i].vx * bodies[i].m;
        py += bodies[i].vy * bodies[i].m;
        pz += bodies[i].vz * bodies[i].m;
        mt += bodies[i].m;
    }
    for (int i = 0; i < NB; i++) {
        bodies[i].vx -= px / mt;
        bodies[i].vy -= py / mt;
        bodies[i].vz -= pz / mt;
    }
}

static const double SOFT = 0.01;

static double energy(void) {
    double e = 0.0;
    for (int i = 0; i < NB; i++) {
        Body *b = &bodies[i];
        e += 0.5 * b->m * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < NB; j++) {
            Body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            e -= b->m * c->m / sqrt(dx * dx + dy * dy + dz * dz + SOFT);
        }
    }
    return e;
}

static void step(double dt) {
    for (int i = 0; i < NB; i++) {
        Body *b = &bodies[i];
        for (int j = i + 1; j < NB; j++) {
            Body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            double d2 = dx * dx + dy * dy + dz * dz + SOFT;
            double mag = dt / (d2 * sqrt(d2));
            b->vx -= dx * c->m * mag;
            b->vy -= dy * c->m * mag;
            b->vz -= dz * c->m * mag;
            c->vx += dx * b->m * mag;
            c->vy += dy * b->m * mag;
            c->vz += dz * b->m * mag;
        }
    }
    for (int i = 0; i < NB; i++) {
        Body *b = &bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 2000;
    init_bodies();
    double e0 = energy();
    double trace = 0.0;
    for (int s = 0; s < steps; s++) {
        step(0.001);
        if ((s & 255) == 0) trace += bodies[s % NB].x;
    }
    double e1 = energy();
    double pos = 0.0;
    for (int i = 0; i < NB; i++) pos += bodies[i].x + 2.0 * bodies[i].y + 3.0 * bodies[i].z;
    printf("energy before %.9f after %.9f\n", e0, e1);
    printf("checksum: %.6f\n", e1 + pos + trace);
    return 0;
}
