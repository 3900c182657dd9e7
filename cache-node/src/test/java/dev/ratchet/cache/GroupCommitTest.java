package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ratchet.client.proto.KvError;
import dev.ratchet.raft.Await;
import dev.ratchet.tablet.proto.CommitTablets;
import dev.ratchet.tablet.proto.CommitTabletsResult;
import dev.ratchet.tablet.proto.TabletBlob;
import dev.ratchet.tablet.proto.TabletCommit;
import dev.ratchet.tablet.proto.TabletHeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Group commit against a fake store that applies CommitTablets atomically, as the real one does. */
class GroupCommitTest {
    private static final String NODE = "ab".repeat(32);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** The tablet store's compare-and-commit on tablet id -> version, all or nothing, with a call log. */
    private static final class FakeStore implements GroupCommit.Submitter {
        final Map<Long, Long> versions = new HashMap<>();
        final List<List<Long>> calls = new ArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile Function<CommitTablets, RuntimeException> failure = commits -> null;

        FakeStore(long... tablets) {
            for (long tablet : tablets) {
                versions.put(tablet, 1L);
            }
        }

        @Override
        public CommitTabletsResult submit(CommitTablets commits) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            synchronized (this) {
                calls.add(commits.getCommitsList().stream()
                        .map(TabletCommit::getTabletId)
                        .toList());
                RuntimeException thrown = failure.apply(commits);
                if (thrown != null) {
                    throw thrown;
                }
                CommitTabletsResult.Builder result = CommitTabletsResult.newBuilder();
                for (TabletCommit commit : commits.getCommitsList()) {
                    if (!versions.containsKey(commit.getTabletId())) {
                        return result.setStatus(CommitTabletsResult.Status.UNKNOWN_TABLET)
                                .setDetail("tablet " + commit.getTabletId())
                                .build();
                    }
                }
                boolean conflict = false;
                for (TabletCommit commit : commits.getCommitsList()) {
                    long now = versions.get(commit.getTabletId());
                    conflict |= now != commit.getExpectedVersion();
                    result.addTablets(header(commit.getTabletId(), now));
                }
                if (conflict) {
                    return result.setStatus(CommitTabletsResult.Status.VERSION_CONFLICT)
                            .build();
                }
                result.clearTablets();
                for (TabletCommit commit : commits.getCommitsList()) {
                    long next = commit.getExpectedVersion() + 1;
                    versions.put(commit.getTabletId(), next);
                    result.addTablets(header(commit.getTabletId(), next));
                }
                return result.setStatus(CommitTabletsResult.Status.OK).build();
            }
        }

