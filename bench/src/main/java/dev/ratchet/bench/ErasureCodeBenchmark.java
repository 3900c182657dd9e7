package dev.ratchet.bench;

import dev.ratchet.sector.codec.CauchyCode;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.io.erasurecode.ErasureCoderOptions;
import org.apache.hadoop.io.erasurecode.rawcoder.RSRawDecoder;
import org.apache.hadoop.io.erasurecode.rawcoder.RSRawEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ratchet's {@link CauchyCode} side by side with Hadoop's pure-Java {@code RSRawEncoder} and {@code
 * RSRawDecoder} on one cached stripe of 4096-byte sectors, following erasure.md §7.
 *
 * <p>Both coders get the same random data, every buffer is allocated in {@link #setUp()}, and setup
 * fails unless each coder's decode round trip rebuilds the original data. The two codes use different
 * matrices, so their parity bytes are not compared. Times are per operation; {@code bench/ec-compare.sh}
 * turns them into GB/s of data: k × 4096 bytes per encode or decode, 4096 bytes (the rewritten sector)
 * per update.
 *
 * <ul>
 *   <li>encode: all m parity sectors from k data sectors.
 *   <li>decode: the worst case, min(m, k) erased data sectors (sectors 0 to e − 1) rebuilt from the
 *       survivors, with the decode plan (Ratchet) or matrix (Hadoop) already cached.
 *   <li>update: Ratchet applies the XOR delta of one data sector to all m parities, cycling through the
 *       data sectors. Hadoop has no delta API, so its update is a re-encode of the stripe; the script
 *       derives that figure from {@link #hadoopEncode()} instead of timing the same code twice.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 3,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ErasureCodeBenchmark {
    private static final int SECTOR_SIZE_BYTES = CauchyCode.SECTOR_SIZE_BYTES;
    private static final long DATA_SEED = 0x5EC7042L;

    /** The geometry as {@code k+m}. */
    @Param({"4+2", "8+4", "10+4", "8+8", "12+8", "20+8"})
    public String geometry;

    private CauchyCode code;
    private long[][][] ratchetStripe;
    private long[][][] ratchetData;
    private long[][][] ratchetParity;
    private long[][] ratchetDelta;
    private int[] ratchetErased;
    private int updateIndex;

    private RSRawEncoder hadoopEncoder;
    private RSRawDecoder hadoopDecoder;
    private byte[][] hadoopData;
    private byte[][] hadoopParity;
    private byte[][] hadoopDecodeInputs;
    private byte[][] hadoopDecodeOutputs;
    private int[] hadoopErased;

    @Setup
    public void setUp() throws IOException {
        String[] parts = geometry.split("\\+");
        int k = Integer.parseInt(parts[0]);
        int m = Integer.parseInt(parts[1]);
        int erasedCount = Math.min(m, k);

        SplittableRandom random = new SplittableRandom(DATA_SEED);
        byte[][] data = new byte[k][SECTOR_SIZE_BYTES];
        for (byte[] sector : data) {
            random.nextBytes(sector);
        }
        int[] erased = new int[erasedCount];
        Arrays.setAll(erased, e -> e);

        code = CauchyCode.create(k, m);
        ratchetStripe = new long[k + m][][];
        for (int s = 0; s < k + m; s++) {
            ratchetStripe[s] = CauchyCode.newSector();
        }
        ratchetData = Arrays.copyOfRange(ratchetStripe, 0, k);
        ratchetParity = Arrays.copyOfRange(ratchetStripe, k, k + m);
        for (int i = 0; i < k; i++) {
            CauchyCode.readSector(data[i], 0, ratchetData[i]);
        }
        ratchetDelta = CauchyCode.newSector();
        CauchyCode.readSector(data[k - 1], 0, ratchetDelta);
        ratchetErased = erased.clone();
        checkRatchetRoundTrip(data);

        ErasureCoderOptions options = new ErasureCoderOptions(k, m);
        hadoopEncoder = new RSRawEncoder(options);
        hadoopDecoder = new RSRawDecoder(options);
        hadoopData = new byte[k][];
        for (int i = 0; i < k; i++) {
            hadoopData[i] = data[i].clone();
        }
        hadoopParity = new byte[m][SECTOR_SIZE_BYTES];
        hadoopErased = erased.clone();
        hadoopDecodeOutputs = new byte[erasedCount][SECTOR_SIZE_BYTES];
        hadoopDecodeInputs = new byte[k + m][];
        checkHadoopRoundTrip(data);
    }

    @Benchmark
    public long[][][] ratchetEncode() {
        code.encode(ratchetData, ratchetParity);
        return ratchetParity;
    }

    @Benchmark
    public long[][][] ratchetDecode() {
        code.decode(ratchetStripe, ratchetErased);
        return ratchetStripe;
    }

    @Benchmark
    public long[][][] ratchetUpdate() {
        int index = updateIndex;
        updateIndex = index + 1 == ratchetData.length ? 0 : index + 1;
        code.updateParity(index, ratchetDelta, ratchetParity);
        return ratchetParity;
    }

    @Benchmark
    public byte[][] hadoopEncode() throws IOException {
        hadoopEncoder.encode(hadoopData, hadoopParity);
        return hadoopParity;
    }

    @Benchmark
    public byte[][] hadoopDecode() throws IOException {
        hadoopDecoder.decode(hadoopDecodeInputs, hadoopErased, hadoopDecodeOutputs);
        return hadoopDecodeOutputs;
    }

    /** Encodes, erases, decodes and compares with the original, then restores the encoded stripe. */
    private void checkRatchetRoundTrip(byte[][] data) {
        code.encode(ratchetData, ratchetParity);
        for (int e : ratchetErased) {
            for (long[] plane : ratchetStripe[e]) {
                Arrays.fill(plane, 0x5A5A5A5A5A5A5A5AL);
            }
        }
        code.decode(ratchetStripe, ratchetErased);
        byte[] rebuilt = new byte[SECTOR_SIZE_BYTES];
        for (int i = 0; i < data.length; i++) {
            CauchyCode.writeSector(ratchetData[i], rebuilt, 0);
            if (!Arrays.equals(rebuilt, data[i])) {
                throw new IllegalStateException(geometry + ": Ratchet decode did not rebuild data sector " + i);
            }
        }
    }

    /** Encodes, decodes the erased data sectors from the survivors and compares with the original. */
    private void checkHadoopRoundTrip(byte[][] data) throws IOException {
        int k = hadoopData.length;
        hadoopEncoder.encode(hadoopData, hadoopParity);
        for (int i = 0; i < k; i++) {
            hadoopDecodeInputs[i] = hadoopData[i];
        }
        for (int j = 0; j < hadoopParity.length; j++) {
            hadoopDecodeInputs[k + j] = hadoopParity[j];
        }
        for (int e : hadoopErased) {
            hadoopDecodeInputs[e] = null;
        }
        hadoopDecoder.decode(hadoopDecodeInputs, hadoopErased, hadoopDecodeOutputs);
        for (int e = 0; e < hadoopErased.length; e++) {
            if (!Arrays.equals(hadoopDecodeOutputs[e], data[hadoopErased[e]])) {
                throw new IllegalStateException(
                        geometry + ": Hadoop decode did not rebuild data sector " + hadoopErased[e]);
            }
        }
    }
}
