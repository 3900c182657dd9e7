package dev.ratchet.sector.codec;

/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), used only on public
 * matrix coefficients.
 *
 * <p>The log/exp tables are not constant-time; that is acceptable because data never goes through
 * them. Data is only ever XORed, following the bit matrices from {@link #bitMatrixColumnsOf}.
 */
final class Gf256 {
    /** The field polynomial, with the x^8 term. */
    static final int POLYNOMIAL = 0x11D;

    /** Number of elements of the field. */
    static final int ORDER = 256;

    /** Number of bits of a symbol, and so the number of planes in a bit-sliced sector. */
    static final int BITS_PER_SYMBOL = 8;

    // 0x02 generates the multiplicative group for 0x11D, so every non-zero element is a power of it.
    private static final int[] EXP = new int[2 * (ORDER - 1)];
    private static final int[] LOG = new int[ORDER];
    private static final int[] ONES = new int[ORDER];

    static {
        int value = 1;
        for (int power = 0; power < ORDER - 1; power++) {
            EXP[power] = value;
            EXP[power + ORDER - 1] = value;
            LOG[value] = power;
            value = timesX(value);
        }
        if (value != 1) {
            throw new IllegalStateException("0x02 does not generate GF(2^8) mod 0x11D");
        }
        for (int element = 0; element < ORDER; element++) {
            int ones = 0;
            for (int column : bitMatrixColumnsOf(element)) {
                ones += Integer.bitCount(column);
            }
            ONES[element] = ones;
        }
    }

    private Gf256() {}

    /** Returns {@code value · x}, the product with the generator 0x02. */
    static int timesX(int value) {
        int shifted = value << 1;
        return (shifted & 0x100) == 0 ? shifted : shifted ^ POLYNOMIAL;
    }

    /** Returns the product of two field elements. */
    static int multiply(int left, int right) {
        if (left == 0 || right == 0) {
            return 0;
        }
        return EXP[LOG[left] + LOG[right]];
    }

    /** Returns the multiplicative inverse of a non-zero field element. */
    static int inverse(int element) {
        if (element == 0) {
            throw new ArithmeticException("0 has no inverse in GF(2^8)");
        }
        return EXP[ORDER - 1 - LOG[element]];
    }

    /** Returns {@code dividend / divisor} for a non-zero divisor. */
    static int divide(int dividend, int divisor) {
        return multiply(dividend, inverse(divisor));
    }

    /**
     * Returns the number of ones in the 8×8 GF(2) matrix of multiplication by {@code element}: the
     * number of plane XORs it costs.
     */
    static int ones(int element) {
        return ONES[element];
    }

    /**
     * Returns the bit matrix of multiplication by {@code element}, by columns: column {@code t} is
     * {@code element · x^t}, so bit {@code r} of column {@code t} says whether input plane {@code t}
     * contributes to output plane {@code r}.
     */
    static int[] bitMatrixColumnsOf(int element) {
        int[] columns = new int[BITS_PER_SYMBOL];
        int power = element;
        for (int t = 0; t < BITS_PER_SYMBOL; t++) {
            columns[t] = power;
            power = timesX(power);
        }
        return columns;
    }

    /**
     * Returns the inverse of a square matrix over GF(2^8), by Gauss-Jordan elimination.
     *
     * @throws IllegalStateException if the matrix is singular, which a Cauchy submatrix never is
     */
    static int[][] invert(int[][] square) {
        int n = square.length;
        int[][] left = new int[n][];
        int[][] right = new int[n][n];
        for (int row = 0; row < n; row++) {
            if (square[row].length != n) {
                throw new IllegalArgumentException("row " + row + " has " + square[row].length + " entries, not " + n);
            }
            left[row] = square[row].clone();
            right[row][row] = 1;
        }
        for (int column = 0; column < n; column++) {
            int pivot = column;
            while (pivot < n && left[pivot][column] == 0) {
                pivot++;
            }
            if (pivot == n) {
                throw new IllegalStateException("singular matrix: no pivot in column " + column);
            }
            swap(left, column, pivot);
            swap(right, column, pivot);
            int scale = inverse(left[column][column]);
            scaleRow(left[column], scale);
            scaleRow(right[column], scale);
            for (int row = 0; row < n; row++) {
                int factor = left[row][column];
                if (row != column && factor != 0) {
                    addScaledRow(left[row], left[column], factor);
                    addScaledRow(right[row], right[column], factor);
                }
            }
        }
        return right;
    }

    private static void swap(int[][] rows, int first, int second) {
        int[] kept = rows[first];
        rows[first] = rows[second];
        rows[second] = kept;
    }

    private static void scaleRow(int[] row, int scale) {
        for (int i = 0; i < row.length; i++) {
            row[i] = multiply(row[i], scale);
        }
    }

    private static void addScaledRow(int[] target, int[] source, int factor) {
        for (int i = 0; i < target.length; i++) {
            target[i] ^= multiply(source[i], factor);
        }
    }
}
