package dev.ratchet.sector.codec;

import java.util.Arrays;

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

    /**
     * Upper bound on the temporaries one schedule creates: at most 64 KiB of scratch per thread, and
     * more save few plane loads (10+4 encode: 32 give 562 source planes, 128 give 539).
     */
    static final int TEMPORARIES_MAX = 128;

    /**
     * Upper bound on pair visits spent on common-subexpression search for one schedule, about 20 ms:
     * decode schedules are built on the first decode of an erasure pattern.
     */
    static final long PAIR_VISITS_MAX = 1L << 24;

    /**
     * Most planes one kernel call reads besides its destination. C2 on JDK 17 vectorizes the loops of
     * up to 6 sources over {@code long[64]} planes but not 7 or 8 (checked in the generated code), and
     * a call costs about as much as 2–3 plane loads, so 6 beats 4 by about 7 % (bench/README.md).
     */
    static final int PASS_SOURCES_MAX = 6;

    /**
     * Cost of loading one 512-byte plane in {@link #estimatedCost()}: about 3 ns here, the same in and
     * out of L1, for every kernel width.
     */
    static final int PLANE_LOAD_COST = 3;

    /** Cost of one kernel call in {@link #estimatedCost()}: about 8 ns here, on top of its loads. */
    static final int KERNEL_CALL_COST = 8;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Plane written by each step: a stripe plane, or {@link #temporaryBase} + t for temporary t. */
    private final int[] outputPlanes;

    /** Planes XORed by each step, in the same numbering as {@link #outputPlanes}. */
    private final int[][] sourcePlanes;

    private final boolean accumulate;

    /** Index of temporary 0; every stripe plane index is below it. */
    private final int temporaryBase;

    private final int temporaryCount;

    private XorSchedule(
            int[] outputPlanes, int[][] sourcePlanes, boolean accumulate, int temporaryBase, int temporaryCount) {
        if (outputPlanes.length != sourcePlanes.length) {
            throw new IllegalStateException(
                    outputPlanes.length + " output planes but " + sourcePlanes.length + " source lists");
        }
        this.outputPlanes = outputPlanes;
        this.sourcePlanes = sourcePlanes;
        this.accumulate = accumulate;
        this.temporaryBase = temporaryBase;
        this.temporaryCount = temporaryCount;
    }

    /**
     * Returns a schedule that sets each output plane {@code outputPlanes[o]} to the XOR of the planes in
     * the bit set {@code sourceSets[o]}.
     *
     * <p>Two reductions of the XOR count run at build time, so outputs must not overlap inputs:
     *
     * <ul>
     *   <li>An output may start from an output computed before it when their source sets differ in fewer
     *       planes than the output has sources (Jerasure's "smart" scheduling, Plank 2008).
     *   <li>Common subexpressions are computed once into temporaries: while some pair of planes occurs
     *       together in {@value CommonSubexpressions#PAIR_USES_MIN} or more lists, the most frequent pair becomes a temporary that replaces it
     *       (Paar's greedy heuristic, "Optimized arithmetic for Reed-Solomon encoders", ISIT 1997; cf.
     *       Plank, Schuman and Robison, "Heuristics for optimizing matrix-based erasure codes for fault-
     *       tolerant storage systems", DSN 2012). A temporary used only once is then folded back into its
     *       user, so temporaries XOR as many sources as they need and none is stored for nothing.
     * </ul>
     */
    static XorSchedule overwriting(int[] outputPlanes, long[][] sourceSets) {
        return staged(new int[][] {outputPlanes}, new long[][][] {sourceSets}, 0, 0);
    }

    /**
     * Returns a schedule that runs stages one after the other, each like {@link #overwriting(int[],
     * long[][])}: stage s sets each plane {@code stageOutputPlanes[s][o]} to the XOR of the planes in
     * {@code stageSourceSets[s][o]}.
     *
     * <p>Planes {@code intermediateBase} to {@code intermediateBase + intermediateCount − 1} are
     * intermediates: a stage may write them and a later stage read them, and at run time they live in
     * the thread's scratch planes, not in the caller's sectors. Every stage's outputs must be disjoint
     * from its own inputs; a later stage may read an earlier stage's outputs.
     */
    static XorSchedule staged(
            int[][] stageOutputPlanes, long[][][] stageSourceSets, int intermediateBase, int intermediateCount) {
        int temporaryBase = 0;
        for (long[][] sets : stageSourceSets) {
            if (sets.length > 0) {
                temporaryBase = Math.max(temporaryBase, Long.SIZE * sets[0].length);
            }
        }
        if (intermediateBase + intermediateCount > temporaryBase && intermediateCount > 0) {
            throw new IllegalArgumentException("intermediates [" + intermediateBase + ", "
                    + (intermediateBase + intermediateCount) + ") do not fit below " + temporaryBase);
        }
        int[] targets = new int[0];
        int[][] sources = new int[0][];
        int slotCount = 0;
        for (int stage = 0; stage < stageOutputPlanes.length; stage++) {
            XorSchedule steps = stage(stageOutputPlanes[stage], stageSourceSets[stage], temporaryBase);
            int at = targets.length;
            targets = Arrays.copyOf(targets, at + steps.outputPlanes.length);
            sources = Arrays.copyOf(sources, at + steps.outputPlanes.length);
            System.arraycopy(steps.outputPlanes, 0, targets, at, steps.outputPlanes.length);
            System.arraycopy(steps.sourcePlanes, 0, sources, at, steps.sourcePlanes.length);
            // A stage's temporaries are all read within the stage, so the next one may reuse their slots.
            slotCount = Math.max(slotCount, steps.temporaryCount);
        }
        // Scratch layout: intermediates first, then the stages' temporary slots.
        for (int step = 0; step < targets.length; step++) {
            targets[step] = relocated(targets[step], temporaryBase, intermediateBase, intermediateCount);
            int[] stepSources = sources[step];
            for (int i = 0; i < stepSources.length; i++) {
                stepSources[i] = relocated(stepSources[i], temporaryBase, intermediateBase, intermediateCount);
            }
        }
        return new XorSchedule(targets, sources, /* accumulate= */ false, temporaryBase, intermediateCount + slotCount);
    }

    private static int relocated(int plane, int temporaryBase, int intermediateBase, int intermediateCount) {
        if (plane >= temporaryBase) {
            return plane + intermediateCount;
        }
        if (plane >= intermediateBase && plane < intermediateBase + intermediateCount) {
            return temporaryBase + plane - intermediateBase;
        }
        return plane;
    }

    /** Builds one stage of {@link #staged}, with its temporaries in slots from {@code temporaryBase}. */
    private static XorSchedule stage(int[] outputPlanes, long[][] sourceSets, int temporaryBase) {
        int outputCount = outputPlanes.length;
        if (outputCount == 0) {
            return new XorSchedule(new int[0], new int[0][], false, temporaryBase, 0);
        }
        if (Long.SIZE * sourceSets[0].length != temporaryBase) {
            throw new IllegalArgumentException("every stage's source sets must span " + temporaryBase + " planes");
        }
        int[] base = new int[outputCount];
        int[][] rows = new int[outputCount][];
        for (int o = 0; o < outputCount; o++) {
            base[o] = -1;
            int bestCount = bitCount(sourceSets[o]);
            for (int earlier = 0; earlier < o; earlier++) {
                int count = 1 + differenceCount(sourceSets[o], sourceSets[earlier]);
                if (count < bestCount) {
                    bestCount = count;
                    base[o] = earlier;
                }
            }
            if (base[o] < 0) {
                rows[o] = members(sourceSets[o], -1);
            } else {
                long[] difference = sourceSets[o].clone();
                for (int word = 0; word < difference.length; word++) {
                    difference[word] ^= sourceSets[base[o]][word];
                }
                rows[o] = members(difference, -1);
            }
        }
        CommonSubexpressions cse = new CommonSubexpressions(rows, temporaryBase);
        int[][] temporaries = cse.temporaries();
        int[][] reducedRows = cse.rows();

        for (int o = 0; o < outputCount; o++) {
            if (base[o] >= 0) {
                int[] row = reducedRows[o];
                int[] withBase = new int[row.length + 1];
                withBase[0] = outputPlanes[base[o]];
                System.arraycopy(row, 0, withBase, 1, row.length);
                reducedRows[o] = withBase;
            }
        }
        return ordered(outputPlanes, reducedRows, temporaries, temporaryBase);
    }

    /**
     * Orders the steps so that each temporary is computed just before the first step that needs it,
     * and gives temporaries scratch slots that are reused once their last reader has run, which keeps
     * the scratch planes few and warm.
     */
    private static XorSchedule ordered(int[] outputPlanes, int[][] rows, int[][] temporaries, int temporaryBase) {
        int temporaryCount = temporaries.length;
        int stepCount = temporaryCount + outputPlanes.length;
        int[] stepTemporary = new int[stepCount]; // temporary computed by each step, or -1 for an output
        int[][] stepSources = new int[stepCount][];
        int[] stepOutput = new int[stepCount];
        boolean[] scheduled = new boolean[temporaryCount];
        int next = 0;
        int[] stack = new int[temporaryCount + 1];
        for (int o = 0; o < outputPlanes.length; o++) {
            for (int source : rows[o]) {
                next = scheduleTemporary(
                        source, temporaries, temporaryBase, scheduled, stepTemporary, stepSources, next, stack);
            }
            stepTemporary[next] = -1;
            stepOutput[next] = outputPlanes[o];
            stepSources[next++] = rows[o];
        }
        int[] lastRead = new int[temporaryCount];
        for (int step = 0; step < stepCount; step++) {
            for (int source : stepSources[step]) {
                if (source >= temporaryBase) {
                    lastRead[source - temporaryBase] = step;
                }
            }
        }
        int[] slotOf = new int[temporaryCount];
        boolean[] slotBusy = new boolean[temporaryCount];
        int slotCount = 0;
        int[] targets = new int[stepCount];
        int[][] sources = new int[stepCount][];
        for (int step = 0; step < stepCount; step++) {
            int[] stepSource = stepSources[step];
            int[] mapped = new int[stepSource.length];
            for (int i = 0; i < mapped.length; i++) {
                int source = stepSource[i];
                mapped[i] = source < temporaryBase ? source : temporaryBase + slotOf[source - temporaryBase];
            }
            sources[step] = mapped;
            int temporary = stepTemporary[step];
            if (temporary < 0) {
                targets[step] = stepOutput[step];
            } else {
                int slot = 0;
                while (slotBusy[slot]) {
                    slot++;
                }
                slotBusy[slot] = true;
                slotOf[temporary] = slot;
                slotCount = Math.max(slotCount, slot + 1);
                targets[step] = temporaryBase + slot;
            }
            for (int source : stepSource) {
                if (source >= temporaryBase && lastRead[source - temporaryBase] == step) {
                    slotBusy[slotOf[source - temporaryBase]] = false;
                }
            }
        }
        return new XorSchedule(targets, sources, /* accumulate= */ false, temporaryBase, slotCount);
    }

    /**
     * Appends the steps computing plane {@code source}, if it is a temporary not yet scheduled, after
     * those of the temporaries it reads; returns the next free step index.
     */
    private static int scheduleTemporary(
            int source,
            int[][] temporaries,
            int temporaryBase,
            boolean[] scheduled,
            int[] stepTemporary,
            int[][] stepSources,
            int next,
            int[] stack) {
        if (source < temporaryBase || scheduled[source - temporaryBase]) {
            return next;
        }
        // Depth-first over the temporaries' sources without recursion: a temporary is appended once
        // every temporary it reads has been.
        int depth = 0;
        stack[depth++] = source - temporaryBase;
        while (depth > 0) {
            int temporary = stack[depth - 1];
            int pending = -1;
            for (int read : temporaries[temporary]) {
                if (read >= temporaryBase && !scheduled[read - temporaryBase]) {
                    pending = read - temporaryBase;
                    break;
                }
            }
            if (pending >= 0) {
                stack[depth++] = pending;
                continue;
            }
            depth--;
            if (!scheduled[temporary]) {
                scheduled[temporary] = true;
                stepTemporary[next] = temporary;
                stepSources[next++] = temporaries[temporary];
            }
        }
        return next;
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
        return new XorSchedule(outputPlanes.clone(), sources, /* accumulate= */ true, 0, 0);
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
     * Returns the estimated cost of one run, to choose between schedules: a plane load counts {@value
     * #PLANE_LOAD_COST} and a kernel call {@value #KERNEL_CALL_COST}, about nanoseconds on the measurement
     * machine (bench/README.md).
     */
    int estimatedCost() {
        int loads = 0;
        int calls = 0;
        for (int[] sources : sourcePlanes) {
            int first = accumulate ? 0 : Math.min(sources.length, PASS_SOURCES_MAX);
            int accumulatingCalls = (sources.length - first + PASS_SOURCES_MAX - 1) / PASS_SOURCES_MAX;
            calls += (accumulate ? 0 : 1) + accumulatingCalls;
            // An accumulating call also reads its destination.
            loads += sources.length + accumulatingCalls;
        }
        return PLANE_LOAD_COST * loads + KERNEL_CALL_COST * calls;
    }

    /**
     * Runs the schedule over two groups of sectors: plane {@code p} is {@code low[p / 8][p % 8]} when
     * {@code p < 8 * low.length}, else plane {@code p - 8 * low.length} of {@code high}.
     */
    void run(long[][][] low, long[][][] high) {
        int stripePlaneCount = PLANES_PER_SECTOR * (low.length + (high == null ? 0 : high.length));
        if (stripePlaneCount > temporaryBase && temporaryCount > 0) {
            throw new IllegalArgumentException(stripePlaneCount + " stripe planes overlap the temporaries");
        }
        Workspace workspace = WORKSPACE.get();
        long[][] planes = workspace.planes(Math.max(stripePlaneCount, temporaryBase) + temporaryCount);
        int next = 0;
        for (long[][] sector : low) {
            for (int b = 0; b < PLANES_PER_SECTOR; b++) {
                planes[next++] = sector[b];
            }
        }
        if (high != null) {
            for (long[][] sector : high) {
                for (int b = 0; b < PLANES_PER_SECTOR; b++) {
                    planes[next++] = sector[b];
                }
            }
        }
        System.arraycopy(workspace.scratch(temporaryCount), 0, planes, temporaryBase, temporaryCount);
        try {
            runSteps(planes);
        } finally {
            // Drop the caller's planes so the workspace keeps no stripe alive.
            Arrays.fill(planes, 0, stripePlaneCount, null);
        }
    }

    private void runSteps(long[][] planes) {
        // The accumulating passes stay inline here and in run(long[][], long[][]): moved into a shared
        // helper they ran 7–10 % slower (C2 then inlines less of the kernels).
        for (int o = 0; o < outputPlanes.length; o++) {
            long[] d = planes[outputPlanes[o]];
            int[] s = sourcePlanes[o];
            int next = 0;
            if (!accumulate) {
                next = Math.min(s.length, PASS_SOURCES_MAX);
                switch (next) {
                    case 0 -> PlaneXor.zero(d);
                    case 1 -> PlaneXor.set1(d, planes[s[0]]);
                    case 2 -> PlaneXor.set2(d, planes[s[0]], planes[s[1]]);
                    case 3 -> PlaneXor.set3(d, planes[s[0]], planes[s[1]], planes[s[2]]);
                    case 4 -> PlaneXor.set4(d, planes[s[0]], planes[s[1]], planes[s[2]], planes[s[3]]);
                    case 5 -> PlaneXor.set5(d, planes[s[0]], planes[s[1]], planes[s[2]], planes[s[3]], planes[s[4]]);
                    default ->
                        PlaneXor.set6(
                                d, planes[s[0]], planes[s[1]], planes[s[2]], planes[s[3]], planes[s[4]], planes[s[5]]);
                }
            }
            for (; next + PASS_SOURCES_MAX <= s.length; next += PASS_SOURCES_MAX) {
                PlaneXor.xor6(
                        d,
                        planes[s[next]],
                        planes[s[next + 1]],
                        planes[s[next + 2]],
                        planes[s[next + 3]],
                        planes[s[next + 4]],
                        planes[s[next + 5]]);
            }
            switch (s.length - next) {
                case 1 -> PlaneXor.xor1(d, planes[s[next]]);
                case 2 -> PlaneXor.xor2(d, planes[s[next]], planes[s[next + 1]]);
                case 3 -> PlaneXor.xor3(d, planes[s[next]], planes[s[next + 1]], planes[s[next + 2]]);
                case 4 ->
                    PlaneXor.xor4(d, planes[s[next]], planes[s[next + 1]], planes[s[next + 2]], planes[s[next + 3]]);
                case 5 ->
                    PlaneXor.xor5(
                            d,
                            planes[s[next]],
                            planes[s[next + 1]],
                            planes[s[next + 2]],
                            planes[s[next + 3]],
                            planes[s[next + 4]]);
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
            for (; next + PASS_SOURCES_MAX <= s.length; next += PASS_SOURCES_MAX) {
                PlaneXor.xor6(
                        d,
                        source[s[next]],
                        source[s[next + 1]],
                        source[s[next + 2]],
                        source[s[next + 3]],
                        source[s[next + 4]],
                        source[s[next + 5]]);
            }
            switch (s.length - next) {
                case 1 -> PlaneXor.xor1(d, source[s[next]]);
                case 2 -> PlaneXor.xor2(d, source[s[next]], source[s[next + 1]]);
                case 3 -> PlaneXor.xor3(d, source[s[next]], source[s[next + 1]], source[s[next + 2]]);
                case 4 ->
                    PlaneXor.xor4(d, source[s[next]], source[s[next + 1]], source[s[next + 2]], source[s[next + 3]]);
                case 5 ->
                    PlaneXor.xor5(
                            d,
                            source[s[next]],
                            source[s[next + 1]],
                            source[s[next + 2]],
                            source[s[next + 3]],
                            source[s[next + 4]]);
                default -> {}
            }
        }
    }

    /**
     * A thread's planes table: the stripe's planes by index during a run, then the temporaries, which
     * live in scratch planes the workspace owns. Both grow on demand and are then reused, so runs
     * allocate nothing.
     */
    private static final class Workspace {
        private long[][] planes = new long[0][];
        private long[][] scratch = new long[0][];

        long[][] planes(int count) {
            if (planes.length < count) {
                planes = new long[count][];
            }
            return planes;
        }

        long[][] scratch(int count) {
            if (scratch.length < count) {
                long[][] grown = Arrays.copyOf(scratch, count);
                for (int t = scratch.length; t < count; t++) {
                    grown[t] = new long[CauchyCode.PLANE_SIZE_LONGS];
                }
                scratch = grown;
            }
            return scratch;
        }
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
