package dev.ratchet.sector.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CauchyCodeTest {
    private static final long SEED = 0x5EC7_0125L;

    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of(1, 1),
                Arguments.of(1, 5),
                Arguments.of(2, 1),
                Arguments.of(4, 2),
                Arguments.of(6, 3),
                Arguments.of(8, 4),
                Arguments.of(10, 4),
                Arguments.of(17, 3),
                Arguments.of(8, 8),
                Arguments.of(12, 8),
                Arguments.of(20, 8),
                Arguments.of(32, 32),
                Arguments.of(63, 1),
                Arguments.of(1, 63),
                Arguments.of(5, 59));
    }

    @ParameterizedTest(name = "{0}+{1}")
    @MethodSource("geometries")
    void encode_matchesScalarReference(int k, int m) {
        CauchyCode code = CauchyCode.create(k, m);
        Random random = new Random(SEED + 64 * k + m);
        long[][][] data = ScalarReference.randomSectors(random, k);
        long[][][] parity = ScalarReference.randomSectors(random, m);

        code.encode(data, parity);

        int[][] dataSymbols = new int[k][];
        for (int i = 0; i < k; i++) {
            dataSymbols[i] = ScalarReference.symbolsOf(data[i]);
        }
        int[][] expected = ScalarReference.encode(ScalarReference.matrixOf(code), dataSymbols);
        for (int j = 0; j < m; j++) {
            assertArrayEquals(expected[j], ScalarReference.symbolsOf(parity[j]), "parity " + j);
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @MethodSource("geometries")
    void parityMatrix_isCauchyScaledSoThatParityZeroIsXor(int k, int m) {
        int[][] matrix = ScalarReference.matrixOf(CauchyCode.create(k, m));

        for (int i = 0; i < k; i++) {
            assertEquals(1, matrix[0][i], "P[0][" + i + "]");
        }
        // Every square submatrix of a scaled Cauchy matrix is non-singular; check all 1×1 and 2×2 ones here,
        // and the larger ones through the exhaustive decode tests.
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < k; i++) {
                assertNotEquals(0, matrix[j][i], "P[" + j + "][" + i + "]");
                for (int j2 = j + 1; j2 < m; j2++) {
                    for (int i2 = i + 1; i2 < k; i2++) {
                        int determinant = ScalarReference.multiply(matrix[j][i], matrix[j2][i2])
                                ^ ScalarReference.multiply(matrix[j][i2], matrix[j2][i]);
                        assertNotEquals(0, determinant, "minor rows " + j + "," + j2 + " columns " + i + "," + i2);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"4, 2", "6, 3", "8, 4", "1, 3", "3, 1"})
    void decode_rebuildsEveryErasurePatternOfAtMostM(int k, int m) {
        CauchyCode code = CauchyCode.create(k, m);
        Random random = new Random(SEED);
        long[][][] stripe = encodedStripe(code, random);
        int patterns = 0;
        for (long pattern = 0; pattern < 1L << (k + m); pattern++) {
            if (Long.bitCount(pattern) <= m) {
                assertDecodeRestores(code, stripe, indicesOf(pattern), random);
                patterns++;
            }
        }
        assertEquals(patternCount(k + m, m), patterns);
        // A second pass hits plans that were cached or evicted, and must agree.
        for (long pattern = (1L << (k + m)) - 1; pattern >= 0; pattern--) {
            if (Long.bitCount(pattern) <= m) {
                assertDecodeRestores(code, stripe, indicesOf(pattern), random);
            }
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"20, 8", "32, 32", "10, 4", "8, 8"})
    void decode_rebuildsRandomErasurePatterns(int k, int m) {
        CauchyCode code = CauchyCode.create(k, m);
        Random random = new Random(SEED + k);
        long[][][] stripe = encodedStripe(code, random);
        for (int round = 0; round < 60; round++) {
            // Mostly worst cases (exactly m erasures), some lighter ones.
            int erasures = round % 3 == 0 ? 1 + random.nextInt(m) : m;
            long pattern = 0;
            while (Long.bitCount(pattern) < erasures) {
                pattern |= 1L << random.nextInt(k + m);
            }
            assertDecodeRestores(code, stripe, indicesOf(pattern), random);
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"4, 2", "6, 3", "8, 4", "3, 1"})
    void decode_bothPlansRebuildEveryErasurePatternOfAtMostM(int k, int m) {
        CauchyCode code = CauchyCode.create(k, m);
        Random random = new Random(SEED + 1);
        long[][][] stripe = encodedStripe(code, random);
        for (long pattern = 1; pattern < 1L << (k + m); pattern++) {
            if (Long.bitCount(pattern) <= m) {
                assertBothPlansRestore(code, stripe, indicesOf(pattern), random);
            }
        }
    }

    @ParameterizedTest(name = "{0}+{1}, {2} patterns")
    @CsvSource({"10, 4, 12", "8, 8, 12", "20, 8, 12", "32, 32, 3"})
    void decode_bothPlansRebuildRandomErasurePatterns(int k, int m, int rounds) {
        CauchyCode code = CauchyCode.create(k, m);
        Random random = new Random(SEED + 2 * k);
        long[][][] stripe = encodedStripe(code, random);
        for (int round = 0; round < rounds; round++) {
            int erasures = round % 3 == 0 ? 1 + random.nextInt(m) : m;
            long pattern = 0;
            while (Long.bitCount(pattern) < erasures) {
                pattern |= 1L << random.nextInt(k + m);
            }
            assertBothPlansRestore(code, stripe, indicesOf(pattern), random);
        }
    }

    @Test
    void decode_choosesTheCheaperPlanPerErasurePattern() {
        // 10+4 with 4 lost data sectors: the folded one-stage rows are dense, the staged plan is cheaper.
        CauchyCode wide = CauchyCode.create(10, 4);
        int[] fourLost = {0, 1, 2, 3};
        XorSchedule staged = wide.decodeSchedule(fourLost, true);
        assertTrue(staged.estimatedCost() < wide.decodeSchedule(fourLost, false).estimatedCost());
        assertEquals(staged.planeXorCount(), wide.decodePlaneXorCount(fourLost));
        // One lost data sector with parity 0 alive: the one-stage plain XOR beats syndrome then copy.
        CauchyCode narrow = CauchyCode.create(4, 2);
        XorSchedule oneStage = narrow.decodeSchedule(new int[] {1}, false);
        assertTrue(oneStage.estimatedCost()
                < narrow.decodeSchedule(new int[] {1}, true).estimatedCost());
        assertEquals(oneStage.planeXorCount(), narrow.decodePlaneXorCount(new int[] {1}));
    }

    @Test
    void decode_fromTwoThreadsWithManyPatterns_sharesOneCodeSafely() throws Exception {
        CauchyCode code = CauchyCode.create(6, 3);
        long[][][] stripe = encodedStripe(code, new Random(SEED));
        Callable<Void> decodeAllPatterns = () -> {
            Random random = new Random(SEED);
            for (int round = 0; round < 3; round++) {
                for (long pattern = 1; pattern < 1L << 9; pattern++) {
                    if (Long.bitCount(pattern) <= 3) {
                        assertDecodeRestores(code, stripe, indicesOf(pattern), random);
                    }
                }
            }
            return null;
        };
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            List<Future<Void>> results = executor.invokeAll(List.of(decodeAllPatterns, decodeAllPatterns));
            for (Future<Void> result : results) {
                result.get();
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void decode_withNoErasures_changesNothing() {
        CauchyCode code = CauchyCode.create(4, 2);
        long[][][] stripe = encodedStripe(code, new Random(SEED));
        long[][][] before = ScalarReference.deepCopy(stripe);

        code.decode(stripe, new int[0]);

        assertTrue(Arrays.deepEquals(before, stripe));
    }

    @Test
    void decode_oneLostDataSectorWithParityZeroAlive_isPlainXor() {
        CauchyCode code = CauchyCode.create(10, 4);
        for (int lost = 0; lost < 10; lost++) {
            // Each of the 8 planes is the XOR of the same plane of 9 data sectors and parity 0.
            assertEquals(8 * 9, code.decodePlaneXorCount(new int[] {lost}), "lost data sector " + lost);
        }
    }

    @Test
    void encode_xorCountStaysWithinTheMatrixOnes() {
        for (int[] geometry : new int[][] {{4, 2}, {10, 4}, {8, 8}, {12, 8}}) {
            CauchyCode code = CauchyCode.create(geometry[0], geometry[1]);
            int ones = CauchyMatrix.ones(ScalarReference.matrixOf(code));
            int planeOutputs = 8 * geometry[1];
            assertTrue(code.encodePlaneXorCount() <= ones - planeOutputs, "encode XORs " + code.encodePlaneXorCount());
        }
    }

    @ParameterizedTest(name = "{0}+{1}")
    @CsvSource({"10, 4", "8, 8", "1, 3", "5, 1", "20, 8"})
    void updateParity_equalsFullReencode(int k, int m) {
        CauchyCode code = CauchyCode.create(k, m);
        Random random = new Random(SEED + k * m);
        long[][][] data = ScalarReference.randomSectors(random, k);
        long[][][] parity = ScalarReference.randomSectors(random, m);
        code.encode(data, parity);
        long[][][] perHolderParity = ScalarReference.deepCopy(parity);

        for (int round = 0; round < 2 * k; round++) {
            int changed = random.nextInt(k);
            long[][] newData = ScalarReference.randomSectors(random, 1)[0];
            long[][] delta = CauchyCode.newSector();
            for (int b = 0; b < 8; b++) {
                for (int w = 0; w < 64; w++) {
                    delta[b][w] = data[changed][b][w] ^ newData[b][w];
                }
            }
            data[changed] = newData;

            code.updateParity(changed, delta, parity);
            for (int j = 0; j < m; j++) {
                code.updateParity(changed, delta, j, perHolderParity[j]);
            }

            long[][][] reencoded = ScalarReference.randomSectors(random, m);
            code.encode(data, reencoded);
            assertTrue(Arrays.deepEquals(reencoded, parity), "all-parity update, round " + round);
            assertTrue(Arrays.deepEquals(reencoded, perHolderParity), "per-holder update, round " + round);
        }
    }

    @Test
    void create_isDeterministic() {
        for (int[] geometry : new int[][] {{4, 2}, {10, 4}, {8, 8}, {32, 32}}) {
            int[][] first = ScalarReference.matrixOf(CauchyCode.create(geometry[0], geometry[1]));
            int[][] second = ScalarReference.matrixOf(CauchyCode.create(geometry[0], geometry[1]));
            assertTrue(Arrays.deepEquals(first, second), geometry[0] + "+" + geometry[1]);
        }
    }

    @Test
    void wireForm_mapsBytesToSymbolsAsDocumented() {
        Random random = new Random(SEED);
        int[] symbols = new int[ScalarReference.SYMBOLS_PER_SECTOR];
        for (int s = 0; s < symbols.length; s++) {
            symbols[s] = random.nextInt(256);
        }
        byte[] wire = ScalarReference.wireBytesOf(symbols);
        byte[] padded = new byte[wire.length + 100];
        System.arraycopy(wire, 0, padded, 37, wire.length);
        long[][] sector = CauchyCode.newSector();

        CauchyCode.readSector(padded, 37, sector);

        assertArrayEquals(symbols, ScalarReference.symbolsOf(sector));
        assertTrue(Arrays.deepEquals(ScalarReference.sectorOf(symbols), sector));
        byte[] written = new byte[wire.length + 10];
        CauchyCode.writeSector(sector, written, 10);
        assertArrayEquals(wire, Arrays.copyOfRange(written, 10, written.length));
    }

    @Test
    void wireForm_inByteBuffers_ignoresPositionAndByteOrder() {
        Random random = new Random(SEED);
        long[][] sector = ScalarReference.randomSectors(random, 1)[0];
        byte[] expected = new byte[CauchyCode.SECTOR_SIZE_BYTES];
        CauchyCode.writeSector(sector, expected, 0);

        for (ByteBuffer buffer :
                new ByteBuffer[] {ByteBuffer.allocate(5000).order(ByteOrder.BIG_ENDIAN), ByteBuffer.allocateDirect(5000)
                }) {
            buffer.position(123);
            CauchyCode.writeSector(sector, buffer, 900);
            byte[] written = new byte[CauchyCode.SECTOR_SIZE_BYTES];
            buffer.get(900, written);
            assertArrayEquals(expected, written);
            long[][] readBack = CauchyCode.newSector();
            CauchyCode.readSector(buffer, 900, readBack);
            assertTrue(Arrays.deepEquals(sector, readBack));
            assertEquals(123, buffer.position());
        }
    }

    // Bad arguments.

    @Test
    void create_rejectsBadGeometry() {
        assertMessageShows("0", () -> CauchyCode.create(0, 2));
        assertMessageShows("-3", () -> CauchyCode.create(-3, 2));
        assertMessageShows("0", () -> CauchyCode.create(4, 0));
        assertMessageShows("60 + 5", () -> CauchyCode.create(60, 5));
        assertMessageShows("1 + 64", () -> CauchyCode.create(1, 64));
    }

    @Test
    void encode_rejectsWrongSectorShapes() {
        CauchyCode code = CauchyCode.create(4, 2);
        long[][][] data = ScalarReference.randomSectors(new Random(SEED), 4);
        long[][][] parity = ScalarReference.randomSectors(new Random(SEED), 2);

        assertMessageShows("3", () -> code.encode(Arrays.copyOf(data, 3), parity));
        assertMessageShows("3", () -> code.encode(data, ScalarReference.randomSectors(new Random(SEED), 3)));
        long[][][] shortPlane = ScalarReference.deepCopy(data);
        shortPlane[2][5] = new long[63];
        assertMessageShows("dataSectors[2][5].length is 63", () -> code.encode(shortPlane, parity));
        long[][][] sevenPlanes = ScalarReference.deepCopy(parity);
        sevenPlanes[1] = new long[7][64];
        assertMessageShows("paritySectors[1].length is 7", () -> code.encode(data, sevenPlanes));
        long[][][] missing = ScalarReference.deepCopy(data);
        missing[0] = null;
        assertThrows(NullPointerException.class, () -> code.encode(missing, parity));
    }

    @Test
    void decode_rejectsBadErasures() {
        CauchyCode code = CauchyCode.create(4, 2);
        long[][][] stripe = encodedStripe(code, new Random(SEED));

        assertMessageShows("3 erased sectors", () -> code.decode(stripe, new int[] {0, 1, 2}));
        assertMessageShows("is 6, outside [0, 6)", () -> code.decode(stripe, new int[] {6}));
        assertMessageShows("is -1", () -> code.decode(stripe, new int[] {-1}));
        assertMessageShows("sector 3 twice", () -> code.decode(stripe, new int[] {3, 3}));
        assertMessageShows("stripe.length is 5", () -> code.decode(Arrays.copyOf(stripe, 5), new int[] {1}));
    }

    @Test
    void updateParity_rejectsBadIndicesAndShapes() {
        CauchyCode code = CauchyCode.create(4, 2);
        long[][] delta = CauchyCode.newSector();
        long[][][] parity = ScalarReference.randomSectors(new Random(SEED), 2);

        assertMessageShows("dataSectorIndex is 4", () -> code.updateParity(4, delta, parity));
        assertMessageShows("dataSectorIndex is -1", () -> code.updateParity(-1, delta, 0, parity[0]));
        assertMessageShows("paritySectorIndex is 2", () -> code.updateParity(0, delta, 2, parity[0]));
        assertMessageShows("dataDelta[0].length is 512", () -> code.updateParity(0, new long[8][512], parity));
    }

    @Test
    void wireForm_rejectsRangesThatDoNotHoldASector() {
        long[][] sector = CauchyCode.newSector();

        assertMessageShows("4095 bytes", () -> CauchyCode.readSector(new byte[4095], 0, sector));
        assertMessageShows("offset 1", () -> CauchyCode.writeSector(sector, new byte[4096], 1));
        assertMessageShows("offset -1", () -> CauchyCode.readSector(ByteBuffer.allocate(8192), -1, sector));
        assertMessageShows("sector.length is 9", () -> CauchyCode.readSector(new byte[4096], 0, new long[9][64]));
    }

    private static long[][][] encodedStripe(CauchyCode code, Random random) {
        int k = code.dataSectorCount();
        int m = code.paritySectorCount();
        long[][][] stripe = ScalarReference.randomSectors(random, k + m);
        code.encode(Arrays.copyOfRange(stripe, 0, k), Arrays.copyOfRange(stripe, k, k + m));
        return stripe;
    }

    /** Overwrites the erased sectors of a copy of the stripe with garbage, decodes, and compares. */
    private static void assertDecodeRestores(CauchyCode code, long[][][] stripe, int[] erased, Random random) {
        long[][][] damaged = ScalarReference.deepCopy(stripe);
        for (int index : erased) {
            ScalarReference.fill(random, damaged[index]);
        }
        code.decode(damaged, erased);
        assertTrue(Arrays.deepEquals(stripe, damaged), () -> "erased " + Arrays.toString(erased));
    }

    /** Like {@link #assertDecodeRestores} for the one-stage and the staged plan, bypassing the plan choice. */
    private static void assertBothPlansRestore(CauchyCode code, long[][][] stripe, int[] erased, Random random) {
        for (boolean staged : new boolean[] {false, true}) {
            long[][][] damaged = ScalarReference.deepCopy(stripe);
            for (int index : erased) {
                ScalarReference.fill(random, damaged[index]);
            }
            code.decodeSchedule(erased, staged).run(damaged, null);
            assertTrue(
                    Arrays.deepEquals(stripe, damaged),
                    () -> (staged ? "staged" : "one-stage") + " plan, erased " + Arrays.toString(erased));
        }
    }

    private static int[] indicesOf(long pattern) {
        return IntStream.range(0, Long.SIZE)
                .filter(index -> (pattern >>> index & 1) != 0)
                .toArray();
    }

    /** Returns the number of subsets of at most {@code m} of {@code n} sectors. */
    private static int patternCount(int n, int m) {
        int total = 0;
        long binomial = 1;
        for (int size = 0; size <= m; size++) {
            total += (int) binomial;
            binomial = binomial * (n - size) / (size + 1);
        }
        return total;
    }

    private static void assertMessageShows(String expected, Executable call) {
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, call);
        assertTrue(thrown.getMessage().contains(expected), () -> "message: " + thrown.getMessage());
    }
}
