package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A sector device held in a map, with injectable faults: the array's tests stand it in for a remote
 * sector server.
 *
 * <p>Faults are chosen when a call starts. With {@link #hold()} calls are answered only when the test
 * calls {@link #release()}, which makes delays and pipelining observable without sleeping. The
 * device tracks the sectors in its unanswered calls, and their maximum, so tests can check the
 * array's window.
 */
final class InMemorySectorDevice implements SectorDevice {
    /** How the device misbehaves. */
    enum Fault {
        NONE,
        /** Every call fails at once with UNAVAILABLE: the server is down. */
        UNAVAILABLE,
        /** Calls never complete: only the array's own timeout ends them. */
        HANG,
        /** Reads fail with BAD_PROOF, as if the signature did not verify; writes work. */
        BAD_PROOF,
        /** Reads return the data of the next sector instead of the one asked for. */
        MISDIRECT,
        /** Every call is refused with SECTOR_OUT_OF_RANGE. */
        REFUSE,
        /** Reads return sectors cut short, a reply the array must treat as malformed. */
        TRUNCATE
    }

    private final String nodeId;

    /** Stored sectors; absent ones read as zeros. Guarded by {@code this}. */
    private final Map<Long, byte[]> sectors = new HashMap<>();

    /** Answers waiting for {@link #release()}. Guarded by {@code this}. */
    private final List<Runnable> held = new ArrayList<>();

    /** Guarded by {@code this}. */
    private boolean holding;

    private volatile Fault fault = Fault.NONE;
    private volatile boolean closed;
    private final AtomicInteger sectorsInFlight = new AtomicInteger();
    private final AtomicInteger sectorsInFlightMax = new AtomicInteger();
    private final AtomicInteger readCalls = new AtomicInteger();
    private final AtomicInteger writeCalls = new AtomicInteger();

    InMemorySectorDevice(String nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public CompletableFuture<List<byte[]>> read(long[] sectorIndices) {
        readCalls.incrementAndGet();
        Fault now = fault;
        return answer(sectorIndices.length, () -> {
            if (now == Fault.BAD_PROOF) {
                throw failure(SectorDeviceException.Kind.BAD_PROOF, null, "signature does not verify");
            }
            List<byte[]> result = new ArrayList<>();
            for (long index : sectorIndices) {
                byte[] sector = stored(now == Fault.MISDIRECT ? index + 1 : index);
                result.add(now == Fault.TRUNCATE ? java.util.Arrays.copyOf(sector, 100) : sector);
            }
            return result;
        });
    }

    @Override
    public CompletableFuture<Void> write(long[] sectorIndices, List<byte[]> data) {
        writeCalls.incrementAndGet();
        return answer(sectorIndices.length, () -> {
            synchronized (this) {
                for (int i = 0; i < sectorIndices.length; i++) {
                    sectors.put(sectorIndices[i], data.get(i).clone());
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> trim(long[] sectorIndices) {
        return answer(sectorIndices.length, () -> {
            synchronized (this) {
                for (long index : sectorIndices) {
                    sectors.remove(index);
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<DeviceStatus> status() {
        return answer(0, () -> {
            synchronized (this) {
                return new DeviceStatus(1L << 20, sectors.size(), 0, 64);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    void setFault(Fault fault) {
        this.fault = fault;
    }

    /** Returns a copy of the stored sector, zeros if absent. */
    synchronized byte[] stored(long index) {
        byte[] sector = sectors.get(index);
        return sector == null ? new byte[CauchyCode.SECTOR_SIZE_BYTES] : sector.clone();
    }

    synchronized boolean holds(long index) {
        return sectors.containsKey(index);
    }

    /** Flips one bit of a stored sector, as corruption in the server's RAM would. */
    synchronized void corrupt(long index, int byteOffset) {
        byte[] sector = sectors.get(index);
        if (sector == null) {
            throw new IllegalStateException(nodeId + " holds no sector " + index);
        }
        sector[byteOffset] ^= 1;
    }

    /** Returns a copy of everything stored, for a later {@link #restore}. */
    synchronized Map<Long, byte[]> snapshot() {
        Map<Long, byte[]> copy = new HashMap<>();
        sectors.forEach((index, sector) -> copy.put(index, sector.clone()));
        return copy;
    }

    /** Rolls the device back to a snapshot, as a host replaying an old memory image would. */
    synchronized void restore(Map<Long, byte[]> snapshot) {
        sectors.clear();
        snapshot.forEach((index, sector) -> sectors.put(index, sector.clone()));
    }

    /** Makes later calls wait for {@link #release()}. */
    synchronized void hold() {
        holding = true;
    }

    /** Answers every call waiting now; calls made meanwhile wait for the next release. */
    void release() {
        List<Runnable> answers;
        synchronized (this) {
            answers = new ArrayList<>(held);
            held.clear();
        }
        answers.forEach(Runnable::run);
    }

    /** Stops holding and answers everything waiting. */
    void stopHolding() {
        synchronized (this) {
            holding = false;
        }
        release();
    }

    synchronized int heldCallCount() {
        return held.size();
    }

    int sectorsInFlightMax() {
        return sectorsInFlightMax.get();
    }

    int readCalls() {
        return readCalls.get();
    }

    int writeCalls() {
        return writeCalls.get();
    }

    private <T> CompletableFuture<T> answer(int sectorCount, Supplier<T> body) {
        if (closed) {
            return CompletableFuture.failedFuture(failure(SectorDeviceException.Kind.UNAVAILABLE, null, "closed"));
        }
        Fault now = fault;
        if (now == Fault.UNAVAILABLE) {
            return CompletableFuture.failedFuture(failure(SectorDeviceException.Kind.UNAVAILABLE, null, "down"));
        }
        if (now == Fault.REFUSE) {
            return CompletableFuture.failedFuture(
                    failure(SectorDeviceException.Kind.REFUSED, "SECTOR_OUT_OF_RANGE", "refused"));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        if (now == Fault.HANG) {
            return result;
        }
        sectorsInFlightMax.accumulateAndGet(sectorsInFlight.addAndGet(sectorCount), Math::max);
        Runnable respond = () -> {
            sectorsInFlight.addAndGet(-sectorCount);
            try {
                result.complete(body.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        synchronized (this) {
            if (holding) {
                held.add(respond);
                return result;
            }
        }
        respond.run();
        return result;
    }

    private SectorDeviceException failure(SectorDeviceException.Kind kind, String serverError, String detail) {
        return new SectorDeviceException(kind, nodeId, serverError, detail, null);
    }
}
