package dev.ratchet.sector.codec;

/**
 * A list of plane XORs that computes some output planes from input planes: for each output plane, the
 * planes to XOR into it.
 *
 * <p>Planes are named by index {@code 8 * sector + bit}, where the sector index runs over the caller's
 * sector arrays (see {@link #run(long[][][], long[][][])}). A schedule is immutable and may be run by
 * several threads at once on distinct buffers.
 */
final class XorSchedule {
    private static final int PLANES_PER_SECTOR = Gf256.BITS_PER_SYMBOL;

    private final int[] outputPlanes;
    private final int[][] sourcePlanes;
    private final boolean accumulate;

    private XorSchedule(int[] outputPlanes, int[][] sourcePlanes, boolean accumulate) {
        if (outputPlanes.length != sourcePlanes.length) {
            throw new IllegalStateException(
                    outputPlanes.length + " output planes but " + sourcePlanes.length + " source lists");
        }
        this.outputPlanes = outputPlanes;
        this.sourcePlanes = sourcePlanes;
        this.accumulate = accumulate;
    }

    /**
     * Returns a schedule that sets each output plane {@code outputPlanes[o]} to the XOR of the planes in
     * the bit set {@code sourceSets[o]}.
     *
     * <p>An output may start from an output computed before it when their source sets differ in fewer
     * planes than the output has sources (Jerasure's "smart" scheduling, Plank 2008), so outputs must not
     * overlap inputs.
     */
    static XorSchedule overwriting(int[] outputPlanes, long[][] sourceSets) {
        int[][] sources = new int[outputPlanes.length][];
        for (int o = 0; o < outputPlanes.length; o++) {
            int base = -1;
            int bestCount = bitCount(sourceSets[o]);
            for (int earlier = 0; earlier < o; earlier++) {
                int count = 1 + differenceCount(sourceSets[o], sourceSets[earlier]);
                if (count < bestCount) {
                    bestCount = count;
                    base = earlier;
                }
            }
            if (base < 0) {
                sources[o] = members(sourceSets[o], -1);
            } else {
                long[] difference = sourceSets[o].clone();
                for (int word = 0; word < difference.length; word++) {
                    difference[word] ^= sourceSets[base][word];
                }
                sources[o] = members(difference, outputPlanes[base]);
            }
        }
        return new XorSchedule(outputPlanes.clone(), sources, /* accumulate= */ false);
    }

    /**
     * Returns a schedule that XORs into each output plane {@code outputPlanes[o]} the planes in the bit
     * set {@code sourceSets[o]}, keeping what the output held before.
     */
    static XorSchedule accumulating(int[] outputPlanes, long[][] sourceSets) {
        int[][] sources = new int[outputPlanes.length][];
        for (int o = 0; o < outputPlanes.length; o++) {
            sources[o] = members(sourceSets[o], -1);
        }
        return new XorSchedule(outputPlanes.clone(), sources, /* accumulate= */ true);
    }

    /**
     * Returns the source sets of the 8 planes of one output sector equal to {@code Σ coefficients[s] ·
     * inputSectors[s]}: bit {@code 8 * inputSectors[s] + t} of set {@code r} is bit {@code r} of
     * {@code coefficients[s] · x^t}, summed over s.
     */
    static long[][] productSourceSets(int[] coefficients, int[] inputSectors, int planeCount) {
        long[][] sets = new long[PLANES_PER_SECTOR][(planeCount + Long.SIZE - 1) / Long.SIZE];
        for (int s = 0; s < coefficients.length; s++) {
            int[] columns = Gf256.bitMatrixColumnsOf(coefficients[s]);
            for (int t = 0; t < PLANES_PER_SECTOR; t++) {
                int plane = PLANES_PER_SECTOR * inputSectors[s] + t;
                for (int r = 0; r < PLANES_PER_SECTOR; r++) {
                    if ((columns[t] >>> r & 1) != 0) {
                        sets[r][plane >>> 6] ^= 1L << plane;
                    }
                }
            }
        }
        return sets;
    }

    /** Returns the number of 512-byte plane XORs one run performs; copying a plane counts as none. */
    int planeXorCount() {
        int count = 0;
        for (int[] sources : sourcePlanes) {
            count += sources.length;
        }
        return accumulate ? count : count - outputPlanes.length;
    }

