package dev.ratchet.cache;

import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.TabletHeader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: the tablet commits that flushes of different tablets have ready at the same time,
 * proposed together as one {@code CommitTablets} entry, so a busy cache node pays one Raft round
 * (replication, apply on every replica, hash-chain fold) for many tablets instead of one each.
 *
 * <p>It adds no wait: a commit is proposed at once while fewer than {@code roundsInFlightMax}
 * rounds are in flight; otherwise it waits for a round to finish and then goes with every commit
 * that queued meanwhile, oldest first, up to the store's per-command limits. The waiting flush
 * threads run the rounds themselves (whichever wakes with a free slot leads the next one), so there
 * is no committer thread and no hand-off. A tablet never has two commits queued: its writer
 * flushes one batch at a time.
 *
 * <p>The store applies a {@code CommitTablets} atomically, so one member's refusal refuses the whole
 * entry. A refused group is taken apart so that every member gets the answer it would have got
 * alone: on VERSION_CONFLICT the store lists each tablet's current version, the members whose
 * expected version is stale get the conflict and the others go back to the head of the queue; on
 * UNKNOWN_CACHE_NODE every member gets it (it is about the node, not a tablet); on any other refusal
 * each member is proposed again alone. A round whose answer never comes fails every member with
 * the submitter's exception: they were all in that one entry, so they share its unknown outcome.
 *
 * <p>Thread-safe; {@link #commit} blocks its caller (a flush worker) until its answer.
 */
final class GroupCommit {
    /** Proposes one {@code CommitTablets} to the tablet store and returns its result. */
    @FunctionalInterface
    interface Submitter {
        /**
         * Returns the store's answer to {@code commits}.
         *
         * @throws RuntimeException (a {@link KvException}) if the answer never came or the command
         *     was rejected before it was applied
         */
        CommitTabletsResult submit(CommitTablets commits);
    }

    private final Submitter submitter;
    private final String cacheNodeId;
    private final int roundsInFlightMax;
    private final int tabletsPerRoundMax;
    private final int stripesPerRoundMax;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roundEnded = lock.newCondition();

    /** Commits not yet proposed, oldest first. Guarded by {@link #lock}. */
    private final ArrayDeque<Member> queue = new ArrayDeque<>();

    /** Guarded by {@link #lock}. */
    private int roundsInFlight;

    /** Rounds proposed so far, for tests and status. Guarded by {@link #lock}. */
    private long rounds;

    /** One tablet's commit waiting for its answer. Fields other than {@code commit} guarded by the lock. */
    private static final class Member {
        final TabletCommit commit;
        final int stripes;
        boolean done;
        CommitTabletsResult result;
        RuntimeException failure;

        Member(TabletCommit commit) {
            this.commit = commit;
            this.stripes = commit.getBlob().getStripesCount();
        }
    }

    /**
     * Creates a group commit.
     *
     * @param roundsInFlightMax rounds proposed and not yet answered at once (1 = strict group
     *     commit; 2 lets the next group replicate while the last one is applied and answered)
     * @param tabletsPerRoundMax tablets per entry, at most the store's per-commit limit
     * @param stripesPerRoundMax stripes named per entry, at most the store's per-command limit
     */
    GroupCommit(
            Submitter submitter,
            String cacheNodeId,
            int roundsInFlightMax,
            int tabletsPerRoundMax,
            int stripesPerRoundMax) {
        if (roundsInFlightMax < 1 || tabletsPerRoundMax < 1 || stripesPerRoundMax < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.submitter = Objects.requireNonNull(submitter, "submitter");
        this.cacheNodeId = Objects.requireNonNull(cacheNodeId, "cacheNodeId");
        this.roundsInFlightMax = roundsInFlightMax;
        this.tabletsPerRoundMax = tabletsPerRoundMax;
        this.stripesPerRoundMax = stripesPerRoundMax;
    }

    /**
     * Commits {@code commit} (alone or with others) and returns the store's answer for its tablet:
     * the status, and on OK or VERSION_CONFLICT that tablet's header only.
     *
     * @throws RuntimeException the submitter's exception if the round's answer never came
     */
    CommitTabletsResult commit(TabletCommit commit) {
        Member member = new Member(commit);
        lock.lock();
        try {
            queue.addLast(member);
            while (!member.done) {
                if (roundsInFlight < roundsInFlightMax && !queue.isEmpty()) {
                    List<Member> group = takeGroup();
                    roundsInFlight++;
                    rounds++;
                    lock.unlock();
                    List<Runnable> answers;
                    try {
                        answers = run(group);
                    } finally {
                        lock.lock();
                        roundsInFlight--;
                    }
                    answers.forEach(Runnable::run);
                    roundEnded.signalAll();
                } else {
                    roundEnded.awaitUninterruptibly();
                }
            }
        } finally {
            lock.unlock();
        }
        if (member.failure != null) {
            throw member.failure;
        }
        return member.result;
    }

    /** Returns the number of rounds proposed so far (each one Raft entry, or more if split). */
    long rounds() {
        lock.lock();
        try {
            return rounds;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of commits waiting to be proposed; for tests. */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the oldest queued commits that fit one entry. Caller holds the lock. */
    private List<Member> takeGroup() {
        List<Member> group = new ArrayList<>();
        int stripes = 0;
        while (!queue.isEmpty() && group.size() < tabletsPerRoundMax) {
            Member next = queue.peekFirst();
            if (!group.isEmpty() && stripes + next.stripes > stripesPerRoundMax) {
                break;
            }
            group.add(queue.removeFirst());
            stripes += next.stripes;
        }
        return group;
    }

    /**
     * Proposes {@code group} without the lock; returns what to do with the answers, to run under
     * the lock (complete members, queue members again).
     */
    private List<Runnable> run(List<Member> group) {
        CommitTabletsResult result;
        try {
            result = submitter.submit(propose(group));
        } catch (RuntimeException e) {
            return List.of(() -> group.forEach(member -> fail(member, e)));
        }
        if (group.size() == 1) {
            return List.of(() -> answer(group.get(0), result));
        }
        switch (result.getStatus()) {
            case OK -> {
                if (result.getTabletsCount() == group.size()) {
                    return List.of(() -> {
                        for (int i = 0; i < group.size(); i++) {
                            answer(group.get(i), withTablet(result, result.getTablets(i)));
                        }
                    });
                }
            }
            case VERSION_CONFLICT -> {
                List<Runnable> split = splitConflict(group, result);
                if (split != null) {
                    return split;
                }
            }
            case UNKNOWN_CACHE_NODE, ARRAY_CHANGED -> {
                // Every member's blob was written with the same view of the array, so each would
                // be refused alone too: its writer follows the view and writes again.
                return List.of(() -> group.forEach(member -> answer(member, result)));
            }
            default -> {}
        }
        // Any other refusal names one member in its detail, or none: propose each alone.
        List<Runnable> answers = new ArrayList<>(group.size());
        for (Member member : group) {
            try {
                CommitTabletsResult alone = submitter.submit(propose(List.of(member)));
                answers.add(() -> answer(member, alone));
            } catch (RuntimeException e) {
                answers.add(() -> fail(member, e));
            }
        }
        return answers;
    }

    /** The conflicting members get VERSION_CONFLICT; the rest go back to the head of the queue. */
    private List<Runnable> splitConflict(List<Member> group, CommitTabletsResult result) {
        if (result.getTabletsCount() != group.size()) {
            return null;
        }
        List<Member> stale = new ArrayList<>();
        List<TabletHeader> staleHeaders = new ArrayList<>();
        List<Member> current = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            TabletHeader now = result.getTablets(i);
            Member member = group.get(i);
            if (now.getTabletId() != member.commit.getTabletId()) {
                return null;
            }
            if (now.getVersion() != member.commit.getExpectedVersion()) {
                stale.add(member);
                staleHeaders.add(now);
            } else {
                current.add(member);
            }
        }
        if (stale.isEmpty()) {
            return null;
        }
        return List.of(() -> {
            for (int i = 0; i < stale.size(); i++) {
                answer(stale.get(i), withTablet(result, staleHeaders.get(i)));
            }
            for (int i = current.size() - 1; i >= 0; i--) {
                queue.addFirst(current.get(i));
            }
        });
    }

    private CommitTablets propose(List<Member> group) {
        CommitTablets.Builder commits = CommitTablets.newBuilder().setCacheNodeId(cacheNodeId);
        Set<Long> tablets = new HashSet<>();
        for (Member member : group) {
            if (!tablets.add(member.commit.getTabletId())) {
                throw new IllegalStateException(
                        "tablet " + member.commit.getTabletId() + " has two commits in one group");
            }
            commits.addCommits(member.commit);
        }
        return commits.build();
    }

    private static CommitTabletsResult withTablet(CommitTabletsResult result, TabletHeader tablet) {
        return result.toBuilder().clearTablets().addTablets(tablet).build();
    }

    private static void answer(Member member, CommitTabletsResult result) {
        member.result = result;
        member.done = true;
    }

    private static void fail(Member member, RuntimeException failure) {
        member.failure = failure;
        member.done = true;
    }
}
