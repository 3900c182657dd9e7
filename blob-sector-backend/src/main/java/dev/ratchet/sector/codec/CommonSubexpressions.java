package dev.ratchet.sector.codec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rewrites lists of planes to XOR so that pairs shared by several lists are XORed once, into
 * temporaries (Paar's greedy heuristic, see {@link XorSchedule#overwriting(int[], long[][])}).
 *
 * <p>Input planes are numbered below {@code temporaryBase}; temporary t is plane {@code temporaryBase +
 * t}. A temporary's sources are input planes and earlier temporaries, so temporaries computed in order
 * are ready before any row needs them. Every temporary is used at least twice, at most {@link
 * XorSchedule#TEMPORARIES_MAX} are made, and the result XORs the same planes as the input rows.
 */
final class CommonSubexpressions {
    /**
     * Fewest lists a pair must occur in to become a temporary. A plane XOR costs about one plane load,
     * and a temporary costs its own store and a load per use, so a pair shared by only two lists saves
     * nothing.
     */
    static final int PAIR_USES_MIN = 3;

    private final int temporaryBase;

    /** Sources of each temporary, in dense signal ids; see {@link #signals}. */
    private final List<int[]> temporaries = new ArrayList<>();

    /** Rows in dense signal ids, as bit sets over signals. */
    private final long[][] rowBits;

    /** The plane of each dense signal id: input planes first (sorted), then temporaries. */
    private final int[] signals;

    private final int inputSignalCount;

    CommonSubexpressions(int[][] rows, int temporaryBase) {
        this.temporaryBase = temporaryBase;
        long[] used = new long[(temporaryBase + Long.SIZE - 1) / Long.SIZE];
        for (int[] row : rows) {
            for (int plane : row) {
                if (plane >= temporaryBase) {
                    throw new IllegalArgumentException("plane " + plane + " is not below " + temporaryBase);
                }
                used[plane >>> 6] |= 1L << plane;
            }
        }
        int[] inputs = new int[bitCountOf(used)];
        int[] denseOf = new int[temporaryBase];
        int next = 0;
        for (int word = 0; word < used.length; word++) {
            for (long bits = used[word]; bits != 0; bits &= bits - 1) {
                int plane = word * Long.SIZE + Long.numberOfTrailingZeros(bits);
                denseOf[plane] = next;
                inputs[next++] = plane;
            }
        }
        inputSignalCount = inputs.length;
        int signalCount = inputSignalCount + XorSchedule.TEMPORARIES_MAX;
        signals = Arrays.copyOf(inputs, signalCount);
        rowBits = new long[rows.length][(signalCount + Long.SIZE - 1) / Long.SIZE];
        for (int r = 0; r < rows.length; r++) {
            for (int plane : rows[r]) {
                int id = denseOf[plane];
                rowBits[r][id >>> 6] ^= 1L << id;
            }
        }
        extractPairs(signalCount);
        foldSingleUses();
    }

    /** Returns the sources of each temporary, as plane indices, in the order they must be computed. */
    int[][] temporaries() {
        int[][] result = new int[temporaries.size()][];
        for (int t = 0; t < result.length; t++) {
            result[t] = planesOf(temporaries.get(t));
        }
        return result;
    }

    /** Returns the rewritten rows, as plane indices: inputs in increasing order, then temporaries. */
    int[][] rows() {
        int[][] result = new int[rowBits.length][];
        for (int r = 0; r < result.length; r++) {
            result[r] = planesOf(membersOf(rowBits[r]));
        }
        return result;
    }

    private int[] planesOf(int[] ids) {
        int[] planes = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            planes[i] = id < inputSignalCount ? signals[id] : temporaryBase + (id - inputSignalCount);
        }
        return planes;
    }

    /** Greedily turns the most frequent pair of signals into a temporary while one occurs twice. */
    private void extractPairs(int signalCount) {
        int[] pairCounts = new int[signalCount * signalCount];
        int[] pairStamps = new int[pairCounts.length];
        long visits = 0;
        for (int round = 1; temporaries.size() < XorSchedule.TEMPORARIES_MAX; round++) {
            int best = -1;
            int bestCount = PAIR_USES_MIN - 1;
            for (int r = 0; r < rowBits.length; r++) {
                int[] row = membersOf(rowBits[r]);
                visits += (long) row.length * row.length / 2;
                for (int i = 0; i < row.length; i++) {
                    int offset = row[i] * signalCount;
                    for (int j = i + 1; j < row.length; j++) {
                        int pair = offset + row[j];
                        int count = pairStamps[pair] == round ? pairCounts[pair] + 1 : 1;
                        pairStamps[pair] = round;
                        pairCounts[pair] = count;
                        if (count > bestCount) {
                            bestCount = count;
                            best = pair;
                        }
                    }
                }
            }
            if (best < 0) {
                return;
            }
            int first = best / signalCount;
            int second = best % signalCount;
            int temporary = inputSignalCount + temporaries.size();
            temporaries.add(new int[] {first, second});
            for (long[] row : rowBits) {
                if (contains(row, first) && contains(row, second)) {
                    row[first >>> 6] ^= 1L << first;
                    row[second >>> 6] ^= 1L << second;
                    row[temporary >>> 6] ^= 1L << temporary;
                }
            }
            if (visits > XorSchedule.PAIR_VISITS_MAX) {
                return;
            }
        }
    }

    /**
     * Folds every temporary with a single user into that user, last temporary first, then renumbers
     * the survivors densely.
     */
    private void foldSingleUses() {
        int count = temporaries.size();
        boolean[] folded = new boolean[count];
        for (int t = count - 1; t >= 0; t--) {
            int id = inputSignalCount + t;
            int userTemporary = -1;
            int userRow = -1;
            int uses = 0;
            for (int u = t + 1; u < count && uses < 2; u++) {
                if (!folded[u] && indexOf(temporaries.get(u), id) >= 0) {
                    uses++;
                    userTemporary = u;
                }
            }
            for (int r = 0; r < rowBits.length && uses < 2; r++) {
                if (contains(rowBits[r], id)) {
                    uses++;
                    userRow = r;
                }
            }
            if (uses != 1) {
                continue;
            }
            folded[t] = true;
            int[] sources = temporaries.get(t);
            if (userRow >= 0) {
                long[] row = rowBits[userRow];
                row[id >>> 6] ^= 1L << id;
                for (int source : sources) {
                    row[source >>> 6] ^= 1L << source;
                }
            } else {
                int[] user = temporaries.get(userTemporary);
                int at = indexOf(user, id);
                int[] merged = new int[user.length - 1 + sources.length];
                System.arraycopy(user, 0, merged, 0, at);
                System.arraycopy(sources, 0, merged, at, sources.length);
                System.arraycopy(user, at + 1, merged, at + sources.length, user.length - at - 1);
                temporaries.set(userTemporary, merged);
            }
        }
        int[] renumbered = new int[count];
        List<int[]> kept = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            if (!folded[t]) {
                renumbered[t] = kept.size();
                kept.add(temporaries.get(t));
            }
        }
        for (int[] sources : kept) {
            for (int s = 0; s < sources.length; s++) {
                sources[s] = renumber(sources[s], renumbered);
            }
        }
        for (long[] row : rowBits) {
            long[] rewritten = new long[row.length];
            for (int id : membersOf(row)) {
                int dense = renumber(id, renumbered);
                rewritten[dense >>> 6] ^= 1L << dense;
            }
            System.arraycopy(rewritten, 0, row, 0, row.length);
        }
        temporaries.clear();
        temporaries.addAll(kept);
    }

    private int renumber(int id, int[] renumbered) {
        return id < inputSignalCount ? id : inputSignalCount + renumbered[id - inputSignalCount];
    }

    private static boolean contains(long[] set, int id) {
        return (set[id >>> 6] >>> id & 1) != 0;
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static int bitCountOf(long[] set) {
        int count = 0;
        for (long word : set) {
            count += Long.bitCount(word);
        }
        return count;
    }

    private static int[] membersOf(long[] set) {
        int[] members = new int[bitCountOf(set)];
        int next = 0;
        for (int word = 0; word < set.length; word++) {
            for (long bits = set[word]; bits != 0; bits &= bits - 1) {
                members[next++] = word * Long.SIZE + Long.numberOfTrailingZeros(bits);
            }
        }
        return members;
    }
}
