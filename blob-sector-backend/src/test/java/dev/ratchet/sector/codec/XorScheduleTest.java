package dev.ratchet.sector.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XorScheduleTest {
    private static final long SEED = 0x0C5E_5EEDL;

    /** Random source sets over input sectors, of the given density in percent; output sectors follow the inputs. */
    private static long[][] randomSourceSets(Random random, int inputSectors, int outputSectors, int densityPercent) {
        int planeCount = 8 * (inputSectors + outputSectors);
        long[][] sets = new long[8 * outputSectors][(planeCount + 63) / 64];
        for (long[] set : sets) {
            for (int plane = 0; plane < 8 * inputSectors; plane++) {
                if (random.nextInt(100) < densityPercent) {
                    set[plane >>> 6] |= 1L << plane;
                }
            }
        }
        return sets;
    }

    /** The naive result: each output plane is the XOR of the planes of its set, one by one. */
    private static long[] naive(long[][][] stripe, long[] set) {
        long[] result = new long[CauchyCode.PLANE_SIZE_LONGS];
        for (int plane = 0; plane < 64 * set.length; plane++) {
            if ((set[plane >>> 6] >>> plane & 1) != 0) {
                long[] source = stripe[plane / 8][plane % 8];
                for (int w = 0; w < result.length; w++) {
                    result[w] ^= source[w];
                }
            }
        }
        return result;
    }

    @ParameterizedTest(name = "{0} in, {1} out, {2}%")
    @CsvSource({"1, 1, 50", "4, 2, 40", "10, 4, 30", "10, 4, 60", "8, 8, 45", "20, 8, 35", "3, 12, 90", "30, 30, 50"})
    void overwriting_matchesNaiveXorOfEachSet(int inputSectors, int outputSectors, int densityPercent) {
        Random random = new Random(SEED + 1000L * inputSectors + 10L * outputSectors + densityPercent);
        long[][] sets = randomSourceSets(random, inputSectors, outputSectors, densityPercent);
        int[] outputPlanes = new int[sets.length];
        for (int o = 0; o < outputPlanes.length; o++) {
            outputPlanes[o] = 8 * inputSectors + o;
        }
        XorSchedule schedule = XorSchedule.overwriting(outputPlanes, sets);
        long[][][] stripe = ScalarReference.randomSectors(random, inputSectors + outputSectors);

        schedule.run(stripe, null);

        int naiveXors = 0;
        for (int o = 0; o < sets.length; o++) {
            assertArrayEquals(naive(stripe, sets[o]), stripe[inputSectors + o / 8][o % 8], "output plane " + o);
            for (long word : sets[o]) {
                naiveXors += Long.bitCount(word);
            }
            naiveXors -= 1;
        }
        int xors = schedule.planeXorCount();
        int naive = naiveXors;
        assertTrue(xors <= naive, () -> xors + " XORs, naive needs " + naive);
    }

    @ParameterizedTest(name = "{0} in, {1} out")
    @CsvSource({"10, 4", "20, 8"})
    void overwriting_sharesWorkBetweenOutputs(int inputSectors, int outputSectors) {
        Random random = new Random(SEED + inputSectors);
        long[][] sets = randomSourceSets(random, inputSectors, outputSectors, 40);
        int[] outputPlanes = new int[sets.length];
        int naiveXors = 0;
        for (int o = 0; o < outputPlanes.length; o++) {
            outputPlanes[o] = 8 * inputSectors + o;
            for (long word : sets[o]) {
                naiveXors += Long.bitCount(word);
            }
            naiveXors -= 1;
        }

        int xors = XorSchedule.overwriting(outputPlanes, sets).planeXorCount();

        // Dense random sets share many pairs; the greedy removes well over a tenth of the XORs.
        int naive = naiveXors;
        assertTrue(xors < naive * 9 / 10, () -> xors + " XORs, naive needs " + naive);
    }

    @ParameterizedTest(name = "{0} in, {1} out")
    @CsvSource({"20, 8", "2, 1", "10, 4"})
    void run_afterSchedulesOfOtherSizesOnTheSameThread_stillMatchesNaive(int inputSectors, int outputSectors) {
        // Schedules of different sizes share one thread's workspace; run a large one first.
        Random random = new Random(SEED - inputSectors);
        long[][] bigSets = randomSourceSets(random, 30, 30, 50);
        int[] bigOutputs = new int[bigSets.length];
        for (int o = 0; o < bigOutputs.length; o++) {
            bigOutputs[o] = 8 * 30 + o;
        }
        XorSchedule.overwriting(bigOutputs, bigSets).run(ScalarReference.randomSectors(random, 60), null);

        long[][] sets = randomSourceSets(random, inputSectors, outputSectors, 50);
        int[] outputPlanes = new int[sets.length];
        for (int o = 0; o < outputPlanes.length; o++) {
            outputPlanes[o] = 8 * inputSectors + o;
        }
        long[][][] stripe = ScalarReference.randomSectors(random, inputSectors + outputSectors);
        XorSchedule.overwriting(outputPlanes, sets).run(stripe, null);

        for (int o = 0; o < sets.length; o++) {
            assertArrayEquals(naive(stripe, sets[o]), stripe[inputSectors + o / 8][o % 8], "output plane " + o);
        }
    }

    @ParameterizedTest(name = "{0} in, {1} intermediate, {2} out")
    @CsvSource({"6, 4, 4", "10, 4, 2", "3, 1, 5", "20, 8, 8"})
    void staged_withIntermediates_matchesNaiveXorOfEachStage(
            int inputSectors, int intermediateSectors, int outputSectors) {
        Random random = new Random(SEED + 7L * inputSectors + intermediateSectors + 100L * outputSectors);
        // Stripe: inputs, then outputs; the intermediates are virtual sectors after the stripe.
        int stripeSectors = inputSectors + outputSectors;
        int planeCount = 8 * (stripeSectors + intermediateSectors);
        long[][] intermediateSets = new long[8 * intermediateSectors][(planeCount + 63) / 64];
        for (long[] set : intermediateSets) {
            for (int plane = 0; plane < 8 * inputSectors; plane++) {
                if (random.nextInt(100) < 45) {
                    set[plane >>> 6] |= 1L << plane;
                }
            }
        }
        long[][] outputSets = new long[8 * outputSectors][(planeCount + 63) / 64];
        for (long[] set : outputSets) {
            for (int plane = 0; plane < planeCount; plane++) {
                boolean readable = plane < 8 * inputSectors || plane >= 8 * stripeSectors;
                if (readable && random.nextInt(100) < 45) {
                    set[plane >>> 6] |= 1L << plane;
                }
            }
        }
        int[] intermediatePlanes = new int[intermediateSets.length];
        Arrays.setAll(intermediatePlanes, p -> 8 * stripeSectors + p);
        int[] outputPlanes = new int[outputSets.length];
        Arrays.setAll(outputPlanes, p -> 8 * inputSectors + p);
        XorSchedule schedule = XorSchedule.staged(
                new int[][] {intermediatePlanes, outputPlanes},
                new long[][][] {intermediateSets, outputSets},
                8 * stripeSectors,
                8 * intermediateSectors);
        long[][][] stripe = ScalarReference.randomSectors(random, stripeSectors);

        schedule.run(stripe, null);

        long[][][] extended = Arrays.copyOf(ScalarReference.deepCopy(stripe), stripeSectors + intermediateSectors);
        for (int j = 0; j < intermediateSectors; j++) {
            extended[stripeSectors + j] = new long[8][];
            for (int r = 0; r < 8; r++) {
                extended[stripeSectors + j][r] = naive(extended, intermediateSets[8 * j + r]);
            }
        }
        for (int o = 0; o < outputSets.length; o++) {
            assertArrayEquals(naive(extended, outputSets[o]), stripe[inputSectors + o / 8][o % 8], "output plane " + o);
        }
    }
}
