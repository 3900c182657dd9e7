package dev.ratchet.sector.server;

import dev.ratchet.attestation.tls.AttestedPeerInterceptor;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * INSECURE test access to a sector server's RAM: snapshot and restore it (a rollback), flip bits
 * in a stored sector or in every sector as it is written (corruption), and dump it (to search for
 * plaintext); and to its calls: hold every call as a paused process would ({@link #pauseCalls}),
 * leave one peer's calls unanswered as a network partition would ({@link #dropCallsFrom}), or
 * answer some peers from a copy of the server ({@link #fork}), as a host that cloned the server's
 * VM and routes those peers to the clone would.
 *
 * <p>These are the attacks a malicious host can mount on a real TEE's memory only by breaking the
 * TEE; tests mount them directly so the array's defences (pinned digests, decoding around bad
 * shards) are exercised against a real server. Hooks exist only when a test passes {@link
 * #enabled()} to {@link SectorServer.Builder#testHooks}; the server then refuses to start unless
 * its identity is on the SIMULATED platform, and logs an INSECURE warning. The only other way to
 * get one is the chaos tests' {@code ratchet sector-server --test-control}, itself refused off the
 * simulated platform.
 *
 * <p>An instance is attached to exactly one server when that server starts; calling a hook before
 * then throws {@link IllegalStateException}. Thread-safe: each hook takes the store's lock.
 */
public final class TestHooks {
    /** The longest a held call waits for {@link #resumeCalls}, so a test that forgets cannot hang. */
    static final long HOLD_MILLIS_MAX = 120_000;

    // Set once, when the server starts.
    private volatile SectorStore store;

    private final Object gate = new Object();

    /** Guarded by {@link #gate}. */
    private boolean paused;

    private final Set<String> dropped = ConcurrentHashMap.newKeySet();

    // Set once, when the server starts: a service over another store, same identity and writers.
    private volatile Function<SectorStore, ServerServiceDefinition> serviceOver;

    /** The clone that {@link #fork} made and the peers it answers, or null. */
    private volatile Fork fork;

    private record Fork(Set<String> callers, ServerServiceDefinition service) {}

    private TestHooks() {}

    /** Returns fresh hooks, to be passed to exactly one server. */
    public static TestHooks enabled() {
        return new TestHooks();
    }

    /** Returns a copy of the server's whole sector RAM and its used-sector bookkeeping. */
    public Snapshot snapshot() {
        return store().snapshot();
    }

    /** Puts the server's RAM back to {@code snapshot}, as a host restoring an old VM image would. */
    public void restore(Snapshot snapshot) {
        store().restore(snapshot);
    }

    /** XORs byte {@code byteOffset} of sector {@code sectorIndex} with {@code mask}. */
    public void flipBits(long sectorIndex, int byteOffset, int mask) {
        store().flipBits(sectorIndex, byteOffset, mask);
    }

    /**
     * From now on ({@code on}) every sector written is stored with one bit flipped, so each new
     * shard on this server is corrupt at rest; {@code false} stops it (what is stored stays).
     */
    public void corruptWrites(boolean on) {
        store().corruptWrites(on);
    }

    /** Returns the indices of the sectors that hold written, untrimmed data, ascending. */
    public long[] usedSectorIndices() {
        return store().usedIndices();
    }

    /** Returns a copy of all sector RAM in index order. */
    public byte[] dumpRam() {
        return store().dumpRam();
    }

    /**
     * From now on every call waits before it is served, as if the server's process were stopped
     * (SIGSTOP): it holds the server's worker threads, so nothing is answered. {@link
     * #resumeCalls} lets the held calls run, late, as SIGCONT would.
     */
    public void pauseCalls() {
        synchronized (gate) {
            paused = true;
        }
    }

    /** Lets held calls run and stops holding new ones. */
    public void resumeCalls() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    /** From now on calls from the attested peer {@code nodeId} are never answered (a partition). */
    public void dropCallsFrom(String nodeId) {
        dropped.add(nodeId);
    }

    /** Answers {@code nodeId}'s calls again. */
    public void answerCallsFrom(String nodeId) {
        dropped.remove(nodeId);
    }

    /**
     * From now on the calls of the attested peers {@code callerNodeIds} are answered by a clone of
     * this server: the same identity and TLS key, the same writer set, and a copy of the RAM as it
     * is now, which from then on diverges (each side keeps only the writes its own callers sent).
     * That is a forked server: to a caller on either side it looks like the one server, yet the
     * two serve different histories. Replaces an earlier fork.
     *
     * <p>The clone lives in this process rather than in a second one; what callers can observe
     * (one identity, one address, diverging sectors) is the same, and it needs no second address
     * routed per caller.
     *
     * @return how many used sectors the clone starts with
     */
    public long fork(Set<String> callerNodeIds) {
        if (callerNodeIds.isEmpty()) {
            throw new IllegalArgumentException("a fork needs at least one caller on the clone's side");
        }
        SectorStore original = store();
        SectorStore clone = new SectorStore(original.capacitySectors());
        clone.restore(original.snapshot());
        fork = new Fork(Set.copyOf(callerNodeIds), serviceOver.apply(clone));
        return clone.usedSectors();
    }

    /** Ends the fork: every peer is answered by the original again (the clone's writes are gone). */
    public void unfork() {
        fork = null;
    }

    /**
     * Returns the interceptor that applies {@link #pauseCalls}, {@link #dropCallsFrom} and {@link
     * #fork}.
     */
    ServerInterceptor callInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                holdWhilePaused();
                String caller = AttestedPeerInterceptor.current().nodeId();
                if (dropped.contains(caller)) {
                    // Never answered and never closed: the caller's deadline ends it.
                    call.request(Integer.MAX_VALUE);
                    return new ServerCall.Listener<>() {};
                }
                Fork current = fork;
                if (current != null && current.callers().contains(caller)) {
                    return cloneHandler(current, call).startCall(call, headers);
                }
                return next.startCall(call, headers);
            }
        };
    }

    // The clone's definition is built from the same service class, so its methods are these.
    @SuppressWarnings("unchecked")
    private static <Q, R> ServerCallHandler<Q, R> cloneHandler(Fork current, ServerCall<Q, R> call) {
        ServerMethodDefinition<?, ?> method =
                current.service().getMethod(call.getMethodDescriptor().getFullMethodName());
        return (ServerCallHandler<Q, R>) method.getServerCallHandler();
    }

    private void holdWhilePaused() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_MILLIS_MAX);
        synchronized (gate) {
            try {
                while (paused) {
                    long leftNanos = deadline - System.nanoTime();
                    if (leftNanos <= 0) {
                        return;
                    }
                    TimeUnit.NANOSECONDS.timedWait(gate, leftNanos);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the server is closing
            }
        }
    }

    synchronized void attach(SectorStore target, Function<SectorStore, ServerServiceDefinition> serviceOverStore) {
        if (store != null) {
            throw new IllegalStateException("these test hooks are already attached to a server");
        }
        store = target;
        serviceOver = serviceOverStore;
    }

    private SectorStore store() {
        SectorStore attached = store;
        if (attached == null) {
            throw new IllegalStateException("test hooks are not attached to a started server");
        }
        return attached;
    }

    /** A copy of a server's sector RAM at one moment; opaque outside this package. */
    public static final class Snapshot {
        private final byte[] ram;
        private final BitSet used;
        private final long usedSectors;

        Snapshot(byte[] ram, BitSet used, long usedSectors) {
            this.ram = ram;
            this.used = used;
            this.usedSectors = usedSectors;
        }

        byte[] ram() {
            return ram;
        }

        BitSet used() {
            return used;
        }

        long usedSectors() {
            return usedSectors;
        }
    }
}
