package dev.ratchet.sector.codec;

/**
 * The parity matrix of a (k, m) code: a Cauchy matrix over GF(2^8), scaled so that parity row 0 is
 * all ones and the other rows have few ones in their bit matrices.
 *
 * <p>The matrix is part of the stored format: parity written with one matrix cannot be decoded with
 * another. It is a deterministic function of (k, m) and of the constants below, so none of them may
 * change once parity has been stored; {@code CauchyMatrixGoldenTest} pins examples.
 */
final class CauchyMatrix {
    /**
     * Upper bound on GF(2^8) table lookups spent searching for a cheap matrix, tens of
     * milliseconds once per code; more search buys a few percent of XORs at most.
     */
    private static final long SEARCH_LOOKUPS_MAX = 1L << 23;

    /** Upper bound on random (X, Y) candidates; the rest of the budget goes to hill climbing. */
    private static final int SEARCH_RANDOM_CANDIDATES_MAX = 1024;

    /** Seed of the candidate sequence; part of the format (see the class comment). */
    private static final long SEARCH_SEED = 0x52617463686574L;

    private CauchyMatrix() {}

    /**
     * Returns the k-column, m-row parity matrix, indexed {@code [parity][data]}, with every entry
     * non-zero and row 0 all ones.
     */
    static int[][] create(int dataSectorCount, int paritySectorCount) {
        int k = dataSectorCount;
        int m = paritySectorCount;
        if (k < 1 || m < 1 || k + m > Gf256.ORDER) {
            throw new IllegalArgumentException("no Cauchy matrix for k=" + k + ", m=" + m);
        }
        int[] x = new int[m];
        int[] y = new int[k];
        // Candidate 0 is the textbook choice X = {0..m-1}, Y = {m..m+k-1}.
        for (int j = 0; j < m; j++) {
            x[j] = j;
        }
        for (int i = 0; i < k; i++) {
            y[i] = m + i;
        }
        if (m == 1 || k == 1) {
            // With one row or one column, every choice normalizes to all ones.
            return normalized(x, y);
        }
        int[] bestX = x.clone();
        int[] bestY = y.clone();
        int bestOnes = ones(normalized(x, y));
        long lookupsPerCandidate = (long) m * k * k + (long) m * k + Gf256.ORDER;
        long candidatesLeft = SEARCH_LOOKUPS_MAX / lookupsPerCandidate;

        // Random restarts first, then first-improvement hill climbing from the best: replace one of X
        // or Y by an unused element while that lowers the count.
        long randomCandidates = Math.min(SEARCH_RANDOM_CANDIDATES_MAX, candidatesLeft / 2);
        candidatesLeft -= randomCandidates;
        SplitMix64 random = new SplitMix64(SEARCH_SEED);
        int[] elements = new int[Gf256.ORDER];
        for (long candidate = 0; candidate < randomCandidates; candidate++) {
            drawDisjoint(random, elements, x, y);
            int candidateOnes = ones(normalized(x, y));
            if (candidateOnes < bestOnes) {
                bestOnes = candidateOnes;
                System.arraycopy(x, 0, bestX, 0, m);
                System.arraycopy(y, 0, bestY, 0, k);
            }
        }
        boolean improved = true;
        while (improved && candidatesLeft > 0) {
            improved = false;
            for (int position = 0; position < m + k && candidatesLeft > 0; position++) {
                int[] values = position < m ? bestX : bestY;
                int slot = position < m ? position : position - m;
                for (int element = 0; element < Gf256.ORDER && candidatesLeft > 0; element++) {
                    if (contains(bestX, element) || contains(bestY, element)) {
                        continue;
                    }
                    candidatesLeft--;
                    int kept = values[slot];
                    values[slot] = element;
                    int candidateOnes = ones(normalized(bestX, bestY));
                    if (candidateOnes < bestOnes) {
                        bestOnes = candidateOnes;
                        improved = true;
                    } else {
                        values[slot] = kept;
                    }
                }
            }
        }
        return normalized(bestX, bestY);
    }

    private static boolean contains(int[] values, int element) {
        for (int value : values) {
            if (value == element) {
                return true;
            }
        }
        return false;
    }

    /** Returns the total number of ones in the bit matrices of all entries: the XOR cost of encoding. */
    static int ones(int[][] matrix) {
        int total = 0;
        for (int[] row : matrix) {
            for (int entry : row) {
                total += Gf256.ones(entry);
            }
        }
        return total;
    }

    /** Fills x and y with distinct field elements: a random prefix of a permutation of GF(2^8). */
    private static void drawDisjoint(SplitMix64 random, int[] elements, int[] x, int[] y) {
        for (int e = 0; e < elements.length; e++) {
            elements[e] = e;
        }
        int drawn = x.length + y.length;
        for (int slot = 0; slot < drawn; slot++) {
            int pick = slot + random.nextBelow(elements.length - slot);
            int swapped = elements[slot];
            elements[slot] = elements[pick];
            elements[pick] = swapped;
        }
        System.arraycopy(elements, 0, x, 0, x.length);
        System.arraycopy(elements, x.length, y, 0, y.length);
    }

    /**
     * Returns the Cauchy matrix 1/(x_j + y_i), with each column divided by its row-0 entry, then each
     * further row divided by whichever of its own entries leaves the fewest ones (Plank and Xu 2006).
     */
    private static int[][] normalized(int[] x, int[] y) {
        int m = x.length;
        int k = y.length;
        int[][] matrix = new int[m][k];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < k; i++) {
                matrix[j][i] = Gf256.inverse(x[j] ^ y[i]);
            }
        }
        for (int i = 0; i < k; i++) {
            int columnScale = Gf256.inverse(matrix[0][i]);
            for (int j = 0; j < m; j++) {
                matrix[j][i] = Gf256.multiply(matrix[j][i], columnScale);
            }
        }
        for (int j = 1; j < m; j++) {
            scaleRowToFewestOnes(matrix[j]);
        }
        return matrix;
    }

    private static void scaleRowToFewestOnes(int[] row) {
        int bestScale = 1;
        int bestOnes = Integer.MAX_VALUE;
        for (int divisor : row) {
            int scale = Gf256.inverse(divisor);
            int rowOnes = 0;
            for (int entry : row) {
                rowOnes += Gf256.ones(Gf256.multiply(entry, scale));
            }
            if (rowOnes < bestOnes) {
                bestOnes = rowOnes;
                bestScale = scale;
            }
        }
        for (int i = 0; i < row.length; i++) {
            row[i] = Gf256.multiply(row[i], bestScale);
        }
    }

    /** SplitMix64 (Steele, Lea, Flood 2014), spelled out here so the candidate sequence never changes. */
    private static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            state = seed;
        }

        int nextBelow(int bound) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            return (int) ((z >>> 1) % bound);
        }
    }
}
