package dev.ratchet.sector.codec;

/**
 * The XOR kernels over 512-byte planes ({@code long[64]}), each with a fixed number of sources.
 *
 * <p>Every loop starts at 0 and is bounded by the destination's length, over distinct arrays: the shape
 * that C2 on JDK 17 reliably turns into SIMD XORs (erasure.md §5). Callers guarantee that all planes
 * have the same length and that the destination is not also a source.
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

    static void zero(long[] d) {
        for (int w = 0; w < d.length; w++) {
            d[w] = 0;
        }
    }
}
