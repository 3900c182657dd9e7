package dev.ratchet.bench;

import java.util.Arrays;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * A load generator for the baseline of {@code bench/tablet-commit.sh}: {@link CommitLoad}'s
 * closed-loop compare-and-commit load against plain Apache Ratis with ordinary mutual TLS ({@link
 * PlainRatisGroup}) and a trivial state machine ({@link VersionedRecordsStateMachine}), so that the
 * difference between the two is what Ratchet adds.
 *
 * <p>As in {@code CommitLoad}, {@value #CLIENTS} async clients are shared by the submitters; each
 * submitter owns {@value ClosedLoop#BATCH_WRITES} keys and commits one of them ({@code
 * entries=single}) or all of them ({@code entries=batched}) from its current version to the next
 * in one entry, then waits for the answer. Entries are about as large as {@code CommitLoad}'s
 * serialized commands (366 bytes with one tablet, 17,944 with 64): one record of {@value
 * #SINGLE_RECORD_BYTES} bytes, or 64 of {@value #BATCHED_RECORD_BYTES}. A write is one record.
 *
 * <p>Prints {@code ratis_mtls entries=<single|batched> submitters=<N> writes_per_s=<x>
 * p50_ms=<x> p99_ms=<x>}. Usage: {@code RatisMtlsLoad [--quick] [--only single|batched:SUBMITTERS]}
 * (see {@link ClosedLoop}).
 */
public final class RatisMtlsLoad {
    private static final int SINGLE_RECORD_BYTES = 362;
    private static final int BATCHED_RECORD_BYTES = 280;
    private static final int CLIENTS = CommitLoad.CLIENTS_MAX;

    private RatisMtlsLoad() {}

    /** Runs the configurations asked for and prints their lines. */
    public static void main(String[] args) throws Exception {
        try (PlainRatisGroup group = PlainRatisGroup.start(CLIENTS)) {
            Submitter[] submitters = new Submitter[ClosedLoop.SUBMITTERS_MAX];
            for (int i = 0; i < submitters.length; i++) {
                submitters[i] = new Submitter(i, group.clients().get(i % CLIENTS));
            }
            ClosedLoop.measure("ratis_mtls", args, submitters);
        }
        System.exit(0);
    }

    /** One writer over its own keys; versions carry over between configurations. */
    private static final class Submitter implements ClosedLoop.Submitter {
        private final RaftClient client;
        private final long[] keys = new long[ClosedLoop.BATCH_WRITES];
        private final long[] versions = new long[ClosedLoop.BATCH_WRITES];

        Submitter(int index, RaftClient client) {
            this.client = client;
            for (int i = 0; i < keys.length; i++) {
                keys[i] = (long) index * keys.length + i;
            }
        }

        @Override
        public long commitOnce(boolean batched) {
            int records = batched ? ClosedLoop.BATCH_WRITES : 1;
            Message entry = Message.valueOf(VersionedRecordsStateMachine.entry(
                    Arrays.copyOf(keys, records),
                    Arrays.copyOf(versions, records),
                    batched ? BATCHED_RECORD_BYTES : SINGLE_RECORD_BYTES));
            long startNanos = System.nanoTime();
            RaftClientReply reply = client.async().send(entry).join();
            long elapsedNanos = System.nanoTime() - startNanos;
            byte[] answer = reply.getMessage().getContent().toByteArray();
            for (int i = 0; i < records; i++) {
                if (answer.length != records || answer[i] != 1) {
                    throw new IllegalStateException("commit refused: key " + keys[i] + " at version " + versions[i]);
                }
                versions[i]++;
            }
            return elapsedNanos;
        }
    }
}
