/*
 * ISA-L timing harness for bench/ec-compare.sh: encode, decode and update of one cached stripe of
 * 4096-byte sectors with ISA-L's Cauchy matrix, timed on one thread.
 *
 * Usage: ec_bench K M SECONDS
 * Prints "isal <encode|decode|update> K+M <GB/s>", counting data bytes: K * 4096 per encode or decode,
 * 4096 per update (one rewritten data sector applied to all M parities).
 * Decode rebuilds min(M, K) erased data sectors 0..e-1 from the first K survivors, with the decode
 * tables built once outside the timed loop, as Ratchet and Hadoop cache their decode plans.
 */
#include <isa-l/erasure_code.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECTOR 4096
#define MAX_SECTORS 64

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static unsigned char *sector(void) {
    void *p = NULL;
    if (posix_memalign(&p, 64, SECTOR) != 0) { perror("posix_memalign"); exit(2); }
    return p;
}

/* Runs op until `seconds` have passed after a warm-up of the same length; returns ops per second. */
#define TIMED(seconds, op, result) do { \
    for (double end = now() + (seconds); now() < end;) { for (int r = 0; r < 64; r++) { op; } } \
    long n = 0; double start = now(), t; \
    do { for (int r = 0; r < 64; r++) { op; } n += 64; } while ((t = now()) - start < (seconds)); \
    (result) = n / (t - start); } while (0)

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s K M SECONDS\n", argv[0]); return 2; }
    int k = atoi(argv[1]), m = atoi(argv[2]);
    double seconds = atof(argv[3]);
    if (k < 1 || m < 1 || k + m > MAX_SECTORS) { fprintf(stderr, "bad geometry\n"); return 2; }
    int e = m < k ? m : k;

    unsigned char matrix[MAX_SECTORS * MAX_SECTORS], survivors[MAX_SECTORS * MAX_SECTORS];
    unsigned char inverse[MAX_SECTORS * MAX_SECTORS], decode[MAX_SECTORS * MAX_SECTORS];
    unsigned char encode_tables[32 * MAX_SECTORS * MAX_SECTORS], decode_tables[32 * MAX_SECTORS * MAX_SECTORS];
    unsigned char *data[MAX_SECTORS], *parity[MAX_SECTORS], *rebuilt[MAX_SECTORS], *sources[MAX_SECTORS];

    srand(42);
    for (int i = 0; i < k; i++) {
        data[i] = sector();
        for (int b = 0; b < SECTOR; b++) data[i][b] = (unsigned char) rand();
    }
    for (int j = 0; j < m; j++) parity[j] = sector();
    for (int j = 0; j < e; j++) rebuilt[j] = sector();

    /* (k+m) x k generator: identity on top, Cauchy rows below. */
    gf_gen_cauchy1_matrix(matrix, k + m, k);
    ec_init_tables(k, m, &matrix[k * k], encode_tables);
    ec_encode_data(SECTOR, k, m, encode_tables, data, parity);

    /* Survivors: data e..k-1, then parities 0..e-1; invert their rows, keep the rows of data 0..e-1. */
    for (int s = 0; s < k; s++) {
        int row = s < k - e ? e + s : k + (s - (k - e));
        memcpy(&survivors[s * k], &matrix[row * k], k);
        sources[s] = row < k ? data[row] : parity[row - k];
    }
    if (gf_invert_matrix(survivors, inverse, k) != 0) { fprintf(stderr, "singular\n"); return 1; }
    memcpy(decode, inverse, (size_t) e * k);
    ec_init_tables(k, e, decode, decode_tables);
    ec_encode_data(SECTOR, k, e, decode_tables, sources, rebuilt);
    for (int j = 0; j < e; j++) {
        if (memcmp(rebuilt[j], data[j], SECTOR) != 0) { fprintf(stderr, "decode mismatch\n"); return 1; }
    }

    double ops;
    TIMED(seconds, ec_encode_data(SECTOR, k, m, encode_tables, data, parity), ops);
    printf("isal encode %d+%d %.2f\n", k, m, ops * k * SECTOR / 1e9);
    TIMED(seconds, ec_encode_data(SECTOR, k, e, decode_tables, sources, rebuilt), ops);
    printf("isal decode %d+%d %.2f\n", k, m, ops * k * SECTOR / 1e9);
    int index = 0;
    TIMED(seconds, (ec_encode_data_update(SECTOR, k, m, index, encode_tables, data[k - 1], parity),
                    index = index + 1 == k ? 0 : index + 1), ops);
    printf("isal update %d+%d %.2f\n", k, m, ops * SECTOR / 1e9);
    return 0;
}