        synchronized List<List<Long>> calls() {
            return List.copyOf(calls);
        }
    }

    private static TabletHeader header(long tablet, long version) {
        return TabletHeader.newBuilder().setTabletId(tablet).setVersion(version).build();
    }

    private static TabletCommit commit(long tablet, long expectedVersion, int stripes) {
        TabletBlob.Builder blob = TabletBlob.newBuilder();
        for (int i = 0; i < stripes; i++) {
            blob.addStripes(tablet * 1000 + i);
        }
        return TabletCommit.newBuilder()
                .setTabletId(tablet)
                .setExpectedVersion(expectedVersion)
                .setBlob(blob)
                .build();
    }

    private static GroupCommit group(FakeStore store, int roundsInFlightMax, int tabletsMax, int stripesMax) {
        return new GroupCommit(store, NODE, roundsInFlightMax, tabletsMax, stripesMax);
    }

    private CompletableFuture<CommitTabletsResult> async(GroupCommit commits, TabletCommit commit) {
        return CompletableFuture.supplyAsync(() -> commits.commit(commit), threads);
    }

    /**
     * Blocks the store, starts the first commit (its round then waits at the gate), queues {@code
     * rest} behind it, and opens the gate; returns every answer's future, in order.
     */
    private List<CompletableFuture<CommitTabletsResult>> startBehindOne(
            GroupCommit commits, FakeStore store, TabletCommit first, List<TabletCommit> rest) {
        CountDownLatch gate = new CountDownLatch(1);
        store.gate = gate;
        List<CompletableFuture<CommitTabletsResult>> answers = new ArrayList<>();
        answers.add(async(commits, first));
        Await.until(WAIT, "the first round is proposed", () -> commits.rounds() == 1);
        for (TabletCommit commit : rest) {
            // One at a time, so the queue holds them in this order.
            int queued = answers.size();
            answers.add(async(commits, commit));
            Await.until(WAIT, "commit " + queued + " is queued", () -> commits.queued() == queued);
        }
        gate.countDown();
        return answers;
    }

    /** {@link #startBehindOne}, then waits for every answer. */
    private List<CommitTabletsResult> queuedBehindOne(
            GroupCommit commits, FakeStore store, TabletCommit first, List<TabletCommit> rest) throws Exception {
        List<CommitTabletsResult> results = new ArrayList<>();
        for (CompletableFuture<CommitTabletsResult> answer : startBehindOne(commits, store, first, rest)) {
            results.add(answer.get(10, TimeUnit.SECONDS));
        }
        return results;
    }

    /** Commits tablet 1 alone with tablets 2 and 3 queued behind it; returns 2's and 3's answers. */
    private List<CompletableFuture<CommitTabletsResult>> twoBehindACommittedOne(GroupCommit commits, FakeStore store)
            throws Exception {
        List<CompletableFuture<CommitTabletsResult>> answers =
                startBehindOne(commits, store, commit(1, 1, 1), List.of(commit(2, 1, 1), commit(3, 1, 1)));
        assertEquals(
                CommitTabletsResult.Status.OK,
                answers.get(0).get(10, TimeUnit.SECONDS).getStatus());
        return answers.subList(1, 3);
    }

    @Test
    void aLoneCommitIsProposedAtOnceAndAnsweredWithItsTablet() {
        FakeStore store = new FakeStore(7);
        GroupCommit commits = group(store, 1, 64, 4096);

        CommitTabletsResult result = commits.commit(commit(7, 1, 2));

        assertEquals(CommitTabletsResult.Status.OK, result.getStatus());
        assertEquals(List.of(header(7, 2)), result.getTabletsList());
        assertEquals(List.of(List.of(7L)), store.calls());
    }

    @Test
    void commitsThatQueueDuringARoundGoTogetherInTheNextEntry() throws Exception {
        FakeStore store = new FakeStore(1, 2, 3, 4);
        GroupCommit commits = group(store, 1, 64, 4096);

        List<CommitTabletsResult> results = queuedBehindOne(
                commits, store, commit(1, 1, 1), List.of(commit(2, 1, 1), commit(3, 1, 1), commit(4, 1, 1)));

        assertEquals(2, store.calls().size(), "two entries for four tablets: " + store.calls());
        assertEquals(List.of(1L), store.calls().get(0));
        assertEquals(List.of(2L, 3L, 4L), store.calls().get(1).stream().sorted().toList());
        for (int i = 0; i < 4; i++) {
            assertEquals(CommitTabletsResult.Status.OK, results.get(i).getStatus());
            assertEquals(List.of(header(i + 1, 2)), results.get(i).getTabletsList(), "each sees only its tablet");
        }
    }

    @Test
    void aGroupHoldsAtMostTheTabletAndStripeLimits() throws Exception {
        FakeStore store = new FakeStore(1, 2, 3, 4, 5, 6);
        GroupCommit byTablets = group(store, 1, 2, 4096);
        queuedBehindOne(
                byTablets,
                store,
                commit(1, 1, 1),
                List.of(commit(2, 1, 1), commit(3, 1, 1), commit(4, 1, 1), commit(5, 1, 1)));
        assertEquals(List.of(1, 2, 2), store.calls().stream().map(List::size).toList());

        FakeStore striped = new FakeStore(1, 2, 3, 4);
        GroupCommit byStripes = group(striped, 1, 64, 5);
        queuedBehindOne(
                byStripes, striped, commit(1, 1, 1), List.of(commit(2, 1, 3), commit(3, 1, 2), commit(4, 1, 4)));
        assertEquals(List.of(1, 2, 1), striped.calls().stream().map(List::size).toList());
    }

    @Test
    void aStaleMemberGetsTheConflictAndTheOthersCommitInTheNextRound() throws Exception {
        FakeStore store = new FakeStore(1, 2, 3, 4);
        store.versions.put(3L, 5L);
        GroupCommit commits = group(store, 1, 64, 4096);

        List<CommitTabletsResult> results = queuedBehindOne(
                commits, store, commit(1, 1, 1), List.of(commit(2, 1, 1), commit(3, 1, 1), commit(4, 1, 1)));

        assertEquals(CommitTabletsResult.Status.VERSION_CONFLICT, results.get(2).getStatus());
        assertEquals(List.of(header(3, 5)), results.get(2).getTabletsList());
        for (int i : new int[] {0, 1, 3}) {
            assertEquals(CommitTabletsResult.Status.OK, results.get(i).getStatus());
            assertEquals(List.of(header(i + 1, 2)), results.get(i).getTabletsList());
        }
        assertEquals(5L, store.versions.get(3L), "the stale tablet is untouched");
        assertEquals(List.of(2L, 4L), store.calls().get(2).stream().sorted().toList(), "the rest went again together");
    }

    @Test
    void anotherRefusalOfAGroupIsTakenApartSoOnlyTheCulpritIsRefused() throws Exception {
        FakeStore store = new FakeStore(1, 2, 4);
        GroupCommit commits = group(store, 1, 64, 4096);

        List<CommitTabletsResult> results = queuedBehindOne(
                commits, store, commit(1, 1, 1), List.of(commit(2, 1, 1), commit(3, 1, 1), commit(4, 1, 1)));

        assertEquals(CommitTabletsResult.Status.UNKNOWN_TABLET, results.get(2).getStatus());
        for (int i : new int[] {0, 1, 3}) {
            assertEquals(CommitTabletsResult.Status.OK, results.get(i).getStatus());
        }
        assertEquals(2L, store.versions.get(2L));
        assertEquals(2L, store.versions.get(4L));
    }

    @Test
    void anUnknownCacheNodeRefusesEveryMemberWithoutRetries() throws Exception {
        FakeStore store = new FakeStore(1, 2, 3);
        GroupCommit commits = new GroupCommit(
                group -> {
                    List<Long> ids = group.getCommitsList().stream()
                            .map(TabletCommit::getTabletId)
                            .toList();
                    if (ids.size() == 1 && ids.get(0) == 1L) {
                        return store.submit(group);
                    }
                    synchronized (store) {
                        store.calls.add(ids);
                    }
                    return CommitTabletsResult.newBuilder()
                            .setStatus(CommitTabletsResult.Status.UNKNOWN_CACHE_NODE)
                            .setDetail(NODE)
                            .build();
                },
                NODE,
                1,
                64,
                4096);
        for (CompletableFuture<CommitTabletsResult> answer : twoBehindACommittedOne(commits, store)) {
            assertEquals(
                    CommitTabletsResult.Status.UNKNOWN_CACHE_NODE,
                    answer.get(10, TimeUnit.SECONDS).getStatus());
        }
        assertEquals(2, store.calls().size(), "no member was proposed again alone: " + store.calls());
    }

    @Test
    void aRoundWithoutAnAnswerFailsEveryMemberWithTheSameUnknownOutcome() throws Exception {
        FakeStore store = new FakeStore(1, 2, 3);
        KvException lost = new KvException(KvError.OUTCOME_UNKNOWN, "the tablet store did not answer");
        store.failure = group -> group.getCommitsCount() > 1 ? lost : null;
        GroupCommit commits = group(store, 1, 64, 4096);
        for (CompletableFuture<CommitTabletsResult> answer : twoBehindACommittedOne(commits, store)) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
            assertSame(lost, failed.getCause());
        }
        assertEquals(2, store.calls().size(), "an unanswered round is not proposed again: " + store.calls());
    }

    @Test
    void twoRoundsMayBeInFlightAndTheThirdWaits() throws Exception {
        FakeStore store = new FakeStore(1, 2, 3);
        GroupCommit commits = group(store, 2, 64, 4096);
        CountDownLatch gate = new CountDownLatch(1);
        store.gate = gate;
        CompletableFuture<CommitTabletsResult> first = async(commits, commit(1, 1, 1));
        CompletableFuture<CommitTabletsResult> second = async(commits, commit(2, 1, 1));
        Await.until(WAIT, "two rounds are proposed", () -> commits.rounds() == 2);
        CompletableFuture<CommitTabletsResult> third = async(commits, commit(3, 1, 1));
        Await.until(WAIT, "the third is queued", () -> commits.queued() == 1);
        gate.countDown();

        for (CompletableFuture<CommitTabletsResult> answer : List.of(first, second, third)) {
            assertEquals(
                    CommitTabletsResult.Status.OK,
                    answer.get(10, TimeUnit.SECONDS).getStatus());
        }
        assertEquals(3, commits.rounds());
    }
}
