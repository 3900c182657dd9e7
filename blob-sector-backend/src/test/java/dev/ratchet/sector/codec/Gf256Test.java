package dev.ratchet.sector.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class Gf256Test {
    @Test
    void multiply_matchesShiftAndAddReference() {
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                assertEquals(ScalarReference.multiply(a, b), Gf256.multiply(a, b), a + "·" + b);
            }
        }
    }

    @Test
    void inverse_timesElement_isOne() {
        for (int a = 1; a < 256; a++) {
            assertEquals(1, ScalarReference.multiply(a, Gf256.inverse(a)), "inverse of " + a);
        }
        assertThrows(ArithmeticException.class, () -> Gf256.inverse(0));
    }

    @Test
    void bitMatrix_multipliesBitByBit() {
        for (int c = 0; c < 256; c++) {
            int[] columns = Gf256.bitMatrixColumnsOf(c);
            int ones = 0;
            for (int a = 0; a < 256; a++) {
                int product = 0;
                for (int t = 0; t < 8; t++) {
                    if ((a >>> t & 1) != 0) {
                        product ^= columns[t];
                    }
                }
                assertEquals(ScalarReference.multiply(c, a), product, c + "·" + a);
            }
            for (int column : columns) {
                ones += Integer.bitCount(column);
            }
            assertEquals(ones, Gf256.ones(c));
        }
        assertEquals(8, Gf256.ones(1));
        assertEquals(0, Gf256.ones(0));
    }

    @Test
    void invert_givesTheInverseMatrix() {
        int[][] matrix = CauchyMatrix.create(6, 6);
        int[][] inverse = Gf256.invert(matrix);
        for (int row = 0; row < 6; row++) {
            int[] identityRow = new int[6];
            identityRow[row] = 1;
            int[] productRow = new int[6];
            for (int column = 0; column < 6; column++) {
                for (int inner = 0; inner < 6; inner++) {
                    productRow[column] ^= ScalarReference.multiply(matrix[row][inner], inverse[inner][column]);
                }
            }
            assertArrayEquals(identityRow, productRow, "row " + row);
        }
        int[][] singular = {{1, 2}, {2, 4}};
        assertThrows(IllegalStateException.class, () -> Gf256.invert(singular));
    }
}
