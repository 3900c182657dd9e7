package dev.ratchet.sector.codec;

/**
 * The XOR kernels over 512-byte planes ({@code long[64]}), each with a fixed number of sources, up to
 * {@value XorSchedule#PASS_SOURCES_MAX}.
 *
 * <p>Every loop starts at 0 and is bounded by the destination's length, over distinct arrays: the shape
 * that C2 on JDK 17 reliably turns into SIMD XORs (erasure.md §5). Callers guarantee that all planes
 * have the same length and that the destination is not also a source.
 *
 * <p>On {@code long[64]} planes C2 (JDK 17, AVX-512) compiles each loop to one 256-bit operation per
 * iteration, not unrolled, with scalar pre- and post-loops: the profiled trip count of 64 keeps it from
 * unrolling to 512-bit width, which it does for longer arrays (checked in the generated code). A call
 * therefore costs about as much as 2–3 plane loads, and wider kernels pay off; with 7 or more sources
 * the loop is not vectorized at all.
 */
final class PlaneXor {
    private PlaneXor() {}

    static void set1(long[] d, long[] a) {
        for (int w = 0; w < d.length; w++) {
            d[w] = a[w];
        }
    }

    static void set2(long[] d, long[] a, long[] b) {
        for (int w = 0; w < d.length; w++) {
            d[w] = a[w] ^ b[w];
        }
    }

    static void set3(long[] d, long[] a, long[] b, long[] c) {
        for (int w = 0; w < d.length; w++) {
            d[w] = a[w] ^ b[w] ^ c[w];
        }
    }

    static void set4(long[] d, long[] a, long[] b, long[] c, long[] e) {
        for (int w = 0; w < d.length; w++) {
            d[w] = a[w] ^ b[w] ^ c[w] ^ e[w];
        }
    }

    static void xor1(long[] d, long[] a) {
        for (int w = 0; w < d.length; w++) {
            d[w] ^= a[w];
        }
    }

    static void xor2(long[] d, long[] a, long[] b) {
        for (int w = 0; w < d.length; w++) {
            d[w] ^= a[w] ^ b[w];
        }
    }

    static void xor3(long[] d, long[] a, long[] b, long[] c) {
        for (int w = 0; w < d.length; w++) {
            d[w] ^= a[w] ^ b[w] ^ c[w];
        }
    }

    static void xor4(long[] d, long[] a, long[] b, long[] c, long[] e) {
        for (int w = 0; w < d.length; w++) {
            d[w] ^= a[w] ^ b[w] ^ c[w] ^ e[w];
        }
    }

    static void set5(long[] d, long[] a, long[] b, long[] c, long[] e, long[] f) {
        for (int w = 0; w < d.length; w++) {
            d[w] = a[w] ^ b[w] ^ c[w] ^ e[w] ^ f[w];
        }
    }

    static void set6(long[] d, long[] a, long[] b, long[] c, long[] e, long[] f, long[] g) {
        for (int w = 0; w < d.length; w++) {
            d[w] = a[w] ^ b[w] ^ c[w] ^ e[w] ^ f[w] ^ g[w];
        }
    }

    static void xor5(long[] d, long[] a, long[] b, long[] c, long[] e, long[] f) {
        for (int w = 0; w < d.length; w++) {
            d[w] ^= a[w] ^ b[w] ^ c[w] ^ e[w] ^ f[w];
        }
    }

    static void xor6(long[] d, long[] a, long[] b, long[] c, long[] e, long[] f, long[] g) {
        for (int w = 0; w < d.length; w++) {
            d[w] ^= a[w] ^ b[w] ^ c[w] ^ e[w] ^ f[w] ^ g[w];
        }
    }

    static void zero(long[] d) {
        for (int w = 0; w < d.length; w++) {
            d[w] = 0;
        }
    }
}