    /**
     * Runs the schedule over two groups of sectors: plane {@code p} is {@code low[p / 8][p % 8]} when
     * {@code p < 8 * low.length}, else plane {@code p - 8 * low.length} of {@code high}.
     */
    void run(long[][][] low, long[][][] high) {
        int lowPlaneCount = low.length * PLANES_PER_SECTOR;
        for (int o = 0; o < outputPlanes.length; o++) {
            long[] d = plane(outputPlanes[o], low, high, lowPlaneCount);
            int[] s = sourcePlanes[o];
            int next = 0;
            if (!accumulate) {
                next = Math.min(s.length, 4);
                switch (next) {
                    case 0 -> PlaneXor.zero(d);
                    case 1 -> PlaneXor.set1(d, plane(s[0], low, high, lowPlaneCount));
                    case 2 ->
                        PlaneXor.set2(d, plane(s[0], low, high, lowPlaneCount), plane(s[1], low, high, lowPlaneCount));
                    case 3 ->
                        PlaneXor.set3(
                                d,
                                plane(s[0], low, high, lowPlaneCount),
                                plane(s[1], low, high, lowPlaneCount),
                                plane(s[2], low, high, lowPlaneCount));
                    default ->
                        PlaneXor.set4(
                                d,
                                plane(s[0], low, high, lowPlaneCount),
                                plane(s[1], low, high, lowPlaneCount),
                                plane(s[2], low, high, lowPlaneCount),
                                plane(s[3], low, high, lowPlaneCount));
                }
            }
            for (; next + 4 <= s.length; next += 4) {
                PlaneXor.xor4(
                        d,
                        plane(s[next], low, high, lowPlaneCount),
                        plane(s[next + 1], low, high, lowPlaneCount),
                        plane(s[next + 2], low, high, lowPlaneCount),
                        plane(s[next + 3], low, high, lowPlaneCount));
            }
            switch (s.length - next) {
                case 1 -> PlaneXor.xor1(d, plane(s[next], low, high, lowPlaneCount));
                case 2 ->
                    PlaneXor.xor2(
                            d, plane(s[next], low, high, lowPlaneCount), plane(s[next + 1], low, high, lowPlaneCount));
                case 3 ->
                    PlaneXor.xor3(
                            d,
                            plane(s[next], low, high, lowPlaneCount),
                            plane(s[next + 1], low, high, lowPlaneCount),
                            plane(s[next + 2], low, high, lowPlaneCount));
                default -> {}
            }
        }
    }

    /** Runs a schedule whose planes all lie in one sector: sources in {@code source}, outputs in {@code destination}. */
    void run(long[][] source, long[][] destination) {
        if (!accumulate) {
            throw new IllegalStateException("a single-sector schedule must accumulate");
        }
        for (int o = 0; o < outputPlanes.length; o++) {
            long[] d = destination[outputPlanes[o]];
            int[] s = sourcePlanes[o];
            int next = 0;
            for (; next + 4 <= s.length; next += 4) {
                PlaneXor.xor4(d, source[s[next]], source[s[next + 1]], source[s[next + 2]], source[s[next + 3]]);
            }
            switch (s.length - next) {
                case 1 -> PlaneXor.xor1(d, source[s[next]]);
                case 2 -> PlaneXor.xor2(d, source[s[next]], source[s[next + 1]]);
                case 3 -> PlaneXor.xor3(d, source[s[next]], source[s[next + 1]], source[s[next + 2]]);
                default -> {}
            }
        }
    }

    private static long[] plane(int index, long[][][] low, long[][][] high, int lowPlaneCount) {
        if (index < lowPlaneCount) {
            return low[index >>> 3][index & 7];
        }
        int highIndex = index - lowPlaneCount;
        return high[highIndex >>> 3][highIndex & 7];
    }

    private static int bitCount(long[] set) {
        int count = 0;
        for (long word : set) {
            count += Long.bitCount(word);
        }
        return count;
    }

    private static int differenceCount(long[] left, long[] right) {
        int count = 0;
        for (int word = 0; word < left.length; word++) {
            count += Long.bitCount(left[word] ^ right[word]);
        }
        return count;
    }

    /** Returns the members of a bit set, preceded by {@code first} unless it is negative. */
    private static int[] members(long[] set, int first) {
        int[] members = new int[bitCount(set) + (first < 0 ? 0 : 1)];
        int next = 0;
        if (first >= 0) {
            members[next++] = first;
        }
        for (int word = 0; word < set.length; word++) {
            for (long bits = set[word]; bits != 0; bits &= bits - 1) {
                members[next++] = word * Long.SIZE + Long.numberOfTrailingZeros(bits);
            }
        }
        return members;
    }
}
