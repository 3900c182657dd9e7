package dev.ratchet.sector.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A systematic Cauchy Reed-Solomon erasure code over GF(2^8) for stripes of k data and m parity sectors
 * of 4096 bytes, computed with XORs only.
 *
 * <h2>Layout</h2>
 *
 * <p>Every method works on sectors in <em>bit-sliced</em> form: a sector is a {@code long[8][64]}, eight
 * planes of 512 bytes. A sector holds 4096 GF(2^8) symbols, and bit {@code b} of symbol {@code s} is bit
 * {@code s % 64} of {@code sector[b][s / 64]}. In the 4096-byte wire form ({@link #readSector(byte[],
 * int, long[][])}, {@link #writeSector(long[][], byte[], int)}), plane {@code b} is bytes {@code [512b,
 * 512b + 512)} read as 64 little-endian longs, so bit {@code b} of symbol {@code s} is bit {@code s % 8}
 * of byte {@code 512b + s / 8}. Data is ciphertext, so the symbols never need transposing: the mapping
 * only defines which GF(2^8) products the parity holds.
 *
 * <p>Sectors are passed as arrays of sectors ({@code long[][][]}), whose entries and planes the caller
 * allocates once and reuses; encode, decode and update allocate nothing once a decode plan is cached
 * and the calling thread's workspace (a table of plane references and up to 128 scratch planes, 64
 * KiB, plus 8 planes per lost data sector for a staged decode plan) has grown to the code's size.
 * No output plane may be the same array as any input plane.
 *
 * <h2>Thread safety</h2>
 *
 * <p>A code is immutable apart from its bounded decode-plan cache, which is synchronized; any number of
 * threads may use one code at once on distinct buffers.
 *
 * <h2>Errors</h2>
 *
 * <p>Wrong geometry, wrong sector shapes, out-of-range or duplicate indices, and more than m erasures
 * throw {@link IllegalArgumentException} with the bad value; null arrays throw {@link
 * NullPointerException}.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>Parity sector j is {@code Σ_i P[j][i] · data_i}, symbol by symbol, where P is an m×k Cauchy matrix
 * {@code 1/(x_j + y_i)}. Every square submatrix of a Cauchy matrix is non-singular, so any k of the k+m
 * sectors determine the rest (the code is MDS) for every m. Multiplying by a constant c is linear over
 * GF(2), an 8×8 bit matrix whose column t is {@code c · x^t}; in the bit-sliced layout output plane r of
 * {@code c · a} is therefore the XOR of those input planes t for which bit r of {@code c · x^t} is set
 * (Blömer, Kalfane, Karpinski, Karp, Luby, Zuckerman, "An XOR-based erasure-resilient coding scheme",
 * ICSI TR-95-048, 1995). Each operation is compiled once into an {@link XorSchedule}: per output plane,
 * the list of 512-byte planes to XOR.
 *
 * <p>The cost is the number of ones in the bit matrices, so P is chosen to have few ones (Plank and Xu,
 * "Optimizing Cauchy Reed-Solomon codes for fault-tolerant network storage applications", NCA 2006):
 * columns are divided by their row-0 entries so that parity 0 is plain XOR, each other row is divided by
 * the entry that leaves it the fewest ones, and a deterministic search over (X, Y) keeps the cheapest
 * matrix ({@link CauchyMatrix}). Schedules that overwrite their outputs may start an output plane from
 * an earlier output plane when that needs fewer XORs, and XOR pairs of planes that many outputs share
 * once, into scratch planes ({@link XorSchedule#overwriting(int[], long[][])}).
 *
 * <p>Decoding with erased data sectors E uses all surviving data sectors and the first |E| surviving
 * parity sectors and inverts the |E|×|E| submatrix of P on those parities and on E. There are two plans,
 * and each erasure pattern gets the one {@link XorSchedule#estimatedCost()} rates cheaper. The one-stage
 * plan folds the surviving data into the inverse, which gives each erased sector as a combination of k
 * survivors, and erased parity sectors as combinations of the same survivors; one erased data sector
 * with parity 0 alive thus decodes by XOR alone. The staged plan first computes the syndromes {@code
 * parity_a + Σ_surviving P[a][i] · data_i} into scratch planes, with the sparse rows of P, then
 * multiplies them by the small dense inverse, then re-encodes erased parities from the whole data; it
 * wins when the folded rows are dense (10+4 with 4 lost data sectors: 13 % faster), and loses when its
 * extra calls outweigh that (8+8 with 8 lost). Decode schedules are cached per erasure pattern.
 *
 * <p>The parity update uses linearity: {@code P[j][i] · new = P[j][i] · old + P[j][i] · (old + new)}, so
 * a parity holder needs only the XOR delta of one data sector.
 */
public final class CauchyCode {
    /** Size of a sector in bytes. */
    public static final int SECTOR_SIZE_BYTES = 4096;

    /** Number of planes in a bit-sliced sector: one per bit of a GF(2^8) symbol. */
    public static final int PLANES_PER_SECTOR = Gf256.BITS_PER_SYMBOL;

    /** Size of a plane in longs; a plane is 512 bytes and holds one bit of each of the 4096 symbols. */
    public static final int PLANE_SIZE_LONGS = SECTOR_SIZE_BYTES / PLANES_PER_SECTOR / Long.BYTES;

    /**
     * Upper bound on k + m: an erasure pattern is then one {@code long} bit mask, and 64 sector servers
     * per stripe is far beyond the array sizes we plan for.
     */
    public static final int STRIPE_SECTORS_MAX = Long.SIZE;

    /**
     * Upper bound on cached decode plans per code. A stripe's pattern changes only when servers die, so
     * a handful is live at a time; 64 is room for the 55 patterns of one or two losses among 10
     * servers, and
     * the worst-case plan (32+32, 32 losses) is about 130 KiB.
     */
    static final int DECODE_PLANS_MAX = 64;

    private static final VarHandle LONGS_IN_BYTES =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS_IN_BUFFER =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int dataSectorCount;
    private final int paritySectorCount;

    /** The parity matrix P, indexed {@code [parity][data]}. */
    private final int[][] parityMatrix;

    private final XorSchedule encodeSchedule;

    /** The update schedule of data sector i into parity sector j, at {@code [j * k + i]}. */
    private final XorSchedule[] updateSchedules;

    private final DecodePlanCache decodePlans = new DecodePlanCache(DECODE_PLANS_MAX);

    private CauchyCode(int dataSectorCount, int paritySectorCount) {
        this.dataSectorCount = dataSectorCount;
        this.paritySectorCount = paritySectorCount;
        this.parityMatrix = CauchyMatrix.create(dataSectorCount, paritySectorCount);
        this.encodeSchedule = buildEncodeSchedule();
        this.updateSchedules = buildUpdateSchedules();
    }

    /**
     * Returns the code with {@code dataSectorCount} data sectors (k) and {@code paritySectorCount} parity
     * sectors (m) per stripe, for k ≥ 1, m ≥ 1 and k + m ≤ {@value #STRIPE_SECTORS_MAX}.
     *
     * <p>Creating a code searches for a cheap matrix and takes milliseconds; keep the instance.
     */
    public static CauchyCode create(int dataSectorCount, int paritySectorCount) {
        if (dataSectorCount < 1) {
            throw new IllegalArgumentException("dataSectorCount < 1: " + dataSectorCount);
        }
        if (paritySectorCount < 1) {
            throw new IllegalArgumentException("paritySectorCount < 1: " + paritySectorCount);
        }
        if (dataSectorCount + paritySectorCount > STRIPE_SECTORS_MAX) {
            throw new IllegalArgumentException("dataSectorCount + paritySectorCount > " + STRIPE_SECTORS_MAX + ": "
                    + dataSectorCount + " + " + paritySectorCount);
        }
        return new CauchyCode(dataSectorCount, paritySectorCount);
    }

    /** Returns k, the number of data sectors per stripe. */
    public int dataSectorCount() {
        return dataSectorCount;
    }

    /** Returns m, the number of parity sectors per stripe and the number of erasures the code repairs. */
    public int paritySectorCount() {
        return paritySectorCount;
    }

    /** Returns a new zeroed sector in bit-sliced form. */
    public static long[][] newSector() {
        return new long[PLANES_PER_SECTOR][PLANE_SIZE_LONGS];
    }

    /**
     * Computes the m parity sectors of k data sectors.
     *
     * @param dataSectors the k data sectors, read only
     * @param paritySectors the m parity sectors, overwritten
     */
    public void encode(long[][][] dataSectors, long[][][] paritySectors) {
        checkSectors("dataSectors", dataSectors, dataSectorCount);
        checkSectors("paritySectors", paritySectors, paritySectorCount);
        encodeSchedule.run(dataSectors, paritySectors);
    }

    /**
     * Rebuilds the erased sectors of a stripe from the others.
     *
     * @param stripe the k + m sectors of a stripe, data sectors first then parity sectors; the erased
     *     ones are overwritten with their rebuilt contents, the others are read only
     * @param erasedSectorIndices the distinct indices into {@code stripe} of the erased sectors, at most
     *     m of them
     */
    public void decode(long[][][] stripe, int[] erasedSectorIndices) {
        checkSectors("stripe", stripe, dataSectorCount + paritySectorCount);
        long erasurePattern = erasurePatternOf(erasedSectorIndices);
        if (erasurePattern == 0) {
            return;
        }
        XorSchedule schedule = decodePlans.get(erasurePattern);
        if (schedule == null) {
            schedule = buildDecodeSchedule(erasurePattern);
            decodePlans.put(erasurePattern, schedule);
        }
        schedule.run(stripe, null);
    }

    /**
     * Brings all m parity sectors up to date after data sector {@code dataSectorIndex} changed from
     * {@code old} to {@code new}, given {@code dataDelta = old XOR new}.
     *
     * @param paritySectors the m parity sectors, updated in place
     */
    public void updateParity(int dataSectorIndex, long[][] dataDelta, long[][][] paritySectors) {
        checkIndex("dataSectorIndex", dataSectorIndex, dataSectorCount);
        checkSector("dataDelta", -1, dataDelta);
        checkSectors("paritySectors", paritySectors, paritySectorCount);
        for (int j = 0; j < paritySectorCount; j++) {
            updateSchedules[j * dataSectorCount + dataSectorIndex].run(dataDelta, paritySectors[j]);
        }
    }

    /**
     * Brings one parity sector up to date after data sector {@code dataSectorIndex} changed from {@code
     * old} to {@code new}, given {@code dataDelta = old XOR new}; this is the work of one parity holder.
     *
     * @param paritySectorIndex which parity sector (0 to m − 1) {@code paritySector} is
     * @param paritySector the parity sector, updated in place
     */
    public void updateParity(int dataSectorIndex, long[][] dataDelta, int paritySectorIndex, long[][] paritySector) {
        checkIndex("dataSectorIndex", dataSectorIndex, dataSectorCount);
        checkIndex("paritySectorIndex", paritySectorIndex, paritySectorCount);
        checkSector("dataDelta", -1, dataDelta);
        checkSector("paritySector", -1, paritySector);
        updateSchedules[paritySectorIndex * dataSectorCount + dataSectorIndex].run(dataDelta, paritySector);
    }

    /** Reads a sector from its 4096-byte wire form at {@code bytes[offsetBytes...]}, overwriting {@code sector}. */
    public static void readSector(byte[] bytes, int offsetBytes, long[][] sector) {
        checkWireRange(bytes.length, offsetBytes);
        checkSector("sector", -1, sector);
        for (int b = 0; b < PLANES_PER_SECTOR; b++) {
            long[] plane = sector[b];
            for (int w = 0; w < PLANE_SIZE_LONGS; w++) {
                plane[w] = (long) LONGS_IN_BYTES.get(bytes, wireOffsetBytes(offsetBytes, b, w));
            }
        }
    }

    /** Writes a sector in its 4096-byte wire form to {@code bytes[offsetBytes...]}. */
    public static void writeSector(long[][] sector, byte[] bytes, int offsetBytes) {
        checkWireRange(bytes.length, offsetBytes);
        checkSector("sector", -1, sector);
        for (int b = 0; b < PLANES_PER_SECTOR; b++) {
            long[] plane = sector[b];
            for (int w = 0; w < PLANE_SIZE_LONGS; w++) {
                LONGS_IN_BYTES.set(bytes, wireOffsetBytes(offsetBytes, b, w), plane[w]);
            }
        }
    }

    /**
     * Reads a sector from its 4096-byte wire form at absolute position {@code offsetBytes} of a buffer,
     * regardless of the buffer's position and byte order, overwriting {@code sector}.
     */
    public static void readSector(ByteBuffer buffer, int offsetBytes, long[][] sector) {
        checkWireRange(buffer.limit(), offsetBytes);
        checkSector("sector", -1, sector);
        for (int b = 0; b < PLANES_PER_SECTOR; b++) {
            long[] plane = sector[b];
            for (int w = 0; w < PLANE_SIZE_LONGS; w++) {
                plane[w] = (long) LONGS_IN_BUFFER.get(buffer, wireOffsetBytes(offsetBytes, b, w));
            }
        }
    }

    /**
     * Writes a sector in its 4096-byte wire form at absolute position {@code offsetBytes} of a buffer,
     * regardless of the buffer's position and byte order.
     */
    public static void writeSector(long[][] sector, ByteBuffer buffer, int offsetBytes) {
        checkWireRange(buffer.limit(), offsetBytes);
        checkSector("sector", -1, sector);
        for (int b = 0; b < PLANES_PER_SECTOR; b++) {
            long[] plane = sector[b];
            for (int w = 0; w < PLANE_SIZE_LONGS; w++) {
                LONGS_IN_BUFFER.set(buffer, wireOffsetBytes(offsetBytes, b, w), plane[w]);
            }
        }
    }

    /** Returns the entry {@code P[parity][data]} of the parity matrix. */
    int coefficient(int paritySectorIndex, int dataSectorIndex) {
        return parityMatrix[paritySectorIndex][dataSectorIndex];
    }

    /** Returns the number of 512-byte plane XORs one encode performs. */
    int encodePlaneXorCount() {
        return encodeSchedule.planeXorCount();
    }

    /** Returns the number of 512-byte plane XORs one decode of the given erased sectors performs. */
    int decodePlaneXorCount(int[] erasedSectorIndices) {
        long erasurePattern = erasurePatternOf(erasedSectorIndices);
        return erasurePattern == 0 ? 0 : buildDecodeSchedule(erasurePattern).planeXorCount();
    }

    private XorSchedule buildEncodeSchedule() {
        int[] dataSectors = new int[dataSectorCount];
        Arrays.setAll(dataSectors, i -> i);
        // Parity sectors are numbered after the data sectors, as in a stripe.
        int[] paritySectors = new int[paritySectorCount];
        Arrays.setAll(paritySectors, j -> dataSectorCount + j);
        return productSchedule(paritySectors, parityMatrix, dataSectors);
    }

    private XorSchedule[] buildUpdateSchedules() {
        int[] planes = new int[PLANES_PER_SECTOR];
        Arrays.setAll(planes, r -> r);
        XorSchedule[] schedules = new XorSchedule[paritySectorCount * dataSectorCount];
        for (int j = 0; j < paritySectorCount; j++) {
            for (int i = 0; i < dataSectorCount; i++) {
                long[][] sets =
                        XorSchedule.productSourceSets(new int[] {parityMatrix[j][i]}, new int[] {0}, PLANES_PER_SECTOR);
                schedules[j * dataSectorCount + i] = XorSchedule.accumulating(planes, sets);
            }
        }
        return schedules;
    }

    /**
     * Builds the schedule that rebuilds the sectors of a non-empty erasure pattern of at most m sectors:
     * the cheaper of the one-stage and the staged plan by {@link XorSchedule#estimatedCost()}.
     */
    private XorSchedule buildDecodeSchedule(long erasurePattern) {
        XorSchedule oneStage = buildOneStageDecodeSchedule(erasurePattern);
        XorSchedule staged = buildStagedDecodeSchedule(erasurePattern);
        return staged.estimatedCost() < oneStage.estimatedCost() ? staged : oneStage;
    }

    /** Returns the one-stage ({@code staged} false) or staged decode schedule of the given erased sectors. */
    XorSchedule decodeSchedule(int[] erasedSectorIndices, boolean staged) {
        long erasurePattern = erasurePatternOf(erasedSectorIndices);
        return staged ? buildStagedDecodeSchedule(erasurePattern) : buildOneStageDecodeSchedule(erasurePattern);
    }

    /**
     * Builds a decode schedule in stages: the syndromes {@code parity_a + Σ_surviving P[a][i] · data_i}
     * of the chosen parities, with the sparse parity rows; then the erased data as the inverse of the
     * erased columns times the syndromes; then the erased parities re-encoded from the whole data.
     */
    private XorSchedule buildStagedDecodeSchedule(long erasurePattern) {
        int k = dataSectorCount;
        int stripeSectorCount = k + paritySectorCount;
        int[] erasedData = membersIn(erasurePattern, 0, k);
        int[] erasedParity = membersIn(erasurePattern, k, stripeSectorCount);
        int[] survivingData = membersIn(~erasurePattern, 0, k);
        int e = erasedData.length;
        int[] chosenParity = Arrays.copyOf(membersIn(~erasurePattern >>> k, 0, paritySectorCount), e);
        // Syndrome a is the virtual sector stripeSectorCount + a, after the stripe.
        int planeCount = PLANES_PER_SECTOR * (stripeSectorCount + e);
        int[] survivors = Arrays.copyOf(survivingData, k);
        for (int a = 0; a < e; a++) {
            survivors[survivingData.length + a] = k + chosenParity[a];
        }
        int[] syndromes = new int[e];
        int[][] syndromeCoefficients = new int[e][k];
        for (int a = 0; a < e; a++) {
            syndromes[a] = stripeSectorCount + a;
            for (int s = 0; s < survivingData.length; s++) {
                syndromeCoefficients[a][s] = parityMatrix[chosenParity[a]][survivingData[s]];
            }
            syndromeCoefficients[a][survivingData.length + a] = 1;
        }
        int[][] inverse = erasedColumnsInverse(erasedData, chosenParity);
        int[] allData = new int[k];
        Arrays.setAll(allData, i -> i);
        int[][] parityRows = new int[erasedParity.length][];
        for (int p = 0; p < erasedParity.length; p++) {
            parityRows[p] = parityMatrix[erasedParity[p] - k];
        }
        List<int[]> outputs = new ArrayList<>();
        List<long[][]> sets = new ArrayList<>();
        if (e > 0) {
            addStage(outputs, sets, syndromes, syndromeCoefficients, survivors, planeCount);
            addStage(outputs, sets, erasedData, inverse, syndromes, planeCount);
        }
        addStage(outputs, sets, erasedParity, parityRows, allData, planeCount);
        return XorSchedule.staged(
                outputs.toArray(new int[0][]),
                sets.toArray(new long[0][][]),
                PLANES_PER_SECTOR * stripeSectorCount,
                PLANES_PER_SECTOR * e);
    }

    /**
     * Appends a stage that sets each sector {@code outputSectors[o]} to {@code Σ_s coefficients[o][s] ·
     * inputSectors[s]}, over source sets spanning {@code planeCount} planes.
     */
    private static void addStage(
            List<int[]> outputs,
            List<long[][]> sets,
            int[] outputSectors,
            int[][] coefficients,
            int[] inputSectors,
            int planeCount) {
        int[] outputPlanes = new int[PLANES_PER_SECTOR * outputSectors.length];
        long[][] sourceSets = new long[outputPlanes.length][];
        for (int o = 0; o < outputSectors.length; o++) {
            long[][] product = XorSchedule.productSourceSets(coefficients[o], inputSectors, planeCount);
            for (int r = 0; r < PLANES_PER_SECTOR; r++) {
                outputPlanes[PLANES_PER_SECTOR * o + r] = PLANES_PER_SECTOR * outputSectors[o] + r;
                sourceSets[PLANES_PER_SECTOR * o + r] = product[r];
            }
        }
        outputs.add(outputPlanes);
        sets.add(sourceSets);
    }

    /**
     * Builds a decode schedule in one stage: each erased sector directly as a combination of k survivors.
     */
    private XorSchedule buildOneStageDecodeSchedule(long erasurePattern) {
        int k = dataSectorCount;
        int[] erasedData = membersIn(erasurePattern, 0, k);
        int[] erasedParity = membersIn(erasurePattern, k, k + paritySectorCount);
        int[] survivingData = membersIn(~erasurePattern, 0, k);
        // Any |E| surviving parities would do; the lowest ones include parity 0, the cheapest.
        int[] chosenParity = Arrays.copyOf(membersIn(~erasurePattern >>> k, 0, paritySectorCount), erasedData.length);
        if (survivingData.length + chosenParity.length != k) {
            throw new IllegalStateException(
                    "chose " + chosenParity.length + " parities for " + erasedData.length + " erased data sectors");
        }
        // Survivors are numbered: surviving data first, then chosen parities.
        int[] survivors = Arrays.copyOf(survivingData, k);
        for (int a = 0; a < chosenParity.length; a++) {
            survivors[survivingData.length + a] = k + chosenParity[a];
        }

        int[] outputSectors = new int[erasedData.length + erasedParity.length];
        int[][] outputCoefficients = new int[outputSectors.length][];
        int[][] dataCoefficients = erasedDataAsSurvivorCombination(erasedData, survivingData, chosenParity);
        for (int b = 0; b < erasedData.length; b++) {
            outputSectors[b] = erasedData[b];
            outputCoefficients[b] = dataCoefficients[b];
        }
        for (int p = 0; p < erasedParity.length; p++) {
            outputSectors[erasedData.length + p] = erasedParity[p];
            outputCoefficients[erasedData.length + p] = parityAsSurvivorCombination(
                    parityMatrix[erasedParity[p] - k], survivingData, erasedData, dataCoefficients);
        }
        return productSchedule(outputSectors, outputCoefficients, survivors);
    }

    /**
     * Returns row b: erased data sector {@code erasedData[b]} as a combination of the survivors, that is
     * the surviving data sectors and then the chosen parity sectors.
     *
     * <p>The chosen parities satisfy {@code parity_a + Σ_surviving P[a][i] · data_i = Σ_erased P[a][i] ·
     * data_i}; inverting the square Cauchy submatrix on the right gives the erased data.
     */
    private int[][] erasedDataAsSurvivorCombination(int[] erasedData, int[] survivingData, int[] chosenParity) {
        int e = erasedData.length;
        int[][] inverse = erasedColumnsInverse(erasedData, chosenParity);
        int[][] coefficients = new int[e][dataSectorCount];
        for (int b = 0; b < e; b++) {
            for (int a = 0; a < e; a++) {
                int weight = inverse[b][a];
                coefficients[b][survivingData.length + a] = weight;
                int[] parityRow = parityMatrix[chosenParity[a]];
                for (int s = 0; s < survivingData.length; s++) {
                    coefficients[b][s] ^= Gf256.multiply(weight, parityRow[survivingData[s]]);
                }
            }
        }
        return coefficients;
    }

    /** Returns the inverse of the submatrix of P on the chosen parities' rows and the erased data's columns. */
    private int[][] erasedColumnsInverse(int[] erasedData, int[] chosenParity) {
        int e = erasedData.length;
        int[][] submatrix = new int[e][e];
        for (int a = 0; a < e; a++) {
            for (int b = 0; b < e; b++) {
                submatrix[a][b] = parityMatrix[chosenParity[a]][erasedData[b]];
            }
        }
        return Gf256.invert(submatrix);
    }

    /**
     * Returns the schedule that sets each stripe sector {@code outputSectors[o]} to {@code Σ_s
     * coefficients[o][s] · inputSectors[s]}, with planes numbered over the whole stripe.
     */
    private XorSchedule productSchedule(int[] outputSectors, int[][] coefficients, int[] inputSectors) {
        List<int[]> outputs = new ArrayList<>();
        List<long[][]> sets = new ArrayList<>();
        int stripePlaneCount = PLANES_PER_SECTOR * (dataSectorCount + paritySectorCount);
        addStage(outputs, sets, outputSectors, coefficients, inputSectors, stripePlaneCount);
        return XorSchedule.overwriting(outputs.get(0), sets.get(0));
    }

    /** Returns parity {@code Σ_i parityRow[i] · data_i} as a combination of the survivors. */
    private static int[] parityAsSurvivorCombination(
            int[] parityRow, int[] survivingData, int[] erasedData, int[][] dataCoefficients) {
        int[] coefficients = new int[parityRow.length];
        for (int s = 0; s < survivingData.length; s++) {
            coefficients[s] = parityRow[survivingData[s]];
        }
        for (int b = 0; b < erasedData.length; b++) {
            int weight = parityRow[erasedData[b]];
            for (int s = 0; s < coefficients.length; s++) {
                coefficients[s] ^= Gf256.multiply(weight, dataCoefficients[b][s]);
            }
        }
        return coefficients;
    }

    /** Returns the bits of {@code mask} in {@code [from, to)}, in increasing order. */
    private static int[] membersIn(long mask, int from, int to) {
        long range = (to == Long.SIZE ? -1L : (1L << to) - 1) & -(1L << from);
        long bits = mask & range;
        int[] members = new int[Long.bitCount(bits)];
        for (int next = 0; bits != 0; bits &= bits - 1) {
            members[next++] = Long.numberOfTrailingZeros(bits);
        }
        return members;
    }

    private long erasurePatternOf(int[] erasedSectorIndices) {
        int stripeSectorCount = dataSectorCount + paritySectorCount;
        if (erasedSectorIndices.length > paritySectorCount) {
            throw new IllegalArgumentException(
                    erasedSectorIndices.length + " erased sectors, but the code repairs at most " + paritySectorCount
                            + ": " + Arrays.toString(erasedSectorIndices));
        }
        long pattern = 0;
        for (int e = 0; e < erasedSectorIndices.length; e++) {
            int index = erasedSectorIndices[e];
            if (index < 0 || index >= stripeSectorCount) {
                throw new IllegalArgumentException(
                        "erasedSectorIndices[" + e + "] is " + index + ", outside [0, " + stripeSectorCount + ")");
            }
            if ((pattern & 1L << index) != 0) {
                throw new IllegalArgumentException("erasedSectorIndices lists sector " + index + " twice: "
                        + Arrays.toString(erasedSectorIndices));
            }
            pattern |= 1L << index;
        }
        return pattern;
    }

    private static int wireOffsetBytes(int offsetBytes, int plane, int word) {
        return offsetBytes + Long.BYTES * (PLANE_SIZE_LONGS * plane + word);
    }

    private static void checkWireRange(int lengthBytes, int offsetBytes) {
        if (offsetBytes < 0 || offsetBytes > lengthBytes - SECTOR_SIZE_BYTES) {
            throw new IllegalArgumentException("a " + SECTOR_SIZE_BYTES + "-byte sector at offset " + offsetBytes
                    + " does not fit in " + lengthBytes + " bytes");
        }
    }

    private static void checkIndex(String name, int index, int count) {
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException(name + " is " + index + ", outside [0, " + count + ")");
        }
    }

    private static void checkSectors(String name, long[][][] sectors, int expectedCount) {
        if (sectors == null) {
            throw new NullPointerException(name);
        }
        if (sectors.length != expectedCount) {
            throw new IllegalArgumentException(
                    name + ".length is " + sectors.length + ", but the code expects " + expectedCount + " sectors");
        }
        for (int s = 0; s < sectors.length; s++) {
            checkSector(name, s, sectors[s]);
        }
    }

    /** Checks a sector's shape; {@code index} is its position in array {@code name}, or −1 if it is {@code name}. */
    private static void checkSector(String name, int index, long[][] sector) {
        if (sector == null) {
            throw new NullPointerException(sectorName(name, index));
        }
        if (sector.length != PLANES_PER_SECTOR) {
            throw new IllegalArgumentException(sectorName(name, index) + ".length is " + sector.length
                    + ", but a sector has " + PLANES_PER_SECTOR + " planes");
        }
        for (int b = 0; b < PLANES_PER_SECTOR; b++) {
            long[] plane = sector[b];
            if (plane == null) {
                throw new NullPointerException(sectorName(name, index) + "[" + b + "]");
            }
            if (plane.length != PLANE_SIZE_LONGS) {
                throw new IllegalArgumentException(sectorName(name, index) + "[" + b + "].length is " + plane.length
                        + ", but a plane has " + PLANE_SIZE_LONGS + " longs (" + SECTOR_SIZE_BYTES + "-byte sectors)");
            }
        }
    }

    private static String sectorName(String name, int index) {
        return index < 0 ? name : name + "[" + index + "]";
    }
}
