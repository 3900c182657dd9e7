package dev.ratchet.sector.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/** Fuzzes encode → erase → decode over small geometries and erasure patterns chosen by the fuzzer. */
class ErasureCodeFuzzTest {
    /** Largest k and m fuzzed; big enough for every code path, small enough for many runs per second. */
    private static final int SECTORS_MAX = 8;

    /** Codes by {@code [k][m]}, created on first use because creating one searches for its matrix. */
    private static final CauchyCode[][] CODES = new CauchyCode[SECTORS_MAX + 1][SECTORS_MAX + 1];

    @FuzzTest(maxDuration = "10s")
    void decode_rebuildsWhatEncodeWrote(FuzzedDataProvider data) {
        int k = data.consumeInt(1, SECTORS_MAX);
        int m = data.consumeInt(1, SECTORS_MAX);
        int n = k + m;
        long pattern = data.consumeLong() & ((1L << n) - 1);
        while (Long.bitCount(pattern) > m) {
            pattern &= pattern - 1;
        }
        long contentSeed = data.consumeLong();
        CauchyCode code = codeFor(k, m);
        Random random = new Random(contentSeed);
        long[][][] stripe = ScalarReference.randomSectors(random, n);
        code.encode(Arrays.copyOfRange(stripe, 0, k), Arrays.copyOfRange(stripe, k, n));
        long[][][] damaged = ScalarReference.deepCopy(stripe);
        long erased = pattern;
        int[] erasedIndices = IntStream.range(0, n)
                .filter(index -> (erased >>> index & 1) != 0)
                .toArray();
        for (int index : erasedIndices) {
            ScalarReference.fill(random, damaged[index]);
        }

        code.decode(damaged, erasedIndices);

        assertTrue(Arrays.deepEquals(stripe, damaged), () -> k + "+" + m + " erased " + Arrays.toString(erasedIndices));
    }

    private static synchronized CauchyCode codeFor(int k, int m) {
        if (CODES[k][m] == null) {
            CODES[k][m] = CauchyCode.create(k, m);
        }
        return CODES[k][m];
    }
}
