package dev.ratchet.sector.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pins the parity matrices: they are part of the stored format, so a change here means parity already
 * written can no longer be decoded. Change these values only together with a format version.
 */
class CauchyMatrixGoldenTest {
    @Test
    void matrix4Plus2() {
        assertMatrix(4, 2, new int[][] {{1, 1, 1, 1}, {142, 1, 2, 4}});
    }

    @Test
    void matrix6Plus3() {
        assertMatrix(6, 3, new int[][] {{1, 1, 1, 1, 1, 1}, {84, 1, 12, 3, 143, 71}, {2, 34, 71, 143, 65, 1}});
    }

    @Test
    void matrix10Plus4() {
        assertMatrix(10, 4, new int[][] {
            {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
            {14, 1, 4, 67, 142, 159, 8, 154, 52, 28},
            {1, 42, 71, 4, 169, 207, 2, 140, 17, 142},
            {165, 17, 1, 169, 12, 142, 32, 216, 172, 29}
        });
    }

    @Test
    void matrix8Plus8() {
        assertMatrix(8, 8, new int[][] {
            {1, 1, 1, 1, 1, 1, 1, 1},
            {192, 173, 8, 34, 96, 17, 1, 110},
            {8, 142, 155, 3, 143, 4, 33, 1},
            {2, 71, 1, 217, 54, 5, 200, 35},
            {158, 163, 205, 16, 50, 35, 1, 142},
            {226, 142, 224, 143, 138, 1, 19, 141},
            {1, 142, 200, 108, 134, 70, 37, 140},
            {165, 5, 67, 143, 1, 50, 157, 70}
        });
    }

    /** Larger matrices are pinned by their {@link Arrays#deepHashCode} and their count of ones. */
    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({
        "4, 2, 34739286, 76",
        "10, 4, -1071498902, 688",
        "8, 8, 789421310, 1197",
        "12, 8, -1713481943, 2046",
        "20, 8, 174441287, 3839",
        "32, 32, -1684403556, 28970"
    })
    void largerMatrices(int k, int m, int deepHashCode, int ones) {
        int[][] matrix = CauchyMatrix.create(k, m);
        assertEquals(deepHashCode, Arrays.deepHashCode(matrix));
        assertEquals(ones, CauchyMatrix.ones(matrix));
    }

    private static void assertMatrix(int k, int m, int[][] expected) {
        int[][] actual = CauchyMatrix.create(k, m);
        assertEquals(m, actual.length);
        for (int j = 0; j < m; j++) {
            assertArrayEquals(expected[j], actual[j], "row " + j);
        }
    }
}
